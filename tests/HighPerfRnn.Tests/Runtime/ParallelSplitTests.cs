using HighPerfRnn.Kernels;
using HighPerfRnn.Planning;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>
/// A parallel pass whose threads share each step's hidden units, or a bidirectional model's directions (instead of the
/// batch rows), gives the bits of one thread: every cell, both layouts, one and two directions, stacked layers, with and
/// without initial states, teams of 2, 3 and 8 threads (more threads than a gate block has panels: some members own no
/// units and only wait). The planner's lines between the splits. In the Kernels category, so the forced-path reruns take
/// it through every SIMD width.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class ParallelSplitTests
{
    public static TheoryData<RnnArchitecture, int, SequenceLayout, bool> UnitCases => new()
    {
        { new RnnArchitecture(RnnCell.Lstm, 24, 128), 8, SequenceLayout.SequenceFirst, true },
        { new RnnArchitecture(RnnCell.Lstm, 9, 40, numLayers: 2, bidirectional: true), 5, SequenceLayout.BatchFirst, true },
        { new RnnArchitecture(RnnCell.Lstm, 4, 12, bidirectional: true), 4, SequenceLayout.SequenceFirst, false },
        { new RnnArchitecture(RnnCell.Gru, 7, 20, numLayers: 3), 9, SequenceLayout.BatchFirst, true },
        { new RnnArchitecture(RnnCell.Gru, 16, 64), 6, SequenceLayout.SequenceFirst, false },
        { new RnnArchitecture(RnnCell.Rnn, 13, 33, numLayers: 2, bidirectional: true), 7, SequenceLayout.BatchFirst, true },
        { new RnnArchitecture(RnnCell.Rnn, 10, 72, nonlinearity: RnnNonlinearity.Relu), 6, SequenceLayout.SequenceFirst, false },

        // Batch 1: layers the plan gives the fused step or the Elman sequence kernel.
        { new RnnArchitecture(RnnCell.Lstm, 9, 40, numLayers: 2), 1, SequenceLayout.Unbatched, true },
        { new RnnArchitecture(RnnCell.Gru, 9, 24), 1, SequenceLayout.BatchFirst, true },

        // Batch 1 on the fused step over each member's panels: above 48 KB of W_hh on the 512-bit path (chunk by chunk),
        // within 16 KB for the LSTM on the 256-bit one (panel pairs, an odd panel left over in a share), both directions.
        { new RnnArchitecture(RnnCell.Lstm, 9, 56), 1, SequenceLayout.BatchFirst, true },
        { new RnnArchitecture(RnnCell.Gru, 5, 72), 1, SequenceLayout.Unbatched, false },
        { new RnnArchitecture(RnnCell.Lstm, 6, 20, bidirectional: true), 1, SequenceLayout.SequenceFirst, true },
        { new RnnArchitecture(RnnCell.Rnn, 13, 33, numLayers: 2), 1, SequenceLayout.SequenceFirst, false },
    };

    [Theory]
    [MemberData(nameof(UnitCases))]
    public void Units_shared_between_threads_give_the_bits_of_one_thread(RnnArchitecture architecture, int batch, SequenceLayout layout, bool withInitialState)
    {
        const int seqLen = 9;
        var random = new Random(batch * 31);
        RnnModel model = RnnModel.FromStateDict(architecture, RandomModels.StateDict(architecture, random));

        // The case must reach the shared-units pass: otherwise this test would compare the row split again.
        Assert.True(ExecutionPlanner.CanShareUnits(model.DriverPlan(RnnCall.Forward, batch, declared: false)), model.DriverPlan(RnnCall.Forward, batch, declared: false).ToString());

        float[] input = RandomModels.Uniform(random, batch * seqLen * architecture.InputSize, 1f);
        (float[] h0, float[] c0) = ForwardPasses.InitialStates(architecture, batch, random, withInitialState);
        ForwardResult expected = ForwardPasses.OneThread(model, input, batch, seqLen, layout, h0, c0);
        foreach (int threads in new[] { 2, 3, 8 })
        {
            using var runner = new RnnParallelRunner(threads) { ForcedSplit = ParallelSplit.Units };
            Assert.Equal((ParallelSplit.Units, threads), runner.SplitFor(model, batch, seqLen, default));
            for (int repeat = 0; repeat < 2; repeat++)
            {
                ForwardPasses.AssertSame(expected, ForwardPasses.Parallel(runner, model, input, batch, seqLen, layout, h0, c0));
            }
        }
    }

    /// <summary>Bidirectional models on every kernel the plans give them: at batch 1 the sequence and fused kernels, at batch 2–7 the general step; an LSTM with projection.</summary>
    public static TheoryData<RnnArchitecture, int, SequenceLayout, bool> DirectionCases => new()
    {
        { new RnnArchitecture(RnnCell.Rnn, 13, 33, numLayers: 2, bidirectional: true), 1, SequenceLayout.BatchFirst, true },
        { new RnnArchitecture(RnnCell.Rnn, 13, 33, numLayers: 3, bidirectional: true), 5, SequenceLayout.SequenceFirst, false },
        { new RnnArchitecture(RnnCell.Rnn, 6, 12, numLayers: 2, bidirectional: true, nonlinearity: RnnNonlinearity.Relu), 3, SequenceLayout.BatchFirst, true },
        { new RnnArchitecture(RnnCell.Lstm, 9, 40, numLayers: 2, bidirectional: true), 1, SequenceLayout.Unbatched, true },
        { new RnnArchitecture(RnnCell.Lstm, 9, 20, bidirectional: true, projSize: 7), 2, SequenceLayout.SequenceFirst, true },
        { new RnnArchitecture(RnnCell.Gru, 7, 24, numLayers: 3, bidirectional: true), 6, SequenceLayout.BatchFirst, false },
        { new RnnArchitecture(RnnCell.Gru, 7, 24, bidirectional: true), 1, SequenceLayout.BatchFirst, true },
    };

    [Theory]
    [MemberData(nameof(DirectionCases))]
    public void Directions_on_threads_of_their_own_give_the_bits_of_one_thread(RnnArchitecture architecture, int batch, SequenceLayout layout, bool withInitialState)
    {
        const int seqLen = 9;
        var random = new Random(batch * 17);
        RnnModel model = RnnModel.FromStateDict(architecture, RandomModels.StateDict(architecture, random));
        float[] input = RandomModels.Uniform(random, batch * seqLen * architecture.InputSize, 1f);
        (float[] h0, float[] c0) = ForwardPasses.InitialStates(architecture, batch, random, withInitialState);
        ForwardResult expected = ForwardPasses.OneThread(model, input, batch, seqLen, layout, h0, c0);
        foreach (int threads in new[] { 2, 3 })
        {
            using var runner = new RnnParallelRunner(threads) { ForcedSplit = ParallelSplit.Directions };

            // The case must reach the directions' pass: otherwise this test would compare the row split again.
            Assert.Equal((ParallelSplit.Directions, 2), runner.SplitFor(model, batch, seqLen, default));
            for (int repeat = 0; repeat < 2; repeat++)
            {
                ForwardPasses.AssertSame(expected, ForwardPasses.Parallel(runner, model, input, batch, seqLen, layout, h0, c0));
            }
        }
    }

    [Fact]
    public void The_planner_runs_directions_apart_where_rows_are_few_and_a_direction_is_work_enough()
    {
        (ParallelSplit, int) Split(RnnArchitecture architecture, int batch, int seqLen, int threads = 2)
            => ExecutionPlanner.ParallelSplitFor(RnnModel.CreateRandom(architecture, seed: 1).DriverPlan(RnnCall.Forward, batch, declared: false), batch, seqLen, threads);

        // deep-bi of the benchmark grid, batch 1: a direction of a layer is 100 × 256 × 512 multiply-adds.
        var deepBi = new RnnArchitecture(RnnCell.Rnn, 256, 256, numLayers: 2, bidirectional: true);
        Assert.Equal((ParallelSplit.Directions, 2), Split(deepBi, 1, 100));
        Assert.Equal((ParallelSplit.Directions, 2), Split(deepBi, 7, 100));
        Assert.Equal((ParallelSplit.Directions, 2), Split(deepBi, 4, 100, threads: 8));

        Assert.Equal((ParallelSplit.Directions, 2), Split(deepBi, 15, 100));

        // Rows enough for each thread: the rows (lstm-big: batch 32).
        Assert.Equal((ParallelSplit.Rows, 2), Split(new RnnArchitecture(RnnCell.Lstm, 256, 256, numLayers: 2, bidirectional: true), 32, 100));
        Assert.Equal((ParallelSplit.Rows, 2), Split(deepBi, 16, 100));

        // A short pass of a small model: not worth waking a thread (GRU 16, seq 20: 61 K multiply-adds a direction).
        Assert.Equal((ParallelSplit.Rows, 1), Split(new RnnArchitecture(RnnCell.Gru, 16, 16, bidirectional: true), 1, 20));
        Assert.Equal((ParallelSplit.Directions, 2), Split(new RnnArchitecture(RnnCell.Lstm, 32, 32, bidirectional: true), 1, 100));

        // The seed's layers are one kernel call for both directions: the rows (one thread at batch 1).
        Assert.Equal((ParallelSplit.Rows, 1), Split(new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true), 1, 1000));

        // Unidirectional: units where W_hh is large, else rows (at batch 1 one thread).
        Assert.Equal((ParallelSplit.Units, 2), Split(new RnnArchitecture(RnnCell.Lstm, 256, 256), 3, 50));
        Assert.Equal((ParallelSplit.Units, 2), Split(new RnnArchitecture(RnnCell.Lstm, 256, 256), 1, 50));
        Assert.Equal((ParallelSplit.Rows, 1), Split(new RnnArchitecture(RnnCell.Lstm, 128, 128), 1, 50));
        Assert.Equal((ParallelSplit.Rows, 2), Split(new RnnArchitecture(RnnCell.Lstm, 64, 64), 3, 50));
    }

    [Fact]
    public void The_planner_shares_units_where_each_thread_would_get_few_rows_of_a_large_W_hh()
    {
        RnnModel lstm128 = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 128, 128), seed: 1); // W_hh 256 KB
        RnnModel lstm192 = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 192, 192), seed: 1); // 576 KB
        RnnModel gru256 = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 256, 256), seed: 1); // 768 KB
        RnnModel lstm256 = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 256, 256), seed: 1); // 1 MB
        int Team(RnnModel model, int batch, int threads) => ExecutionPlanner.ShareUnitsTeam(model.DriverPlan(RnnCall.Forward, batch, declared: false), batch, threads);

        // A row a thread: from 768 KB.
        Assert.Equal(2, Team(gru256, 2, 2));
        Assert.Equal(2, Team(lstm256, 3, 2));
        Assert.Equal(1, Team(lstm192, 2, 2));
        Assert.Equal(1, Team(lstm128, 2, 2));
        Assert.Equal(1, Team(lstm128, 3, 2));

        // Two or three rows a thread: from 1 MB.
        Assert.Equal(1, Team(lstm128, 4, 2));
        Assert.Equal(1, Team(gru256, 4, 2));
        Assert.Equal(2, Team(lstm256, 4, 2));
        Assert.Equal(2, Team(lstm256, 7, 2));
        Assert.Equal(4, Team(lstm256, 8, 4));

        // Four rows a thread or more (lstm-batch8 of the grid): the rows.
        Assert.Equal(1, Team(lstm128, 8, 2));
        Assert.Equal(1, Team(lstm256, 8, 2));
        Assert.Equal(1, Team(lstm256, 64, 2));

        // A single sequence: from 384 KB.
        Assert.Equal(2, Team(lstm256, 1, 2));
        Assert.Equal(2, Team(gru256, 1, 2));
        Assert.Equal(2, Team(lstm192, 1, 2));
        Assert.Equal(1, Team(lstm128, 1, 2));

        // One thread: nothing to share.
        Assert.Equal(1, Team(lstm256, 4, 1));

        // A projected LSTM's step needs every unit before its projection: rows.
        RnnModel projected = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 256, 256, projSize: 128), seed: 1);
        Assert.False(ExecutionPlanner.CanShareUnits(projected.DriverPlan(RnnCall.Forward, 2, declared: false)));
        Assert.Equal(1, Team(projected, 2, 2));
    }

    [Fact]
    public void Unit_shares_are_whole_panels_that_cover_every_unit_once()
    {
        foreach (int lanes in new[] { 1, 4, 8, 16 })
        {
            foreach (int hidden in new[] { 1, 7, 8, 12, 33, 128, 130 })
            {
                foreach (int shares in new[] { 1, 2, 3, 8 })
                {
                    int next = 0;
                    for (int index = 0; index < shares; index++)
                    {
                        UnitRange share = UnitRange.Share(index, shares, hidden, lanes);
                        UnitRange.Require(share, hidden, lanes);
                        if (share.Count > 0)
                        {
                            Assert.Equal(next, share.First);
                            next = share.First + share.Count;
                        }
                    }

                    Assert.Equal(hidden, next);
                }
            }
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => UnitRange.Require(new UnitRange(4, 8), 16, 8));
        Assert.Throws<ArgumentOutOfRangeException>(() => UnitRange.Require(new UnitRange(8, 4), 16, 8));
        UnitRange.Require(new UnitRange(8, 5), 13, 8);
    }
}
