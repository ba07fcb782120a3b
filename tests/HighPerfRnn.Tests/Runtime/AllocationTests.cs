using HighPerfRnn.Planning;
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
        { "seed stacked bidirectional, batch 8: row sequences", new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true), 8, 10, SequenceLayout.SequenceFirst, true },
        { "32 → 32 two layers, batch 3: row sequences", new RnnArchitecture(RnnCell.Rnn, 32, 32, numLayers: 2), 3, 10, SequenceLayout.BatchFirst, true },
        { "12 bidirectional, batch 5: one-panel row sequences", new RnnArchitecture(RnnCell.Rnn, 12, 12, bidirectional: true), 5, 10, SequenceLayout.BatchFirst, false },
        { "LSTM with projection, stacked bidirectional", new RnnArchitecture(RnnCell.Lstm, 9, 16, numLayers: 2, bidirectional: true, projSize: 5), 3, 7, SequenceLayout.BatchFirst, true },
        { "GRU, 2 layers, seq first", new RnnArchitecture(RnnCell.Gru, 12, 20, numLayers: 2), 4, 9, SequenceLayout.SequenceFirst, true },
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
            var cN = new float[architecture.Cell == RnnCell.Lstm ? architecture.StateRows * batch * architecture.HiddenSize : 0];
            float[] c0 = withH0 ? new float[cN.Length] : [];
            AllocationMeter.AssertAllocatesNothing(
                () =>
                {
                    model.Forward(input, output, hN, batch, seqLen, layout, h0, workspace);
                    model.Forward(input, output, hN, batch, seqLen, layout, h0);
                    if (cN.Length > 0)
                    {
                        model.Forward(input, output, hN, cN, batch, seqLen, layout, h0, c0, workspace);
                    }
                },
                $"{name} [{path}] Forward");
        }
    }

    [Fact]
    public void Lstm_step_allocates_nothing_after_warm_up()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 6, 10, numLayers: 2, projSize: 4), seed: 4);
        var input = new float[3 * 6];
        var state = new float[2 * 3 * 4];
        var cell = new float[2 * 3 * 10];
        var output = new float[3 * 4];
        AllocationMeter.AssertAllocatesNothing(() => model.Step(input, state, cell, output, batch: 3), "LSTM Step");
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

    [Theory]
    [InlineData(RnnCell.Rnn, 8)]
    [InlineData(RnnCell.Rnn, 24)]
    [InlineData(RnnCell.Lstm, 16)]
    [InlineData(RnnCell.Gru, 20)]
    public void A_row_by_row_step_allocates_nothing_after_warm_up(RnnCell cell, int hidden)
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(cell, 5, hidden), seed: 6);
        Assert.True(model.DescribePlan(RnnCall.Step, 3).RunsRowByRow);
        var input = new float[3 * 5];
        var state = new float[3 * hidden];
        var cellState = new float[3 * hidden];
        var output = new float[3 * hidden];
        AllocationMeter.AssertAllocatesNothing(
            () =>
            {
                if (cell == RnnCell.Lstm)
                {
                    model.Step(input, state, cellState, output, batch: 3);
                }
                else
                {
                    model.Step(input, state, output, batch: 3);
                }
            },
            $"{cell} {hidden} Step, 3 rows one by one");
    }

    [Fact]
    public void Parallel_forward_allocates_nothing_after_warm_up()
    {
        var architecture = new RnnArchitecture(RnnCell.Lstm, 16, 32);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 2);
        using var runner = new RnnParallelRunner(2);
        var input = new float[8 * 10 * 16];
        var output = new float[8 * 10 * 32];
        var hN = new float[8 * 32];
        var cN = new float[8 * 32];
        AllocationMeter.AssertAllocatesNothing(() => runner.Forward(model, input, output, hN, cN, 8, 10, SequenceLayout.SequenceFirst), "parallel LSTM forward", everyThread: true);
    }

    [Fact]
    public void Parallel_forward_sharing_units_allocates_nothing_after_warm_up()
    {
        // LSTM 256 at batch 2: two threads split each step's units (ExecutionPlanner.ShareUnitsTeam).
        var architecture = new RnnArchitecture(RnnCell.Lstm, 256, 256);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 2);
        using var runner = new RnnParallelRunner(2);
        Assert.Equal((ParallelSplit.Units, 2), runner.SplitFor(model, 2, 6, default));
        var input = new float[2 * 6 * 256];
        var output = new float[2 * 6 * 256];
        var hN = new float[2 * 256];
        var cN = new float[2 * 256];
        AllocationMeter.AssertAllocatesNothing(() => runner.Forward(model, input, output, hN, cN, 2, 6, SequenceLayout.SequenceFirst), "parallel LSTM forward sharing units", everyThread: true);
    }

    [Fact]
    public void Parallel_forward_of_directions_apart_allocates_nothing_after_warm_up()
    {
        // A bidirectional LSTM 64 at batch 1: each direction on a thread of its own (ExecutionPlanner.ParallelSplitFor).
        var architecture = new RnnArchitecture(RnnCell.Lstm, 64, 64, numLayers: 2, bidirectional: true);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 2);
        using var runner = new RnnParallelRunner(2);
        Assert.Equal((ParallelSplit.Directions, 2), runner.SplitFor(model, 1, 100, default));
        var input = new float[100 * 64];
        var output = new float[100 * 128];
        var hN = new float[4 * 64];
        var cN = new float[4 * 64];
        AllocationMeter.AssertAllocatesNothing(() => runner.Forward(model, input, output, hN, cN, 1, 100, SequenceLayout.BatchFirst), "parallel bidirectional LSTM forward, directions apart", everyThread: true);
    }

    [Fact]
    public void Ragged_forward_allocates_nothing_after_warm_up()
    {
        var architecture = new RnnArchitecture(RnnCell.Lstm, 8, 16, numLayers: 2, bidirectional: true);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 2);
        int[] lengths = [3, 10, 1, 7, 10, 4];
        var input = new float[6 * 10 * 8];
        var output = new float[6 * 10 * 32];
        var hN = new float[4 * 6 * 16];
        var cN = new float[4 * 6 * 16];
        var h0 = new float[hN.Length];
        AllocationMeter.AssertAllocatesNothing(
            () =>
            {
                model.Forward(input, output, hN, cN, 6, 10, lengths, SequenceLayout.BatchFirst, h0);
                model.Forward(input, output, hN, 6, 10, lengths, SequenceLayout.SequenceFirst);
            },
            "ragged LSTM forward");
    }
}
