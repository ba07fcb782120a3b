using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Fuzz;

/// <summary>
/// What is fuzzed: the bytes of a model file through everything <see cref="RnnModel.Load"/> does (parse the header,
/// read every tensor as float32, infer the architecture, validate, pack), then a forward pass of the model that
/// loaded. The documented exceptions, <see cref="SafetensorsFormatException"/> and <see cref="ModelWeightsException"/>,
/// are the expected answers to bad input; any other exception escapes and is a crash for the fuzzer, as are hangs
/// (afl-fuzz's -t) and process deaths (stack overflow, access violation).
/// </summary>
public static class LoadTarget
{
    /// <summary>How a run ended, for <c>--replay</c>.</summary>
    public enum Outcome
    {
        Loaded,
        NotSafetensors,
        NotAModel,
    }

    public static Outcome Run(byte[] bytes)
    {
        RnnModel model;
        try
        {
            SafetensorsFile file = SafetensorsFile.Parse(bytes);

            // The other readers of the same tensors must agree with the header (and not throw anything else).
            foreach (SafetensorsTensorInfo tensor in file.Tensors)
            {
                if (file.GetTensorBytes(tensor.Name).Length != tensor.ByteLength)
                {
                    throw new InvalidOperationException($"GetTensorBytes('{tensor.Name}') disagrees with the header's byte length {tensor.ByteLength}.");
                }
            }

            model = RnnModel.FromSafetensors(file);
        }
        catch (SafetensorsFormatException error) when (!string.IsNullOrEmpty(error.Message))
        {
            return Outcome.NotSafetensors;
        }
        catch (ModelWeightsException error) when (!string.IsNullOrEmpty(error.Message))
        {
            return Outcome.NotAModel;
        }

        Forward(model);
        return Outcome.Loaded;
    }

    public static byte[] ReadAll(Stream stream)
    {
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>A forward pass of batch 2, 3 steps, with h0 (and c0), which must complete.</summary>
    private static void Forward(RnnModel model)
    {
        RnnArchitecture a = model.Architecture;
        const int Batch = 2, SeqLen = 3;
        float[] input = Filled(Batch * SeqLen * a.InputSize, 0.25f);
        float[] h0 = Filled(a.StateRows * Batch * a.StateSize, -0.5f);
        var output = new float[Batch * SeqLen * a.OutputSize];
        var hN = new float[h0.Length];
        if (a.Cell == RnnCell.Lstm)
        {
            float[] c0 = Filled(a.StateRows * Batch * a.HiddenSize, 0.5f);
            model.Forward(input, output, hN, new float[c0.Length], Batch, SeqLen, SequenceLayout.SequenceFirst, h0, c0);
        }
        else
        {
            model.Forward(input, output, hN, Batch, SeqLen, SequenceLayout.SequenceFirst, h0);
        }

        if (!a.Bidirectional)
        {
            // Streaming through Step, the other public entry point, on the same model.
            float[] state = Filled(a.NumLayers * a.StateSize, 0f);
            var y = new float[a.StateSize];
            if (a.Cell == RnnCell.Lstm)
            {
                model.Step(input.AsSpan(0, a.InputSize), state, new float[a.NumLayers * a.HiddenSize], y);
            }
            else
            {
                model.Step(input.AsSpan(0, a.InputSize), state, y);
            }
        }
    }

    private static float[] Filled(int count, float value)
    {
        var values = new float[count];
        values.AsSpan().Fill(value);
        return values;
    }
}
