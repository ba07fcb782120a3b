using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HighPerfRnn.Reference;
using HighPerfRnn.Tests.Runtime;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Ragged;

/// <summary>A random model case (<see cref="RnnCase"/>, batched) with a length per sequence.</summary>
public sealed record RaggedCase(RnnCase Model, int[] Lengths)
{
    public override string ToString() => $"{Model} lengths [{string.Join(", ", Lengths)}]";
}

/// <summary>Ragged cases: every cell and option of <see cref="RnnCaseArbitrary"/>, batched (both layouts), lengths drawn in [1, seqLen].</summary>
public static class RaggedCaseArbitrary
{
    public static Arbitrary<RaggedCase> Cases() =>
        (from c in RnnCaseArbitrary.Cases().Generator
         from layout in Gen.Elements(SequenceLayout.BatchFirst, SequenceLayout.SequenceFirst)
         from batch in Gen.Choose(1, 7)
         let model = c with { Layout = layout, Batch = batch }
         from lengths in Gen.ArrayOf(Gen.Choose(1, c.SeqLen), batch)
         select new RaggedCase(model, lengths))
        .ToArbitrary();
}

/// <summary>
/// Ragged batches against their oracles: each sequence run alone over its own length (the single-sequence path is
/// checked against PyTorch elsewhere), bit for bit, and the naive reference extended with lengths.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class RaggedBatchProperties
{
    private const double Absolute = 2e-5;
    private const double Relative = 2e-5;

    [Property(Arbitrary = [typeof(RaggedCaseArbitrary)], MaxTest = 150)]
    public void Every_sequence_of_a_ragged_batch_equals_it_run_alone_bit_for_bit(RaggedCase rc)
    {
        RnnCase c = rc.Model;
        RnnArchitecture architecture = c.Architecture;
        var random = new Random(c.Seed);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
        RaggedInputs inputs = RaggedInputs.Draw(architecture, c, random);
        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
            RaggedResult batched = RaggedResult.Run(model, inputs, c.Batch, c.SeqLen, c.Layout, rc.Lengths);
            for (int b = 0; b < c.Batch; b++)
            {
                RaggedResult alone = RaggedResult.Run(model, inputs.Sequence(architecture, c, b, rc.Lengths[b]), 1, rc.Lengths[b], SequenceLayout.BatchFirst, lengths: null);
                batched.AssertSequenceEquals(alone, architecture, c, b, rc.Lengths[b], $"{rc} [{path}] sequence {b}");
            }
        }
    }

    [Property(Arbitrary = [typeof(RaggedCaseArbitrary)], MaxTest = 150)]
    public void Ragged_batch_matches_the_naive_reference_with_lengths(RaggedCase rc)
    {
        RnnCase c = rc.Model;
        RnnArchitecture architecture = c.Architecture;
        var random = new Random(c.Seed);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
        RaggedInputs inputs = RaggedInputs.Draw(architecture, c, random);
        NaiveRecurrentReference.Result expected = NaiveRecurrentReference.Forward(
            RandomModels.ToReference(architecture),
            RandomModels.ToDouble(stateDict),
            RandomModels.ToDouble(inputs.Input),
            c.Batch,
            c.SeqLen,
            batchFirst: c.Layout == SequenceLayout.BatchFirst,
            inputs.H0 is null ? null : RandomModels.ToDouble(inputs.H0),
            inputs.C0 is null ? null : RandomModels.ToDouble(inputs.C0),
            rc.Lengths);

        RaggedResult actual = RaggedResult.Run(RnnModel.FromStateDict(architecture, stateDict), inputs, c.Batch, c.SeqLen, c.Layout, rc.Lengths);
        Tolerance.AssertClose(actual.Output, expected.Output, Absolute, Relative, $"{rc} output");
        Tolerance.AssertClose(actual.HN, expected.HN, Absolute, Relative, $"{rc} h_n");
        if (expected.CN is not null)
        {
            Tolerance.AssertClose(actual.CN!, expected.CN, Absolute, Relative, $"{rc} c_n");
        }
    }
}

/// <summary>A case's input and initial states, and one sequence of them cut out to run alone.</summary>
internal sealed record RaggedInputs(float[] Input, float[]? H0, float[]? C0)
{
    public static RaggedInputs Draw(RnnArchitecture architecture, RnnCase c, Random random)
    {
        float[] input = RandomModels.Uniform(random, c.Batch * c.SeqLen * c.InputSize, 1f);
        float[]? h0 = c.WithH0 ? RandomModels.Uniform(random, architecture.StateRows * c.Batch * architecture.StateSize, 1f) : null;
        float[]? c0 = c.WithH0 && c.Cell == RnnCell.Lstm ? RandomModels.Uniform(random, architecture.StateRows * c.Batch * c.HiddenSize, 1f) : null;
        return new RaggedInputs(input, h0, c0);
    }

