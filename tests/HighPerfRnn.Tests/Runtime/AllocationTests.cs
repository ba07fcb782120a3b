using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>After warm-up, forward passes and steps allocate nothing: measured, not assumed.</summary>
[Collection(AllocationMeter.Collection)]
public sealed class AllocationTests
{

    public static TheoryData<string, RnnArchitecture, int, int, SequenceLayout, bool> Configurations => new()
    {
        { "seed 5→8", new RnnArchitecture(RnnCell.Rnn, 5, 8), 1, 10, SequenceLayout.BatchFirst, false },
        { "seed stacked bidirectional", new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true), 1, 10, SequenceLayout.BatchFirst, true },
        { "3 layers bidirectional relu, batch 4, seq first", new RnnArchitecture(RnnCell.Rnn, 33, 17, numLayers: 3, bidirectional: true, nonlinearity: RnnNonlinearity.Relu), 4, 12, SequenceLayout.SequenceFirst, true },
        { "no bias, unbatched", new RnnArchitecture(RnnCell.Rnn, 13, 64, bias: false), 1, 20, SequenceLayout.Unbatched, false },
        { "128 → 128 batch 8", new RnnArchitecture(RnnCell.Rnn, 128, 128), 8, 16, SequenceLayout.BatchFirst, true },
    };

    [Theory]
    [MemberData(nameof(Configurations))]
    public void Forward_allocates_nothing_after_warm_up(string name, RnnArchitecture architecture, int batch, int seqLen, SequenceLayout layout, bool withH0)
    {
        foreach (SimdPath path in Support.TestPaths.Hardware)
        {
            RnnModel model = RnnModel.FromStateDict(architecture, Support.RandomModels.StateDict(architecture, new Random(1)), path);
            var input = new float[batch * seqLen * architecture.InputSize];
            var output = new float[batch * seqLen * architecture.OutputSize];
            var hN = new float[architecture.StateRows * batch * architecture.StateSize];
            float[] h0 = withH0 ? new float[hN.Length] : [];
            var workspace = new RnnWorkspace();
            AllocationMeter.AssertAllocatesNothing(
                () =>
                {
                    model.Forward(input, output, hN, batch, seqLen, layout, h0, workspace);
                    model.Forward(input, output, hN, batch, seqLen, layout, h0);
                },
                $"{name} [{path}] Forward");
        }
    }

    [Fact]
    public void Step_allocates_nothing_after_warm_up()
    {
        var architecture = new RnnArchitecture(RnnCell.Rnn, 16, 32, numLayers: 2);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 3);
        var input = new float[2 * 16];
        var state = new float[2 * 2 * 32];
        var output = new float[2 * 32];
        AllocationMeter.AssertAllocatesNothing(() => model.Step(input, state, output, batch: 2), "Step");
    }
}
