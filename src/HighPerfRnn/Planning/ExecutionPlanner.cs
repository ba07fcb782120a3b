using HighPerfRnn.Kernels;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Planning;

/// <summary>
/// The one place that decides which kernel runs what. Every threshold of the runtime is here, named, with the
/// measurement that set it; the drivers execute the <see cref="ExecutionPlan"/> it makes once per model and call class.
/// It is a pure function of the architecture, the SIMD path, the call, the batch class and whether the model is
/// declared, so tests can fix what it sees and assert the route.
/// </summary>
internal static class ExecutionPlanner
{
    /// <summary>
    /// A streaming <c>Step</c> of a gated layer is always fused (input product, recurrent product and gates in one pass,
    /// each vector's gates beside the next vector's products): fused ÷ separate products and gate pass per step (AMD EPYC
    /// Zen 4, alternating, input = hidden): 512-bit LSTM 64 / 96 / 128 / 256 0.75 / 0.88 / 0.82 / 0.91, GRU 0.79 / 0.90 /
    /// 0.82 / 0.85; 256-bit LSTM 0.89 / 0.89 / 0.89 / 0.88, GRU 0.89 / 0.98 / 0.90 / 0.90 (at hidden 64 on AVX2, before
    /// the gates moved beside the products, 5–9% faster; at 128 level).
    /// A step of a sequence (input product hoisted out of the time loop) fuses the recurrent product and the gates while
    /// W_hh fits L1 (hidden ≤ 32) where <see cref="FusesSequenceStepInL1"/> says so, and again from
    /// <see cref="FusedStepSequenceStreamingFromBytes"/> (on the 512-bit path <see cref="FusedStepSequenceStreamingFromBytes512"/>).
    /// Between the two the general step (the product, then the gate
    /// pass) measured level or faster.
    /// </summary>
    public const long FusedStepSequenceBudgetBytes = 16 * 1024;

    /// <summary>
    /// Whether a sequence's step within <see cref="FusedStepSequenceBudgetBytes"/> fuses on this path: everywhere the
    /// 512-bit path runs (measured faster fused on Zen 4 and 5), and for the LSTM on the 256-bit path. Elsewhere the
    /// general step (the single-row product, then the gate pass) measured faster, per 100-step <c>Forward</c> at batch 1,
    /// paired in one process on AMD EPYC Zen 3 (session 18, after the single-row product's faster join): general ÷ fused
    /// 256-bit GRU 8 / 16 / 24 / 32 0.83 / 0.81 / 0.89 / 0.90 (LSTM 8 / 16 / 24 / 32 1.15 / 1.18 / 1.04 / 1.03: fused
    /// stays); 128-bit (no FMA) GRU 0.83–0.85, LSTM 8 / 16 / 32 0.93 / 0.87 / 0.85; scalar GRU 16 / 32 0.81 / 0.85, LSTM
    /// 16 0.85. The same bits either way. The 128-bit path on Arm64 (NEON, with FMA) was not measured apart. Two layers
    /// that run as a wavefront keep the fused step (<see cref="WavefrontShaped"/>): layer by layer on the general step, a
    /// two-layer GRU 16 / 24 on the 256-bit path took 0.80–1.09 / 0.98–1.11 of the wavefront's time over three runs.
    /// </summary>
    private static bool FusesSequenceStepInL1(RnnArchitecture architecture, SimdPath path)
        => path == SimdPath.Vector512 || (path == SimdPath.Vector256 && architecture.Cell == RnnCell.Lstm) || WavefrontShaped(architecture, path);

    /// <summary>
    /// From this size of W_hh a sequence's step is fused again: W_hh streams from L2 every step, and the fused step runs
    /// each vector's gate activations while the next vector's weights arrive, where the general step's gate pass waits
    /// for the whole product. Fused ÷ general time per step (AMD EPYC Zen 4, alternating, 100-step sequences): 512-bit
    /// LSTM 128 (256 KB) 0.86, 256 0.94, GRU 128 (192 KB) 0.83, 256 0.89; 256-bit LSTM 128 0.84–0.96, 256 0.88, GRU 128
    /// 0.95–0.97, 256 0.92. Below it the GRU on the 256-bit path measured slower fused (64–112: 1.06–1.22) and the
    /// LSTM at most level (80–112: 0.94–0.99).
    /// </summary>
    public const long FusedStepSequenceStreamingFromBytes = 192 * 1024;

    /// <summary>
    /// The 512-bit path's line in place of <see cref="FusedStepSequenceStreamingFromBytes"/>: from where the fused step
    /// runs its products chunk by chunk (W_hh over <see cref="FusedGateStep.ChunkByChunkAboveBytes"/>), which made it the
    /// faster at every such size. Fused ÷ general per step of a 100-step sequence (<c>--fused-step-lines</c>, AMD EPYC Zen 5,
    /// alternating in one process): LSTM 64 / 96 / 128 0.85 / 0.87 / 0.88, GRU 96 / 128 0.92 / 0.93; GRU 64 (48 KB, two
    /// chunks side by side) 0.95–1.01, where the general step stays.
    /// </summary>
    public const long FusedStepSequenceStreamingFromBytes512 = FusedGateStep.ChunkByChunkAboveBytes + 1;

    /// <summary>The size of W_hh from which a sequence's step on <paramref name="path"/> is fused again.</summary>
    private static long FusedSequenceStepFromBytes(SimdPath path)
        => path == SimdPath.Vector512 ? FusedStepSequenceStreamingFromBytes512 : FusedStepSequenceStreamingFromBytes;

    /// <summary>
    /// Streaming gated steps alternate the panel order from call to call where W_ih and W_hh together take more than
    /// this (2–9% less time per step from hidden 32 to 128); below, the weights stay in L1 either way and the toggle (a
    /// thread-static access) is skipped. Not for the Elman step (no gain measured).
    /// </summary>
    public const long AlternatePanelOrderAboveBytes = 16 * 1024;

    /// <summary>
    /// A bidirectional layer advances both directions in one loop while both W_hh together take at most this (well
    /// inside a 512 KB L2): interleaving overlaps the two dependency chains, but larger pairs evict each other from L2.
    /// </summary>
    public const long InterleaveDirectionsBudgetBytes = 192 * 1024;

    /// <summary>
    /// A declared gated model's generated kernel runs batches of 2 and 3 while W_hh (padded) takes at most this, the L1
    /// data cache of the smaller machine type (32 KB); the generator draws the same line on the unpadded weights
    /// (GateKernelEmitter.SpecializeLimit), so this one is the stricter. Each generated row is its own matrix-vector
    /// product, reading W_hh once per row, where the runtime's product reads it once for the two or three rows (since
    /// session 14; before, row by row too, and this line was 48 KB). Paired on Zen 4, declared ÷ runtime Forward at
    /// batch 2 and 3, 512-bit: LSTM 36 and 40 (28–31 KB padded) 0.83–0.92, GRU 40 and 48 (23–28 KB) 0.84–0.92, LSTM 44
    /// (34 KB) 0.97–0.98, LSTM 48 (37 KB) 1.05, GRU 64 (48 KB) 1.22–1.24; 256-bit: LSTM 36–44 0.84–0.98, GRU 48 0.93–1.00.
    /// At batch 1 the runtime's fused step measured faster (GRU 48/64, LSTM 48: 1.3–1.5× per Step).
    /// </summary>
    public const long GeneratedGatedLimitBytes = 32 * 1024;

    /// <summary>
    /// A declared Elman model's generated kernel runs batches of 2 and 3 while W_hh (padded) takes at most this. Paired on
    /// Zen 4 (declared ÷ runtime Forward at batch 2 and 3, against the runtime's product of all the rows at once): Elman 32
    /// and 48 (4 and 9 KB) 0.67–0.73 on the 512-bit path and 0.82–0.96 on the 256-bit one; Elman 64 (16 KB) 0.90–0.93
    /// and 0.99–1.03; Elman 72 (23 KB on 256-bit) 0.96–0.99; Elman 90 and 100 (35 and 45 KB) 0.99–1.12.
    /// </summary>
    public const long GeneratedElmanBatchLimitBytes = 12 * 1024;

    /// <summary>
    /// From batch 4 to <see cref="GeneratedGatedMaxBatch"/>, a declared gated model's generated kernel runs while W_hh
    /// takes at most this; above it the runtime's blocked product, which reads W_hh once for several rows. Measured at
    /// batch 8 (AMD EPYC Zen 5, declared ÷ runtime time): GRU and LSTM 16 0.72–0.76, 32 0.86–0.87 (12–16 KB), GRU 64 (48
    /// KB) 1.29; at batch 3 GRU 64 still 0.93. 16 KB until session 31, whose runtime gate passes (two activations a loop)
    /// and four-row tiles made the runtime's batched step faster: then the generated step of the 12–16 KB models measured
    /// level or slower at 8–24 (paired, Zen 5, 512-bit, `-- --paired-declared-batches`: `Step` of two layers of LSTM 32 at
    /// 4 / 8 / 12 1.016 / 1.045 / 1.033, of GRU 32 0.967 / 1.015 / 1.020; `Forward` of LSTM 32 at 8 / 12 / 16 / 24 1.009 /
    /// 1.017 / 1.013–1.031 / 1.014–1.044, of two layers of LSTM 32 1.010 / 1.021 / 1.027 / 1.040–1.044, of GRU 32 at 16 /
    /// 24 1.021 / 1.033), where at 3–4 KB it stays well ahead (LSTM 16 0.94, GRU 16 0.84–0.86, two layers of 16 0.84–0.95).
    /// </summary>
    public const long GeneratedGatedBatchLimitBytes = 8 * 1024;

