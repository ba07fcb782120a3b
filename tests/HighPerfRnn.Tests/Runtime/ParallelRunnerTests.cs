using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>The batch spread over threads gives bit-identical results to one thread, in every layout, for every cell.</summary>
public sealed class ParallelRunnerTests
{
    public static TheoryData<RnnArchitecture, int, SequenceLayout, bool> Cases => new()
    {
        { new RnnArchitecture(RnnCell.Rnn, 13, 33, numLayers: 2, bidirectional: true), 7, SequenceLayout.BatchFirst, true },
        { new RnnArchitecture(RnnCell.Rnn, 5, 8), 5, SequenceLayout.SequenceFirst, false },
        { new RnnArchitecture(RnnCell.Lstm, 9, 16, numLayers: 2, projSize: 5), 6, SequenceLayout.SequenceFirst, true },
        { new RnnArchitecture(RnnCell.Lstm, 4, 12, bidirectional: true), 3, SequenceLayout.BatchFirst, false },
        { new RnnArchitecture(RnnCell.Gru, 7, 20, numLayers: 3), 9, SequenceLayout.BatchFirst, true },
        { new RnnArchitecture(RnnCell.Gru, 7, 20), 1, SequenceLayout.Unbatched, true },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parallel_ragged_forward_is_bit_identical_to_one_thread(RnnArchitecture architecture, int batch, SequenceLayout layout, bool withInitialState)
    {
        if (layout == SequenceLayout.Unbatched)
        {
            return; // an unbatched input takes no lengths
        }

        const int seqLen = 11;
        var random = new Random(batch + 100);
        RnnModel model = RnnModel.FromStateDict(architecture, RandomModels.StateDict(architecture, random));
        int[] lengths = Enumerable.Range(0, batch).Select(_ => random.Next(1, seqLen + 1)).ToArray();
        float[] input = RandomModels.Uniform(random, batch * seqLen * architecture.InputSize, 1f);
        (float[] h0, float[] c0) = ForwardPasses.InitialStates(architecture, batch, random, withInitialState);
        ForwardResult expected = ForwardPasses.OneThread(model, input, batch, seqLen, layout, h0, c0, lengths);
        foreach (int threads in new[] { 2, 3, 8 })
        {
            using var runner = new RnnParallelRunner(threads);
            ForwardResult actual = ForwardPasses.Parallel(runner, model, input, batch, seqLen, layout, h0, c0, lengths);

            // A ragged output's rows past a sequence's end are zeros on one thread; the runner's must be too.
            ForwardPasses.AssertSame(expected, actual);
        }
    }

    [Fact]
    public void Ragged_shares_balance_total_length_not_rows()
    {
        // One long sequence and many short ones: by rows the first thread would take the long one and half the rest.
        var architecture = new RnnArchitecture(RnnCell.Gru, 3, 6);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 1);
        int[] lengths = [40, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2];
        int batch = lengths.Length;
        float[] input = RandomModels.Uniform(new Random(3), batch * 40 * 3, 1f);
        var expected = new float[batch * 40 * 6];
        var expectedHN = new float[batch * 6];
        model.Forward(input, expected, expectedHN, batch, 40, lengths, SequenceLayout.BatchFirst);
        using var runner = new RnnParallelRunner(2);
        var output = new float[expected.Length];
        var hN = new float[expectedHN.Length];
        runner.Forward(model, input, output, hN, batch, 40, lengths, SequenceLayout.BatchFirst);
        Assert.Equal(expected, output);
        Assert.Equal(expectedHN, hN);

        // By rows the first thread would take the long sequence and half the short ones (60 of 80 steps); by length, 40.
        Assert.Equal((0, 1), RnnParallelRunner.Share(batch, 2, 0, lengths));
        Assert.Equal((1, batch), RnnParallelRunner.Share(batch, 2, 1, lengths));
        Assert.Equal((0, 10), RnnParallelRunner.Share(batch, 2, 0, default));
        int[] even = [5, 5, 5, 5, 5, 5];
        Assert.Equal([(0, 2), (2, 4), (4, 6)], Enumerable.Range(0, 3).Select(t => RnnParallelRunner.Share(6, 3, t, even)).ToArray());
        int[] descending = [1, 1, 1, 50];
        Assert.Equal([(0, 1), (1, 2), (2, 3), (3, 4)], Enumerable.Range(0, 4).Select(t => RnnParallelRunner.Share(4, 4, t, descending)).ToArray());
    }

    [Fact]
    public void Parallel_ragged_forward_names_bad_lengths()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Rnn, 2, 3), seed: 1);
        using var runner = new RnnParallelRunner(2);
        var error = Assert.Throws<ArgumentException>(() => runner.Forward(model, new float[2 * 4 * 2], new float[2 * 4 * 3], new float[2 * 3], 2, 4, [4, 9], SequenceLayout.BatchFirst));
        Assert.Equal("lengths", error.ParamName);
        Assert.Contains("lengths[1] is 9", error.Message);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Parallel_forward_is_bit_identical_to_one_thread(RnnArchitecture architecture, int batch, SequenceLayout layout, bool withInitialState)
    {
        const int seqLen = 11;
        var random = new Random(batch);
        RnnModel model = RnnModel.FromStateDict(architecture, RandomModels.StateDict(architecture, random));
        float[] input = RandomModels.Uniform(random, batch * seqLen * architecture.InputSize, 1f);
        (float[] h0, float[] c0) = ForwardPasses.InitialStates(architecture, batch, random, withInitialState);
        ForwardResult expected = ForwardPasses.OneThread(model, input, batch, seqLen, layout, h0, c0);
        foreach (int threads in new[] { 1, 2, 3, 8 })
        {
            using var runner = new RnnParallelRunner(threads);
            for (int repeat = 0; repeat < 2; repeat++)
            {
                ForwardPasses.AssertSame(expected, ForwardPasses.Parallel(runner, model, input, batch, seqLen, layout, h0, c0));
            }
        }
    }

    [Fact]
    public void Bad_arguments_are_rejected_before_any_thread_starts()
    {
        using var runner = new RnnParallelRunner(2);
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Rnn, 3, 4), seed: 1);
        var error = Assert.Throws<ArgumentException>(() => runner.Forward(model, new float[5], new float[8], new float[8], 2, 1, SequenceLayout.BatchFirst));
        Assert.Equal("input", error.ParamName);
        Assert.Throws<ArgumentNullException>(() => runner.Forward(null!, new float[6], new float[8], new float[8], 2, 1, SequenceLayout.BatchFirst));
        Assert.Throws<InvalidOperationException>(() => runner.Forward(model, new float[6], new float[8], new float[8], new float[8], 2, 1, SequenceLayout.BatchFirst));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RnnParallelRunner(0));
    }

    [Fact]
    public void A_disposed_runner_refuses_calls()
    {
        var runner = new RnnParallelRunner(2);
        runner.Dispose();
        runner.Dispose();
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Rnn, 3, 4), seed: 1);
        Assert.Throws<ObjectDisposedException>(() => runner.Forward(model, new float[6], new float[8], new float[8], 2, 1, SequenceLayout.BatchFirst));
    }
}
