using HighPerfRnn.Planning;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Generated;

/// <summary>
/// Numerics version 2 (docs/numerics.md): a declared model and the runtime-sized model built from the same weights on
/// the same SIMD path give the same bits, not merely close values. The generated kernels sum every product in the
/// library's one order (four contiguous chunks, true FMAs) on the same packed layout, and the driver may route a
/// declared model's steps to them or to the runtime's kernels (by batch size and hidden size) without a bit changing.
/// Checked for every declared model of the tests, on every path this machine runs in hardware: Forward at batches that
/// take each route (1: the runtime's batch-1 kernels; 2, 3: the generated kernels; 5, 64: the generated gated kernels
/// and the runtime's blocked product), in both layouts, with and without initial states; and Step for the
/// unidirectional models at batches 1, 2, 3, 5, 15, 16 and 40 over several steps (each row through the whole-model
/// step where the plan says so, every layer's state rows gathered and scattered, else the generated step or the runtime's
/// blocked product: against the runtime's rows or its blocked product).
/// </summary>
[Trait("Category", "Kernels")]
public sealed class DeclaredBitIdentityTests
{
    private const int SeqLen = 5;

    private const int Steps = 4;

    private static readonly int[] ForwardBatches = [1, 2, 3, 5, 64];

    private static readonly int[] StepBatches = [1, 2, 3, 5, 15, 16, 40];

    public static TheoryData<string> Models => [.. DeclaredCases.All.Select(c => c.Name)];

    public static TheoryData<string> StreamingModels => [.. DeclaredCases.All.Where(c => !c.Architecture.Bidirectional).Select(c => c.Name)];

    /// <summary>
    /// Sequences past 4096 floats of a layer's output, where a bidirectional model's whole-model Forward handed the call to
    /// the driver while its layer sequences lived on the stack: it now runs them too, holding them in the workspace.
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void Long_sequences_give_the_runtime_model_s_bits(string model)
    {
        RnnArchitecture a = DeclaredCases.Named(model).Architecture;
        if (a.NumLayers == 1 && !a.Bidirectional)
        {
            return; // one layer runs layer by layer at any length, as every test here
        }

        AssertForwardBits(model, (4096 / a.OutputSize) + 3, new Random(Seed(model) + 2));
    }

    /// <summary>
    /// A bidirectional Elman model runs its generated Forward up to the planner's line of steps where its hidden state is
    /// one vector of the path (ExecutionPlanner.OneVectorBidirectionalWholeModelMaxSteps), the runtime's kernel past it:
    /// the same bits on both sides of the line, on every path.
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void Bidirectional_elman_forwards_give_the_runtime_model_s_bits_on_both_sides_of_the_line_of_steps(string model)
    {
        RnnArchitecture a = DeclaredCases.Named(model).Architecture;
        if (a.Cell != RnnCell.Rnn || !a.Bidirectional)
        {
            return;
        }

        int line = ExecutionPlanner.OneVectorBidirectionalWholeModelMaxSteps;
        foreach (int seqLen in new[] { 1, line - 1, line, line + 1 })
        {
            AssertForwardBits(model, seqLen, new Random(Seed(model) + seqLen));
        }
    }

    /// <summary>One Forward at batch 1 of <paramref name="seqLen"/> steps with h0 (and c0), on every path: the declared model's bits are the runtime-sized one's.</summary>
    private static void AssertForwardBits(string model, int seqLen, Random random)
    {
        RnnArchitecture a = DeclaredCases.Named(model).Architecture;
        bool lstm = a.Cell == RnnCell.Lstm;
        foreach ((SimdPath path, RnnModel runtime, IDeclaredModel generated) in ModelPairs(model, random))
        {
            AssertForwardBits(model, seqLen, random, path, runtime, generated, lstm);
        }
    }