    /// <summary>
    /// The largest batch a declared gated model's generated step runs; from <see cref="ProjectEachStepFromBatch"/> the
    /// runtime's kernels. The generated step runs the rows one after the other, each row's product, activations and state
    /// update one dependent chain, where the runtime's gate pass sweeps the activations of all the rows at once (independent
    /// work for the out-of-order core) and a Forward projects each step's inputs just before the step. Declared ÷ runtime,
    /// paired in one process (AMD EPYC Zen 3, 256-bit, seq 50) at batches 32 / 48 / 64: Forward LSTM 8 1.19 / 1.19 / 1.24,
    /// GRU 16 1.02 / 1.10 / 1.06, GRU 32 1.04 at 32 and 64, two-layer LSTM 8 1.11 / 1.16 / 1.19; Step LSTM 8 1.16 and 1.21 at
    /// 32 and 64, GRU 32 1.08 and 1.06, two-layer LSTM 8 1.21 and 1.22. Faster at GRU 8 (0.80–0.84), LSTM 16 (0.89–0.94)
    /// and LSTM/GRU 24 (0.95–0.97), but no fixed line separates those from the slower ones, and a declaration must never
    /// cost time. At batch 8 the same kernels measured 0.84–1.03 (Step: LSTM 8 0.92, GRU 8 0.84, GRU 32 1.03).
    /// </summary>
    public const int GeneratedGatedMaxBatch = ProjectEachStepFromBatch - 1;

    /// <summary>
    /// A declared Elman model's generated kernel runs batches 2 and 3; from 4 rows the runtime's blocked product (4–6
    /// rows × 2 panels per load of W_hh) measured faster (batch 64, hidden 128: 9.9 against 14.1 ms); at batch 1 the
    /// sequence kernel (1.2–2.7× faster per Step).
    /// </summary>
    public const int GeneratedElmanMaxBatch = 3;

    /// <summary>
    /// A declared model runs its generated whole-model kernel at batch 1 (Step and Forward; a bidirectional model's Forward
    /// layer by layer, its layer sequences in the workspace) while W_hh (unpadded, as the generator counts it:
    /// WholeModelEmitter.LimitFloats) takes at most this: LSTM to hidden 32, GRU to 36, Elman to 64.
    /// The line is fixed, the same on every machine, because the generator draws it at build time. Below it a step is a
    /// few hundred nanoseconds or less, and the runtime's per-call work (checks, arguments, scratch, a kernel call per
    /// layer) is a large share of it.
    /// </summary>
    public const long WholeModelLimitBytes = 16 * 1024;

    /// <summary>
    /// A declared model's whole-model Forward (every time step an input product per layer and direction) runs while the
    /// weights one layer's time step reads, W_ih and W_hh (as the generator counts them, WholeModelEmitter.ForwardLimitFloats:
    /// a gated layer's gate rows padded to 16-float panels; both directions of a bidirectional layer), take at most this for
    /// the largest layer: the smaller L1 of the machine types (32 KB). A unidirectional model's layers run as a wavefront while
    /// all of them together fit it, else one after the other, each over the whole sequence; a bidirectional model's layer by
    /// layer. Past it a gated model's Forward projects its input sequences first (<see cref="DeclaredForwardProjectsInputs"/>).
    /// Past the line each step streams its weights from L2, where the runtime's pass reads W_ih once per layer for the whole
    /// sequence (one product): as a wavefront of every layer a two-layer LSTM 32 (64 KB a wave) measured 1.09–1.13 of the
    /// runtime's time, a GRU 32 (48 KB) 1.02–1.04, a bidirectional GRU 33 (78 KB) 1.05, against 0.44 for an LSTM 16 (16 KB)
    /// and 0.70–0.85 for an Elman 32 (16 KB), paired, on Zen 5. Its Step reads every layer's weights either way.
    /// </summary>
    public const long WholeModelForwardLimitBytes = 32 * 1024;

    /// <summary>
    /// Whether a declared gated model's whole-model Forward projects each layer's whole input sequence in one product per
    /// direction first, as the runtime's pass does, then runs its time loop of generated rows on the pre-activation rows (a
    /// bidirectional layer's two directions side by side; the generator's WholeModelEmitter.ForwardProjectsInputs, the same
    /// rule): W_hh within <see cref="WholeModelLimitBytes"/>, and a time step of its largest layer (all directions, the gate
    /// rows padded to 16-float panels) reading more weights than <see cref="WholeModelForwardLimitBytes"/>: a wide input, a
    /// stacked bidirectional layer's doubled one, a hidden size the widest panels pad. Per step only W_hh is read, which stays
    /// in L1. Declared ÷ runtime-sized Forward at batch 1, 10 / 100 steps (paired, AMD EPYC Zen 5, 512-bit, the same bits):
    /// LSTM 32 of input 128 0.73 / 0.72, GRU 32 of input 128 0.68 / 0.66, LSTM 16 of input 256 0.75 / 0.75, two
    /// bidirectional layers of LSTM 32 of input 1 0.38 / 0.55, three of GRU 24 of input 96 0.52 / 0.51 (the runtime's kernels
    /// before); a bidirectional GRU 20 of input 48 (52 KB padded) 0.50 / 0.48, where its loop with the input products took
    /// 0.87 / 0.98; bidirectional LSTM 32 of input 32 0.55 / 0.55 and GRU 32 0.50 / 0.48, where their directions one after
    /// the other (session 33) took 0.56 / 0.61 and 0.49 / 0.53. At the line the two forms meet: LSTM 32 of input 32 (32 KB)
    /// 0.59 / 0.58 projecting against 0.55 / 0.58 in the loop, GRU 32 of input 48 0.54 / 0.55 against 0.56 / 0.55; below it the
    /// loop is the faster (LSTM 16 of input 16 0.34 / 0.37 against 0.45 / 0.47; bidirectional GRU 16 of input 48, 24.6 KB,
    /// 0.28 / 0.37 against 0.40 / 0.38).
    /// </summary>
    public static bool DeclaredForwardProjectsInputs(RnnArchitecture architecture)
        => architecture.Cell != RnnCell.Rnn
            && DeclaredRecurrentBytes(architecture) <= WholeModelLimitBytes
            && DeclaredForwardWeightBytes(architecture) > WholeModelForwardLimitBytes;

    /// <summary>
    /// The widest stacked Elman layers whose declared whole-model Forward runs them as a wavefront (the generator's
    /// WholeModelEmitter.ElmanWavefrontMaxHidden, the same number); wider ones run one after the other, the faster there
    /// (two layers of Elman 24 / 32 on the 512-bit path 0.67 / 0.74 of the runtime's time against 0.74 / 0.83–0.90 as a
    /// wavefront, level on the 256-bit one; paired, AMD EPYC Zen 5).
    /// </summary>
    public const int ElmanWavefrontMaxHidden = 16;

    /// <summary>
    /// The Elman RNN's whole-model Forward line, half (the generator's WholeModelEmitter.ElmanForwardLimitFloats): its
    /// runtime pass is a product per layer and one tight loop per direction, so per-step input products pay off later: a
    /// two-layer Elman 32 (16 KB) measured 0.63–0.85 of the runtime's time, a bidirectional two-layer Elman 33 (26 KB a
    /// step) 1.09–1.10, paired.
    /// </summary>
    public const long ElmanWholeModelForwardLimitBytes = 16 * 1024;

    /// <summary>
    /// An Elman model's whole-model Forward also needs every layer's input at most this many times its hidden size, unless
    /// its W_ih is small (<see cref="ElmanWholeModelForwardAnyInputBytes"/>; the generator's
    /// WholeModelEmitter.ElmanForwardMaxInputPerHidden and ElmanForwardAnyInputFloats): its loop reads W_ih every step, where the runtime's
    /// pass projects the sequence in one product, and a wide input's product outweighs what the loop saves. Declared ÷
    /// runtime-sized at 100 / 1000 steps (paired, Zen 5; 512-bit, then 256-bit), all within the 16 KB line: Elman 24 of
    /// input 128 1.11 / 1.14, Elman 20 of input 100 1.06–1.07 / 1.10, Elman 24 of input 100 1.04 / 1.07, Elman 32 of input 96
    /// 1.00 / 1.02, Elman 10 of input 160 on the 256-bit path 1.09 / 1.14, three bidirectional layers of Elman 20 of input
    /// 48 1.03–1.09 on the 512-bit path; within it Elman 32 of input 64 0.91 and 0.88–0.97, Elman 40 of input 56 0.90 and
    /// 0.86–0.91, Elman 45 of input 40 0.89 and 0.91–0.94. (A later bidirectional layer's input is twice its hidden size.)
    /// </summary>
    public const int ElmanWholeModelForwardMaxInputPerHidden = 2;

    /// <summary>
    /// The W_ih (all directions of a layer) up to which an Elman layer keeps the whole-model loop whatever its input's width
    /// (<see cref="ElmanWholeModelForwardMaxInputPerHidden"/>): small models, where the runtime's per-call and per-step work
    /// outweighs the products (two layers of Elman 6 of input 24 0.35 of the runtime's time, three of Elman 4 of input 16
    /// 0.46; Elman 16 of input 64, 4 KB, 0.86–0.91 on the 256-bit path).
    /// </summary>
    public const long ElmanWholeModelForwardAnyInputBytes = 4 * 1024;

    /// <summary>Whether an Elman model's layers' inputs allow its whole-model loop (<see cref="ElmanWholeModelForwardMaxInputPerHidden"/>, <see cref="ElmanWholeModelForwardAnyInputBytes"/>).</summary>
    private static bool ElmanInputFitsLoop(RnnArchitecture architecture)
    {
        int widest = architecture.NumLayers > 1 ? Math.Max(architecture.InputSize, architecture.LayerInputSize(1)) : architecture.InputSize;
        return widest <= ElmanWholeModelForwardMaxInputPerHidden * architecture.HiddenSize
            || (long)architecture.HiddenSize * architecture.NumDirections * widest * sizeof(float) <= ElmanWholeModelForwardAnyInputBytes;
    }

    /// <summary>
    /// The most time steps a declared bidirectional Elman model whose hidden state is one vector of the path (hidden 8 on
    /// the 256-bit path) runs in its generated whole-model Forward (the generator's
    /// WholeModelEmitter.OneVectorBidirectionalMaxSteps, the same number). Its per-call saving (no plan, scratch or
    /// per-direction setup) wins short sequences, but per step the runtime's one-vector kernel is the faster (h and the
    /// next step's sums in registers): the seed nn.RNN(5, 8, num_layers=2, bidirectional=True) at 10 / 20 / 30 / 40 / 60 /
    /// 200 steps ran in 0.78 / 0.91 / 0.99 / 1.01 / 1.02–1.05 / 1.09–1.15 of the runtime-sized model's time (paired,
    /// AMD EPYC Zen 3); with both directions' products before both activations, 0.72–0.76 at 10 steps, 0.90–0.95 at 30,
    /// about 1.05 at 200. Longer sequences go to the runtime's kernels.
    /// </summary>
    public const int OneVectorBidirectionalWholeModelMaxSteps = 32;

