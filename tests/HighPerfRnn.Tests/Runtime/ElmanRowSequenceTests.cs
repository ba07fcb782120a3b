using HighPerfRnn.Planning;
using HighPerfRnn.Reference;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>
/// A small Elman model's Forward at batch > 1 runs each batch row's sequence through the batch-1 sequence kernel, two
/// rows' (or a row's two directions') chains side by side, reading the row's inputs and writing its h batch rows apart
/// (sequence-first) or in place (batch-first). These cases sit on that route on every path (one vector, one panel
/// narrower than a vector, several panels at batches 2-3) and check it against two independent things: the
/// double-precision naive reference, and, bit for bit, <c>Step</c> over the same sequence, which runs the blocked
/// product of all the batch rows per step (so a row-sequence kernel that summed in another order, or read another
/// row's h, fails here).
/// </summary>
[Trait("Category", "Kernels")]
public sealed class ElmanRowSequenceTests
{
    private const double Absolute = 2e-5;
    private const double Relative = 2e-5;

    /// <summary>Hidden sizes for a path: exactly one vector, one panel with lanes to spare, and several panels within 12 KB.</summary>
    private static int[] HiddenSizesOn(SimdPath path)
    {
        int lanes = SimdPaths.LaneCount(path);
        return lanes == 1 ? [1, 9] : [lanes, lanes - 3, (2 * lanes) + 3];
    }

    public static TheoryData<int, SequenceLayout, bool, bool> Calls => new()
    {
        { 2, SequenceLayout.BatchFirst, false, false },
        { 3, SequenceLayout.SequenceFirst, true, false },
        { 5, SequenceLayout.BatchFirst, true, true },
        { 33, SequenceLayout.SequenceFirst, false, true },
    };

    [Theory]
    [MemberData(nameof(Calls))]
    public void Each_row_run_as_its_own_sequence_gives_the_bits_of_the_batched_step(int batch, SequenceLayout layout, bool withH0, bool relu)
    {
        const int SeqLen = 9;
        foreach (SimdPath path in TestPaths.All)
        {
            foreach (int hidden in HiddenSizesOn(path))
            {
                var architecture = new RnnArchitecture(RnnCell.Rnn, 7, hidden, numLayers: 2, nonlinearity: relu ? RnnNonlinearity.Relu : RnnNonlinearity.Tanh);
                var random = new Random((hidden * 31) + batch);
                Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
                RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
                string label = $"{architecture} [{path}] batch {batch} {layout}{(withH0 ? " h0" : string.Empty)}";
                if (!RunsRowSequences(model, batch))
                {
                    continue; // several panels from batch 4: the blocked product (the planner's tests pin that)
                }

                float[] input = RandomModels.Uniform(random, batch * SeqLen * architecture.InputSize, 1f);
                float[] h0 = withH0 ? RandomModels.Uniform(random, 2 * batch * hidden, 1f) : new float[2 * batch * hidden];
                var output = new float[batch * SeqLen * hidden];
                var hN = new float[h0.Length];
                model.Forward(input, output, hN, batch, SeqLen, layout, withH0 ? h0 : default);

                AssertMatchesReference(architecture, stateDict, input, withH0 ? h0 : null, batch, SeqLen, layout, output, hN, label);

                // Step takes time-major rows: (t, b) at t·batch + b, whatever layout Forward read.
                float[] state = (float[])h0.Clone();
                var stepOutput = new float[batch * hidden];
                var x = new float[batch * architecture.InputSize];
                var expected = new float[batch * hidden];
                for (int t = 0; t < SeqLen; t++)
                {
                    for (int b = 0; b < batch; b++)
                    {
                        input.AsSpan(Row(layout, batch, SeqLen, t, b) * architecture.InputSize, architecture.InputSize).CopyTo(x.AsSpan(b * architecture.InputSize));
                        output.AsSpan(Row(layout, batch, SeqLen, t, b) * hidden, hidden).CopyTo(expected.AsSpan(b * hidden));
                    }

                    model.Step(x, state, stepOutput, batch);
                    Bits.AssertEqual(expected, stepOutput, $"{label}: Forward's rows of step {t} vs Step");
                }

                Bits.AssertEqual(hN, state, $"{label}: h_n vs Step's state");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Calls))]
    public void Bidirectional_layers_run_each_rows_two_directions_together_and_match_the_reference(int batch, SequenceLayout layout, bool withH0, bool relu)
    {
        const int SeqLen = 6;
        foreach (SimdPath path in TestPaths.All)
        {
            foreach (int hidden in HiddenSizesOn(path))
            {
                var architecture = new RnnArchitecture(RnnCell.Rnn, 4, hidden, numLayers: 2, bidirectional: true, nonlinearity: relu ? RnnNonlinearity.Relu : RnnNonlinearity.Tanh);
                var random = new Random((hidden * 17) + batch);
                Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
                RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
                if (!RunsRowSequences(model, batch))
                {
                    continue;
                }

                float[] input = RandomModels.Uniform(random, batch * SeqLen * architecture.InputSize, 1f);
                float[]? h0 = withH0 ? RandomModels.Uniform(random, 4 * batch * hidden, 1f) : null;
                var output = new float[batch * SeqLen * 2 * hidden];
                var hN = new float[4 * batch * hidden];
                model.Forward(input, output, hN, batch, SeqLen, layout, h0);
                AssertMatchesReference(architecture, stateDict, input, h0, batch, SeqLen, layout, output, hN, $"{architecture} [{path}] batch {batch} {layout}");
            }
        }
    }