    private static void AssertForwardBits(string model, int seqLen, Random random, SimdPath path, RnnModel runtime, IDeclaredModel generated, bool lstm)
    {
        RnnArchitecture a = runtime.Architecture;
        float[] input = RandomModels.Uniform(random, seqLen * a.InputSize, 1f);
        float[] h0 = RandomModels.Uniform(random, a.StateRows * a.StateSize, 1f);
        float[] c0 = lstm ? RandomModels.Uniform(random, a.StateRows * a.HiddenSize, 1f) : [];
        var expectedOutput = new float[seqLen * a.OutputSize];
        var expectedHN = new float[h0.Length];
        var expectedCN = new float[c0.Length];
        if (lstm)
        {
            runtime.Forward(input, expectedOutput, expectedHN, expectedCN, 1, seqLen, SequenceLayout.BatchFirst, h0, c0);
        }
        else
        {
            runtime.Forward(input, expectedOutput, expectedHN, 1, seqLen, SequenceLayout.BatchFirst, h0);
        }

        var output = new float[expectedOutput.Length];
        var hN = new float[expectedHN.Length];
        var cN = new float[expectedCN.Length];
        generated.Forward(input, output, hN, cN, 1, seqLen, SequenceLayout.BatchFirst, h0, c0, null);
        string what = $"{model} [{path}] Forward of {seqLen} steps";
        Bits.AssertEqual(expectedOutput, output, what + ": output");
        Bits.AssertEqual(expectedHN, hN, what + ": h_n");
        Bits.AssertEqual(expectedCN, cN, what + ": c_n");
    }