    /// <summary>
    /// Whether a declared model's whole-model <c>Forward</c> takes sequences of at most
    /// <see cref="OneVectorBidirectionalWholeModelMaxSteps"/> steps: a bidirectional Elman model whose hidden state is one
    /// vector of <paramref name="path"/>.
    /// </summary>
    public static bool HasOneVectorBidirectionalLine(RnnArchitecture architecture, SimdPath path)
        => architecture.Cell == RnnCell.Rnn && architecture.Bidirectional && architecture.HiddenSize == SimdPaths.LaneCount(path);

    /// <summary>
    /// The Elman RNN's whole-model line, lower: its runtime kernels are already one tight loop per layer, so the generated
    /// code's gain is smaller, and at hidden 64 (16 KB) it measured level or slower (paired Forward 1.05, Step 0.95–1.3 of
    /// the runtime's time); at 32 (4 KB) it ran in 0.63 (Forward) and 0.65 (Step). Elman to hidden 45.
    /// </summary>
    public const long ElmanWholeModelLimitBytes = 8 * 1024;

    /// <summary>
    /// From this batch a <c>Forward</c> projects each step's inputs just before the step (one product of batch rows)
    /// instead of the whole sequence first: the step's pre-activation rows are then still in L1 or L2 when the recurrent
    /// product and the gates read and rewrite them, where a whole sequence's rows (batch 64 × 100 steps × 128 gates:
    /// 3.2 MB) have left L2 by then. Per step ÷ whole sequence, paired in one process (AMD EPYC Zen 4, 512-bit), the
    /// grid's points with a batch-first input: Elman 128 at batch 64 0.87, Elman 512 at batch 64 0.96, the two-layer
    /// bidirectional LSTM 256 at batch 32 0.97 (sequence-first: 0.92, 0.97, 0.955); at batch 8 and 16 (LSTM and GRU 128)
    /// 1.01–1.03, where a step's product re-reads W_ih for too few rows (projecting several steps at a time there, 64 rows
    /// a product, was no better).
    /// </summary>
    public const int ProjectEachStepFromBatch = 32;

    /// <summary>
    /// An Elman Forward at batch 2 and 3 runs each batch row's sequence through the batch-1 sequence kernel (two rows'
    /// chains side by side) while W_hh (padded) takes at most this, instead of the blocked product of the batch rows
    /// per step: at these sizes a step is a few dozen nanoseconds, and the product's tile starts and finishes over a
    /// shallow depth, the activation pass and the per-step bookkeeping cost more than reading W_hh once per row.
    /// Paired on Zen 4 (rows ÷ blocked product, Forward, seq 50): 512-bit Elman 12 / 24 / 32 / 48 (1–9 KB) at batch 2
    /// 0.51 / 0.59 / 0.66 / 0.81, at batch 3 0.65 / – / 0.73 / 0.86; Elman 64 (16 KB) 0.96–1.00; 256-bit Elman 12–48
    /// 0.58–0.96, Elman 64 1.14; two bidirectional layers of Elman 12 / 32 / 48 at batch 2 0.51 / 0.72 / 0.84. From batch
    /// 4 the product wins (Elman 24 at batch 4 0.93, at 8 1.10; Elman 32 at 4 1.04) except where a gate block is one
    /// panel, which runs row by row at every batch (hidden within one vector: the product's single panel is a few
    /// floats deep and its tiles are mostly starts and finishes; Elman 8 and 16 at batch 2–64 0.21–0.57, Elman 12 on
    /// 512-bit at batch 4–32 0.69–0.95, Elman 6 on 256-bit 0.56–0.76).
    /// A declared unidirectional model's generated step stays below this line where a block is more than one panel
    /// (declared ÷ rows, batch 2–3: 0.89–1.05 on 512-bit, 0.76–1.04 on 256-bit), and takes the rows where it is one
    /// (1.7–2.6× slower there); a declared bidirectional one takes the rows (its generated step 1.15–1.19× the rows' time
    /// at batch 2 on 512-bit; session 30).
    /// </summary>
    public const long ElmanRowSequencesLimitBytes = 12 * 1024;

    /// <summary>The batch classes plans are made for: 1, 2–3, 4–15, 16–31, 32 and up.</summary>
    public const int BatchClasses = 5;

    /// <summary>The class of <paramref name="batch"/>: 0 for 1, 1 for 2–3, 2 for 4–15, 3 for 16–31, 4 for 32 and up.</summary>
    public static int BatchClass(int batch)
        => batch <= 1 ? 0 : batch <= GeneratedElmanMaxBatch ? 1 : batch <= DeclaredStepRowsMaxBatch ? 2 : batch < ProjectEachStepFromBatch ? 3 : 4;

    /// <summary>The batch class from which a Forward projects each step's inputs beside the step (<see cref="ProjectEachStepFromBatch"/>).</summary>
    private static readonly int ProjectingBatchClass = BatchClass(ProjectEachStepFromBatch);

    /// <summary>
    /// The SIMD path a model is packed for. A requested path (load options, tests) or one forced by the environment
    /// (<c>HIGHPERFRNN_SIMD</c>) is kept. Otherwise, among the paths the CPU runs, the one that covers a gate block of
    /// hidden units in the fewest vectors, the narrower on a tie: hidden 8 takes one vector at 256 and at 512 bits, and
    /// the 256-bit path then reads half the bytes and runs the one-vector Elman kernel; hidden 24 takes 2 × 512 against
    /// 3 × 256. Every path gives the same bits, so this only changes speed.
    /// </summary>
    public static SimdPath ChooseSimdPath(RnnArchitecture architecture, SimdPath requested, SimdPath best, bool forcedByEnvironment, out string reason)
    {
        if (requested != SimdPath.Auto)
        {
            reason = "requested in the load options";
            return requested;
        }

        if (forcedByEnvironment)
        {
            reason = $"forced by {SimdPaths.EnvironmentVariable}";
            return best;
        }

        int hidden = architecture.HiddenSize;
        SimdPath chosen = best;
        int fewest = VectorsPerBlock(hidden, best);
        for (SimdPath narrower = best - 1; narrower >= SimdPath.Vector128; narrower--)
        {
            int vectors = VectorsPerBlock(hidden, narrower);
            if (vectors <= fewest)
            {
                chosen = narrower;
                fewest = vectors;
            }
        }

        reason = chosen == best
            ? $"the widest this CPU runs; {fewest} vector{(fewest == 1 ? string.Empty : "s")} per gate block of {hidden}"
            : $"narrower than the CPU's {best}: {fewest} vector{(fewest == 1 ? string.Empty : "s")} per gate block of {hidden}, as many as the wider path, with fewer bytes";
        return chosen;
    }

    private static int VectorsPerBlock(int hidden, SimdPath path)
    {
        int lanes = SimdPaths.LaneCount(path);
        return (hidden + lanes - 1) / lanes;
    }

    /// <summary>The plan of <paramref name="call"/> for batches of <paramref name="batchClass"/> (see <see cref="BatchClass"/>).</summary>
    public static ExecutionPlan Plan(RnnArchitecture architecture, SimdPath path, string simdReason, RnnCall call, int batchClass, bool declared)
    {
        (int minBatch, int maxBatch) = batchClass switch
        {
            0 => (1, 1),
            1 => (2, GeneratedElmanMaxBatch),
            2 => (GeneratedElmanMaxBatch + 1, DeclaredStepRowsMaxBatch),
            3 => (DeclaredStepRowsMaxBatch + 1, ProjectEachStepFromBatch - 1),
            _ => (ProjectEachStepFromBatch, int.MaxValue),
        };

        string? rowByRow = StepRowByRowReason(architecture, path, call, batchClass, minBatch, maxBatch, declared)
            ?? ForwardRowByRowReason(architecture, path, call, batchClass, minBatch, maxBatch, declared);
        var layers = new LayerPlan[architecture.NumLayers];
        for (int layer = 0; layer < layers.Length; layer++)
        {
            // Row by row, each row runs the batch-1 step's kernels.
            layers[layer] = PlanLayer(architecture, path, call, rowByRow is null ? batchClass : 0, declared, layer);
        }

        string? projectEachStep = call == RnnCall.Forward && rowByRow is null && minBatch >= ProjectEachStepFromBatch && !Array.Exists(layers, l => l.Kernel is LayerKernel.ElmanSequenceProjecting or LayerKernel.ElmanSequence)
            ? $"batch ≥ {ProjectEachStepFromBatch}: a step's rows stay in cache between their projection and the step"
            : null;
        return new ExecutionPlan(architecture, call, minBatch, maxBatch, path, declared, layers, simdReason, WavefrontReason(architecture, path, call, layers), projectEachStep, rowByRow);
    }

    /// <summary>
    /// A <c>Step</c> of 2 or 3 streams of a one-layer model runs each stream's row through the batch-1 step (the fused
    /// gate step, or the Elman sequence kernel over one step) while W_hh (padded) takes at most this: a small step's
    /// fused kernels, in registers, cost less per row than the input product, the recurrent product and the gate pass
    /// of the rows together, each a pass of its own. Rows ÷ the batched step (Zen 4, paired, a Step call per row from
    /// outside, so with its checks): Elman 8 / 16 / 32 / 48 / 64 at batch 2 0.32 / 0.36 / 0.65 / 0.85 / 1.11, Elman 16 at
    /// 3 0.49; LSTM 8 / 16 / 32 / 48 at 2 0.51 / 0.69 / 0.89 / 1.15, LSTM 16 and 32 at 3 0.92 and 1.05; GRU 16 / 32 / 48 /
    /// 64 at 2 0.63 / 0.79 / 1.08 / 1.28, at 3 0.67 / 0.86. From batch 4 the product wins (LSTM 16 1.04, GRU 16 1.05,
    /// Elman 32 1.41) but for the one-vector Elman (Elman 16 at 4 0.64, at 8 1.05): not taken, one line for all.
    /// </summary>
    public const long StepRowByRowLimitBytes = 12 * 1024;

