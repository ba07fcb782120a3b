using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Ragged;

/// <summary>Ragged batches: bad lengths, larger batches that exercise the blocked product, and allocation.</summary>
public sealed class RaggedBatchTests
{
    private static readonly RnnModel Seed = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true), seed: 7);

    // batch 3, seq 4: input 3·4·5 = 60, output 3·4·16 = 192, h 4·3·8 = 96
    private static ArgumentException CallWithLengths(int[] lengths, int batch = 3, SequenceLayout layout = SequenceLayout.BatchFirst)
    {
        int inputLength = batch * 4 * 5;
        var exception = Record.Exception(() => Seed.Forward(new float[inputLength], new float[batch * 4 * 16], new float[4 * batch * 8], batch, 4, lengths, layout));
        ArgumentException error = Assert.IsAssignableFrom<ArgumentException>(exception);
        Assert.Equal("lengths", error.ParamName);
        return error;
    }

    [Fact]
    public void Lengths_of_the_wrong_count_name_lengths_and_both_counts()
    {
        ArgumentException error = CallWithLengths([4, 4]);
        Assert.Contains("batch 3", error.Message);
        Assert.Contains("has 2", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-2)]
    [InlineData(5)]
    public void A_length_out_of_range_names_its_index_and_value(int bad)
    {
        ArgumentException error = CallWithLengths([4, bad, 1]);
        Assert.Contains($"lengths[1] is {bad}", error.Message);
        Assert.Contains("seqLen 4", error.Message);
    }

    [Fact]
    public void An_unbatched_input_takes_no_lengths()
    {
        ArgumentException error = CallWithLengths([4], batch: 1, layout: SequenceLayout.Unbatched);
        Assert.Contains("unbatched", error.Message);
    }

    [Fact]
    public void A_cell_state_overload_on_a_non_lstm_is_refused_before_the_lengths()
        => Assert.Throws<InvalidOperationException>(() => Seed.Forward(new float[60], new float[192], new float[96], new float[96], 3, 4, [1, 2, 3], SequenceLayout.BatchFirst));

    /// <summary>
    /// 64 sequences of 10 to 100 steps (the benchmark's case, smaller hidden): the active batch passes through every
    /// tile height of the blocked product and the backward direction starts sequences at many steps.
    /// </summary>
    [Theory]
    [InlineData(RnnCell.Lstm, false)]
    [InlineData(RnnCell.Gru, true)]
    [InlineData(RnnCell.Rnn, true)]
    public void A_large_ragged_batch_equals_each_sequence_run_alone(RnnCell cell, bool bidirectional)
    {
        var architecture = new RnnArchitecture(cell, 12, 24, numLayers: 2, bidirectional);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 3);
        const int batch = 64, seqLen = 100;
        int[] lengths = Enumerable.Range(0, batch).Select(b => 10 + ((b * 37) % 91)).ToArray();
        var random = new Random(5);
        float[] input = RandomModels.Uniform(random, batch * seqLen * 12, 1f);
        var output = new float[batch * seqLen * architecture.OutputSize];
        var hN = new float[architecture.StateRows * batch * architecture.StateSize];
        model.Forward(input, output, hN, batch, seqLen, lengths, SequenceLayout.SequenceFirst);

        for (int b = 0; b < batch; b += 7)
        {
            int length = lengths[b];
            var alone = new float[length * 12];
            for (int t = 0; t < length; t++)
            {
                input.AsSpan(((t * batch) + b) * 12, 12).CopyTo(alone.AsSpan(t * 12));
            }

            var aloneOutput = new float[length * architecture.OutputSize];
            var aloneHN = new float[architecture.StateRows * architecture.StateSize];
            model.Forward(alone, aloneOutput, aloneHN, 1, length, SequenceLayout.BatchFirst);
            for (int t = 0; t < seqLen; t++)
            {
                float[] row = output.AsSpan(((t * batch) + b) * architecture.OutputSize, architecture.OutputSize).ToArray();
                float[] expected = t < length ? aloneOutput.AsSpan(t * architecture.OutputSize, architecture.OutputSize).ToArray() : new float[architecture.OutputSize];
                Assert.Equal(expected, row);
            }

            for (int r = 0; r < architecture.StateRows; r++)
            {
                Assert.Equal(aloneHN.AsSpan(r * architecture.StateSize, architecture.StateSize).ToArray(), hN.AsSpan(((r * batch) + b) * architecture.StateSize, architecture.StateSize).ToArray());
            }
        }
    }

    [Fact]
    public void Lengths_all_equal_to_seqLen_give_the_call_without_lengths()
    {
        var architecture = new RnnArchitecture(RnnCell.Gru, 6, 10, bidirectional: true);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 11);
        float[] input = RandomModels.Uniform(new Random(2), 4 * 9 * 6, 1f);
        var expected = new float[4 * 9 * 20];
        var expectedHN = new float[2 * 4 * 10];
        model.Forward(input, expected, expectedHN, 4, 9, SequenceLayout.BatchFirst);
        var output = new float[expected.Length];
        var hN = new float[expectedHN.Length];
        model.Forward(input, output, hN, 4, 9, [9, 9, 9, 9], SequenceLayout.BatchFirst);
        Assert.Equal(expected, output);
        Assert.Equal(expectedHN, hN);
    }

    [Fact]
    public void An_lstm_ragged_batch_updates_its_state_in_place()
    {
        // h0 and hN (and c0 and cN) may be the very same spans, as without lengths.
        var architecture = new RnnArchitecture(RnnCell.Lstm, 3, 7, numLayers: 2);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 4);
        var random = new Random(9);
        float[] input = RandomModels.Uniform(random, 3 * 5 * 3, 1f);
        float[] h = RandomModels.Uniform(random, 2 * 3 * 7, 1f);
        float[] c = RandomModels.Uniform(random, 2 * 3 * 7, 1f);
        int[] lengths = [2, 5, 3];
        var expectedHN = new float[h.Length];
        var expectedCN = new float[c.Length];
        var output = new float[3 * 5 * 7];
        model.Forward(input, output, expectedHN, expectedCN, 3, 5, lengths, SequenceLayout.BatchFirst, h, c);
        model.Forward(input, output, h, c, 3, 5, lengths, SequenceLayout.BatchFirst, h, c);
        Assert.Equal(expectedHN, h);
        Assert.Equal(expectedCN, c);
    }
}
