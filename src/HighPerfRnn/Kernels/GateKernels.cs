using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Kernels;

/// <summary>
/// The LSTM and GRU step epilogues, in two forms with the same formulas per unit (so the same bits): passes over a row's
/// gate pre-activations after a product (<see cref="Lstm"/>, <see cref="Gru"/>), and one vector of units from gate sums
/// still in registers (<see cref="LstmUnitVector"/>, <see cref="GruUnitVector"/>: the fused step's, run beside the next
/// vector's products). Gate g of hidden unit j sits at column g·Hp + j of the row (PyTorch's gate order, each gate block
/// padded to Hp, the hidden size in whole vectors: layout version 2), so every gate is whole aligned vectors at any
/// hidden size. The state (c, h) is exactly hidden floats: where hidden is not a whole number of vectors, the last vector
/// of units goes through a small stack buffer, with the same formulas, so nothing is read or written past hidden.
/// </summary>
internal static class GateKernels
{
    /// <summary>
    /// LSTM: i, f, g, o = σ(pre[0..H)), σ(pre[Hp..Hp+H)), tanh(pre[2Hp..)), σ(pre[3Hp..)); c ← fma(f, c, i⊙g); h = o⊙tanh(c).
    /// <paramref name="cell"/> is read and overwritten; <paramref name="hidden"/> receives h.
    /// <paramref name="preactivations"/> is scratch: the activated gates are written over it.
    /// </summary>
    public static void Lstm(SimdPath path, Span<float> preactivations, Span<float> cell, Span<float> hidden, int hiddenSize)
        => LstmRows(path, preactivations, 0, 1, cell, hidden, 0, hiddenSize);

    /// <summary>
    /// <see cref="Lstm"/> for <paramref name="rows"/> batch rows (pre-activation rows <paramref name="preactivationStride"/>
    /// apart, cell rows <paramref name="hiddenSize"/> apart, h rows <paramref name="hiddenStride"/> apart), each
    /// activation pass over every row before the next: the passes are long enough to keep the pipes busy, where a row's
    /// passes alone (a few vectors each) wait on the activations' latency. The same formulas per unit: the same bits.
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmRows(SimdPath path, Span<float> preactivations, int preactivationStride, int rows, Span<float> cell, Span<float> hidden, int hiddenStride, int hiddenSize)
        => LstmRows(path, preactivations, preactivationStride, rows, cell, hidden, hiddenStride, hiddenSize, new UnitRange(0, hiddenSize));

    /// <summary>
    /// <see cref="LstmRows(SimdPath, Span{float}, int, int, Span{float}, Span{float}, int, int)"/> for the units of
    /// <paramref name="units"/> alone (one thread's share of a step whose columns several threads split): the gate
    /// blocks, cell rows and h rows keep the whole layer's layout, only the units [first, first + count) are read and
    /// written. The same formulas per unit: the same bits.
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void LstmRows(SimdPath path, Span<float> preactivations, int preactivationStride, int rows, Span<float> cell, Span<float> hidden, int hiddenStride, int hiddenSize, UnitRange units)
    {
        int paddedHidden = PackedMatrix.PadToPanels(hiddenSize, SimdPaths.LaneCount(path));
        UnitRange.Require(units, hiddenSize, SimdPaths.LaneCount(path));
        if (units.Count == 0)
        {
            return;
        }

        // These bounds make every unchecked access below safe.
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        if (preactivationStride < 0 || hiddenStride < 0
            || preactivations.Length < ((long)(rows - 1) * preactivationStride) + (4 * paddedHidden)
            || cell.Length < (long)rows * hiddenSize
            || hidden.Length < ((long)(rows - 1) * hiddenStride) + hiddenSize)
        {
            throw new ArgumentException("LSTM step buffers are shorter than the hidden size requires.", nameof(preactivations));
        }

        // The share's first unit starts on a vector, so every whole-vector access stays inside the layer's padded blocks.
        ref float pre = ref Unsafe.Add(ref MemoryMarshal.GetReference(preactivations), units.First);
        ref float c = ref Unsafe.Add(ref MemoryMarshal.GetReference(cell), units.First);
        ref float h = ref Unsafe.Add(ref MemoryMarshal.GetReference(hidden), units.First);
        var layout = new RowLayout(rows, preactivationStride, hiddenStride, GateStride: paddedHidden, CellStride: hiddenSize);
        switch (path)
        {
            case SimdPath.Vector512: LstmVectors<Vector512Ops, Vector512<float>>(ref pre, ref c, ref h, units.Count, layout); break;
            case SimdPath.Vector256: LstmVectors<Vector256Ops, Vector256<float>>(ref pre, ref c, ref h, units.Count, layout); break;
            case SimdPath.Vector128: LstmVectors<Vector128Ops, Vector128<float>>(ref pre, ref c, ref h, units.Count, layout); break;
            default: LstmVectors<ScalarOps, float>(ref pre, ref c, ref h, units.Count, layout); break;
        }
    }