    /// <summary>
    /// A declared model's <c>Forward</c> of a few sequences (a bidirectional one's since session 32:
    /// <see cref="DeclaredBidirectionalGatedForwardRowsLimitBytes"/>) runs each sequence through its whole-model
    /// Forward, one after the other, wherever that runs its batch-1 Forward and W_hh (padded) takes at most this: the
    /// generated pass keeps a step's weights, state and gates in registers and L1 at constant sizes, where the driver's
    /// steps of all the rows are an input product, a recurrent product and a gate pass each. At batches 2–3 for every
    /// model; at 4–15 for one gated layer (<see cref="DeclaredGatedForwardRowsMaxBatch"/>), and at 4–31 for Elman layers within <see cref="DeclaredElmanForwardRowsLimitBytes"/>.
    /// A ragged batch (lengths) takes the same rows, each sequence over its own length (since session 17: declared ÷
    /// runtime-sized 0.23–0.98 at batches 1–31, from 0.83–1.04 through the driver).
    /// Whole-model rows ÷ the declared model's batched Forward before this (seq 50, batch-first, a Forward call per
    /// sequence from outside, so with its checks; AMD EPYC Zen 3, 256-bit, paired), at batches 2 / 4 / 8 / 16 / 31:
    /// LSTM 8 0.71 / 0.84 / 0.88 / 0.88 / 0.99, LSTM 16 0.78 / 0.84 / 0.85 / 0.69 / 0.93, LSTM 24 (9 KB) 0.87 / 0.92 /
    /// 0.92 / 0.90 / 0.99, LSTM 28 (14 KB) 0.95 / 0.97 / 0.90 / 0.87 / 0.99, LSTM 32 (16 KB) 0.99 / 1.01 / 0.94 / 0.97 /
    /// 1.05; GRU 8 0.63–0.89, GRU 16 0.79–1.00, GRU 24 0.80–0.87, GRU 32 (12 KB) 0.90–0.98. Two gated layers at 2: LSTM 8
    /// and 16 0.96 and 0.94, GRU 16 0.86; from 4 their generated step is level or faster (0.93–1.13).
    /// </summary>
    public const long DeclaredForwardRowsLimitBytes = 14 * 1024;

    /// <summary>
    /// An Elman model's line for declared rows at batches 4–31 (at 2–3 every whole-model Elman Forward runs them): rows ÷
    /// batched (as above) Elman 12 / 16 / 24 (2.3 KB) at batches 4–31 0.39–0.87, two layers of Elman 24 0.72–0.85; Elman 32
    /// (4 KB) 0.86 / 0.93 / 0.98 / 1.09 / 1.09 at 2 / 4 / 8 / 16 / 31.
    /// </summary>
    public const long DeclaredElmanForwardRowsLimitBytes = 3 * 1024;

    /// <summary>The largest batch a declared Forward runs row by row: the end of the batch class before the per-step projections.</summary>
    public const int DeclaredForwardRowsMaxBatch = ProjectEachStepFromBatch - 1;

    /// <summary>
    /// The largest batch a declared gated Forward runs row by row. Until session 31 <see cref="DeclaredForwardRowsMaxBatch"/>
    /// (31), as the Elman's; with that session's faster runtime gate passes and tiles the rows lost from 16 sequences where
    /// the declared model's generated step did not (paired, Zen 5, 512-bit, seq 50, rows ÷ runtime-sized at 16 / 24,
    /// against its generated step): GRU 8 1.054 / 1.081 (0.858 / 0.853), LSTM 16 1.013 / 1.069 (0.937 / 0.943), GRU 16
    /// 0.901 / 0.939 (0.857 / 0.842), LSTM 8 0.752 / 0.894 (0.772 / 0.806), GRU 32 1.042 / 1.052 (1.021 / 1.033, past
    /// <see cref="GeneratedGatedBatchLimitBytes"/>: the runtime's kernels).
    /// </summary>
    public const int DeclaredGatedForwardRowsMaxBatch = DeclaredStepRowsMaxBatch;

    /// <summary>
    /// From 4 to 15 sequences a declared gated Forward runs row by row while W_hh (padded) takes at most this (at 2–3
    /// <see cref="DeclaredForwardRowsLimitBytes"/>). 14 KB until session 31, whose faster runtime tiles left a GRU 32's rows
    /// (12 KB) at 1.05–1.10 of the runtime's time at 8 and 12 sequences on the 256-bit path (0.94 / 1.01 on the 512-bit
    /// one; paired, Zen 5); past the line the runtime's kernels (the generated step's line is 8 KB from 4 rows).
    /// </summary>
    public const long DeclaredGatedForwardRowsToFifteenLimitBytes = 8 * 1024;

    /// <summary>
    /// From 4 to 31 sequences a declared bidirectional gated model (any number of layers) runs its Forward row by row
    /// while W_hh (padded, one direction's) takes at most this (at 2–3 <see cref="DeclaredForwardRowsLimitBytes"/>; Elman
    /// layers as the unidirectional ones, from 4 within <see cref="DeclaredElmanForwardRowsLimitBytes"/>). Its batch-1
    /// whole-model Forward runs both directions' chains side by side in registers and L1 at 0.25–0.50 of the runtime's
    /// time, and the driver's steps of all the rows amortize less for two directions than a unidirectional pass does.
    /// Declared ÷ runtime-sized, paired (seq 50, AMD EPYC Zen 5, session 32), at batches 2 / 4–5 / 8 / 16 / 24–31, on the
    /// 512-bit path: LSTM 16 (4 KB) 0.37 / 0.54–0.61 / 0.74 / 0.83 / 0.90, GRU 16 0.28 / 0.44–0.46 / 0.59 / 0.66 / 0.67,
    /// two layers of LSTM 16 0.43 / 0.68 / 0.74 / 0.85 / 0.77–0.87, LSTM 24 of input 4 (12 KB) 0.43 / 0.58 / 0.64 / 0.61 /
    /// 0.61–0.64, GRU 24 (9 KB) 0.53 / 0.72 / 0.85 / 0.86 / 0.83–0.85, GRU 32 of input 8 (12 KB) 0.47 / 0.76 / 0.93 / 0.89 /
    /// 0.84–0.93 (time-major at 31: 1.00); on the 256-bit path LSTM 16 0.61 / 0.71 / 0.78 / 0.56 / 0.89, GRU 16 0.50 / 0.67 /
    /// 0.77 / 0.84 / 0.88, GRU 32 of input 8 0.66 / – / 0.88 / 0.84 / 0.93; the seed (10 steps) 0.70–0.87 at 2–31. Before,
    /// the driver with the declared model's generated step: LSTM 16 0.68–0.95, GRU 16 0.56–0.84. Elman 32 bidirectional (4
    /// KB) at 2–3 0.81 (512-bit) and 0.96–0.98 (256-bit); its rows ran 1.11–1.16 of the batched pass's time from 8.
    /// </summary>
    public const long DeclaredBidirectionalGatedForwardRowsLimitBytes = 12 * 1024;

    /// <summary>Why a declared Forward of this batch class runs each sequence through the whole-model Forward (<see cref="DeclaredForwardRowsLimitBytes"/>), or null.</summary>
    private static string? ForwardRowByRowReason(RnnArchitecture architecture, SimdPath path, RnnCall call, int batchClass, int minBatch, int maxBatch, bool declared)
    {
        if (call != RnnCall.Forward || !declared || batchClass == 0 || maxBatch > DeclaredForwardRowsMaxBatch
            || PlanLayer(architecture, path, call, 0, declared: true, 0).Kernel != LayerKernel.GeneratedWholeModel)
        {
            return null;
        }

        // A model whose Forward projects its layers' input sequences first: rows at 2-3 sequences only (every such model,
        // W_hh within the whole-model line; DeclaredForwardProjectsInputs).
        if (DeclaredForwardProjectsInputs(architecture))
        {
            return batchClass == 1
                ? $"declared, batch {minBatch} to {maxBatch}, a model whose Forward projects its input sequences first: each sequence through the whole-model Forward"
                : null;
        }

        long recurrentBytes = PaddedRecurrentBytes(architecture, path);
        bool elman = architecture.Cell == RnnCell.Rnn;
        long limit = batchClass == 1 ? DeclaredForwardRowsLimitBytes
            : elman ? DeclaredElmanForwardRowsLimitBytes
            : architecture.Bidirectional ? DeclaredBidirectionalGatedForwardRowsLimitBytes
            : architecture.NumLayers == 1 && maxBatch <= DeclaredGatedForwardRowsMaxBatch ? DeclaredGatedForwardRowsToFifteenLimitBytes
            : 0;
        return recurrentBytes <= limit
            ? $"declared, batch {minBatch} to {maxBatch}, W_hh {Kb(recurrentBytes)} ≤ {Kb(limit)}: each sequence through the whole-model Forward"
            : null;
    }

