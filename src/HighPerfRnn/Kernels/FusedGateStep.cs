using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Kernels;

/// <summary>
/// A whole LSTM or GRU step for one batch row: for each vector of hidden units, the gate sums of W_ih·x and W_hh·h
/// are accumulated together in registers (one pass over both matrices, eight chains at a time) and that vector's gates
/// and state update follow at once, from the registers (<see cref="GateKernels.LstmUnitVector"/>,
/// <see cref="GateKernels.GruUnitVector"/>). For the layers a streaming caller steps (hidden 8 to 64) the general
/// step's separate products and its scratch layout cost more than their arithmetic; for a sequence's steps at hidden
/// 64 to 256, whose W_hh streams from L2, one vector's activations run while the next vector's weights arrive, where
/// the general step's gate pass waits for the whole product.
/// </summary>
/// <remarks>
/// Each gate sum is the general step's, in the library's one order (<see cref="SummationOrder"/>: bias + W_ih·x, then
/// + W_hh·h, each product in four chunks), and the gates are <see cref="GateKernels"/>' formulas: the result is
/// bit-identical to the general step's. Each gate block starts on a panel at every hidden size (layout version 2), so it
/// serves any hidden size within the weight budgets; it needs no LSTM projection.
/// </remarks>
internal static class FusedGateStep
{
    /// <summary>
    /// Whether the fused step can run a layer at all: a gated cell without LSTM projection (any hidden size: nothing is
    /// buffered). Whether it should is the execution plan's call (<c>ExecutionPlanner</c>).
    /// </summary>
    public static bool CanServe(RnnCell cell, bool projected) => cell != RnnCell.Rnn && !projected;

    /// <summary>
    /// LSTM: gates = bias + W_ih·x + W_hh·h; c ← f⊙c + i⊙g; <paramref name="hiddenOut"/> = o⊙tanh(c).
    /// <paramref name="hiddenOut"/> must not overlap <paramref name="h"/> or <paramref name="x"/> (other units still read them).
    /// <paramref name="reverse"/> walks the units from the last panel (see <see cref="UnitPanel"/>); no result changes.
    /// </summary>
    public static void Lstm(SimdPath path, ReadOnlySpan<float> x, PackedMatrix inputWeights, ReadOnlySpan<float> h, PackedMatrix recurrentWeights, ReadOnlySpan<float> bias, Span<float> cell, Span<float> hiddenOut, int hidden, bool reverse)
    {
        CheckInput(path, x, inputWeights, hiddenOut, hidden, gates: 4);
        Run(RnnCell.Lstm, path, new Operands(x, inputWeights, h, recurrentWeights, bias, default, hiddenOut, hidden, reverse), h, recurrentWeights, bias, default, cell, hiddenOut, hidden);
    }

    /// <summary>
    /// GRU: p = bias + W_ih·x, q = <paramref name="recurrentBias"/> + W_hh·h; r = σ(p_r + q_r), z = σ(p_z + q_z),
    /// n = tanh(p_n + r⊙q_n), <paramref name="hiddenOut"/> = n + z⊙(h − n). <paramref name="hiddenOut"/> must not overlap <paramref name="h"/> or <paramref name="x"/>.
    /// </summary>
    public static void Gru(SimdPath path, ReadOnlySpan<float> x, PackedMatrix inputWeights, ReadOnlySpan<float> h, PackedMatrix recurrentWeights, ReadOnlySpan<float> bias, ReadOnlySpan<float> recurrentBias, Span<float> hiddenOut, int hidden, bool reverse)
    {
        CheckInput(path, x, inputWeights, hiddenOut, hidden, gates: 3);
        Run(RnnCell.Gru, path, new Operands(x, inputWeights, h, recurrentWeights, bias, recurrentBias, hiddenOut, hidden, reverse), h, recurrentWeights, bias, recurrentBias, default, hiddenOut, hidden);
    }

