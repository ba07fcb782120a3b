using HighPerfRnn.Reference;

namespace HighPerfRnn.Tests.Support;

/// <summary>Random weights, inputs and states for property tests, drawn from a seed, plus their double copies for the reference.</summary>
internal static class RandomModels
{
    /// <summary>A state_dict for <paramref name="architecture"/>, values uniform in ±<paramref name="scale"/>/√hidden (PyTorch's init when scale is 1).</summary>
    public static Dictionary<string, FloatTensor> StateDict(RnnArchitecture architecture, Random random, float scale = 1f)
    {
        float bound = scale / MathF.Sqrt(architecture.HiddenSize);
        var stateDict = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach ((string name, int[] shape) in ExpectedTensors(architecture))
        {
            int count = shape.Aggregate(1, (a, b) => a * b);
            stateDict[name] = new FloatTensor(Uniform(random, count, bound), shape);
        }

        return stateDict;
    }

    public static float[] Uniform(Random random, int count, float bound)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
        }

        return values;
    }

    /// <summary>PyTorch's parameter names and shapes, written out here independently of the library's own list.</summary>
    public static IEnumerable<(string Name, int[] Shape)> ExpectedTensors(RnnArchitecture a)
    {
        int gates = a.Cell switch { RnnCell.Lstm => 4, RnnCell.Gru => 3, _ => 1 } * a.HiddenSize;
        for (int layer = 0; layer < a.NumLayers; layer++)
        {
            foreach (string suffix in a.Bidirectional ? new[] { "", "_reverse" } : new[] { "" })
            {
                int layerInput = layer == 0 ? a.InputSize : a.OutputSize;
                yield return ($"weight_ih_l{layer}{suffix}", [gates, layerInput]);
                yield return ($"weight_hh_l{layer}{suffix}", [gates, a.StateSize]);
                if (a.Bias)
                {
                    yield return ($"bias_ih_l{layer}{suffix}", [gates]);
                    yield return ($"bias_hh_l{layer}{suffix}", [gates]);
                }

                if (a.ProjSize > 0)
                {
                    yield return ($"weight_hr_l{layer}{suffix}", [a.ProjSize, a.HiddenSize]);
                }
            }
        }
    }

    public static ReferenceConfig ToReference(RnnArchitecture a) => new(
        a.Cell switch { RnnCell.Lstm => ReferenceCell.Lstm, RnnCell.Gru => ReferenceCell.Gru, _ => ReferenceCell.Rnn },
        a.InputSize,
        a.HiddenSize,
        a.NumLayers,
        a.Bidirectional,
        a.Bias,
        a.Nonlinearity == RnnNonlinearity.Relu,
        a.ProjSize);

    public static Dictionary<string, double[]> ToDouble(IReadOnlyDictionary<string, FloatTensor> stateDict)
        => stateDict.ToDictionary(pair => pair.Key, pair => ToDouble(pair.Value.Data), StringComparer.Ordinal);

    public static double[] ToDouble(float[] values) => Array.ConvertAll(values, v => (double)v);
}