    /// <summary>
    /// A declared model's <c>Step</c> of up to this many streams runs each stream's row through its whole-model step, one
    /// after the other, wherever that runs its batch-1 Step (any number of layers; its generated <c>TryStepRows</c>); from
    /// 16 to 31 streams where W_hh takes at most <see cref="DeclaredGatedStepRowsLimitBytes"/>. The batch-1 step keeps a
    /// row's gates and state in registers, where the batched step's passes (the input product of all the rows, then the
    /// generated step's rows, each one dependent chain, or the runtime's recurrent product and gate pass) cost more than
    /// they save over a few rows. Declared ÷ runtime-sized Step, paired (AMD EPYC Zen 3, 256-bit), rows through the
    /// whole-model step at batches 4 / 8 / 9 / 12 / 15: LSTM 8 0.41 / 0.55 / 0.64 / 0.80 / 0.70, LSTM 16 0.47 / 0.62 / 0.57,
    /// LSTM 32 (16 KB) 0.85 / 0.94 / 0.82 / 0.97 / 0.90, GRU 8 0.47 / 0.63 / 0.51, GRU 16 0.54 / 0.66 / 0.77, GRU 32 (12 KB)
    /// 0.88 / 0.97 / 0.87 / 0.99 / 0.84, two layers of LSTM 8 0.44 / 0.62 / 0.72 / 0.92 / 0.96, of GRU 16 0.71 / 0.88 / 0.80,
    /// of LSTM 16 0.54 / 0.71 / 0.63; against 0.77–0.94 at batch 4–8 for the declared model's generated step before. The
    /// rows' time per row is flat while the runtime's batched step amortizes its passes: at 16 / 24 / 31 LSTM 32 0.99 /
    /// 1.03 / 1.02, GRU 32 1.02 / 1.07 / 1.09, where LSTM 16 0.76 / 0.85 / 0.79 and GRU 16 0.85 / 0.94 / 0.94. From 4 rows
    /// only where a step's weights (W_ih and W_hh of every layer) fit in L1 (<see cref="WholeModelForwardLimitBytes"/>):
    /// two layers of LSTM 32 (64 KB) ran rows in 0.97–1.18 of the runtime's time at 4–15 and of GRU 32 (48 KB) 1.05–1.18,
    /// their generated step 0.91–0.95 and 0.92–0.98.
    /// </summary>
    public const int DeclaredStepRowsMaxBatch = 15;

    /// <summary>
    /// A declared model's <c>Step</c> of 2 or 3 streams runs row by row while a step's weights (W_ih and W_hh of every
    /// layer) take at most this; past it its generated step (a kernel per layer over all the rows). Each row reads every
    /// weight again, so rows pay while the weights stay in L1 (48 KB on Zen 5; 32 KB from 4 rows,
    /// <see cref="WholeModelForwardLimitBytes"/>, where the rows' share of the reading grows). Paired, declared ÷
    /// runtime-sized, AMD EPYC Zen 5, session 30 (<c>-- --paired-declared-batches</c> found the first): two layers of LSTM
    /// 32 (64 KB) in rows at 2 / 3 streams 0.79–0.89 / 0.99–1.05 on the 512-bit path and 0.95 / 0.99–1.19 on the 256-bit
    /// one, its generated step 0.86–0.88 / 0.91 and 0.91 / 0.97; two layers of GRU 32 (48 KB) in rows 0.51 / 0.57 and 0.78
    /// / 0.95, its generated step 0.77 / 0.77 and 0.87 / 0.95: rows there.
    /// </summary>
    public const long DeclaredFewStepRowsLimitBytes = 48 * 1024;

    /// <summary>
    /// From 16 to 31 streams a declared gated model of one layer runs its Step row by row while W_hh (padded) takes at most
    /// this; above it, and for stacked layers since session 31 (two layers of LSTM 16, 4 KB a layer, then 1.06–1.19 of the
    /// runtime's time at 16 and 24 streams over two sweeps, its faster gate passes and tiles beside them), the runtime's kernels (the generated step measured 1.00–1.06 of their time there: GRU 32 at 16–24). Rows
    /// ÷ runtime-sized at 16 / 24 / 31 (as above): LSTM 8 (1 KB) 0.79 / 0.95 / 1.02, GRU 8 0.42–0.57, GRU 16 (3 KB) 0.85 /
    /// 0.94 / 0.94, LSTM 16 (4 KB) 0.76 / 0.85 / 0.79, two layers of GRU 16 0.90 / 0.95 / 0.99, of LSTM 16 (4 KB a layer)
    /// 0.83 / 0.88 / 0.84; GRU 32 (12 KB) 1.02–1.09 and LSTM 32 (16 KB) 0.99–1.03 past it. Two layers of LSTM 8 spread the
    /// most: 0.99 / 1.12 / 1.13 in one process, 0.81 / 0.94 / 0.90 in another (their generated step 0.98–1.33); left on
    /// the rows.
    /// </summary>
    public const long DeclaredGatedStepRowsLimitBytes = 8 * 1024;

    /// <summary>
    /// A GRU's line for <see cref="DeclaredGatedStepRowsLimitBytes"/> (16 to 31 streams) on the 256-bit path, below it: there
    /// the runtime's batched GRU step caught up with the rows from 3 KB of W_hh. Declared ÷ runtime-sized Step, paired (AMD
    /// EPYC Zen 5 with AVX-512 off, session 33, over several processes): GRU 16 (3 KB) at 16 / 24 / 31 streams 0.99–1.10 /
    /// 1.04–1.13 / 0.94–1.07 (1.04 at 24 in sessions 31 and 32's sweeps), GRU 24 (6.8 KB) at 16 / 24 / 31 0.99–1.09 /
    /// 1.14–1.19 / 0.97; below it GRU 12 (2.3 KB) 0.77–0.91 and GRU 8 0.65–0.78 (one process read GRU 8 at 28 streams 1.10,
    /// the next 0.72–0.78). The 512-bit path keeps the rows to 8 KB (GRU 16 0.64–0.70, GRU 24 0.99) and so does the 128-bit
    /// one (GRU 16 0.80–0.85, GRU 24 0.87–0.89). On the AVX2-only Zen 3 (session 17) GRU 16's rows measured 0.85 / 0.94 /
    /// 0.94 at 16 / 24 / 31: the line gives that up for a model never slower than the runtime's.
    /// </summary>
    public const long DeclaredGruStepRowsLimitBytes256 = 2560;

    /// <summary>
    /// From 4 to 15 streams a declared gated model's Step runs row by row while W_hh (padded, a layer) takes at most this
    /// (and a step's weights fit in L1, <see cref="WholeModelForwardLimitBytes"/>); above it the runtime's kernels. No line
    /// until session 31, whose faster runtime gate passes and tiles left an LSTM 32's rows (16 KB, 32 KB a step) at 1.04–1.05
    /// of the runtime's time at 12 streams in two sweeps (0.99 at 8, 0.87 at 4; paired, Zen 5, 512-bit), and a GRU 32's (12
    /// KB) at 1.10–1.12 at 12 on the 256-bit path (0.76 / 0.93 / 0.97 at 4 / 8 / 12 on the 512-bit one).
    /// </summary>
    public const long DeclaredGatedStepRowsToFifteenLimitBytes = 8 * 1024;

    /// <summary>
    /// An Elman model's line for declared Step rows at batches 4–31 (at 2–3 every whole-model Elman Step runs them), where
    /// the runtime's blocked product is the other route: rows ÷ runtime-sized (as above) at 4 / 8 / 16 / 31: Elman 12 (0.8
    /// KB) 0.29 / 0.40 / 0.54 / 0.64, Elman 16 0.34 / 0.47 / 0.50 / 0.56, Elman 24 (2.3 KB) 0.63 / 0.78 / 0.80 / 0.70, two
    /// layers of Elman 24 0.76 / 0.90 / 0.80 / 0.89; Elman 32 (4 KB) 0.72 / 0.84 / 0.92 / 1.13.
    /// </summary>
    public const long DeclaredElmanStepRowsLimitBytes = 3 * 1024;

    /// <summary>
    /// Why a Step of this batch class runs row by row (<see cref="StepRowByRowLimitBytes"/>, <see cref="DeclaredStepRowsMaxBatch"/>),
    /// or null. A declared model's rows run its whole-model step wherever that runs its batch-1 Step (its generated
    /// <c>TryStepRows</c>): declared ÷ runtime-sized at batch 2, before this (its generated step against the runtime's
    /// rows), 1.07–1.39 at Elman 8–16, LSTM 8–24 and GRU 16 (Zen 4, paired), where its batch-1 Step takes 0.4–0.8 of the
    /// runtime's.
    /// </summary>
    private static string? StepRowByRowReason(RnnArchitecture architecture, SimdPath path, RnnCall call, int batchClass, int minBatch, int maxBatch, bool declared)
    {
        if (call != RnnCall.Step || batchClass is 0 || batchClass >= ProjectingBatchClass || architecture.Bidirectional)
        {
            return null;
        }

        long recurrentBytes = PaddedRecurrentBytes(architecture, path);
        string layers = architecture.NumLayers == 1 ? "one layer" : $"{architecture.NumLayers} layers";
        if (declared && PlanLayer(architecture, path, call, 0, declared: true, 0).Kernel == LayerKernel.GeneratedWholeModel)
        {
            // Each row reads a step's weights (W_ih and W_hh of every layer) again: within L1 that costs less than the batched
            // passes; past it each row streams them from L2 (two layers of LSTM 32, 64 KB: rows 0.97-1.18 of the runtime's
            // time at 4-15 and up to 1.19 at 3; of GRU 32, 48 KB: 1.05-1.18 at 4-15, 0.51-0.95 at 2-3).
            long weightBytes = DeclaredAllLayersBytes(architecture, padGateRows: false);
            long weightLimit = batchClass == 1 ? DeclaredFewStepRowsLimitBytes : WholeModelForwardLimitBytes;
            if (weightBytes > weightLimit)
            {
                return null;
            }

            long limit = batchClass == 1 ? long.MaxValue
                : architecture.Cell == RnnCell.Rnn ? DeclaredElmanStepRowsLimitBytes
                : batchClass == 2 ? DeclaredGatedStepRowsToFifteenLimitBytes
                : architecture.NumLayers == 1 ? DeclaredGatedStepRowsLimit(architecture, path)
                : 0;
            string within = limit == long.MaxValue ? $", a step's weights {Kb(weightBytes)} ≤ {Kb(weightLimit)}"
                : $", W_hh {Kb(recurrentBytes)} ≤ {Kb(limit)}";
            return recurrentBytes <= limit
                ? $"declared, batch {minBatch} to {maxBatch}, {layers}{within}: each row through the whole-model step"
                : null;
        }

        return batchClass == 1 && architecture.NumLayers == 1 && architecture.ProjSize == 0 && recurrentBytes <= StepRowByRowLimitBytes
            ? $"batch 2 to {GeneratedElmanMaxBatch}, one layer, W_hh {Kb(recurrentBytes)} ≤ {Kb(StepRowByRowLimitBytes)}"
            : null;
    }