    /// <summary>Sequence <paramref name="b"/>'s first <paramref name="length"/> steps (batch first, batch 1) and its rows of h0 and c0.</summary>
    public RaggedInputs Sequence(RnnArchitecture architecture, RnnCase c, int b, int length)
    {
        var input = new float[length * c.InputSize];
        for (int t = 0; t < length; t++)
        {
            int row = c.Layout == SequenceLayout.BatchFirst ? (b * c.SeqLen) + t : (t * c.Batch) + b;
            Input.AsSpan(row * c.InputSize, c.InputSize).CopyTo(input.AsSpan(t * c.InputSize));
        }

        return new RaggedInputs(input, Rows(H0, architecture.StateRows, c.Batch, b, architecture.StateSize), Rows(C0, architecture.StateRows, c.Batch, b, architecture.HiddenSize));
    }

    private static float[]? Rows(float[]? states, int stateRows, int batch, int b, int width)
    {
        if (states is null)
        {
            return null;
        }

        var rows = new float[stateRows * width];
        for (int r = 0; r < stateRows; r++)
        {
            states.AsSpan(((r * batch) + b) * width, width).CopyTo(rows.AsSpan(r * width));
        }

        return rows;
    }
}

/// <summary>The outputs of one Forward call (with or without lengths).</summary>
internal sealed record RaggedResult(float[] Output, float[] HN, float[]? CN)
{
    public static RaggedResult Run(RnnModel model, RaggedInputs inputs, int batch, int seqLen, SequenceLayout layout, int[]? lengths)
    {
        RnnArchitecture a = model.Architecture;
        var output = new float[batch * seqLen * a.OutputSize];
        output.AsSpan().Fill(float.NaN); // rows past an end must be written (zeros), not left alone
        var hN = new float[a.StateRows * batch * a.StateSize];
        float[]? cN = a.Cell == RnnCell.Lstm ? new float[a.StateRows * batch * a.HiddenSize] : null;
        switch (cN, lengths)
        {
            case (not null, not null):
                model.Forward(inputs.Input, output, hN, cN, batch, seqLen, lengths, layout, inputs.H0, inputs.C0);
                break;
            case (not null, null):
                model.Forward(inputs.Input, output, hN, cN, batch, seqLen, layout, inputs.H0, inputs.C0);
                break;
            case (null, not null):
                model.Forward(inputs.Input, output, hN, batch, seqLen, lengths, layout, inputs.H0);
                break;
            default:
                model.Forward(inputs.Input, output, hN, batch, seqLen, layout, inputs.H0);
                break;
        }

        return new RaggedResult(output, hN, cN);
    }

    /// <summary>Sequence b of this (ragged) result against <paramref name="alone"/>, its run at batch 1: equal bits, zeros past its end.</summary>
    public void AssertSequenceEquals(RaggedResult alone, RnnArchitecture a, RnnCase c, int b, int length, string what)
    {
        int width = a.OutputSize;
        for (int t = 0; t < c.SeqLen; t++)
        {
            int row = c.Layout == SequenceLayout.BatchFirst ? (b * c.SeqLen) + t : (t * c.Batch) + b;
            float[] actual = Output.AsSpan(row * width, width).ToArray();
            float[] expected = t < length ? alone.Output.AsSpan(t * width, width).ToArray() : new float[width];
            Bits.AssertEqual(expected, actual, $"{what}: output step {t}");
        }

        for (int r = 0; r < a.StateRows; r++)
        {
            Bits.AssertEqual(alone.HN.AsSpan(r * a.StateSize, a.StateSize).ToArray(), HN.AsSpan(((r * c.Batch) + b) * a.StateSize, a.StateSize).ToArray(), $"{what}: h_n row {r}");
            if (CN is not null)
            {
                Bits.AssertEqual(alone.CN!.AsSpan(r * a.HiddenSize, a.HiddenSize).ToArray(), CN.AsSpan(((r * c.Batch) + b) * a.HiddenSize, a.HiddenSize).ToArray(), $"{what}: c_n row {r}");
            }
        }
    }
}
