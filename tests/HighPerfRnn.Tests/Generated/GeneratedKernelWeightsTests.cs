using HighPerfRnn.Generated;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Generated;

/// <summary>
/// <see cref="GeneratedKernelWeights.ProjectInputs"/>, the input product a projecting whole-model Forward runs on a layer's
/// whole sequence: every argument checked with its name, and its rows the bias plus W_ih·x against the naive double sums
/// (the declared models' bit identity with the runtime-sized model is DeclaredBitIdentityTests').
/// </summary>
public sealed class GeneratedKernelWeightsTests
{
    [Fact]
    public void Project_inputs_names_the_argument_at_fault()
    {
        var architecture = new RnnArchitecture(RnnCell.Lstm, 6, 5, numLayers: 2, bidirectional: true);
        GeneratedKernelWeights weights = RnnModel.CreateRandom(architecture, seed: 3).GetGeneratedKernelWeights();
        int rowFloats = 4 * ((5 + weights.PanelWidth - 1) / weights.PanelWidth * weights.PanelWidth);
        var input = new float[3 * 6];
        var rows = new float[3 * rowFloats];

        Assert.Equal("layer", Assert.Throws<ArgumentOutOfRangeException>(() => weights.ProjectInputs(2, 0, input, 6, 3, rows)).ParamName);
        Assert.Equal("direction", Assert.Throws<ArgumentOutOfRangeException>(() => weights.ProjectInputs(0, 2, input, 6, 3, rows)).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentOutOfRangeException>(() => weights.ProjectInputs(0, 0, input, 6, -1, rows)).ParamName);
        Assert.Equal("inputStride", Assert.Throws<ArgumentOutOfRangeException>(() => weights.ProjectInputs(0, 0, input, 5, 3, rows)).ParamName);
        ArgumentException shortInput = Assert.Throws<ArgumentException>(() => weights.ProjectInputs(0, 0, input.AsSpan(1), 6, 3, rows));
        Assert.Equal("input", shortInput.ParamName);
        Assert.Contains("18", shortInput.Message, StringComparison.Ordinal);
        Assert.Equal("preactivations", Assert.Throws<ArgumentException>(() => weights.ProjectInputs(0, 0, input, 6, 3, rows.AsSpan(1))).ParamName);

        // A later layer's input is both directions' h: 10 floats a row.
        Assert.Equal("inputStride", Assert.Throws<ArgumentOutOfRangeException>(() => weights.ProjectInputs(1, 1, new float[30], 6, 3, rows)).ParamName);
    }

    [Fact]
    public void Project_inputs_gives_the_bias_plus_the_input_product_of_every_row()
    {
        var architecture = new RnnArchitecture(RnnCell.Gru, 7, 9, numLayers: 1, bidirectional: true);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, new Random(11));
        foreach (SimdPath path in TestPaths.Hardware)
        {
            GeneratedKernelWeights weights = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path).GetGeneratedKernelWeights();
            int padded = (9 + weights.PanelWidth - 1) / weights.PanelWidth * weights.PanelWidth;
            const int Rows = 4, Stride = 10; // input rows 10 floats apart, 7 read
            float[] input = RandomModels.Uniform(new Random(5), Rows * Stride, 1f);
            var rows = new float[Rows * 3 * padded];
            weights.ProjectInputs(0, 1, input, Stride, Rows, rows);

            float[] wih = stateDict["weight_ih_l0_reverse"].Data.ToArray();
            float[] bih = stateDict["bias_ih_l0_reverse"].Data.ToArray();
            float[] bhh = stateDict["bias_hh_l0_reverse"].Data.ToArray();
            for (int r = 0; r < Rows; r++)
            {
                for (int gate = 0; gate < 3; gate++)
                {
                    for (int unit = 0; unit < 9; unit++)
                    {
                        int row = (gate * 9) + unit;
                        // b_ih + b_hh on r and z, b_in alone on n (b_hn joins the recurrent product).
                        double expected = bih[row] + (gate < 2 ? bhh[row] : 0);
                        for (int k = 0; k < 7; k++)
                        {
                            expected += (double)wih[(row * 7) + k] * input[(r * Stride) + k];
                        }

                        float actual = rows[(r * 3 * padded) + (gate * padded) + unit];
                        Assert.True(Math.Abs(actual - expected) <= 1e-5 * (1 + Math.Abs(expected)), $"[{path}] row {r} gate {gate} unit {unit}: {actual} vs {expected}");
                    }
                }
            }
        }
    }
}
