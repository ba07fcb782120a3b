using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HighPerfRnn.Reference;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>One random configuration of the Elman RNN: every option PyTorch has for inference.</summary>
public sealed record RnnCase(
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
        RnnCell.Rnn, InputSize, HiddenSize, NumLayers, Bidirectional, Bias, Relu ? RnnNonlinearity.Relu : RnnNonlinearity.Tanh);
}

/// <summary>Generators of <see cref="RnnCase"/>: sizes 1 to 70 cover every vector tail of every path (up to 4 panels of 16).</summary>
public static class RnnCaseArbitrary
{
    public static Arbitrary<RnnCase> Cases() =>
        (from input in Gen.Choose(1, 70)
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
         select new RnnCase(input, hidden, layers, bidirectional, bias, relu, layout, seqLen, layout == SequenceLayout.Unbatched ? 1 : batch, withH0, seed))
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
        float[]? h0 = c.WithH0 ? RandomModels.Uniform(random, architecture.StateRows * c.Batch * c.HiddenSize, 1f) : null;

        NaiveRecurrentReference.Result expected = NaiveRecurrentReference.Forward(
            RandomModels.ToReference(architecture),
            RandomModels.ToDouble(stateDict),
            RandomModels.ToDouble(input),
            c.Batch,
            c.SeqLen,
            batchFirst: c.Layout != SequenceLayout.SequenceFirst,
            h0 is null ? null : RandomModels.ToDouble(h0));

        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
            var output = new float[expected.Output.Length];
            var hN = new float[expected.HN.Length];
            model.Forward(input, output, hN, c.Batch, c.SeqLen, c.Layout, h0);
            Tolerance.AssertClose(output, expected.Output, Absolute, Relative, $"{c} [{path}] output");
            Tolerance.AssertClose(hN, expected.HN, Absolute, Relative, $"{c} [{path}] h_n");
        }
    }

    [Property(Arbitrary = [typeof(RnnCaseArbitrary)], MaxTest = 60)]
    public void Step_over_a_sequence_equals_forward(RnnCase c)
    {
        // Step streams only unidirectional models; force that and a batch-first layout.
        RnnArchitecture architecture = c.Architecture with { };
        architecture = new RnnArchitecture(RnnCell.Rnn, c.InputSize, c.HiddenSize, c.NumLayers, bidirectional: false, c.Bias, architecture.Nonlinearity);
        var random = new Random(c.Seed);
        RnnModel model = RnnModel.FromStateDict(architecture, RandomModels.StateDict(architecture, random));
        float[] input = RandomModels.Uniform(random, c.Batch * c.SeqLen * c.InputSize, 1f);
        float[] h0 = c.WithH0 ? RandomModels.Uniform(random, c.NumLayers * c.Batch * c.HiddenSize, 1f) : new float[c.NumLayers * c.Batch * c.HiddenSize];

        var output = new float[c.Batch * c.SeqLen * c.HiddenSize];
        var hN = new float[h0.Length];
        model.Forward(input, output, hN, c.Batch, c.SeqLen, SequenceLayout.SequenceFirst, h0);

        // Stepping needs the input time-major: take it as (seq, batch, input), which is what Forward just read.
        float[] state = (float[])h0.Clone();
        var stepOutput = new float[c.Batch * c.HiddenSize];
        for (int t = 0; t < c.SeqLen; t++)
        {
            model.Step(input.AsSpan(t * c.Batch * c.InputSize, c.Batch * c.InputSize), state, stepOutput, c.Batch);
            Assert.Equal(output.AsSpan(t * c.Batch * c.HiddenSize, c.Batch * c.HiddenSize).ToArray(), stepOutput);
        }

        Assert.Equal(hN, state);
    }
}