    /// <summary>The W_hh line (padded) of a single-layer gated model's Step rows at 16 to 31 streams on this path.</summary>
    private static long DeclaredGatedStepRowsLimit(RnnArchitecture architecture, SimdPath path)
        => architecture.Cell == RnnCell.Gru && path == SimdPath.Vector256 ? DeclaredGruStepRowsLimitBytes256 : DeclaredGatedStepRowsLimitBytes;

    /// <summary>
    /// A runtime-sized Forward at batch 1 runs the two layers of a unidirectional gated model as a wavefront while all its
    /// packed weights take at most this (32 KB, the smaller L1 of the machine types): layer 1's input is then projected
    /// one row per step, reading its W_ih every step, where layer by layer it is one product over the whole sequence.
    /// </summary>
    public const long WavefrontLimitBytes = 32 * 1024;

    /// <summary>
    /// Why a Forward's layers run as a wavefront, or null: batch 1, two unidirectional layers, both on the fused gate step,
    /// every weight within <see cref="WavefrontLimitBytes"/>.
    /// </summary>
    private static string? WavefrontReason(RnnArchitecture architecture, SimdPath path, RnnCall call, LayerPlan[] layers)
    {
        if (call != RnnCall.Forward || architecture.Bidirectional || layers.Length != 2 || !Array.TrueForAll(layers, layer => layer.Kernel == LayerKernel.FusedGateStep))
        {
            return null;
        }

        long bytes = WavefrontWeightBytes(architecture, path);
        return bytes <= WavefrontLimitBytes ? $"batch 1, two fused layers, all weights {Kb(bytes)} ≤ {Kb(WavefrontLimitBytes)}" : null;
    }

    /// <summary>Whether a model has the wavefront's shape: two unidirectional layers, all weights within <see cref="WavefrontLimitBytes"/>.</summary>
    private static bool WavefrontShaped(RnnArchitecture architecture, SimdPath path)
        => !architecture.Bidirectional && architecture.NumLayers == 2 && WavefrontWeightBytes(architecture, path) <= WavefrontLimitBytes;

    /// <summary>The packed weights of both layers of a two-layer model (W_ih and W_hh of each), padded to the path's panels.</summary>
    private static long WavefrontWeightBytes(RnnArchitecture architecture, SimdPath path)
    {
        int lanes = SimdPaths.LaneCount(path);
        long gateRows = (long)architecture.GateCount * PackedMatrix.PadToPanels(architecture.HiddenSize, lanes);
        return gateRows * (architecture.InputSize + architecture.StateSize + architecture.OutputSize + architecture.StateSize) * sizeof(float);
    }

    /// <summary>One direction's W_hh as packed: gate blocks padded to whole panels of the path's lanes.</summary>
    private static long PaddedRecurrentBytes(RnnArchitecture architecture, SimdPath path)
        => (long)architecture.GateCount * PackedMatrix.PadToPanels(architecture.HiddenSize, SimdPaths.LaneCount(path)) * architecture.StateSize * sizeof(float);

    private static LayerPlan PlanLayer(RnnArchitecture architecture, SimdPath path, RnnCall call, int batchClass, bool declared, int layer)
    {
        int lanes = SimdPaths.LaneCount(path);
        int hidden = architecture.HiddenSize;
        int paddedHidden = PackedMatrix.PadToPanels(hidden, lanes);
        bool elman = architecture.Cell == RnnCell.Rnn;
        int gates = architecture.GateCount;
        long recurrentBytes = PaddedRecurrentBytes(architecture, path);
        long inputBytes = (long)gates * paddedHidden * architecture.LayerInputSize(layer) * sizeof(float);
        bool interleave = architecture.Bidirectional && 2 * recurrentBytes <= InterleaveDirectionsBudgetBytes;
        string interleaveNote = !architecture.Bidirectional ? string.Empty
            : interleave ? $"; both W_hh {Kb(2 * recurrentBytes)} ≤ {Kb(InterleaveDirectionsBudgetBytes)}: directions together"
            : $"; both W_hh {Kb(2 * recurrentBytes)} > {Kb(InterleaveDirectionsBudgetBytes)}: one direction after the other";

        long declaredRecurrentBytes = DeclaredRecurrentBytes(architecture);
        long wholeModelLimit = elman ? ElmanWholeModelLimitBytes : WholeModelLimitBytes;

        // A unidirectional Elman sequence whose hidden state is one vector keeps the runtime's one-vector kernel, which holds
        // h in a register from step to step: the generated layer loop measured level (hidden 8 on 256-bit, 0.97) or slower
        // (16 on 512-bit, 1.3–1.5× the time); software-pipelined (session 28, its sums in registers) level, 1.02 and 0.99
        // (paired, Zen 5): both run at the step's dependency chain. Two directions side by side make the generated loop the faster on short
        // sequences (the seed at 10 steps: 0.72–0.76), up to OneVectorBidirectionalWholeModelMaxSteps.
        // Stacked, the generated wavefront (layer 2's step t − 1 beside layer 1's step t) beats the runtime's layer-by-layer
        // pass on every path: nn.RNN(5, 8, num_layers=2) on 256-bit at 1 / 10 / 100 / 1000 steps in 0.28 / 0.62–0.71 /
        // 0.72 / 1.01 of its time (paired, AMD EPYC Zen 3, session 21); on Zen 5 (session 24, paired, the same bits) two
        // and three layers of Elman 16 on 512-bit at 10 / 100 / 1000 steps 0.69 / 0.76 / 0.77 and 0.73 / 0.78 / 0.87, two
        // of Elman 4 on 128-bit 0.50–0.55, two of Elman 8 on 256-bit 0.54–0.60.
        bool oneVectorForward = elman && call == RnnCall.Forward && hidden == lanes;
        bool oneVectorSequence = oneVectorForward && !architecture.Bidirectional && architecture.NumLayers == 1;
        long declaredWeightBytes = DeclaredForwardWeightBytes(architecture);
        long forwardLimit = elman ? ElmanWholeModelForwardLimitBytes : WholeModelForwardLimitBytes;
        bool projects = DeclaredForwardProjectsInputs(architecture);
        bool forwardWithinL1 = call != RnnCall.Forward || (declaredWeightBytes <= forwardLimit && (!elman || ElmanInputFitsLoop(architecture))) || projects;
        if (declared && batchClass == 0 && declaredRecurrentBytes <= wholeModelLimit && !oneVectorSequence && forwardWithinL1)
        {
            string steps = call == RnnCall.Forward && HasOneVectorBidirectionalLine(architecture, path)
                ? $" up to {OneVectorBidirectionalWholeModelMaxSteps} steps (longer sequences: the runtime's one-vector kernel, hidden {hidden} = one {lanes}-float vector)"
                : string.Empty;
            long waveBytes = DeclaredAllLayersBytes(architecture, padGateRows: true);
            string layers = call == RnnCall.Forward && projects
                ? $", each layer's input sequence in one product first, then its loop on W_hh alone (a time step reads {Kb(declaredWeightBytes)} > {Kb(forwardLimit)} with W_ih)"
                : call != RnnCall.Forward || architecture.Bidirectional || architecture.NumLayers == 1 ? string.Empty
                : waveBytes > forwardLimit ? $", one layer after the other (a wave of all of them would read {Kb(waveBytes)} > {Kb(forwardLimit)}; a layer's step {Kb(declaredWeightBytes)})"
                : elman && hidden > ElmanWavefrontMaxHidden ? $", one layer after the other (Elman layers wider than {ElmanWavefrontMaxHidden})"
                : $", the layers as a wavefront (a wave's weights {Kb(waveBytes)} ≤ {Kb(forwardLimit)})";
            return new LayerPlan(layer, LayerKernel.GeneratedWholeModel, false, false, $"declared, batch 1, W_hh {Kb(declaredRecurrentBytes)} ≤ {Kb(wholeModelLimit)}: the whole model in generated code{steps}{layers}");
        }

        string pastForwardLine = declared && batchClass == 0 && declaredRecurrentBytes <= wholeModelLimit && !forwardWithinL1
            ? $"declared, but a layer's time step reads {Kb(declaredWeightBytes)} > {Kb(forwardLimit)} for the whole-model Forward; "
            : string.Empty;

        if (batchClass == 0)
        {
            if (elman)
            {
                if (hidden == lanes)
                {
                    return new LayerPlan(layer, LayerKernel.ElmanSequenceProjecting, false, interleave, pastForwardLine + $"batch 1, hidden {hidden} = one {lanes}-float vector" + interleaveNote);
                }

                bool alternates = paddedHidden / lanes > 1 && call == RnnCall.Forward;
                return new LayerPlan(layer, LayerKernel.ElmanSequence, alternates, interleave, pastForwardLine + $"batch 1, hidden {hidden} ≠ one vector" + interleaveNote);
            }

            long fusedFrom = FusedSequenceStepFromBytes(path);
            bool streamsFromL2 = recurrentBytes >= fusedFrom;
            bool inL1 = recurrentBytes <= FusedStepSequenceBudgetBytes;
            bool fusesInL1 = FusesSequenceStepInL1(architecture, path);
            bool fits = FusedGateStep.CanServe(architecture.Cell, architecture.ProjSize > 0)
                && (call == RnnCall.Step || (inL1 && fusesInL1) || streamsFromL2);
            bool alternate = call == RnnCall.Forward || inputBytes + recurrentBytes > AlternatePanelOrderAboveBytes;
            string why = architecture.ProjSize > 0
                ? "batch 1, LSTM with projection: the fused step has no projection"
                : call == RnnCall.Step ? "batch 1, a streaming Step: always fused"
                : streamsFromL2 ? $"batch 1, W_hh {Kb(recurrentBytes)} ≥ {Kb(fusedFrom)}: streams from L2, gates beside the product"
                : fits ? $"batch 1, W_hh {Kb(recurrentBytes)} ≤ {Kb(FusedStepSequenceBudgetBytes)}"
                : inL1 ? $"batch 1, W_hh {Kb(recurrentBytes)} ≤ {Kb(FusedStepSequenceBudgetBytes)}, but a {architecture.Cell} on the {path} path: the product, then the gate pass (measured faster)"
                : $"batch 1, W_hh {Kb(recurrentBytes)} between {Kb(FusedStepSequenceBudgetBytes)} and {Kb(fusedFrom)}: the product, then the gate pass";
            return new LayerPlan(layer, fits ? LayerKernel.FusedGateStep : LayerKernel.GeneralStep, alternate, interleave, pastForwardLine + why + interleaveNote);
        }

        // A small Elman layer at batch > 1: each batch row's sequence as a chain of the sequence kernel (below).
        if (elman && call == RnnCall.Forward && paddedHidden == lanes)
        {
            return hidden == lanes
                ? new LayerPlan(layer, LayerKernel.ElmanSequenceProjecting, false, interleave, $"batch > 1, hidden {hidden} = one {lanes}-float vector: each row's sequence one chain, two chains at a time" + interleaveNote)
                : new LayerPlan(layer, LayerKernel.ElmanSequence, false, interleave, $"batch > 1, hidden {hidden} in one {lanes}-float panel: each row's sequence one chain, two chains at a time" + interleaveNote);
        }

        bool rowSequences = elman && call == RnnCall.Forward && batchClass == 1 && recurrentBytes <= ElmanRowSequencesLimitBytes;
        // A declared bidirectional layer takes the rows too: its generated step, a direction at a time, measured 1.15-1.19 of
        // the runtime's time at batch 2 and 1.01-1.09 at 3 on the 512-bit path (Elman 24 / 32 / 48, and two layers of 32;
        // the rows there 0.98-1.01), and 0.95-1.23 against the rows on the 256-bit one (Zen 5, session 30, paired).
        if (rowSequences && (!declared || architecture.Bidirectional))
        {
            return new LayerPlan(layer, LayerKernel.ElmanSequence, false, interleave, $"batch 2 to {GeneratedElmanMaxBatch}, W_hh {Kb(recurrentBytes)} ≤ {Kb(ElmanRowSequencesLimitBytes)}: each row's sequence one chain, two chains at a time" + interleaveNote);
        }

        // On the 16-register paths a GRU's generated step at 16-31 rows lost to the runtime's four-row tiles in threes of
        // panels (session 31, Zen 5 with AVX-512 off, paired: Forward of GRU 16 at 16 / 24 1.05 / 1.08, bidirectional at 24
        // 1.06-1.08), where on the 512-bit path it held 0.84-0.86.
        bool narrowGruLate = declared && architecture.Cell == RnnCell.Gru && SimdPaths.LaneCount(path) <= 8 && batchClass == ProjectingBatchClass - 1;

        // On the 256-bit path an LSTM whose gate block is one vector (hidden ≤ 8) likewise: its generated step's Forward at
        // 16 / 24 sequences read 0.89–1.02 / 1.04–1.08 of the runtime's time in session 34's three 256-bit sweeps (Zen 5,
        // paired; 0.81–1.15 between processes in session 31), where on the 512-bit path it held 0.77–0.81 and LSTM 16 0.86–0.89.
        bool oneVectorLstmLate = declared && architecture.Cell == RnnCell.Lstm && path == SimdPath.Vector256 && paddedHidden == lanes && batchClass == ProjectingBatchClass - 1;
        if (declared)
        {
            if (elman && batchClass == 1 && recurrentBytes <= GeneratedElmanBatchLimitBytes)
            {
                return new LayerPlan(layer, LayerKernel.GeneratedStep, false, interleave, $"declared, batch 2 to {GeneratedElmanMaxBatch}, W_hh {Kb(recurrentBytes)} ≤ {Kb(GeneratedElmanBatchLimitBytes)}" + interleaveNote);
            }

            long gatedLimit = batchClass == 1 ? GeneratedGatedLimitBytes : GeneratedGatedBatchLimitBytes;
            // From 16 streams a declared Step runs rows (above) or, past their line, the runtime's kernels: the generated
            // step measured level or slower there (GeneratedGatedMaxBatch, DeclaredGatedStepRowsLimitBytes).
            bool stepPastRows = call == RnnCall.Step && batchClass == ProjectingBatchClass - 1;
            if (!elman && recurrentBytes <= gatedLimit && batchClass < ProjectingBatchClass && !stepPastRows && !narrowGruLate && !oneVectorLstmLate)
            {
                return new LayerPlan(layer, LayerKernel.GeneratedStep, false, interleave, $"declared, W_hh {Kb(recurrentBytes)} ≤ {Kb(gatedLimit)}" + interleaveNote);
            }
        }

        string general = elman && declared && batchClass >= 2 ? $"batch ≥ {GeneratedElmanMaxBatch + 1}: the blocked product"
            : elman && declared ? $"batch 2 to {GeneratedElmanMaxBatch}, W_hh {Kb(recurrentBytes)} > {Kb(GeneratedElmanBatchLimitBytes)}: the blocked product, W_hh read once for the rows"
            : declared && batchClass >= ProjectingBatchClass ? $"batch ≥ {GeneratedGatedMaxBatch + 1}: the blocked product, the gates of all the rows in one pass"
            : declared && call == RnnCall.Step && batchClass == ProjectingBatchClass - 1 ? $"a Step of {DeclaredStepRowsMaxBatch + 1} to {GeneratedGatedMaxBatch} past the rows' lines (one layer, W_hh ≤ {Kb(DeclaredGatedStepRowsLimit(architecture, path))}, a step's weights ≤ {Kb(WholeModelForwardLimitBytes)}): the blocked product"
            : narrowGruLate ? $"a GRU at {DeclaredStepRowsMaxBatch + 1} to {GeneratedGatedMaxBatch} rows on the {path} path: the blocked product, four-row tiles in threes of panels"
            : oneVectorLstmLate ? $"an LSTM {hidden} (one {lanes}-float vector a gate) at {DeclaredStepRowsMaxBatch + 1} to {GeneratedGatedMaxBatch} rows on the {path} path: the blocked product"
            : declared && batchClass >= 2 && recurrentBytes <= GeneratedGatedLimitBytes ? $"batch ≥ {GeneratedElmanMaxBatch + 1}, W_hh {Kb(recurrentBytes)} > {Kb(GeneratedGatedBatchLimitBytes)}: the blocked product"
            : declared ? $"W_hh {Kb(recurrentBytes)} > {Kb(GeneratedGatedLimitBytes)}: the blocked product, W_hh read once for the rows"
            : "batch > 1: the blocked product";
        return new LayerPlan(layer, LayerKernel.GeneralStep, false, interleave, general + interleaveNote);
    }

