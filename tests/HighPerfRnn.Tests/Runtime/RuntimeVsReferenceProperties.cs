using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HighPerfRnn.Reference;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>One random configuration of a recurrent layer: every cell and every option PyTorch has for inference.</summary>
public sealed record RnnCase(
    RnnCell Cell,
    int ProjSize,
    int InputSize,
    int HiddenSize,
    int NumLayers,
    bool Bidirectional,
    bool Bias,
    bool Relu,
    SequenceLayout Layout,
    int SeqLen,
    int Batch,
    bool WithH0,
    int Seed)
{
    public RnnArchitecture Architecture => new(
        Cell, InputSize, HiddenSize, NumLayers, Bidirectional, Bias, Relu ? RnnNonlinearity.Relu : RnnNonlinearity.Tanh, ProjSize);
}

/// <summary>
/// Generators of <see cref="RnnCase"/>: the three cells; sizes 1 to 70 cover every vector tail of every path (up to
/// 4 panels of 16, and gate offsets at every alignment); LSTMs get a proj_size in half the cases.
/// </summary>
public static class RnnCaseArbitrary
{
    public static Arbitrary<RnnCase> Cases() =>
        (from cell in Gen.Elements(RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru)
         from input in Gen.Choose(1, 70)
         from hidden in Gen.Choose(1, 70)
         from layers in Gen.Choose(1, 3)
         from bidirectional in Gen.Elements(false, true)
         from bias in Gen.Elements(false, true)
         from relu in Gen.Elements(false, true)
         from layout in Gen.Elements(SequenceLayout.BatchFirst, SequenceLayout.SequenceFirst, SequenceLayout.Unbatched)
         from seqLen in Gen.Choose(1, 30)
         from batch in Gen.Choose(1, 5)
         from withH0 in Gen.Elements(false, true)
         from seed in Gen.Choose(0, int.MaxValue)
         from projChoice in Gen.Choose(0, 2 * hidden)
         let projSize = cell == RnnCell.Lstm && hidden > 1 && projChoice < hidden ? Math.Max(1, projChoice) : 0
         select new RnnCase(cell, projSize, input, hidden, layers, bidirectional, bias, relu && cell == RnnCell.Rnn, layout, seqLen, layout == SequenceLayout.Unbatched ? 1 : batch, withH0, seed))
        .ToArbitrary();
}

/// <summary>The runtime-sized model against the naive double-precision reference, over random configurations, on every path.</summary>
[Trait("Category", "Kernels")]
public sealed class RuntimeVsReferenceProperties
{
    /// <summary>
    /// Tolerance: 2e-5 + 2e-5·|expected|. Float32 products of up to 140 terms with weights in ±1/√hidden and inputs
    /// in ±1 carry about √K·2⁻²⁴ ≈ 1e-6 of rounding per step; tanh contracts errors from step to step and
    /// PyTorch-initialized relu RNNs have spectral radius about 0.6, so the error stays near that level over 30 steps
    /// and 3 layers (typically 1e-7 to 2e-6 measured). The relative part covers relu states that grow above 1.
    /// </summary>
    private const double Absolute = 2e-5;
    private const double Relative = 2e-5;

    [Property(Arbitrary = [typeof(RnnCaseArbitrary)], MaxTest = 300)]
    public void Runtime_matches_naive_reference_on_every_path(RnnCase c)
    {
        RnnArchitecture architecture = c.Architecture;
        var random = new Random(c.Seed);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
        float[] input = RandomModels.Uniform(random, c.Batch * c.SeqLen * c.InputSize, 1f);
        float[]? h0 = c.WithH0 ? RandomModels.Uniform(random, architecture.StateRows * c.Batch * architecture.StateSize, 1f) : null;
        float[]? c0 = c.WithH0 && c.Cell == RnnCell.Lstm ? RandomModels.Uniform(random, architecture.StateRows * c.Batch * c.HiddenSize, 1f) : null;

        NaiveRecurrentReference.Result expected = NaiveRecurrentReference.Forward(
            RandomModels.ToReference(architecture),
            RandomModels.ToDouble(stateDict),
            RandomModels.ToDouble(input),
            c.Batch,
            c.SeqLen,
            batchFirst: c.Layout != SequenceLayout.SequenceFirst,
            h0 is null ? null : RandomModels.ToDouble(h0),
            c0 is null ? null : RandomModels.ToDouble(c0));

        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
            var output = new float[expected.Output.Length];
            var hN = new float[expected.HN.Length];
            if (c.Cell == RnnCell.Lstm)
            {
                var cN = new float[expected.CN!.Length];
                model.Forward(input, output, hN, cN, c.Batch, c.SeqLen, c.Layout, h0, c0);
                Tolerance.AssertClose(cN, expected.CN, Absolute, Relative, $"{c} [{path}] c_n");
            }
            else
            {
                model.Forward(input, output, hN, c.Batch, c.SeqLen, c.Layout, h0);
            }

            Tolerance.AssertClose(output, expected.Output, Absolute, Relative, $"{c} [{path}] output");
            Tolerance.AssertClose(hN, expected.HN, Absolute, Relative, $"{c} [{path}] h_n");
        }
    }

    [Property(Arbitrary = [typeof(RnnCaseArbitrary)], MaxTest = 60)]
    public void Step_over_a_sequence_equals_forward_bit_for_bit(RnnCase c)
    {
        // Step streams only unidirectional models.
        var architecture = new RnnArchitecture(c.Cell, c.InputSize, c.HiddenSize, c.NumLayers, bidirectional: false, c.Bias, c.Architecture.Nonlinearity, c.ProjSize);
        var random = new Random(c.Seed);
        RnnModel model = RnnModel.FromStateDict(architecture, RandomModels.StateDict(architecture, random));
        int state = architecture.StateSize;
        float[] input = RandomModels.Uniform(random, c.Batch * c.SeqLen * c.InputSize, 1f);
        float[] h0 = c.WithH0 ? RandomModels.Uniform(random, c.NumLayers * c.Batch * state, 1f) : new float[c.NumLayers * c.Batch * state];
        float[] c0 = c.WithH0 ? RandomModels.Uniform(random, c.NumLayers * c.Batch * c.HiddenSize, 1f) : new float[c.NumLayers * c.Batch * c.HiddenSize];
        bool lstm = c.Cell == RnnCell.Lstm;

        var output = new float[c.Batch * c.SeqLen * state];
        var hN = new float[h0.Length];
        var cN = new float[c0.Length];
        if (lstm)
        {
            model.Forward(input, output, hN, cN, c.Batch, c.SeqLen, SequenceLayout.SequenceFirst, h0, c0);
        }
        else
        {
            model.Forward(input, output, hN, c.Batch, c.SeqLen, SequenceLayout.SequenceFirst, h0);
        }

        // Stepping takes the input time-major: (seq, batch, input), which is what Forward just read.
        float[] hidden = (float[])h0.Clone();
        float[] cell = (float[])c0.Clone();
        var stepOutput = new float[c.Batch * state];
        for (int t = 0; t < c.SeqLen; t++)
        {
            ReadOnlySpan<float> x = input.AsSpan(t * c.Batch * c.InputSize, c.Batch * c.InputSize);
            if (lstm)
            {
                model.Step(x, hidden, cell, stepOutput, c.Batch);
            }
            else
            {
                model.Step(x, hidden, stepOutput, c.Batch);
            }

            Assert.Equal(output.AsSpan(t * c.Batch * state, c.Batch * state).ToArray(), stepOutput);
        }

        Assert.Equal(hN, hidden);
        if (lstm)
        {
            Assert.Equal(cN, cell);
        }
    }
}