    /// <summary>
    /// Batch rows of a gate pass: how many, and the strides of their pre-activation and h rows (GRU recurrent rows and
    /// h_{t−1} rows have strides of their own); where one gate block starts after the other (the layer's padded hidden
    /// size) and, for the LSTM, how far apart the c rows lie (the layer's hidden size).
    /// </summary>
    private readonly record struct RowLayout(int Rows, int PreactivationStride, int HiddenStride, int GateStride, int RecurrentStride = 0, int PreviousStride = 0, int CellStride = 0);

    /// <summary>
    /// GRU: r = σ(pre_r + hh_r), z = σ(pre_z + hh_z), n = tanh(fma(r, hh_n, pre_n)), h = fma(z, h_prev − n, n),
    /// where pre = W_ih·x + b_ih (+ b_hr, b_hz folded in) and hh = W_hh·h_prev (+ b_hn on the n rows), gate blocks Hp apart.
    /// <paramref name="preactivations"/> is scratch: r and z are written over it.
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gru(SimdPath path, Span<float> preactivations, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> previous, Span<float> hidden, int hiddenSize)
        => GruRows(path, preactivations, 0, recurrent, 0, previous, 0, hidden, 0, 1, hiddenSize);

    /// <summary>
    /// <see cref="Gru"/> for <paramref name="rows"/> batch rows, each with its stride (<paramref name="previousStride"/> 0:
    /// one h_{t−1} row for all, the zeros of a first step without h0), each activation pass over every row before the next
    /// (see <see cref="LstmRows(SimdPath, Span{float}, int, int, Span{float}, Span{float}, int, int)"/>). The same formulas per unit: the same bits.
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GruRows(
        SimdPath path, Span<float> preactivations, int preactivationStride, ReadOnlySpan<float> recurrent, int recurrentStride, ReadOnlySpan<float> previous, int previousStride, Span<float> hidden, int hiddenStride, int rows, int hiddenSize)
        => GruRows(path, preactivations, preactivationStride, recurrent, recurrentStride, previous, previousStride, hidden, hiddenStride, rows, hiddenSize, new UnitRange(0, hiddenSize));

