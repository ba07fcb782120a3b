using FsCheck;
using FsCheck.Fluent;
using HighPerfRnn.Reference;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Generated;

/// <summary>One random run of a declared model: layout, sequence length, batch, initial state, and the seed of weights and inputs.</summary>
public sealed record GeneratedRun(SequenceLayout Layout, int SeqLen, int Batch, bool WithH0, int Seed);

/// <summary>
/// Each declared model, on every SIMD path (the ones this CPU lacks are emulated by .NET, so every generated variant
/// runs here: 512-bit, 256-bit, scalar; and 128-bit, where the generated kernel declines and the runtime's runs),
/// against the naive double-precision reference and against the runtime-sized model with the same weights: RNN,
/// LSTM (with c0 and c_n, with and without projection) and GRU alike.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class GeneratedModelProperties
{
    /// <summary>
    /// Against the double-precision reference: 5e-6 + 5e-6·|expected|. Float32 sums of up to 200 terms (weights in
    /// ±1/√hidden, states in ±1) round by about √K·2⁻²⁴ ≈ 1e-7 to 1e-6 per step, and tanh contracts the error from
    /// step to step (PyTorch-initialized relu RNNs too: spectral radius about 0.6), so it does not grow with the
    /// sequence. Measured on these models over 30 seeds and all four paths: at most 3.8e-7·(1 + |expected|)
    /// (Hidden100Bidirectional), the runtime-sized model the same. The bound keeps a 13× margin and is 4× tighter
    /// than the runtime's own property (2e-5, for sizes up to 70 and 30 steps).
    /// </summary>
    private const double ReferenceAbsolute = 5e-6;
    private const double ReferenceRelative = 5e-6;

    /// <summary>FsCheck runs per model; every run checks all four paths (so 4× this many forward passes of each kind).</summary>
    private const int RunsPerModel = 25;

    public static TheoryData<string> Models => [.. DeclaredCases.All.Select(c => c.Name)];

    public static TheoryData<string> StreamingModels => [.. DeclaredCases.All.Where(c => !c.Architecture.Bidirectional).Select(c => c.Name)];

    private static Arbitrary<GeneratedRun> Runs =>
        (from layout in Gen.Elements(SequenceLayout.BatchFirst, SequenceLayout.SequenceFirst, SequenceLayout.Unbatched)
         from seqLen in Gen.Choose(1, 9)
         from batch in Gen.Choose(1, 5)
         from withH0 in Gen.Elements(false, true)
         from seed in Gen.Choose(0, int.MaxValue)
         select new GeneratedRun(layout, seqLen, layout == SequenceLayout.Unbatched ? 1 : batch, withH0, seed))
        .ToArbitrary();

    [Theory]
    [MemberData(nameof(Models))]
    public void Generated_model_agrees_with_the_reference_and_the_runtime_model_on_every_path(string model)
    {
        DeclaredCase declared = DeclaredCases.Named(model);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(RunsPerModel), Prop.ForAll(Runs, run => AgreesOnEveryPath(declared, run)));
    }

    [Theory]
    [MemberData(nameof(StreamingModels))]
    public void Step_over_a_sequence_equals_forward_over_it(string model)
    {
        DeclaredCase declared = DeclaredCases.Named(model);
        Check.One(Config.QuickThrowOnFailure.WithMaxTest(RunsPerModel), Prop.ForAll(Runs, run => StepEqualsForward(declared, run)));
    }

    private static void AgreesOnEveryPath(DeclaredCase declared, GeneratedRun run)
    {
        RnnArchitecture architecture = declared.Architecture;
        bool lstm = architecture.Cell == RnnCell.Lstm;
        var random = new Random(run.Seed);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
        float[] input = RandomModels.Uniform(random, run.Batch * run.SeqLen * architecture.InputSize, 1f);
        float[] h0 = run.WithH0 ? RandomModels.Uniform(random, architecture.StateRows * run.Batch * architecture.StateSize, 1f) : [];
        float[] c0 = run.WithH0 && lstm ? RandomModels.Uniform(random, architecture.StateRows * run.Batch * architecture.HiddenSize, 1f) : [];
        NaiveRecurrentReference.Result expected = NaiveRecurrentReference.Forward(
            RandomModels.ToReference(architecture),
            RandomModels.ToDouble(stateDict),
            RandomModels.ToDouble(input),
            run.Batch,
            run.SeqLen,
            batchFirst: run.Layout != SequenceLayout.SequenceFirst,
            run.WithH0 ? RandomModels.ToDouble(h0) : null,
            c0.Length > 0 ? RandomModels.ToDouble(c0) : null);

        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel runtime = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
            IDeclaredModel generated = declared.Wrap(runtime);
            string what = $"{declared.Name} {run} [{path}]";

            var output = new float[expected.Output.Length];
            var hN = new float[expected.HN.Length];
            var cN = new float[lstm ? expected.CN!.Length : 0];
            generated.Forward(input, output, hN, cN, run.Batch, run.SeqLen, run.Layout, h0, c0, null);
            var runtimeOutput = new float[expected.Output.Length];
            var runtimeHN = new float[expected.HN.Length];
            var runtimeCN = new float[cN.Length];
            if (lstm)
            {
                runtime.Forward(input, runtimeOutput, runtimeHN, runtimeCN, run.Batch, run.SeqLen, run.Layout, h0, c0);
            }
            else
            {
                runtime.Forward(input, runtimeOutput, runtimeHN, run.Batch, run.SeqLen, run.Layout, h0);
            }

            Tolerance.AssertClose(output, expected.Output, ReferenceAbsolute, ReferenceRelative, what + " output vs reference");
            Tolerance.AssertClose(hN, expected.HN, ReferenceAbsolute, ReferenceRelative, what + " h_n vs reference");
            // Against the runtime-sized model: the same bits (one order of summation, docs/numerics.md).
            Assert.True(HighPerfRnn.Tests.Robustness.ConcurrencyTests.BitEqual(output, runtimeOutput), what + ": output differs from the runtime model's in its bits");
            Assert.True(HighPerfRnn.Tests.Robustness.ConcurrencyTests.BitEqual(hN, runtimeHN), what + ": h_n differs from the runtime model's in its bits");
            if (lstm)
            {
                Tolerance.AssertClose(cN, expected.CN, ReferenceAbsolute, ReferenceRelative, what + " c_n vs reference");
                Assert.True(HighPerfRnn.Tests.Robustness.ConcurrencyTests.BitEqual(cN, runtimeCN), what + ": c_n differs from the runtime model's in its bits");
            }
        }
    }

    /// <summary>Streaming the sequence a step at a time gives Forward's numbers bit for bit: the same kernels, the same sums.</summary>
    private static void StepEqualsForward(DeclaredCase declared, GeneratedRun run)
    {
        RnnArchitecture architecture = declared.Architecture;
        bool lstm = architecture.Cell == RnnCell.Lstm;
        var random = new Random(run.Seed);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
        int state = architecture.StateSize;
        int cells = lstm ? architecture.NumLayers * run.Batch * architecture.HiddenSize : 0;
        float[] input = RandomModels.Uniform(random, run.Batch * run.SeqLen * architecture.InputSize, 1f);
        float[] h0 = run.WithH0 ? RandomModels.Uniform(random, architecture.NumLayers * run.Batch * state, 1f) : new float[architecture.NumLayers * run.Batch * state];
        float[] c0 = run.WithH0 ? RandomModels.Uniform(random, cells, 1f) : new float[cells];

        foreach (SimdPath path in TestPaths.All)
        {
            IDeclaredModel generated = declared.Wrap(RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path));
            var output = new float[run.Batch * run.SeqLen * state];
            var hN = new float[h0.Length];
            var cN = new float[c0.Length];
            generated.Forward(input, output, hN, cN, run.Batch, run.SeqLen, SequenceLayout.SequenceFirst, h0, c0, null);

            // Stepping takes the input time-major, (seq, batch, input): what Forward just read.
            float[] hidden = (float[])h0.Clone();
            float[] cell = (float[])c0.Clone();
            var stepOutput = new float[run.Batch * state];
            for (int t = 0; t < run.SeqLen; t++)
            {
                generated.Step(input.AsSpan(t * run.Batch * architecture.InputSize, run.Batch * architecture.InputSize), hidden, cell, stepOutput, run.Batch, null);
                Assert.Equal(output.AsSpan(t * run.Batch * state, run.Batch * state).ToArray(), stepOutput);
            }

            Assert.Equal(hN, hidden);
            Assert.Equal(cN, cell);
        }
    }
}