    /// <summary>
    /// One step of a sequence at batch 1, from the step's pre-activations (biases + W_ih·x, projected for the whole
    /// sequence beforehand): gates = <paramref name="preactivations"/> + W_hh·h, then as <see cref="Lstm"/> or
    /// <see cref="Gru"/>. The same sums and gates as the general step, with no separate product pass over W_hh.
    /// </summary>
    public static void FromPreactivations(
        RnnCell cell, SimdPath path, ReadOnlySpan<float> preactivations, ReadOnlySpan<float> h, PackedMatrix recurrentWeights, ReadOnlySpan<float> recurrentBias, Span<float> cellState, Span<float> hiddenOut, int hidden, bool reverse)
        => FromPreactivations(cell, path, preactivations, h, recurrentWeights, recurrentBias, cellState, hiddenOut, hidden, reverse, new UnitRange(0, hidden));

    /// <summary>
    /// As above for the units of <paramref name="units"/> alone (one thread's share of a step whose units several threads
    /// split, <see cref="RnnParallelRunner"/>): only their sums, gates, cell states and outputs; h is read whole.
    /// </summary>
    public static void FromPreactivations(
        RnnCell cell, SimdPath path, ReadOnlySpan<float> preactivations, ReadOnlySpan<float> h, PackedMatrix recurrentWeights, ReadOnlySpan<float> recurrentBias, Span<float> cellState, Span<float> hiddenOut, int hidden, bool reverse, UnitRange units)
    {
        if (cell == RnnCell.Rnn)
        {
            throw new ArgumentException("The fused step is for the LSTM and the GRU.", nameof(cell));
        }

        UnitRange.Require(units, hidden, SimdPaths.LaneCount(path));

        // No input product here: the pre-activations stand where the bias stood, with an input of depth 0.
        Run(cell, path, new Operands(default, null, h, recurrentWeights, preactivations, recurrentBias, hiddenOut, hidden, reverse, units), h, recurrentWeights, preactivations, recurrentBias, cellState, hiddenOut, hidden);
    }

    /// <summary>The checks every entry shares (they make the unchecked addressing below sound), then the cell's kernel for the path.</summary>
    private static void Run(
        RnnCell cell, SimdPath path, in Operands refs, ReadOnlySpan<float> h, PackedMatrix recurrentWeights, ReadOnlySpan<float> init, ReadOnlySpan<float> recurrentBias, Span<float> cellState, Span<float> hiddenOut, int hidden)
    {
        int gates = cell == RnnCell.Lstm ? 4 : 3;
        int padded = RequirePanels(path, recurrentWeights, hidden, gates);
        ArgumentOutOfRangeException.ThrowIfLessThan(h.Length, recurrentWeights.Columns, nameof(h));
        ArgumentOutOfRangeException.ThrowIfLessThan(init.Length, gates * padded, nameof(init));
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenOut.Length, hidden, nameof(hiddenOut));
        if (hiddenOut.Overlaps(h) || hiddenOut.Overlaps(init))
        {
            throw new ArgumentException("hiddenOut must not overlap h or the gate sums' starting values: they are read while it is written.", nameof(hiddenOut));
        }