    /// <summary>
    /// <see cref="GruRows(SimdPath, Span{float}, int, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, Span{float}, int, int, int)"/>
    /// for the units of <paramref name="units"/> alone (see the LSTM's unit-range overload): the same bits per unit.
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void GruRows(
        SimdPath path, Span<float> preactivations, int preactivationStride, ReadOnlySpan<float> recurrent, int recurrentStride, ReadOnlySpan<float> previous, int previousStride, Span<float> hidden, int hiddenStride, int rows, int hiddenSize, UnitRange units)
    {
        int paddedHidden = PackedMatrix.PadToPanels(hiddenSize, SimdPaths.LaneCount(path));
        UnitRange.Require(units, hiddenSize, SimdPaths.LaneCount(path));
        if (units.Count == 0)
        {
            return;
        }

        // These bounds make every unchecked access below safe: whole vectors of the three padded gate blocks, and
        // h_prev and h read and written only below hiddenSize.
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        long last = rows - 1;
        if (preactivationStride < 0 || recurrentStride < 0 || previousStride < 0 || hiddenStride < 0
            || preactivations.Length < (last * preactivationStride) + (3 * paddedHidden)
            || recurrent.Length < (last * recurrentStride) + (3 * paddedHidden)
            || previous.Length < (last * previousStride) + hiddenSize
            || hidden.Length < (last * hiddenStride) + hiddenSize)
        {
            throw new ArgumentException("GRU step buffers are shorter than the hidden size requires.", nameof(preactivations));
        }

        ref float pre = ref Unsafe.Add(ref MemoryMarshal.GetReference(preactivations), units.First);
        ref float hh = ref Unsafe.Add(ref MemoryMarshal.GetReference(recurrent), units.First);
        ref float prev = ref Unsafe.Add(ref MemoryMarshal.GetReference(previous), units.First);
        ref float h = ref Unsafe.Add(ref MemoryMarshal.GetReference(hidden), units.First);
        var layout = new RowLayout(rows, preactivationStride, hiddenStride, GateStride: paddedHidden, recurrentStride, previousStride);
        switch (path)
        {
            case SimdPath.Vector512: GruVectors<Vector512Ops, Vector512<float>>(ref pre, ref hh, ref prev, ref h, units.Count, layout); break;
            case SimdPath.Vector256: GruVectors<Vector256Ops, Vector256<float>>(ref pre, ref hh, ref prev, ref h, units.Count, layout); break;
            case SimdPath.Vector128: GruVectors<Vector128Ops, Vector128<float>>(ref pre, ref hh, ref prev, ref h, units.Count, layout); break;
            default: GruVectors<ScalarOps, float>(ref pre, ref hh, ref prev, ref h, units.Count, layout); break;
        }
    }

    /// <summary>
    /// The LSTM epilogue over all units in whole vectors: one pass per gate activation, each a loop with a single
    /// activation in it, the activated gates written over their pre-activations; then c and h. On the 512-bit path two
    /// activations to a loop body instead (<see cref="LstmVectorsInPairs"/>).
    /// </summary>
    /// <remarks>
    /// Why passes and not one loop body with all five activations: each activation needs ~17 vector constants, and
    /// with several inlined side by side the JIT keeps the constants in registers across all of them and spills the
    /// working values instead (measured: about a hundred stack loads and stores per iteration, on the critical path).
    /// A loop with one activation keeps its working values in registers and reloads only constants, off the
    /// dependency chain. Per unit the arithmetic is the same on every width: the results are identical.
    /// </remarks>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LstmVectors<TOps, TVec>(ref float pre, ref float c, ref float h, int units, RowLayout rows)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        if (ActivationsInPairs<TOps, TVec>())
        {
            LstmVectorsInPairs<TOps, TVec>(ref pre, ref c, ref h, units, rows);
            return;
        }