    /// <summary>Ragged batches (issue 16): lengths of 1 to seqLen at batches that take every route, as each active count does.</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_with_lengths_gives_the_runtime_model_s_bits(string model)
    {
        RnnArchitecture a = DeclaredCases.Named(model).Architecture;
        bool lstm = a.Cell == RnnCell.Lstm;
        var random = new Random(Seed(model) + 1);
        foreach ((SimdPath path, RnnModel runtime, IDeclaredModel generated) in ModelPairs(model, random))
        {
            foreach (int batch in ForwardBatches)
            {
                int[] lengths = Enumerable.Range(0, batch).Select(_ => random.Next(1, SeqLen + 1)).ToArray();
                float[] input = RandomModels.Uniform(random, batch * SeqLen * a.InputSize, 1f);
                float[] h0 = RandomModels.Uniform(random, a.StateRows * batch * a.StateSize, 1f);
                float[] c0 = lstm ? RandomModels.Uniform(random, a.StateRows * batch * a.HiddenSize, 1f) : [];
                foreach (SequenceLayout layout in new[] { SequenceLayout.BatchFirst, SequenceLayout.SequenceFirst })
                {
                    string what = $"{model} [{path}] Forward batch {batch}, lengths [{string.Join(", ", lengths)}], {layout}";
                    // Both outputs start dirty (a reused buffer): the rows past each sequence's end must be cleared.
                    var expectedOutput = new float[batch * SeqLen * a.OutputSize];
                    expectedOutput.AsSpan().Fill(float.NaN);
                    var expectedHN = new float[h0.Length];
                    var expectedCN = new float[c0.Length];
                    if (lstm)
                    {
                        runtime.Forward(input, expectedOutput, expectedHN, expectedCN, batch, SeqLen, lengths, layout, h0, c0);
                    }
                    else
                    {
                        runtime.Forward(input, expectedOutput, expectedHN, batch, SeqLen, lengths, layout, h0);
                    }

                    var output = new float[expectedOutput.Length];
                    output.AsSpan().Fill(float.NaN);
                    var hN = new float[expectedHN.Length];
                    var cN = new float[expectedCN.Length];
                    generated.Forward(input, output, hN, cN, batch, SeqLen, lengths, layout, h0, c0, null);

                    for (int b = 0; b < batch; b++)
                    {
                        for (int t = lengths[b]; t < SeqLen; t++)
                        {
                            int row = layout == SequenceLayout.BatchFirst ? (b * SeqLen) + t : (t * batch) + b;
                            Assert.True(output.AsSpan(row * a.OutputSize, a.OutputSize).IndexOfAnyExcept(0f) < 0, $"{what}: output row of sequence {b} at step {t}, past its length, is not zeros");
                        }
                    }

                    Bits.AssertEqual(expectedOutput, output, what + ": output");
                    Bits.AssertEqual(expectedHN, hN, what + ": h_n");
                    Bits.AssertEqual(expectedCN, cN, what + ": c_n");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_gives_the_runtime_model_s_bits(string model)
    {
        RnnArchitecture a = DeclaredCases.Named(model).Architecture;
        bool lstm = a.Cell == RnnCell.Lstm;
        var random = new Random(Seed(model));
        foreach ((SimdPath path, RnnModel runtime, IDeclaredModel generated) in ModelPairs(model, random))
        {
            foreach (int batch in ForwardBatches)
            {
                float[] input = RandomModels.Uniform(random, batch * SeqLen * a.InputSize, 1f);
                float[] h0 = RandomModels.Uniform(random, a.StateRows * batch * a.StateSize, 1f);
                float[] c0 = lstm ? RandomModels.Uniform(random, a.StateRows * batch * a.HiddenSize, 1f) : [];
                foreach (SequenceLayout layout in new[] { SequenceLayout.BatchFirst, SequenceLayout.SequenceFirst })
                {
                    foreach (bool withH0 in new[] { false, true })
                    {
                        string what = $"{model} [{path}] Forward batch {batch}, {layout}, {(withH0 ? "with" : "without")} h0";
                        float[] initialH = withH0 ? h0 : [];
                        float[] initialC = withH0 ? c0 : [];

                        var expectedOutput = new float[batch * SeqLen * a.OutputSize];
                        var expectedHN = new float[h0.Length];
                        var expectedCN = new float[c0.Length];
                        if (lstm)
                        {
                            runtime.Forward(input, expectedOutput, expectedHN, expectedCN, batch, SeqLen, layout, initialH, initialC);
                        }
                        else
                        {
                            runtime.Forward(input, expectedOutput, expectedHN, batch, SeqLen, layout, initialH);
                        }

                        var output = new float[expectedOutput.Length];
                        var hN = new float[expectedHN.Length];
                        var cN = new float[expectedCN.Length];
                        generated.Forward(input, output, hN, cN, batch, SeqLen, layout, initialH, initialC, null);

                        Bits.AssertEqual(expectedOutput, output, what + ": output");
                        Bits.AssertEqual(expectedHN, hN, what + ": h_n");
                        Bits.AssertEqual(expectedCN, cN, what + ": c_n");
                    }
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(StreamingModels))]
    public void Step_gives_the_runtime_model_s_bits(string model)
    {
        RnnArchitecture a = DeclaredCases.Named(model).Architecture;
        bool lstm = a.Cell == RnnCell.Lstm;
        var random = new Random(Seed(model) + 1);
        foreach ((SimdPath path, RnnModel runtime, IDeclaredModel generated) in ModelPairs(model, random))
        {
            foreach (int batch in StepBatches)
            {
                foreach (bool fromZeros in new[] { true, false })
                {
                    int stateLength = a.NumLayers * batch * a.StateSize;
                    int cellLength = lstm ? a.NumLayers * batch * a.HiddenSize : 0;
                    float[] expectedState = fromZeros ? new float[stateLength] : RandomModels.Uniform(random, stateLength, 1f);
                    float[] expectedCell = fromZeros ? new float[cellLength] : RandomModels.Uniform(random, cellLength, 1f);
                    float[] state = (float[])expectedState.Clone();
                    float[] cell = (float[])expectedCell.Clone();
                    var expectedOutput = new float[batch * a.StateSize];
                    var output = new float[expectedOutput.Length];
                    for (int step = 0; step < Steps; step++)
                    {
                        string what = $"{model} [{path}] Step {step} at batch {batch}, {(fromZeros ? "from zeros" : "from a random state")}";
                        float[] input = RandomModels.Uniform(random, batch * a.InputSize, 1f);
                        if (lstm)
                        {
                            runtime.Step(input, expectedState, expectedCell, expectedOutput, batch);
                        }
                        else
                        {
                            runtime.Step(input, expectedState, expectedOutput, batch);
                        }

                        generated.Step(input, state, cell, output, batch, null);

                        Bits.AssertEqual(expectedOutput, output, what + ": output");
                        Bits.AssertEqual(expectedState, state, what + ": state");
                        Bits.AssertEqual(expectedCell, cell, what + ": cell state");
                    }
                }
            }
        }
    }

    /// <summary>
    /// For each SIMD path this machine runs in hardware, the runtime-sized model and the declared one, built separately
    /// from the same random weights (so they share nothing: packed weights, plans, workspaces).
    /// </summary>
    private static IEnumerable<(SimdPath Path, RnnModel Runtime, IDeclaredModel Generated)> ModelPairs(string model, Random random)
    {
        DeclaredCase declared = DeclaredCases.Named(model);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(declared.Architecture, random);
        foreach (SimdPath path in TestPaths.Hardware)
        {
            yield return (
                path,
                RnnModel.FromStateDictOnAnyPath(declared.Architecture, stateDict, path),
                declared.Wrap(RnnModel.FromStateDictOnAnyPath(declared.Architecture, stateDict, path)));
        }
    }

    /// <summary>A seed of the model's own, stable from run to run (string.GetHashCode is randomized per process).</summary>
    private static int Seed(string model) => model.Aggregate(17, (hash, character) => unchecked((hash * 31) + character));
}