    /// <summary>
    /// A ragged batch of a one-vector Elman model runs each sequence as its own chain for its own length (rows of equal
    /// length paired): against the naive reference with lengths (zeros past each end, h_n at each sequence's own last
    /// step), with h0 and h_n one buffer, as a stream set passes them.
    /// </summary>
    [Theory]
    [InlineData(SequenceLayout.BatchFirst, false)]
    [InlineData(SequenceLayout.SequenceFirst, true)]
    public void A_ragged_batch_runs_each_sequence_for_its_own_length(SequenceLayout layout, bool bidirectional)
    {
        const int Batch = 6, SeqLen = 7;
        int[] lengths = [7, 3, 3, 1, 7, 5];
        foreach (SimdPath path in TestPaths.All)
        {
            int hidden = SimdPaths.LaneCount(path);
            var architecture = new RnnArchitecture(RnnCell.Rnn, 5, hidden, numLayers: 2, bidirectional: bidirectional);
            var random = new Random(hidden + 3);
            Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
            RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
            Assert.True(model.DescribePlan(RnnCall.Forward, Batch).Layers[0].Kernel == LayerKernel.ElmanSequenceProjecting, $"{architecture} [{path}]");

            float[] input = RandomModels.Uniform(random, Batch * SeqLen * architecture.InputSize, 1f);
            float[] state = RandomModels.Uniform(random, architecture.StateRows * Batch * hidden, 1f);
            NaiveRecurrentReference.Result expected = NaiveRecurrentReference.Forward(
                RandomModels.ToReference(architecture),
                RandomModels.ToDouble(stateDict),
                RandomModels.ToDouble(input),
                Batch,
                SeqLen,
                batchFirst: layout == SequenceLayout.BatchFirst,
                RandomModels.ToDouble(state),
                null,
                lengths);

            // Dirty output rows, to see the padding cleared.
            float[] output = Enumerable.Repeat(float.NaN, Batch * SeqLen * architecture.OutputSize).ToArray();
            model.Forward(input, output, state, Batch, SeqLen, lengths, layout, state);
            Tolerance.AssertClose(output, expected.Output, Absolute, Relative, $"{architecture} [{path}] {layout} output");
            Tolerance.AssertClose(state, expected.HN, Absolute, Relative, $"{architecture} [{path}] {layout} h_n");
        }
    }

    private static bool RunsRowSequences(RnnModel model, int batch)
        => model.DescribePlan(RnnCall.Forward, batch).Layers[0].Kernel is LayerKernel.ElmanSequence or LayerKernel.ElmanSequenceProjecting;

    private static int Row(SequenceLayout layout, int batch, int seqLen, int t, int b)
        => layout == SequenceLayout.SequenceFirst ? (t * batch) + b : (b * seqLen) + t;

    private static void AssertMatchesReference(
        RnnArchitecture architecture, Dictionary<string, FloatTensor> stateDict, float[] input, float[]? h0, int batch, int seqLen, SequenceLayout layout, float[] output, float[] hN, string label)
    {
        NaiveRecurrentReference.Result expected = NaiveRecurrentReference.Forward(
            RandomModels.ToReference(architecture),
            RandomModels.ToDouble(stateDict),
            RandomModels.ToDouble(input),
            batch,
            seqLen,
            batchFirst: layout != SequenceLayout.SequenceFirst,
            h0 is null ? null : RandomModels.ToDouble(h0),
            null);
        Tolerance.AssertClose(output, expected.Output, Absolute, Relative, $"{label} output");
        Tolerance.AssertClose(hN, expected.HN, Absolute, Relative, $"{label} h_n");
    }
}