        if (cell == RnnCell.Lstm)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(cellState.Length, hidden, nameof(cellState));
        }
        else
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(recurrentBias.Length, 3 * padded, nameof(recurrentBias));
        }

        ref float c = ref MemoryMarshal.GetReference(cellState);
        switch (path)
        {
            case SimdPath.Vector512: Units<Vector512Ops, Vector512<float>>(cell, refs, ref c); break;
            case SimdPath.Vector256: Units<Vector256Ops, Vector256<float>>(cell, refs, ref c); break;
            case SimdPath.Vector128: Units<Vector128Ops, Vector128<float>>(cell, refs, ref c); break;
            default: Units<ScalarOps, float>(cell, refs, ref c); break;
        }
    }

    /// <summary>
    /// Every panel of units, one or two at a time (<see cref="PanelPairsServe"/>), from the first or, reversed, from the
    /// last (<see cref="UnitPanel"/>); with pairs, an odd panel left over goes alone, last forward and first reversed.
    /// </summary>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Units<TOps, TVec>(RnnCell cell, in Operands o, ref float c)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int gatePanels = PackedMatrix.PadToPanels(o.Hidden, TOps.Count) / TOps.Count;
        int firstPanel = o.Units.FirstPanel(TOps.Count);
        int endPanel = firstPanel + o.Units.Panels(TOps.Count);
        int step = PanelPairsServe(TOps.Count, o.InputDepth > 0) ? 2 : 1;
        int groups = (endPanel - firstPanel) / step;
        bool leftOver = (endPanel - firstPanel) % step != 0;
        if (leftOver && o.Reverse)
        {
            OnePanel<TOps, TVec>(cell, o, ref c, endPanel - 1, gatePanels);
        }

        for (int index = 0; index < groups; index++)
        {
            int first = firstPanel + (step * UnitPanel(index, groups, o.Reverse));
            if (step == 2)
            {
                TwoPanels<TOps, TVec>(cell, o, ref c, first, gatePanels);
            }
            else
            {
                OnePanel<TOps, TVec>(cell, o, ref c, first, gatePanels);
            }
        }

        if (leftOver && !o.Reverse)
        {
            OnePanel<TOps, TVec>(cell, o, ref c, endPanel - 1, gatePanels);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void OnePanel<TOps, TVec>(RnnCell cell, in Operands o, ref float c, int unitPanel, int gatePanels)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        if (cell == RnnCell.Lstm)
        {
            LstmUnitPanel<TOps, TVec>(o, ref c, unitPanel, gatePanels);
        }
        else
        {
            GruUnitPanel<TOps, TVec>(o, unitPanel, gatePanels);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void TwoPanels<TOps, TVec>(RnnCell cell, in Operands o, ref float c, int unitPanel, int gatePanels)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        if (cell == RnnCell.Lstm)
        {
            FusedGatePanelPair.Lstm<TOps, TVec>(o, ref c, unitPanel, gatePanels);
        }
        else
        {
            FusedGatePanelPair.Gru<TOps, TVec>(o, unitPanel, gatePanels);
        }
    }

    /// <summary>The input side of <see cref="Lstm"/> and <see cref="Gru"/>: W_ih's panels and x's length, and hiddenOut apart from x.</summary>
    private static void CheckInput(SimdPath path, ReadOnlySpan<float> x, PackedMatrix inputWeights, Span<float> hiddenOut, int hidden, int gates)
    {
        RequirePanels(path, inputWeights, hidden, gates);
        ArgumentOutOfRangeException.ThrowIfLessThan(x.Length, inputWeights.Columns, nameof(x));
        if (hiddenOut.Overlaps(x))
        {
            throw new ArgumentException("hiddenOut must not overlap x: it is read while hiddenOut is written.", nameof(hiddenOut));
        }
    }

    /// <summary>Checks the matrix is packed for this path with <paramref name="gates"/> padded gate blocks; returns the padded hidden size.</summary>
    private static int RequirePanels(SimdPath path, PackedMatrix weights, int hidden, int gates)
    {
        int width = SimdPaths.LaneCount(path);
        int padded = PackedMatrix.PadToPanels(hidden, width);
        if (weights.PanelWidth != width || weights.Blocks != gates || weights.PaddedRows != gates * padded)
        {
            throw new ArgumentException($"The fused step needs {gates} gate blocks of hidden {hidden} padded to whole {width}-float panels.", nameof(hidden));
        }

        return padded;
    }

    /// <summary>A step's operands as references, for the unit-panel kernels (this class's and <see cref="FusedGatePanelPair"/>'s).</summary>
    internal readonly ref struct Operands
    {
        public Operands(ReadOnlySpan<float> x, PackedMatrix? inputWeights, ReadOnlySpan<float> h, PackedMatrix recurrentWeights, ReadOnlySpan<float> bias, ReadOnlySpan<float> recurrentBias, Span<float> hiddenOut, int hidden, bool reverse, UnitRange? units = null)
        {
            Reverse = reverse;
            Units = units ?? new UnitRange(0, hidden);
            X = ref MemoryMarshal.GetReference(x);
            InputWeights = ref MemoryMarshal.GetReference(inputWeights is null ? default : inputWeights.Data);
            InputDepth = inputWeights?.Columns ?? 0;
            H = ref MemoryMarshal.GetReference(h);
            RecurrentWeights = ref MemoryMarshal.GetReference(recurrentWeights.Data);
            RecurrentDepth = recurrentWeights.Columns;
            Bias = ref MemoryMarshal.GetReference(bias);
            RecurrentBias = ref MemoryMarshal.GetReference(recurrentBias);
            HiddenOut = ref MemoryMarshal.GetReference(hiddenOut);
            Hidden = hidden;
            ChunkByChunk = FusedGateStep.ChunkByChunk(recurrentWeights.PanelWidth, inputProduct: InputDepth > 0, sizeof(float) * ((long)(inputWeights?.Data.Length ?? 0) + recurrentWeights.Data.Length));
        }

        public readonly ref float X;
        public readonly ref float InputWeights;
        public readonly int InputDepth;
        public readonly ref float H;
        public readonly ref float RecurrentWeights;
        public readonly int RecurrentDepth;
        public readonly ref float Bias;
        public readonly ref float RecurrentBias;
        public readonly ref float HiddenOut;
        public readonly int Hidden;

        /// <summary>Each panel's products one chunk after another (<see cref="FusedGateStep.ChunkByChunk"/>).</summary>
        public readonly bool ChunkByChunk;

        /// <summary>Walk the panels of units from the last to the first (see <see cref="UnitPanel"/>).</summary>
        public readonly bool Reverse;

        /// <summary>The units whose sums, gates and outputs this call computes (all of them but for a thread's share).</summary>
        public readonly UnitRange Units;
    }

    /// <summary>
    /// The unit panel a step takes <paramref name="index"/>-th: from the first or, reversed, from the last. A recurrence
    /// alternates the order from step to step, so each step starts on the weights the previous step touched last, which
    /// are still in L1 (measured at hidden 32 to 64, where W_ih and W_hh together outgrow L1: about 10% less time per
    /// step). The order of the units never changes any sum.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int UnitPanel(int index, int gatePanels, bool reverse) => reverse ? gatePanels - 1 - index : index;

    /// <summary>
    /// Whether the units go two panels at a time (<see cref="FusedGatePanelPair"/>: one pass per chunk down both panels of
    /// every gate block, one broadcast per k) instead of one (two chunks side by side, two broadcasts per k); an odd panel
    /// left over goes alone. The same sums either way. Paired in one process on AMD EPYC Zen 3 (pairs ÷ one panel, batch
    /// 1): on the 256-bit path an LSTM <c>Forward</c> (pre-activations projected beforehand) at hidden 16 / 24 / 32 took
    /// 0.88–0.95 / 0.95 / 0.86–0.91 of the time, a GRU's 0.96–1.01 and a <c>Step</c> with its input product 0.96–1.16
    /// (LSTM 16 1.00–1.16): pairs there for the LSTM without an input product; at hidden 128, where W_hh streams from
    /// L2, 1.00–1.03 either way. On the same Zen 5 as below with AVX-512 off (session 30, 16–20 rounds), a GRU
    /// <c>Forward</c> in pairs took 0.96 / 0.97 / 0.92 / 0.91 of the time at hidden 128 / 136 / 192 / 256 (from L2) and
    /// 1.00 at 8–36, two layers of GRU 16 (a wavefront) / 32 / 128 0.95 / 1.00 / 0.96: so the 256-bit path takes pairs
    /// for both cells without an input product. On the 128-bit path (no FMA) 0.88–0.95 for both calls and both cells,
    /// scalar 0.88–0.96. On the 512-bit path (32 registers; Zen 5, against the old one-panel kernel) pairs took 0.81–1.04
    /// of the time where one panel chunk by chunk (<see cref="ChunkByChunk"/>) took 0.72–1.00: one panel there.
    /// </summary>
    private static bool PanelPairsServe(int width, bool inputProduct)
        => width switch
        {
            16 => false,
            8 => !inputProduct,
            _ => true,
        };

    /// <summary>The starting sums of one panel of units in each gate block: that panel of <paramref name="init"/> (biases or pre-activations).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static GateSums<TVec> Initial<TOps, TVec>(ref float init, int unitPanel, int gatePanels, int gates)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        return GateSums<TVec>.Of(
            TOps.Load(ref Unsafe.Add(ref init, unitPanel * width)),
            TOps.Load(ref Unsafe.Add(ref init, (gatePanels + unitPanel) * width)),
            TOps.Load(ref Unsafe.Add(ref init, ((2 * gatePanels) + unitPanel) * width)),
            gates == 4 ? TOps.Load(ref Unsafe.Add(ref init, ((3 * gatePanels) + unitPanel) * width)) : TOps.Zero);
    }

    /// <summary>
    /// One panel of LSTM units: gates = bias + W_ih·x + W_hh·h for the panel in each gate block, then that vector's
    /// c and h at once, from the registers.
    /// </summary>
    /// <remarks>
    /// A method of its own per unit panel: with the accumulating loops inlined into the unit loop the caller outgrew the
    /// JIT's inlining budget (the vector operations became calls: 2–4× slower). The gates are a call of their own for
    /// the same reason; the processor runs them while the next panel's weights stream in.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void LstmUnitPanel<TOps, TVec>(in Operands o, ref float c, int unitPanel, int gatePanels)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        GateSums<TVec> p = Product<TOps, TVec>(Initial<TOps, TVec>(ref o.Bias, unitPanel, gatePanels, gates: 4), ref o.X, ref o.InputWeights, o.InputDepth, unitPanel, gatePanels, gates: 4, o.ChunkByChunk);
        GateSums<TVec> g = Product<TOps, TVec>(p, ref o.H, ref o.RecurrentWeights, o.RecurrentDepth, unitPanel, gatePanels, gates: 4, o.ChunkByChunk);
        int first = unitPanel * TOps.Count;
        GateKernels.LstmUnitVector<TOps, TVec>(g.A, g.B, g.C, g.D, ref Unsafe.Add(ref c, first), ref Unsafe.Add(ref o.HiddenOut, first), Math.Min(TOps.Count, o.Hidden - first));
    }

    /// <summary>
    /// One panel of GRU units: p = bias + W_ih·x and q = recurrent bias + W_hh·h for the panel in each gate block, kept
    /// apart (n needs r⊙q_n), then that vector's h at once, from the registers.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void GruUnitPanel<TOps, TVec>(in Operands o, int unitPanel, int gatePanels)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        GateSums<TVec> p = Product<TOps, TVec>(Initial<TOps, TVec>(ref o.Bias, unitPanel, gatePanels, gates: 3), ref o.X, ref o.InputWeights, o.InputDepth, unitPanel, gatePanels, gates: 3, o.ChunkByChunk);
        GateSums<TVec> q = Product<TOps, TVec>(Initial<TOps, TVec>(ref o.RecurrentBias, unitPanel, gatePanels, gates: 3), ref o.H, ref o.RecurrentWeights, o.RecurrentDepth, unitPanel, gatePanels, gates: 3, o.ChunkByChunk);
        int first = unitPanel * TOps.Count;
        GateKernels.GruUnitVector<TOps, TVec>(p.A, p.B, p.C, q.A, q.B, q.C, ref Unsafe.Add(ref o.H, first), ref Unsafe.Add(ref o.HiddenOut, first), Math.Min(TOps.Count, o.Hidden - first));
    }

    /// <summary>
    /// init + W·v for one panel of units in each gate block, in <see cref="SummationOrder"/>'s order, joined as
    /// (s0 + s1) + (s2 + s3). Where the step's weights stream from L2 on the 512-bit path one chunk at a time
    /// (<paramref name="chunkByChunk"/>: <see cref="ChunkByChunk"/>); otherwise chunk 0's
    /// leading terms, then chunks 0 and 1 side by side in one loop (2 × <paramref name="gates"/> chains: enough to cover
    /// FMA latency), then chunks 2 and 3 the same way. The same sums either way.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static GateSums<TVec> Product<TOps, TVec>(GateSums<TVec> init, ref float v, ref float weights, int depth, int unitPanel, int gatePanels, int gates, bool chunkByChunk)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        SummationOrder order = SummationOrder.Of(depth);
        GateSums<TVec> zero = GateSums<TVec>.Of(TOps.Zero, TOps.Zero, TOps.Zero, TOps.Zero);
        if (chunkByChunk)
        {
            GateSums<TVec> s0 = Accumulate<TOps, TVec>(init, ref v, ref weights, depth, unitPanel, gatePanels, gates, 0, order.HeadLength);
            GateSums<TVec> s1 = Accumulate<TOps, TVec>(zero, ref v, ref weights, depth, unitPanel, gatePanels, gates, order.Start(1), order.ChunkLength);
            GateSums<TVec> s2 = Accumulate<TOps, TVec>(zero, ref v, ref weights, depth, unitPanel, gatePanels, gates, order.Start(2), order.ChunkLength);
            GateSums<TVec> s3 = Accumulate<TOps, TVec>(zero, ref v, ref weights, depth, unitPanel, gatePanels, gates, order.Start(3), order.ChunkLength);
            return GateSums<TVec>.Add<TOps>(GateSums<TVec>.Add<TOps>(s0, s1), GateSums<TVec>.Add<TOps>(s2, s3));
        }

        GateSums<TVec> first = Accumulate<TOps, TVec>(init, ref v, ref weights, depth, unitPanel, gatePanels, gates, 0, order.Lead);
        GateSums<TVec> second = zero;
        AccumulateTwo<TOps, TVec>(ref first, ref second, ref v, ref weights, depth, unitPanel, gatePanels, gates, order.Lead, order.Start(1), order.ChunkLength);
        GateSums<TVec> third = zero, fourth = zero;
        AccumulateTwo<TOps, TVec>(ref third, ref fourth, ref v, ref weights, depth, unitPanel, gatePanels, gates, order.Start(2), order.Start(3), order.ChunkLength);
        return GateSums<TVec>.Add<TOps>(GateSums<TVec>.Add<TOps>(first, second), GateSums<TVec>.Add<TOps>(third, fourth));
    }

    /// <summary>
    /// Whether a step's products run one chunk after another for each panel (3–4 chains, one per gate: each gate's panel
    /// read from its first k to its last in one unbroken run) rather than two chunks side by side (6–8 chains, each gate's
    /// panel read as two runs a chunk apart): on the 512-bit path where the step reads more than
    /// <see cref="ChunkByChunkAboveBytes"/> of weights (W_ih and W_hh for a <c>Step</c>, W_hh for a sequence's step); on
    /// the 256-bit path for a <c>Step</c> (<paramref name="inputProduct"/>: W_ih·x in the same pass) reading more than
    /// <see cref="ChunkByChunkAboveBytes256"/>.
    /// </summary>
    /// <remarks>
    /// Paired in one process on AMD EPYC Zen 5 (AVX-512), batch 1, chunk by chunk ÷ side by side, the same bits: LSTM / GRU
    /// 128 <c>Step</c> (512 / 384 KB a step, from L2) 0.72 / 0.74, at 64 0.86 / 0.88; a 128 or 256 <c>Forward</c> 0.93; per
    /// step of a sequence (<c>--fused-step-lines</c>) LSTM 96 / 128 / 192 / 256 0.88 / 0.91 / 0.80 / 0.86, GRU 0.95 / 0.91
    /// / 0.83 / 0.95. With the weights in L1 the step waits on its chains instead, and fewer chains cost: GRU 32 / 64 and
    /// LSTM 32 sequence steps (12–48 KB) took 1.25 / 1.26 / 1.08 of the time. All four chunks side by side (16 chains)
    /// took 1.06–1.30 and two panels at a time (<see cref="FusedGatePanelPair"/>) 0.81–1.04 of the side-by-side time.
    /// <para>
    /// On the 256-bit path (the same CPU with AVX-512 off: 16 registers, as on an AVX2 machine), session 30, four
    /// <c>Step</c>s of one process in alternation, 20 rounds: LSTM 56 / 64 / 96 / 128 / 192 / 256 took 0.98 / 0.93 / 0.94
    /// / 0.90 / 0.93 / 0.97 of the time, GRU 96 / 128 / 192 / 256 0.95 / 0.92 / 0.93 / 1.00; below 96 KB a step it does
    /// not pay (GRU 48 / 56 1.05 / 1.03, GRU 64 0.99, LSTM 40 / 48 0.97 / 0.99); and a sequence's step, W_hh alone,
    /// was slower (GRU 128 <c>Forward</c> 1.03, LSTM 256 1.05; the LSTM there runs two panels at a time anyway). An
    /// AVX2-only machine was not at hand. The 128-bit and scalar paths keep two chunks side by side.
    /// </para>
    /// </remarks>
    internal static bool ChunkByChunk(int width, bool inputProduct, long weightBytesPerStep) => width switch
    {
        16 => weightBytesPerStep > ChunkByChunkAboveBytes,
        8 => inputProduct && weightBytesPerStep > ChunkByChunkAboveBytes256,
        _ => false,
    };

    /// <summary>The weights a step reads above which the 512-bit path runs its products chunk by chunk (<see cref="ChunkByChunk"/>): 48 KB, Zen 5's L1d.</summary>
    internal const long ChunkByChunkAboveBytes = 48 * 1024;

    /// <summary>The weights a <c>Step</c> reads above which the 256-bit path runs its products chunk by chunk (<see cref="ChunkByChunk"/>): 96 KB, measured.</summary>
    internal const long ChunkByChunkAboveBytes256 = 96 * 1024;

    /// <summary>
    /// Two chunks of <paramref name="length"/> terms side by side for one panel of units: <paramref name="first"/> +=
    /// terms from k = <paramref name="firstStart"/>, <paramref name="second"/> += terms from k = <paramref name="secondStart"/>,
    /// each in k order, one FMA per gate and term.
    /// </summary>
    /// <remarks>
    /// One moving reference into the weights plus offsets in native-int locals computed once (as in PackedGemm's
    /// panel loops): with the offsets written in int arithmetic inside the loop, the JIT recomputed and sign-extended
    /// each at every k, about twenty integer instructions beside the eight FMAs.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void AccumulateTwo<TOps, TVec>(ref GateSums<TVec> first, ref GateSums<TVec> second, ref float v, ref float weights, int depth, int unitPanel, int gatePanels, int gates, int firstStart, int secondStart, int length)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        nint panelStride = (nint)depth * width;
        nint gateStride = gatePanels * panelStride;
        nint gateStride2 = 2 * gateStride, gateStride3 = 3 * gateStride;
        nint apart = (nint)(secondStart - firstStart);
        nint apartW = apart * width;
        ref float wk = ref Unsafe.Add(ref weights, (unitPanel * panelStride) + ((nint)firstStart * width));
        ref float vk = ref Unsafe.Add(ref v, firstStart);
        TVec a0 = first.A, b0 = first.B, c0 = first.C, d0 = first.D;
        TVec a1 = second.A, b1 = second.B, c1 = second.C, d1 = second.D;
        if (gates == 4)
        {
            for (nint k = 0; k < length; k++)
            {
                TVec x0 = TOps.Broadcast(vk);
                TVec x1 = TOps.Broadcast(Unsafe.Add(ref vk, apart));
                a0 = TOps.MultiplyAdd(x0, TOps.Load(ref wk), a0);
                a1 = TOps.MultiplyAdd(x1, TOps.Load(ref Unsafe.Add(ref wk, apartW)), a1);
                b0 = TOps.MultiplyAdd(x0, TOps.Load(ref Unsafe.Add(ref wk, gateStride)), b0);
                b1 = TOps.MultiplyAdd(x1, TOps.Load(ref Unsafe.Add(ref wk, gateStride + apartW)), b1);
                c0 = TOps.MultiplyAdd(x0, TOps.Load(ref Unsafe.Add(ref wk, gateStride2)), c0);
                c1 = TOps.MultiplyAdd(x1, TOps.Load(ref Unsafe.Add(ref wk, gateStride2 + apartW)), c1);
                d0 = TOps.MultiplyAdd(x0, TOps.Load(ref Unsafe.Add(ref wk, gateStride3)), d0);
                d1 = TOps.MultiplyAdd(x1, TOps.Load(ref Unsafe.Add(ref wk, gateStride3 + apartW)), d1);
                wk = ref Unsafe.Add(ref wk, width);
                vk = ref Unsafe.Add(ref vk, 1);
            }
        }
        else
        {
            for (nint k = 0; k < length; k++)
            {
                TVec x0 = TOps.Broadcast(vk);
                TVec x1 = TOps.Broadcast(Unsafe.Add(ref vk, apart));
                a0 = TOps.MultiplyAdd(x0, TOps.Load(ref wk), a0);
                a1 = TOps.MultiplyAdd(x1, TOps.Load(ref Unsafe.Add(ref wk, apartW)), a1);
                b0 = TOps.MultiplyAdd(x0, TOps.Load(ref Unsafe.Add(ref wk, gateStride)), b0);
                b1 = TOps.MultiplyAdd(x1, TOps.Load(ref Unsafe.Add(ref wk, gateStride + apartW)), b1);
                c0 = TOps.MultiplyAdd(x0, TOps.Load(ref Unsafe.Add(ref wk, gateStride2)), c0);
                c1 = TOps.MultiplyAdd(x1, TOps.Load(ref Unsafe.Add(ref wk, gateStride2 + apartW)), c1);
                wk = ref Unsafe.Add(ref wk, width);
                vk = ref Unsafe.Add(ref vk, 1);
            }
        }

        first = GateSums<TVec>.Of(a0, b0, c0, d0);
        second = GateSums<TVec>.Of(a1, b1, c1, d1);
    }

    /// <summary>
    /// Up to four gate sums of one panel of units, carried through the loops in registers. Plain fields set by
    /// <see cref="Of"/>, no constructor: in these large kernels the JIT stops inlining calls, constructors included.
    /// </summary>
    private struct GateSums<TVec>
        where TVec : struct
    {
        public TVec A;
        public TVec B;
        public TVec C;
        public TVec D;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static GateSums<TVec> Of(TVec a, TVec b, TVec c, TVec d)
        {
            GateSums<TVec> sums;
            sums.A = a;
            sums.B = b;
            sums.C = c;
            sums.D = d;
            return sums;
        }

        /// <summary>left + right, gate by gate.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static GateSums<TVec> Add<TOps>(GateSums<TVec> left, GateSums<TVec> right)
            where TOps : struct, IVectorOps<TVec>
            => Of(TOps.Add(left.A, right.A), TOps.Add(left.B, right.B), TOps.Add(left.C, right.C), TOps.Add(left.D, right.D));
    }

    /// <summary>
    /// sums += W·v over k in [kStart, kStart + kLength) for the panel of units in each of the first <paramref name="gates"/>
    /// gate blocks: one FMA per gate and k, k in order (one chunk of <see cref="SummationOrder"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static GateSums<TVec> Accumulate<TOps, TVec>(GateSums<TVec> sums, ref float v, ref float weights, int depth, int unitPanel, int gatePanels, int gates, int kStart, int kLength)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        nint panelStride = (nint)depth * width;
        nint gateStride = gatePanels * panelStride;
        nint gateStride2 = 2 * gateStride, gateStride3 = 3 * gateStride;
        ref float wk = ref Unsafe.Add(ref weights, (unitPanel * panelStride) + ((nint)kStart * width));
        v = ref Unsafe.Add(ref v, kStart);
        nint end = kLength;
        TVec a = sums.A, b = sums.B, c = sums.C, d = sums.D;
        if (gates == 4)
        {
            for (nint k = 0; k < end; k++)
            {
                TVec vk = TOps.Broadcast(Unsafe.Add(ref v, k));
                a = TOps.MultiplyAdd(vk, TOps.Load(ref wk), a);
                b = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, gateStride)), b);
                c = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, gateStride2)), c);
                d = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, gateStride3)), d);
                wk = ref Unsafe.Add(ref wk, width);
            }
        }
        else
        {
            for (nint k = 0; k < end; k++)
            {
                TVec vk = TOps.Broadcast(Unsafe.Add(ref v, k));
                a = TOps.MultiplyAdd(vk, TOps.Load(ref wk), a);
                b = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, gateStride)), b);
                c = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, gateStride2)), c);
                wk = ref Unsafe.Add(ref wk, width);
            }
        }

        return GateSums<TVec>.Of(a, b, c, d);
    }
}
