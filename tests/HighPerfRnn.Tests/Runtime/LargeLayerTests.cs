using HighPerfRnn.Reference;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>
/// Shapes past the size-dependent choices of the driver and kernels, which the random properties (sizes ≤ 70) do not
/// reach: bidirectional layers too large to interleave, and products of many panel blocks.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class LargeLayerTests
{
    /// <summary>Same budget as the properties: 2e-5 + 2e-5·|expected|; these sums run over up to 512 terms, still ~√K·2⁻²⁴ ≈ 1e-6.</summary>
    private const double Absolute = 2e-5;
    private const double Relative = 2e-5;

    public static TheoryData<RnnCell, int, int, int, SequenceLayout> Cases => new()
    {
        // 2 × 256 × 256 floats of W_hh = 512 KB: the directions run one after the other.
        { RnnCell.Rnn, 40, 256, 1, SequenceLayout.BatchFirst },
        { RnnCell.Gru, 24, 160, 2, SequenceLayout.SequenceFirst },
        { RnnCell.Lstm, 16, 136, 3, SequenceLayout.BatchFirst },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Large_bidirectional_layers_match_the_reference(RnnCell cell, int inputSize, int hiddenSize, int batch, SequenceLayout layout)
    {
        const int seqLen = 6;
        var architecture = new RnnArchitecture(cell, inputSize, hiddenSize, numLayers: 2, bidirectional: true);
        var random = new Random(hiddenSize);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
        float[] input = RandomModels.Uniform(random, batch * seqLen * inputSize, 1f);
        float[] h0 = RandomModels.Uniform(random, architecture.StateRows * batch * hiddenSize, 1f);
        NaiveRecurrentReference.Result expected = NaiveRecurrentReference.Forward(
            RandomModels.ToReference(architecture), RandomModels.ToDouble(stateDict), RandomModels.ToDouble(input), batch, seqLen,
            layout != SequenceLayout.SequenceFirst, RandomModels.ToDouble(h0));

        foreach (SimdPath path in TestPaths.Hardware)
        {
            RnnModel model = RnnModel.FromStateDict(architecture, stateDict, path);
            var output = new float[expected.Output.Length];
            var hN = new float[expected.HN.Length];
            model.Forward(input, output, hN, batch, seqLen, layout, h0);
            Tolerance.AssertClose(output, expected.Output, Absolute, Relative, $"{architecture} [{path}] output");
            Tolerance.AssertClose(hN, expected.HN, Absolute, Relative, $"{architecture} [{path}] h_n");
        }
    }
}