    /// <summary>
    /// The weights a time step of every layer (and direction) reads, W_ih and W_hh, as the generator counts them
    /// (<see cref="DeclaredLayerBytes"/>): unpadded, what a whole-model Step reads; with a gated layer's gate rows padded, what
    /// a wave of a unidirectional model's whole-model Forward reads where its layers run as a wavefront.
    /// </summary>
    private static long DeclaredAllLayersBytes(RnnArchitecture architecture, bool padGateRows)
    {
        long total = 0;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            total += DeclaredLayerBytes(architecture, layer, padGateRows);
        }

        return total;
    }

    /// <summary>
    /// The weights a whole-model Forward's time step of the largest layer reads, as the generator counts them
    /// (WholeModelEmitter.LayerWeightFloats): W_ih and W_hh of its directions, a gated layer's gate rows padded to 16-float
    /// panels (as the widest path packs them), an Elman layer's unpadded (as its lines were drawn). One layer runs at a time
    /// (a bidirectional model's, or a stacked unidirectional one's past the wavefront's line), so this is what must fit L1.
    /// </summary>
    private static long DeclaredForwardWeightBytes(RnnArchitecture architecture)
    {
        long largest = 0;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            largest = Math.Max(largest, DeclaredLayerBytes(architecture, layer, padGateRows: true));
        }

        return largest;
    }

    /// <summary>
    /// W_ih and W_hh of one layer's directions: gates × hidden rows each, or with <paramref name="padGateRows"/> a gated
    /// layer's gate rows padded to 16-float panels (WholeModelEmitter.LayerWeights; an Elman layer's stay unpadded).
    /// </summary>
    private static long DeclaredLayerBytes(RnnArchitecture architecture, int layer, bool padGateRows)
    {
        int rows = padGateRows && architecture.Cell != RnnCell.Rnn ? PackedMatrix.PadToPanels(architecture.HiddenSize, 16) : architecture.HiddenSize;
        return (long)architecture.GateCount * rows * architecture.NumDirections * (architecture.LayerInputSize(layer) + architecture.StateSize) * sizeof(float);
    }

    /// <summary>One direction's W_hh unpadded, as the generator counts it against its whole-model line (WholeModelEmitter.WithinRecurrentLine).</summary>
    private static long DeclaredRecurrentBytes(RnnArchitecture architecture)
        => (long)architecture.GateCount * architecture.HiddenSize * architecture.StateSize * sizeof(float);

    /// <summary>
    /// <see cref="RnnParallelRunner"/> splits every step's hidden units between its threads, rather than the batch rows,
    /// only while each thread would get fewer rows than this. A thread's product of a few rows reads all of W_hh for them
    /// each step, where a thread's share of the units reads its part of W_hh for every row; the price is a wait for all
    /// the threads after each step. With 4 rows a thread the rows measured faster or level (units ÷ rows time, two
    /// threads, paired in one process, AMD EPYC Zen 3, 256-bit, seq 50, batch 8): LSTM 64 / 128 / 192 / 256 / 512 1.15–1.18 /
    /// 1.04–1.07 / 1.01 / 0.99 / 0.98, GRU 64 / 128 / 256 1.27 / 1.06–1.09 / 1.00, Elman 128 / 256 / 512 1.16 / 1.05 / 0.95;
    /// at batch 16 1.03–1.06. Without the wait per step (results wrong, time only) LSTM and GRU 128 at batch 8 ran level
    /// with the rows (1.00, 1.02): there a 4-row product runs as fast per multiply-add as an 8-row one, so the split's gain
    /// is only in reading less of W_hh from L2 and beyond.
    /// </summary>
    public const int ShareUnitsBelowRowsPerThread = 4;

    /// <summary>
    /// With one row a thread (batch below twice the threads), units are split from this size of W_hh (padded). Units ÷
    /// rows time (as above) at batch 2–3 on AMD EPYC Zen 3 (512 KB L2): LSTM 64 / 96 1.15 / 1.14, GRU 96 1.15, Elman 128
    /// 1.13; GRU 128 (192 KB) 0.86–0.87, LSTM 128 0.84, Elman 256 0.82, LSTM 256 0.70–0.74, Elman 512 0.76. On AMD EPYC Zen
    /// 5 (AVX-512, 1 MB L2; session 23, after the batch-1 fused step's chunk-by-chunk products) a row a thread keeps W_hh
    /// in L2 far longer and the per-step wait costs more: units ÷ the faster of rows and one thread, GRU 128 (192 KB) 1.80,
    /// LSTM 128 1.46–1.69, Elman 256 1.21, GRU 192 1.41, LSTM 192 (576 KB) 1.47, LSTM 224 (784 KB) 1.36; Elman 384 (576 KB)
    /// 0.99, GRU 256 (768 KB) 0.94, LSTM 256 0.92, Elman 512 0.69–0.72. One line for both machine types: where the split
    /// pays on both (768 KB), giving up Zen 3's 0.82–0.87 between 192 and 768 KB rather than taking Zen 5's 1.2–1.8.
    /// </summary>
    public const long ShareUnitsOneRowFromBytes = 768 * 1024;

    /// <summary>
    /// With two or three rows a thread (batch 4 to 7 on two threads), units are split from this size of W_hh (padded):
    /// units ÷ rows time at batch 4 on Zen 3: LSTM 64 1.21, Elman 256 1.03, GRU 128 0.98, LSTM 128 (256 KB) 0.96; GRU 192
    /// (432 KB) 0.94, LSTM 192 0.92, Elman 384 0.89, GRU 256 0.92, LSTM 256 0.90, Elman 512 0.92; on Zen 5 (above) GRU 256
    /// (768 KB) 1.07, Elman 448 (784 KB) 1.03, LSTM 256 (1 MB) 0.98, Elman 512 0.91, LSTM / GRU 320 (1.6 / 1.2 MB) 0.86:
    /// where W_hh outgrows the larger machine type's 1 MB L2, each thread reading all of it every step runs from L3.
    /// </summary>
    public const long ShareUnitsFewRowsFromBytes = 1024 * 1024;

    /// <summary>
    /// A single sequence (batch 1) has its units split from this size of W_hh (padded): each thread runs the one-thread
    /// pass's step over its panels (the fused step for a gated layer the plan fuses, else the general step's product of one
    /// row, then its units' gates), where one thread runs the fused step or the Elman sequence kernel over all of them. Two
    /// threads ÷ one, paired, seq 50–100, AMD EPYC Zen 3 (the general step in each share): LSTM 256 / 512 1.52× / 1.51×,
    /// GRU 256 1.35×, Elman 512 1.51×; below the line LSTM 128 1.12× and GRU 128 1.09× (quartiles from 0.96×), Elman 256
    /// 1.40×. On Zen 5 (session 23, time of two threads ÷ one, seq 50, the fused step in each gated share): LSTM 144 / 160
    /// (324 / 400 KB) 0.92 / 0.94, GRU 176 (363 KB) 0.83, LSTM 192 0.83, GRU 192 0.87, LSTM 256 0.64, GRU 256 0.73, Elman
    /// 288 / 320 / 384 0.90 / 0.79 / 0.82, Elman 512 0.55; below, LSTM 128 1.08, GRU 128 1.18, Elman 256 0.95 (with the
    /// general step in each share, before: LSTM 192 1.14, GRU 192 1.07, LSTM 256 0.72). The fused shares were not measured
    /// on Zen 3.
    /// </summary>
    public const long ShareUnitsOneSequenceFromBytes = 384 * 1024;

    /// <summary>
    /// How many of <paramref name="threads"/> threads a parallel <c>Forward</c> of <paramref name="batch"/> rows (the
    /// same lengths) gives each a share of every step's hidden units (see <see cref="ShareUnitsBelowRowsPerThread"/> and
    /// the byte lines after it); 1 where it splits the batch rows instead. Units are split in whole panels of every gate
    /// block, so at most as many threads as a block has panels take part. Bit-identical either way.
    /// </summary>
    public static int ShareUnitsTeam(ExecutionPlan plan, int batch, int threads)
    {
        RnnArchitecture architecture = plan.Architecture;
        int rowsPerThread = batch / Math.Max(threads, 1);
        if (threads < 2 || batch < 1 || rowsPerThread >= ShareUnitsBelowRowsPerThread || !CanShareUnits(plan))
        {
            return 1;
        }

        long limit = batch == 1 ? ShareUnitsOneSequenceFromBytes : rowsPerThread <= 1 ? ShareUnitsOneRowFromBytes : ShareUnitsFewRowsFromBytes;
        int team = Math.Min(threads, VectorsPerBlock(architecture.HiddenSize, plan.SimdPath));
        return team > 1 && PaddedRecurrentBytes(architecture, plan.SimdPath) >= limit ? team : 1;
    }

    /// <summary>
    /// A bidirectional pass of fewer rows a thread than this (batch 1 included) runs each direction on a thread of its
    /// own, the two waiting for each other once per layer, instead of splitting the rows. Directions ÷ rows time, two
    /// threads, paired in one process, calls back to back (AMD EPYC Zen 3, 256-bit): one layer, batch 1, seq 100: Elman 32 /
    /// 64 / 128 0.86 / 0.75 / 0.66, LSTM 32 / 64 / 128 0.48 / 0.72 / 0.63, GRU 16 / 32 0.82 / 0.90, two layers of Elman 256
    /// (deep-bi) 0.69 (1.47× one thread); batch 2–6: LSTM 128 0.70 / 0.94, GRU 64 0.70, two layers of Elman 256 at 4 0.92,
    /// of LSTM 256 at 8 0.91; at 8 rows a thread (batch 16) GRU 128 0.96, Elman 256 0.98, LSTM 256 1.02, and lstm-big
    /// (LSTM 256, batch 32) 1.03: there the rows stay.
    /// </summary>
    public const int ShareDirectionsBelowRowsPerThread = 8;

    /// <summary>
    /// Directions run apart only where one direction of the whole pass (every layer) takes at least this many
    /// multiply-adds (seq × batch × gate rows × (input + state), summed over the layers): the second thread costs a wake-up.
    /// Back to back it paid even for a bidirectional GRU 16 (150 K: 0.82 of the time), but a call after the runner sat idle
    /// (2 ms) pays for waking its thread from sleep: on the measured virtual machine a few hundred microseconds, so that
    /// isolated calls ran level or slower up to about 10 M multiply-adds a direction (LSTM 128, seq 100: 0.99; Elman 64:
    /// 1.19; GRU 16: 1.49), as the row split does for the same work (Elman 128 at batch 8: 1.03).
    /// </summary>
    public const long ShareDirectionsMinMultiplyAdds = 512 * 1024;

    /// <summary>
    /// How <see cref="RnnParallelRunner"/> divides a <c>Forward</c> of <paramref name="batch"/> sequences of
    /// <paramref name="seqLen"/> steps (the same lengths) between <paramref name="threads"/> threads, and how many take
    /// part: a bidirectional model's directions where each thread would get few rows (<see cref="ShareDirectionsBelowRowsPerThread"/>)
    /// and a direction is work enough (<see cref="ShareDirectionsMinMultiplyAdds"/>); else every step's units
    /// (<see cref="ShareUnitsTeam"/>); else the rows. Bit-identical every way.
    /// </summary>
    public static (ParallelSplit Split, int Threads) ParallelSplitFor(ExecutionPlan plan, int batch, int seqLen, int threads)
    {
        RnnArchitecture architecture = plan.Architecture;
        if (threads >= 2 && batch / threads < ShareDirectionsBelowRowsPerThread && CanShareDirections(plan)
            && DirectionMultiplyAdds(architecture, batch, seqLen) >= ShareDirectionsMinMultiplyAdds)
        {
            return (ParallelSplit.Directions, 2);
        }

        int team = ShareUnitsTeam(plan, batch, threads);
        return team > 1 ? (ParallelSplit.Units, team) : (ParallelSplit.Rows, Math.Max(1, Math.Min(threads, batch)));
    }

    /// <summary>Multiply-adds of one direction of every layer over a pass: the work one thread does when the directions run apart.</summary>
    private static long DirectionMultiplyAdds(RnnArchitecture architecture, int batch, int seqLen)
    {
        long perRow = 0;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            perRow += (long)architecture.GateCount * architecture.HiddenSize * (architecture.LayerInputSize(layer) + architecture.StateSize);
        }

        return perRow * seqLen * batch;
    }

    /// <summary>
    /// Whether two threads can run this plan's directions apart (RecurrentDriver.ForwardAsTeamMember): a
    /// bidirectional model whose layers are not all the one-vector projecting kernel (one call runs both directions of such
    /// a layer; those passes are a few microseconds).
    /// </summary>
    public static bool CanShareDirections(ExecutionPlan plan)
        => plan.Architecture.Bidirectional && !plan.AllLayersProjecting && !plan.RunsRowByRow && !plan.LayersAsWavefront;

    /// <summary>
    /// Whether a team can share the units of this plan's pass (RecurrentDriver.ForwardAsTeamMember, which runs the general
    /// step's product and gate pass over each member's columns): every layer on the general step, or at batch 1 the fused
    /// step or the Elman sequence kernel (the same pre-activation rows, the same sums), no LSTM projection (its product
    /// needs every unit of the step first), the sequence projected before the steps, and neither a wavefront nor rows one
    /// by one.
    /// </summary>
    public static bool CanShareUnits(ExecutionPlan plan)
    {
        if (plan.Architecture.ProjSize != 0 || plan.LayersAsWavefront || plan.ProjectsEachStep || plan.RunsRowByRow || plan.AllLayersProjecting)
        {
            return false;
        }

        for (int layer = 0; layer < plan.Architecture.NumLayers; layer++)
        {
            if (plan.Layer(layer).Kernel is not (LayerKernel.GeneralStep or LayerKernel.FusedGateStep or LayerKernel.ElmanSequence))
            {
                return false;
            }
        }

        return true;
    }

    private static string Kb(long bytes) => bytes % 1024 == 0 ? $"{bytes / 1024} KB" : $"{bytes / 1024.0:0.#} KB";
}
