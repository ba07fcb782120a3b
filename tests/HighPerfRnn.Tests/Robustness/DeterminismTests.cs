using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Robustness;

/// <summary>
/// Issue 7, determinism: on one machine and one SIMD path, the same input gives bit-identical results on every run,
/// whatever ran before: a reused workspace left dirty by a larger call, a fresh workspace, the per-thread default,
/// a model re-packed from the same weights, and as one row of a larger batch (the README promises results that do
/// not depend on the batch size). Checked on every path, the missing ones emulated.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class DeterminismTests
{
    public static TheoryData<string, RnnArchitecture> Models => new()
    {
        { "RNN tanh 2 layers bidirectional", new RnnArchitecture(RnnCell.Rnn, 5, 19, numLayers: 2, bidirectional: true) },
        { "RNN relu", new RnnArchitecture(RnnCell.Rnn, 7, 33, nonlinearity: RnnNonlinearity.Relu) },
        { "LSTM 2 layers", new RnnArchitecture(RnnCell.Lstm, 6, 17, numLayers: 2) },
        { "LSTM proj_size bidirectional", new RnnArchitecture(RnnCell.Lstm, 4, 21, bidirectional: true, projSize: 5) },
        { "GRU bidirectional", new RnnArchitecture(RnnCell.Gru, 3, 18, bidirectional: true) },
        { "GRU 2 layers no bias", new RnnArchitecture(RnnCell.Gru, 9, 12, numLayers: 2, bias: false) },

        // Hidden in whole vectors: at batch 1 these run the fused gate step and the one-vector Elman chain.
        { "RNN one vector, 2 layers bidirectional", new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true) },
        { "RNN 64", new RnnArchitecture(RnnCell.Rnn, 16, 64) },
        { "LSTM whole vectors, 2 layers", new RnnArchitecture(RnnCell.Lstm, 6, 16, numLayers: 2) },
        { "GRU whole vectors bidirectional", new RnnArchitecture(RnnCell.Gru, 5, 32, bidirectional: true) },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void The_same_input_gives_the_same_bits_on_every_run_and_workspace(string name, RnnArchitecture architecture)
    {
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, new Random(name.Length));
        const int Batch = 3, SeqLen = 7;
        var random = new Random(17);
        float[] input = RandomModels.Uniform(random, Batch * SeqLen * architecture.InputSize, 1f);
        float[] h0 = RandomModels.Uniform(random, architecture.StateRows * Batch * architecture.StateSize, 1f);
        float[] c0 = RandomModels.Uniform(random, architecture.StateRows * Batch * architecture.HiddenSize, 1f);

        // A larger call with other data, to leave a workspace full of stale values.
        float[] bigInput = RandomModels.Uniform(random, 5 * 11 * architecture.InputSize, 100f);

        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
            foreach (SequenceLayout layout in new[] { SequenceLayout.BatchFirst, SequenceLayout.SequenceFirst })
            {
                float[] first = Run(model, input, h0, c0, Batch, SeqLen, layout, new RnnWorkspace());
                var dirty = new RnnWorkspace();
                Run(model, bigInput, null, null, 5, 11, layout, dirty);
                for (int run = 0; run < 5; run++)
                {
                    Bits.AssertEqual(first, Run(model, input, h0, c0, Batch, SeqLen, layout, dirty), $"{name} [{path}, {layout}] run {run}, reused dirty workspace");
                    Bits.AssertEqual(first, Run(model, input, h0, c0, Batch, SeqLen, layout, null), $"{name} [{path}, {layout}] run {run}, per-thread workspace");
                }

                RnnModel repacked = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
                Bits.AssertEqual(first, Run(repacked, input, h0, c0, Batch, SeqLen, layout, new RnnWorkspace()), $"{name} [{path}, {layout}] re-packed model");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void A_sequence_gives_the_same_bits_alone_and_in_any_batch(string name, RnnArchitecture architecture)
    {
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, new Random(name.Length + 1));
        const int Batch = 6, SeqLen = 5;
        float[] input = RandomModels.Uniform(new Random(3), Batch * SeqLen * architecture.InputSize, 1f);
        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
            AssertEverySequenceAsAlone(model, input, Batch, SeqLen, SequenceLayout.BatchFirst, $"{name} [{path}]");
        }
    }

    /// <summary>
    /// From batch 32 a Forward projects each step's inputs just before the step (<see cref="ExecutionPlan.ProjectsEachStep"/>)
    /// where a batch-1 pass projects the whole sequence first (a small Elman model runs each row's sequence through the
    /// sequence kernel instead, reading its rows batch rows apart): every sequence of such a batch, in either layout,
    /// gives the bits it gives alone.
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void A_sequence_gives_the_same_bits_alone_and_in_a_batch_projected_step_by_step(string name, RnnArchitecture architecture)
    {
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, new Random(name.Length + 2));
        const int Batch = 33, SeqLen = 4;
        float[] input = RandomModels.Uniform(new Random(5), Batch * SeqLen * architecture.InputSize, 1f);
        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
            // Or, a small Elman model, each row's sequence runs alone through the sequence kernel (nothing is projected per step).
            ExecutionPlan plan = model.DescribePlan(RnnCall.Forward, Batch);
            bool rowSequences = plan.Layers[0].Kernel is LayerKernel.ElmanSequence or LayerKernel.ElmanSequenceProjecting;
            Assert.True(plan.ProjectsEachStep ^ rowSequences, $"{name} [{path}]: batch {Batch} should project each step, or run each row's sequence alone: {plan}");
            Assert.False(model.DescribePlan(RnnCall.Forward, 1).ProjectsEachStep, $"{name} [{path}]: batch 1 projects the sequence first");
            AssertEverySequenceAsAlone(model, input, Batch, SeqLen, SequenceLayout.BatchFirst, $"{name} [{path}] batch-first");
            AssertEverySequenceAsAlone(model, input, Batch, SeqLen, SequenceLayout.SequenceFirst, $"{name} [{path}] sequence-first");
        }
    }

    /// <summary>
    /// Runs the batch (given batch-first) in <paramref name="layout"/> and asserts that every sequence's output has the
    /// bits of that sequence run alone at batch 1.
    /// </summary>
    private static void AssertEverySequenceAsAlone(RnnModel model, float[] batchFirstInput, int batch, int seqLen, SequenceLayout layout, string label)
    {
        int inputs = model.Architecture.InputSize, outputs = model.Architecture.OutputSize;
        float[] input = layout == SequenceLayout.BatchFirst ? batchFirstInput : new float[batchFirstInput.Length];
        for (int b = 0; b < batch && layout != SequenceLayout.BatchFirst; b++)
        {
            for (int t = 0; t < seqLen; t++)
            {
                // Time-major: (t, b) at row t·batch + b.
                batchFirstInput.AsSpan(((b * seqLen) + t) * inputs, inputs).CopyTo(input.AsSpan(((t * batch) + b) * inputs));
            }
        }

        float[] batched = Run(model, input, null, null, batch, seqLen, layout, null);
        for (int b = 0; b < batch; b++)
        {
            float[] alone = Run(model, batchFirstInput.AsSpan(b * seqLen * inputs, seqLen * inputs).ToArray(), null, null, 1, seqLen, SequenceLayout.BatchFirst, null);
            var sequence = new float[seqLen * outputs];
            for (int t = 0; t < seqLen; t++)
            {
                int row = layout == SequenceLayout.BatchFirst ? (b * seqLen) + t : (t * batch) + b;
                batched.AsSpan(row * outputs, outputs).CopyTo(sequence.AsSpan(t * outputs));
            }

            Bits.AssertEqual(sequence, alone.AsSpan(0, seqLen * outputs).ToArray(), $"{label}: sequence {b} of {batch} vs alone");
        }
    }

    /// <summary>Runs a pass; returns output ‖ h_n (‖ c_n for an LSTM).</summary>
    private static float[] Run(RnnModel model, float[] input, float[]? h0, float[]? c0, int batch, int seqLen, SequenceLayout layout, RnnWorkspace? workspace)
    {
        RnnArchitecture a = model.Architecture;
        var output = new float[batch * seqLen * a.OutputSize];
        var hN = new float[a.StateRows * batch * a.StateSize];
        if (a.Cell == RnnCell.Lstm)
        {
            var cN = new float[a.StateRows * batch * a.HiddenSize];
            model.Forward(input, output, hN, cN, batch, seqLen, layout, h0, c0, workspace);
            return [.. output, .. hN, .. cN];
        }

        model.Forward(input, output, hN, batch, seqLen, layout, h0, workspace);
        return [.. output, .. hN];
    }
}