        int vectors = PackedMatrix.PadToPanels(units, TOps.Count);
        int gates = rows.GateStride;
        nint preStride = rows.PreactivationStride;
        ActivateRows<TOps, TVec, Sigmoid>(ref pre, preStride, rows.Rows, vectors);
        ActivateRows<TOps, TVec, Sigmoid>(ref Unsafe.Add(ref pre, gates), preStride, rows.Rows, vectors);
        ActivateRows<TOps, TVec, ActivationKernels.Tanh>(ref Unsafe.Add(ref pre, 2 * gates), preStride, rows.Rows, vectors);
        ActivateRows<TOps, TVec, Sigmoid>(ref Unsafe.Add(ref pre, 3 * gates), preStride, rows.Rows, vectors);
        for (int row = 0; row < rows.Rows; row++)
        {
            LstmRow<TOps, TVec>(ref Unsafe.Add(ref pre, row * preStride), gates, ref Unsafe.Add(ref c, (nint)row * rows.CellStride), ref Unsafe.Add(ref h, (nint)row * rows.HiddenStride), units);
        }
    }

    /// <summary>
    /// <see cref="LstmVectors"/> two activations to a loop body, for the 512-bit path (<see cref="ActivationsInPairs"/>):
    /// i beside f, then g beside o, in a pass over every row each; then c and h two rows at a time, each row's units as
    /// <see cref="LstmRow"/> has them. The same formulas per unit: the same bits.
    /// </summary>
    /// <remarks>
    /// The JIT broadcasts an activation's ~17 constants inside the loop body, once per body: two activations in one body
    /// share those broadcasts, and the pass issues about a fifth fewer instructions (a burst of σ alone: 0.88 of the time
    /// with two a body). Measured against <see cref="LstmVectors"/>' passes (AMD EPYC Zen 5, paired, the same bits): the
    /// gate pass of 8 rows of LSTM 64 units 0.87, of 32 rows of 256 units 0.85; a whole `Step` of 8 streams of LSTM 64
    /// 0.984–0.988.
    /// </remarks>
    // Fully optimized from the first call, as LstmVectors.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LstmVectorsInPairs<TOps, TVec>(ref float pre, ref float c, ref float h, int units, RowLayout rows)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int vectors = PackedMatrix.PadToPanels(units, TOps.Count);
        int gates = rows.GateStride;
        nint preStride = rows.PreactivationStride, cellStride = rows.CellStride, hiddenStride = rows.HiddenStride;
        ActivateGatePairs<TOps, TVec, Sigmoid, Sigmoid>(ref pre, gates, preStride, rows.Rows, vectors);
        ActivateGatePairs<TOps, TVec, ActivationKernels.Tanh, Sigmoid>(ref Unsafe.Add(ref pre, 2 * gates), gates, preStride, rows.Rows, vectors);
        int row = 0;
        for (; row + 1 < rows.Rows; row += 2)
        {
            LstmRowPair<TOps, TVec>(ref Unsafe.Add(ref pre, row * preStride), preStride, gates, ref Unsafe.Add(ref c, row * cellStride), cellStride, ref Unsafe.Add(ref h, row * hiddenStride), hiddenStride, units);
        }

        if (row < rows.Rows)
        {
            LstmRow<TOps, TVec>(ref Unsafe.Add(ref pre, row * preStride), gates, ref Unsafe.Add(ref c, row * cellStride), ref Unsafe.Add(ref h, row * hiddenStride), units);
        }
    }

    /// <summary>c and h of one row from its activated gates (blocks <paramref name="gates"/> apart): whole vectors, then the last units.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmRow<TOps, TVec>(ref float pre, int gates, ref float c, ref float h, int units)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        int full = units - (units % width);
        for (int j = 0; j < full; j += width)
        {
            LstmUnits<TOps, TVec>(ref Unsafe.Add(ref pre, j), gates, ref Unsafe.Add(ref c, j), ref Unsafe.Add(ref h, j));
        }

        if (full < units)
        {
            LstmLastUnits<TOps, TVec>(ref Unsafe.Add(ref pre, full), gates, ref Unsafe.Add(ref c, full), ref Unsafe.Add(ref h, full), units - full);
        }
    }

    /// <summary><see cref="LstmRow"/> for two rows (<paramref name="preStride"/>, <paramref name="cellStride"/> and <paramref name="hiddenStride"/> apart), their vectors side by side in one loop body.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmRowPair<TOps, TVec>(ref float pre, nint preStride, int gates, ref float c, nint cellStride, ref float h, nint hiddenStride, int units)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        int full = units - (units % width);
        ref float pre2 = ref Unsafe.Add(ref pre, preStride);
        ref float c2 = ref Unsafe.Add(ref c, cellStride);
        ref float h2 = ref Unsafe.Add(ref h, hiddenStride);
        for (int j = 0; j < full; j += width)
        {
            LstmUnits<TOps, TVec>(ref Unsafe.Add(ref pre, j), gates, ref Unsafe.Add(ref c, j), ref Unsafe.Add(ref h, j));
            LstmUnits<TOps, TVec>(ref Unsafe.Add(ref pre2, j), gates, ref Unsafe.Add(ref c2, j), ref Unsafe.Add(ref h2, j));
        }

        if (full < units)
        {
            LstmLastUnits<TOps, TVec>(ref Unsafe.Add(ref pre, full), gates, ref Unsafe.Add(ref c, full), ref Unsafe.Add(ref h, full), units - full);
            LstmLastUnits<TOps, TVec>(ref Unsafe.Add(ref pre2, full), gates, ref Unsafe.Add(ref c2, full), ref Unsafe.Add(ref h2, full), units - full);
        }
    }

    /// <summary>The last <paramref name="rest"/> units, fewer than a vector: see <see cref="LstmLastState"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LstmLastUnits<TOps, TVec>(ref float gates, int padded, ref float c, ref float h, int rest)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        => LstmLastState<TOps, TVec>(TOps.Load(ref gates), TOps.Load(ref Unsafe.Add(ref gates, padded)), TOps.Load(ref Unsafe.Add(ref gates, 2 * padded)), TOps.Load(ref Unsafe.Add(ref gates, 3 * padded)), ref c, ref h, rest);

    /// <summary>One vector of units from activated gates (Hp apart): c ← fma(f, c, i⊙g); h = o⊙tanh(c).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmUnits<TOps, TVec>(ref float gates, int padded, ref float c, ref float h)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        => LstmState<TOps, TVec>(TOps.Load(ref gates), TOps.Load(ref Unsafe.Add(ref gates, padded)), TOps.Load(ref Unsafe.Add(ref gates, 2 * padded)), TOps.Load(ref Unsafe.Add(ref gates, 3 * padded)), ref c, ref h);

    /// <summary>c ← fma(f, c, i⊙g); h = o⊙tanh(c), from one vector of activated gates.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmState<TOps, TVec>(TVec i, TVec f, TVec g, TVec o, ref float c, ref float h)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec cNew = TOps.MultiplyAdd(f, TOps.Load(ref c), TOps.Multiply(i, g));
        TOps.Store(cNew, ref c);
        TOps.Store(TOps.Multiply(o, FastActivations.Tanh<TOps, TVec>(cNew)), ref h);
    }

    /// <summary>
    /// One vector of LSTM units from its four gate sums, as the fused step leaves them in registers: the same
    /// activations and state update as <see cref="LstmVectors"/> per unit (the same bits). <paramref name="units"/> of
    /// the vector's lanes are real units (fewer than a vector only for the last): c and h are touched only there.
    /// </summary>
    // A call of its own, not inlined into the fused step's panel method (its five activations would take that method
    // past the JIT's inlining budget); fully optimized from the first call, as the kernels it serves.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void LstmUnitVector<TOps, TVec>(TVec i, TVec f, TVec g, TVec o, ref float c, ref float h, int units)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        i = FastActivations.Sigmoid<TOps, TVec>(i);
        f = FastActivations.Sigmoid<TOps, TVec>(f);
        g = FastActivations.Tanh<TOps, TVec>(g);
        o = FastActivations.Sigmoid<TOps, TVec>(o);
        if (units == TOps.Count)
        {
            LstmState<TOps, TVec>(i, f, g, o, ref c, ref h);
        }
        else
        {
            LstmLastState<TOps, TVec>(i, f, g, o, ref c, ref h, units);
        }
    }

    /// <summary>
    /// <see cref="LstmState"/> for the last <paramref name="units"/> units, fewer than a vector: c in and out, and h out,
    /// through the stack (16 floats: the widest vector), so nothing past hidden is touched. Its own method, so the stack
    /// buffers cost the main loops nothing.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LstmLastState<TOps, TVec>(TVec i, TVec f, TVec g, TVec o, ref float c, ref float h, int units)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        Span<float> lastC = stackalloc float[16];
        Span<float> lastH = stackalloc float[16];
        lastC.Clear();
        MemoryMarshal.CreateReadOnlySpan(ref c, units).CopyTo(lastC);
        LstmState<TOps, TVec>(i, f, g, o, ref MemoryMarshal.GetReference(lastC), ref MemoryMarshal.GetReference(lastH));
        lastC[..units].CopyTo(MemoryMarshal.CreateSpan(ref c, units));
        lastH[..units].CopyTo(MemoryMarshal.CreateSpan(ref h, units));
    }

    /// <summary>As <see cref="LstmVectors"/> for the GRU: r and z activated in place in <paramref name="pre"/>, then n and h.</summary>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GruVectors<TOps, TVec>(ref float pre, ref float hh, ref float prev, ref float h, int units, RowLayout rows)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        if (ActivationsInPairs<TOps, TVec>())
        {
            GruVectorsInPairs<TOps, TVec>(ref pre, ref hh, ref prev, ref h, units, rows);
            return;
        }

        int width = TOps.Count;
        int vectors = PackedMatrix.PadToPanels(units, width);
        int padded = rows.GateStride;
        nint preStride = rows.PreactivationStride, hhStride = rows.RecurrentStride;
        for (int gate = 0; gate < 2; gate++)
        {
            for (int row = 0; row < rows.Rows; row++)
            {
                ref float p = ref Unsafe.Add(ref pre, (row * preStride) + (gate * padded));
                ref float q = ref Unsafe.Add(ref hh, (row * hhStride) + (gate * padded));
                for (int j = 0; j < vectors; j += width)
                {
                    ActivateGruGate<TOps, TVec>(ref Unsafe.Add(ref p, j), ref Unsafe.Add(ref q, j));
                }
            }
        }

        for (int row = 0; row < rows.Rows; row++)
        {
            GruRow<TOps, TVec>(ref Unsafe.Add(ref pre, row * preStride), ref Unsafe.Add(ref hh, row * hhStride), padded, ref Unsafe.Add(ref prev, (nint)row * rows.PreviousStride), ref Unsafe.Add(ref h, (nint)row * rows.HiddenStride), units);
        }
    }

    /// <summary>
    /// <see cref="GruVectors"/> two activations to a loop body, for the 512-bit path (see <see cref="LstmVectorsInPairs"/>):
    /// r beside z in one pass over every row, then n and h two rows at a time. The same formulas per unit: the same bits.
    /// </summary>
    // Fully optimized from the first call, as GruVectors.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GruVectorsInPairs<TOps, TVec>(ref float pre, ref float hh, ref float prev, ref float h, int units, RowLayout rows)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        int vectors = PackedMatrix.PadToPanels(units, width);
        int padded = rows.GateStride;
        nint preStride = rows.PreactivationStride, hhStride = rows.RecurrentStride, previousStride = rows.PreviousStride, hiddenStride = rows.HiddenStride;
        for (int row = 0; row < rows.Rows; row++)
        {
            ref float p = ref Unsafe.Add(ref pre, row * preStride);
            ref float q = ref Unsafe.Add(ref hh, row * hhStride);
            for (int j = 0; j < vectors; j += width)
            {
                ActivateGruGate<TOps, TVec>(ref Unsafe.Add(ref p, j), ref Unsafe.Add(ref q, j));
                ActivateGruGate<TOps, TVec>(ref Unsafe.Add(ref p, j + padded), ref Unsafe.Add(ref q, j + padded));
            }
        }

        int row2 = 0;
        for (; row2 + 1 < rows.Rows; row2 += 2)
        {
            GruRowPair<TOps, TVec>(
                ref Unsafe.Add(ref pre, row2 * preStride), preStride, ref Unsafe.Add(ref hh, row2 * hhStride), hhStride, padded, ref Unsafe.Add(ref prev, row2 * previousStride), previousStride, ref Unsafe.Add(ref h, row2 * hiddenStride), hiddenStride, units);
        }

        if (row2 < rows.Rows)
        {
            GruRow<TOps, TVec>(ref Unsafe.Add(ref pre, row2 * preStride), ref Unsafe.Add(ref hh, row2 * hhStride), padded, ref Unsafe.Add(ref prev, row2 * previousStride), ref Unsafe.Add(ref h, row2 * hiddenStride), units);
        }
    }

    /// <summary>A GRU gate in place, one vector: p ← σ(p + q).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ActivateGruGate<TOps, TVec>(ref float p, ref float q)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        => TOps.Store(FastActivations.Sigmoid<TOps, TVec>(TOps.Add(TOps.Load(ref p), TOps.Load(ref q))), ref p);

    /// <summary>n and h of one row from its activated r and z: whole vectors, then the last units.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruRow<TOps, TVec>(ref float pre, ref float hh, int padded, ref float prev, ref float h, int units)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        int full = units - (units % width);
        for (int j = 0; j < full; j += width)
        {
            GruUnits<TOps, TVec>(ref Unsafe.Add(ref pre, j), ref Unsafe.Add(ref hh, j), padded, ref Unsafe.Add(ref prev, j), ref Unsafe.Add(ref h, j));
        }

        if (full < units)
        {
            GruLastUnits<TOps, TVec>(ref Unsafe.Add(ref pre, full), ref Unsafe.Add(ref hh, full), padded, ref Unsafe.Add(ref prev, full), ref Unsafe.Add(ref h, full), units - full);
        }
    }

    /// <summary><see cref="GruRow"/> for two rows, each buffer with its stride, their vectors side by side in one loop body.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruRowPair<TOps, TVec>(ref float pre, nint preStride, ref float hh, nint hhStride, int padded, ref float prev, nint previousStride, ref float h, nint hiddenStride, int units)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        int full = units - (units % width);
        ref float pre2 = ref Unsafe.Add(ref pre, preStride);
        ref float hh2 = ref Unsafe.Add(ref hh, hhStride);
        ref float prev2 = ref Unsafe.Add(ref prev, previousStride);
        ref float h2 = ref Unsafe.Add(ref h, hiddenStride);
        for (int j = 0; j < full; j += width)
        {
            GruUnits<TOps, TVec>(ref Unsafe.Add(ref pre, j), ref Unsafe.Add(ref hh, j), padded, ref Unsafe.Add(ref prev, j), ref Unsafe.Add(ref h, j));
            GruUnits<TOps, TVec>(ref Unsafe.Add(ref pre2, j), ref Unsafe.Add(ref hh2, j), padded, ref Unsafe.Add(ref prev2, j), ref Unsafe.Add(ref h2, j));
        }

        if (full < units)
        {
            GruLastUnits<TOps, TVec>(ref Unsafe.Add(ref pre, full), ref Unsafe.Add(ref hh, full), padded, ref Unsafe.Add(ref prev, full), ref Unsafe.Add(ref h, full), units - full);
            GruLastUnits<TOps, TVec>(ref Unsafe.Add(ref pre2, full), ref Unsafe.Add(ref hh2, full), padded, ref Unsafe.Add(ref prev2, full), ref Unsafe.Add(ref h2, full), units - full);
        }
    }

    /// <summary>The last <paramref name="rest"/> GRU units, fewer than a vector: see <see cref="GruLastState"/>.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GruLastUnits<TOps, TVec>(ref float pre, ref float hh, int padded, ref float prev, ref float h, int rest)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        => GruLastState<TOps, TVec>(TOps.Load(ref pre), TOps.Load(ref Unsafe.Add(ref pre, padded)), TOps.Load(ref Unsafe.Add(ref pre, 2 * padded)), TOps.Load(ref Unsafe.Add(ref hh, 2 * padded)), ref prev, ref h, rest);

    /// <summary>One vector of GRU units from activated r, z (Hp apart): n = tanh(fma(r, hh_n, pre_n)); h = fma(z, h_prev − n, n).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruUnits<TOps, TVec>(ref float pre, ref float hh, int padded, ref float prev, ref float h)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int nOffset = 2 * padded;
        GruState<TOps, TVec>(TOps.Load(ref pre), TOps.Load(ref Unsafe.Add(ref pre, padded)), TOps.Load(ref Unsafe.Add(ref pre, nOffset)), TOps.Load(ref Unsafe.Add(ref hh, nOffset)), ref prev, ref h);
    }

    /// <summary>n = tanh(fma(r, hh_n, pre_n)); h = fma(z, h_prev − n, n), from one vector of activated r and z.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruState<TOps, TVec>(TVec r, TVec z, TVec preN, TVec hhN, ref float prev, ref float h)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec n = FastActivations.Tanh<TOps, TVec>(TOps.MultiplyAdd(r, hhN, preN));

        // (1 − z)·n + z·h, computed as n + z·(h − n): one FMA; the two forms differ by rounding only.
        TOps.Store(TOps.MultiplyAdd(z, TOps.Subtract(TOps.Load(ref prev), n), n), ref h);
    }

    /// <summary>
    /// One vector of GRU units from its gate sums as the fused step leaves them in registers (p = bias + W_ih·x and
    /// q = recurrent bias + W_hh·h, per gate): the same activations and update as <see cref="GruVectors"/> per unit (the
    /// same bits). <paramref name="units"/> of the lanes are real units: h_prev is read and h written only there.
    /// </summary>
    // A call of its own, not inlined into the fused step's panel method (see LstmUnitVector).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static void GruUnitVector<TOps, TVec>(TVec pR, TVec pZ, TVec pN, TVec qR, TVec qZ, TVec qN, ref float prev, ref float h, int units)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec r = FastActivations.Sigmoid<TOps, TVec>(TOps.Add(pR, qR));
        TVec z = FastActivations.Sigmoid<TOps, TVec>(TOps.Add(pZ, qZ));
        if (units == TOps.Count)
        {
            GruState<TOps, TVec>(r, z, pN, qN, ref prev, ref h);
        }
        else
        {
            GruLastState<TOps, TVec>(r, z, pN, qN, ref prev, ref h, units);
        }
    }

    /// <summary><see cref="GruState"/> for the last <paramref name="units"/> units, fewer than a vector: h_prev in and h out through the stack.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void GruLastState<TOps, TVec>(TVec r, TVec z, TVec preN, TVec hhN, ref float prev, ref float h, int units)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        Span<float> lastPrev = stackalloc float[16];
        Span<float> lastH = stackalloc float[16];
        lastPrev.Clear();
        MemoryMarshal.CreateReadOnlySpan(ref prev, units).CopyTo(lastPrev);
        GruState<TOps, TVec>(r, z, preN, hhN, ref MemoryMarshal.GetReference(lastPrev), ref MemoryMarshal.GetReference(lastH));
        lastH[..units].CopyTo(MemoryMarshal.CreateSpan(ref h, units));
    }

    /// <summary>
    /// Whether the passes put two activations in one loop body (<see cref="LstmVectorsInPairs"/>): on the 512-bit path,
    /// whose 32 registers hold both activations' constants and working values. With 16 registers (the 256- and 128-bit
    /// paths on x86) the pairs spill: 1.01–1.05× the time of a step of 5–8 rows (paired, AMD EPYC Zen 5 with AVX-512 off).
    /// A type test, so the JIT keeps one form per path and drops the other.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool ActivationsInPairs<TOps, TVec>()
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct => typeof(TOps) == typeof(Vector512Ops);

    /// <summary>
    /// In each of <paramref name="rows"/> rows <paramref name="stride"/> apart, the first <paramref name="count"/> floats
    /// (whole vectors) of a gate block through <typeparamref name="TFirst"/> and those of the block
    /// <paramref name="gateStride"/> after it through <typeparamref name="TSecond"/>, in place, the two blocks' vectors
    /// side by side in one loop body.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ActivateGatePairs<TOps, TVec, TFirst, TSecond>(ref float values, int gateStride, nint stride, int rows, int count)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TFirst : struct, ActivationKernels.IActivation
        where TSecond : struct, ActivationKernels.IActivation
    {
        for (int row = 0; row < rows; row++)
        {
            ref float first = ref Unsafe.Add(ref values, row * stride);
            ref float second = ref Unsafe.Add(ref first, gateStride);
            for (int j = 0; j < count; j += TOps.Count)
            {
                ref float a = ref Unsafe.Add(ref first, j);
                ref float b = ref Unsafe.Add(ref second, j);
                TOps.Store(TFirst.Invoke<TOps, TVec>(TOps.Load(ref a)), ref a);
                TOps.Store(TSecond.Invoke<TOps, TVec>(TOps.Load(ref b)), ref b);
            }
        }
    }

    /// <summary>v = act(v) for the first <paramref name="count"/> floats (whole vectors) of each of <paramref name="rows"/> rows <paramref name="stride"/> apart.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ActivateRows<TOps, TVec, TActivation>(ref float values, nint stride, int rows, int count)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        for (int row = 0; row < rows; row++)
        {
            ActivateInPlace<TOps, TVec, TActivation>(ref Unsafe.Add(ref values, row * stride), count);
        }
    }

    /// <summary>v = act(v) for the first <paramref name="count"/> floats (whole vectors) from <paramref name="values"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ActivateInPlace<TOps, TVec, TActivation>(ref float values, int count)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        for (int j = 0; j < count; j += TOps.Count)
        {
            ref float v = ref Unsafe.Add(ref values, j);
            TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Load(ref v)), ref v);
        }
    }

    private readonly struct Sigmoid : ActivationKernels.IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Invoke<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : struct => FastActivations.Sigmoid<TOps, TVec>(x);
    }
}
