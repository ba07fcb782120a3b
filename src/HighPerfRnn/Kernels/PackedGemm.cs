using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Kernels;

/// <summary>
/// The one matrix product the recurrent layers need: C = Init + A·Wᵀ, with W packed in column panels
/// (<see cref="PackedMatrix"/>). It serves both the input projection hoisted out of the time loop (A = all
/// time steps and batch rows of the layer's input, Init = the pre-summed biases) and each time step's
/// recurrent product (A = the previous hidden states, Init = C = that step's projected inputs, in place).
/// </summary>
/// <remarks>
/// Rows of A, Init and C may be strided (a batch's rows at one time step sit seq rows apart in a batch_first
/// buffer). Register blocking: 6 rows × 2 panels (12 independent accumulators), then 4 × 2 for the rows a six does
/// not cover; for a single row, 8 panels (8 accumulators), since a lone FMA chain would be latency-bound. Rows are taken
/// in blocks of 64 so a pair of panels is reused from L1 across the block. All variants sum in the same order,
/// so results do not depend on the batch size or on which variant ran.
/// </remarks>
internal static class PackedGemm
{
    private const int RowBlock = 64;

    /// <summary>
    /// c[r·ldc + n] = init[r·ldInit + n] + Σₖ a[r·lda + k]·W[n, k] for r &lt; rows and n &lt; w.PaddedRows.
    /// <paramref name="init"/> may be <paramref name="c"/> itself (same stride): each element is read before it is written.
    /// <paramref name="ldInit"/> may be 0 (one bias row for all rows).
    /// </summary>
    public static void MultiplyAdd(
        SimdPath path,
        ReadOnlySpan<float> a,
        int lda,
        int rows,
        PackedMatrix w,
        ReadOnlySpan<float> init,
        int ldInit,
        Span<float> c,
        int ldc)
    {
        if (SimdPaths.LaneCount(path) != w.PanelWidth)
        {
            throw new ArgumentException($"The matrix was packed with panel width {w.PanelWidth}, but path {path} needs {SimdPaths.LaneCount(path)}.", nameof(w));
        }

        MultiplyAdd(path, a, lda, rows, w.Data, w.Columns, init, ldInit, c, ldc);
    }

    /// <summary>
    /// As above, with W given as its packed floats: panels of the path's lane count, each <paramref name="depth"/> deep.
    /// </summary>
    public static void MultiplyAdd(
        SimdPath path,
        ReadOnlySpan<float> a,
        int lda,
        int rows,
        ReadOnlySpan<float> packedWeights,
        int depth,
        ReadOnlySpan<float> init,
        int ldInit,
        Span<float> c,
        int ldc)
    {
        if (rows <= 0)
        {
            return;
        }

        ArgumentOutOfRangeException.ThrowIfNegative(lda);
        ArgumentOutOfRangeException.ThrowIfNegative(ldInit);
        ArgumentOutOfRangeException.ThrowIfNegative(ldc);
        int panelWidth = SimdPaths.LaneCount(path);
        if (depth <= 0 || depth > int.MaxValue / panelWidth)
        {
            throw new ArgumentOutOfRangeException(nameof(depth), depth, $"depth must be between 1 and {int.MaxValue / panelWidth}.");
        }

        int panelStride = depth * panelWidth;
        if (packedWeights.Length % panelStride != 0)
        {
            throw new ArgumentException($"packedWeights holds {packedWeights.Length} floats: not whole panels of depth {depth} × width {panelWidth}.", nameof(packedWeights));
        }

        int panels = packedWeights.Length / panelStride;
        int paddedRows = panels * panelWidth;

        // Every access below stays inside these three checks (with the strides non-negative, checked above): row r
        // reads a[r·lda .. r·lda + depth), init[r·ldInit .. + paddedRows) and writes c[r·ldc .. + paddedRows), r < rows.
        RequireLength(a, ((long)(rows - 1) * lda) + depth, nameof(a));
        RequireLength(init, ((long)(rows - 1) * ldInit) + paddedRows, nameof(init));
        RequireLength(c, ((long)(rows - 1) * ldc) + paddedRows, nameof(c));

        ref float aRef = ref MemoryMarshal.GetReference(a);
        ref float wRef = ref MemoryMarshal.GetReference(packedWeights);
        ref float initRef = ref MemoryMarshal.GetReference(init);
        ref float cRef = ref MemoryMarshal.GetReference(c);
        var shape = new GemmShape(rows, depth, panels, lda, ldInit, ldc);
        switch (path)
        {
            case SimdPath.Vector512:
                Run<Vector512Ops, Vector512<float>>(ref aRef, ref wRef, ref initRef, ref cRef, shape);
                break;
            case SimdPath.Vector256:
                Run<Vector256Ops, Vector256<float>>(ref aRef, ref wRef, ref initRef, ref cRef, shape);
                break;
            case SimdPath.Vector128:
                Run<Vector128Ops, Vector128<float>>(ref aRef, ref wRef, ref initRef, ref cRef, shape);
                break;
            default:
                Run<ScalarOps, float>(ref aRef, ref wRef, ref initRef, ref cRef, shape);
                break;
        }
    }

    /// <summary>
    /// y = init + W·x for a single row (x: w.Columns floats; init and y: w.PaddedRows floats; init may be y): the
    /// streaming step's input product, without the general product's blocking. Same arithmetic as
    /// <see cref="MultiplyAdd(SimdPath, ReadOnlySpan{float}, int, int, PackedMatrix, ReadOnlySpan{float}, int, Span{float}, int)"/> with one row.
    /// </summary>
    /// <param name="path">The instruction-set path (the matrix's panel width).</param>
    /// <param name="x">The row: w.Columns floats.</param>
    /// <param name="w">The packed matrix.</param>
    /// <param name="init">Starting values, w.PaddedRows floats (may be <paramref name="y"/>).</param>
    /// <param name="y">The result, w.PaddedRows floats.</param>
    /// <param name="reverse">Walk the panels from the last (see <see cref="SingleRow{TOps, TVec}"/>); no result changes.</param>
    public static void MultiplyAddRow(SimdPath path, ReadOnlySpan<float> x, PackedMatrix w, ReadOnlySpan<float> init, Span<float> y, bool reverse = false)
    {
        if (SimdPaths.LaneCount(path) != w.PanelWidth)
        {
            throw new ArgumentException($"The matrix was packed with panel width {w.PanelWidth}, but path {path} needs {SimdPaths.LaneCount(path)}.", nameof(w));
        }

        RequireLength(x, w.Columns, nameof(x));
        RequireLength(init, w.PaddedRows, nameof(init));
        RequireLength(y, w.PaddedRows, nameof(y));
        ref float xRef = ref MemoryMarshal.GetReference(x);
        ref float wRef = ref MemoryMarshal.GetReference(w.Data);
        ref float initRef = ref MemoryMarshal.GetReference(init);
        ref float yRef = ref MemoryMarshal.GetReference(y);
        int depth = w.Columns;
        int panels = w.PanelCount;
        switch (path)
        {
            case SimdPath.Vector512:
                SingleRow<Vector512Ops, Vector512<float>>(ref xRef, ref wRef, w.PanelStride, ref initRef, ref yRef, depth, panels, reverse);
                break;
            case SimdPath.Vector256:
                SingleRow<Vector256Ops, Vector256<float>>(ref xRef, ref wRef, w.PanelStride, ref initRef, ref yRef, depth, panels, reverse);
                break;
            case SimdPath.Vector128:
                SingleRow<Vector128Ops, Vector128<float>>(ref xRef, ref wRef, w.PanelStride, ref initRef, ref yRef, depth, panels, reverse);
                break;
            default:
                SingleRow<ScalarOps, float>(ref xRef, ref wRef, w.PanelStride, ref initRef, ref yRef, depth, panels, reverse);
                break;
        }
    }

    private static void RequireLength(ReadOnlySpan<float> span, long required, string name)
    {
        if (span.Length < required)
        {
            throw new ArgumentException($"{name} needs at least {required} floats for this product, but has {span.Length}.", name);
        }
    }

    private readonly record struct GemmShape(int Rows, int Depth, int Panels, int Lda, int LdInit, int Ldc);

    [SkipLocalsInit]
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec>(ref float a, ref float w, ref float init, ref float c, GemmShape s)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int panelStride = s.Depth * TOps.Count;
        for (int blockStart = 0; blockStart < s.Rows; blockStart += RowBlock)
        {
            int blockEnd = Math.Min(s.Rows, blockStart + RowBlock);

            // Rows in sixes, then fours, against pairs of panels; what is left (up to 3 rows) goes row by row.
            int sixEnd = blockStart + (SixRowTiles(blockEnd - blockStart) * 6);
            int tiledEnd = sixEnd + ((blockEnd - sixEnd) & ~3);
            int panel = 0;
            for (; panel + 2 <= s.Panels; panel += 2)
            {
                ref float w0 = ref Unsafe.Add(ref w, panel * panelStride);
                int column = panel * TOps.Count;
                int row = blockStart;
                for (; row < sixEnd; row += 6)
                {
                    Rows6Panels2<TOps, TVec>(ref a, ref w0, panelStride, ref init, ref c, s, row, column);
                }

                for (; row < tiledEnd; row += 4)
                {
                    Rows4Panels2<TOps, TVec>(ref a, ref w0, panelStride, ref init, ref c, s, row, column);
                }
            }

            if (panel < s.Panels)
            {
                ref float w0 = ref Unsafe.Add(ref w, panel * panelStride);
                int column = panel * TOps.Count;
                int row = blockStart;
                for (; row + 4 <= tiledEnd; row += 4)
                {
                    Rows4Panels1<TOps, TVec>(ref a, ref w0, ref init, ref c, s, row, column);
                }

                for (; row < tiledEnd; row++)
                {
                    Panels1<TOps, TVec>(ref Unsafe.Add(ref a, (nint)row * s.Lda), ref w, panelStride, ref Unsafe.Add(ref init, (nint)row * s.LdInit), ref Unsafe.Add(ref c, (nint)row * s.Ldc), s.Depth, panel);
                }
            }

            for (int row = tiledEnd; row < blockEnd; row++)
            {
                SingleRow<TOps, TVec>(ref Unsafe.Add(ref a, (nint)row * s.Lda), ref w, panelStride, ref Unsafe.Add(ref init, (nint)row * s.LdInit), ref Unsafe.Add(ref c, (nint)row * s.Ldc), s.Depth, s.Panels);
            }
        }
    }

    /// <summary>
    /// How many six-row tiles to take from <paramref name="rows"/> rows so that four-row tiles cover most of the rest:
    /// 32 rows are 4 sixes and 2 fours, not 5 sixes and 2 rows left for the slow single-row path.
    /// </summary>
    private static int SixRowTiles(int rows)
    {
        int sixes = rows / 6;
        int best = sixes;
        for (int fewer = sixes; fewer >= 0 && fewer >= sixes - 2; fewer--)
        {
            if ((rows - (6 * fewer)) % 4 < (rows - (6 * best)) % 4)
            {
                best = fewer;
            }
        }

        return best;
    }

    /// <summary>
    /// Six rows × two panels: twelve accumulators, the register tile of AVX2 GEMM kernels (BLIS's 6×16). With eight
    /// (4 × 2), FMA latency × throughput (4 × 2) leaves no slack and any late load stalls the pipes; twelve give 50%
    /// more independent work per k and read each pair of weight vectors for six rows instead of four.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows6Panels2<TOps, TVec>(ref float a, ref float w0, int panelStride, ref float init, ref float c, GemmShape s, int row, int column)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        nint lda = s.Lda, ldInit = s.LdInit;
        ref float a0 = ref Unsafe.Add(ref a, (nint)row * lda);
        ref float i0 = ref Unsafe.Add(ref init, ((nint)row * ldInit) + column);
        TVec c00 = TOps.Load(ref i0), c01 = TOps.Load(ref Unsafe.Add(ref i0, width));
        TVec c10 = TOps.Load(ref Unsafe.Add(ref i0, ldInit)), c11 = TOps.Load(ref Unsafe.Add(ref i0, ldInit + width));
        TVec c20 = TOps.Load(ref Unsafe.Add(ref i0, 2 * ldInit)), c21 = TOps.Load(ref Unsafe.Add(ref i0, (2 * ldInit) + width));
        TVec c30 = TOps.Load(ref Unsafe.Add(ref i0, 3 * ldInit)), c31 = TOps.Load(ref Unsafe.Add(ref i0, (3 * ldInit) + width));
        TVec c40 = TOps.Load(ref Unsafe.Add(ref i0, 4 * ldInit)), c41 = TOps.Load(ref Unsafe.Add(ref i0, (4 * ldInit) + width));
        TVec c50 = TOps.Load(ref Unsafe.Add(ref i0, 5 * ldInit)), c51 = TOps.Load(ref Unsafe.Add(ref i0, (5 * ldInit) + width));
        // Few integer registers in the loop (the twelve accumulators take the vector ones): two moving row references,
        // three rows apart, with offsets of one and two rows, and one moving weight reference.
        ref float wk = ref w0;
        ref float ak = ref a0;
        ref float ak3 = ref Unsafe.Add(ref a0, 3 * lda);
        nint second = panelStride, lda2 = 2 * lda;
        for (int k = 0; k < s.Depth; k++)
        {
            TVec b0 = TOps.Load(ref wk);
            TVec b1 = TOps.Load(ref Unsafe.Add(ref wk, second));
            TVec x = TOps.Broadcast(ak);
            c00 = TOps.MultiplyAdd(x, b0, c00);
            c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Broadcast(Unsafe.Add(ref ak, lda));
            c10 = TOps.MultiplyAdd(x, b0, c10);
            c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Broadcast(Unsafe.Add(ref ak, lda2));
            c20 = TOps.MultiplyAdd(x, b0, c20);
            c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Broadcast(ak3);
            c30 = TOps.MultiplyAdd(x, b0, c30);
            c31 = TOps.MultiplyAdd(x, b1, c31);
            x = TOps.Broadcast(Unsafe.Add(ref ak3, lda));
            c40 = TOps.MultiplyAdd(x, b0, c40);
            c41 = TOps.MultiplyAdd(x, b1, c41);
            x = TOps.Broadcast(Unsafe.Add(ref ak3, lda2));
            c50 = TOps.MultiplyAdd(x, b0, c50);
            c51 = TOps.MultiplyAdd(x, b1, c51);
            wk = ref Unsafe.Add(ref wk, width);
            ak = ref Unsafe.Add(ref ak, 1);
            ak3 = ref Unsafe.Add(ref ak3, 1);
        }

        nint ldc = s.Ldc;
        ref float o0 = ref Unsafe.Add(ref c, ((nint)row * ldc) + column);
        TOps.Store(c00, ref o0);
        TOps.Store(c01, ref Unsafe.Add(ref o0, width));
        TOps.Store(c10, ref Unsafe.Add(ref o0, ldc));
        TOps.Store(c11, ref Unsafe.Add(ref o0, ldc + width));
        TOps.Store(c20, ref Unsafe.Add(ref o0, 2 * ldc));
        TOps.Store(c21, ref Unsafe.Add(ref o0, (2 * ldc) + width));
        TOps.Store(c30, ref Unsafe.Add(ref o0, 3 * ldc));
        TOps.Store(c31, ref Unsafe.Add(ref o0, (3 * ldc) + width));
        TOps.Store(c40, ref Unsafe.Add(ref o0, 4 * ldc));
        TOps.Store(c41, ref Unsafe.Add(ref o0, (4 * ldc) + width));
        TOps.Store(c50, ref Unsafe.Add(ref o0, 5 * ldc));
        TOps.Store(c51, ref Unsafe.Add(ref o0, (5 * ldc) + width));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4Panels2<TOps, TVec>(ref float a, ref float w0, int panelStride, ref float init, ref float c, GemmShape s, int row, int column)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float w1 = ref Unsafe.Add(ref w0, panelStride);
        ref float a0 = ref Unsafe.Add(ref a, (nint)row * s.Lda);
        ref float a1 = ref Unsafe.Add(ref a0, s.Lda);
        ref float a2 = ref Unsafe.Add(ref a1, s.Lda);
        ref float a3 = ref Unsafe.Add(ref a2, s.Lda);
        ref float i0 = ref Unsafe.Add(ref init, ((nint)row * s.LdInit) + column);
        ref float i1 = ref Unsafe.Add(ref i0, s.LdInit);
        ref float i2 = ref Unsafe.Add(ref i1, s.LdInit);
        ref float i3 = ref Unsafe.Add(ref i2, s.LdInit);
        int width = TOps.Count;
        TVec c00 = TOps.Load(ref i0), c01 = TOps.Load(ref Unsafe.Add(ref i0, width));
        TVec c10 = TOps.Load(ref i1), c11 = TOps.Load(ref Unsafe.Add(ref i1, width));
        TVec c20 = TOps.Load(ref i2), c21 = TOps.Load(ref Unsafe.Add(ref i2, width));
        TVec c30 = TOps.Load(ref i3), c31 = TOps.Load(ref Unsafe.Add(ref i3, width));
        for (int k = 0; k < s.Depth; k++)
        {
            TVec b0 = TOps.Load(ref Unsafe.Add(ref w0, k * width));
            TVec b1 = TOps.Load(ref Unsafe.Add(ref w1, k * width));
            TVec x = TOps.Broadcast(Unsafe.Add(ref a0, k));
            c00 = TOps.MultiplyAdd(x, b0, c00);
            c01 = TOps.MultiplyAdd(x, b1, c01);
            x = TOps.Broadcast(Unsafe.Add(ref a1, k));
            c10 = TOps.MultiplyAdd(x, b0, c10);
            c11 = TOps.MultiplyAdd(x, b1, c11);
            x = TOps.Broadcast(Unsafe.Add(ref a2, k));
            c20 = TOps.MultiplyAdd(x, b0, c20);
            c21 = TOps.MultiplyAdd(x, b1, c21);
            x = TOps.Broadcast(Unsafe.Add(ref a3, k));
            c30 = TOps.MultiplyAdd(x, b0, c30);
            c31 = TOps.MultiplyAdd(x, b1, c31);
        }

        ref float o0 = ref Unsafe.Add(ref c, ((nint)row * s.Ldc) + column);
        ref float o1 = ref Unsafe.Add(ref o0, s.Ldc);
        ref float o2 = ref Unsafe.Add(ref o1, s.Ldc);
        ref float o3 = ref Unsafe.Add(ref o2, s.Ldc);
        TOps.Store(c00, ref o0);
        TOps.Store(c01, ref Unsafe.Add(ref o0, width));
        TOps.Store(c10, ref o1);
        TOps.Store(c11, ref Unsafe.Add(ref o1, width));
        TOps.Store(c20, ref o2);
        TOps.Store(c21, ref Unsafe.Add(ref o2, width));
        TOps.Store(c30, ref o3);
        TOps.Store(c31, ref Unsafe.Add(ref o3, width));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4Panels1<TOps, TVec>(ref float a, ref float w0, ref float init, ref float c, GemmShape s, int row, int column)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float a0 = ref Unsafe.Add(ref a, (nint)row * s.Lda);
        ref float a1 = ref Unsafe.Add(ref a0, s.Lda);
        ref float a2 = ref Unsafe.Add(ref a1, s.Lda);
        ref float a3 = ref Unsafe.Add(ref a2, s.Lda);
        ref float i0 = ref Unsafe.Add(ref init, ((nint)row * s.LdInit) + column);
        TVec c0 = TOps.Load(ref i0);
        TVec c1 = TOps.Load(ref Unsafe.Add(ref i0, s.LdInit));
        TVec c2 = TOps.Load(ref Unsafe.Add(ref i0, 2 * s.LdInit));
        TVec c3 = TOps.Load(ref Unsafe.Add(ref i0, 3 * s.LdInit));
        int width = TOps.Count;
        for (int k = 0; k < s.Depth; k++)
        {
            TVec b0 = TOps.Load(ref Unsafe.Add(ref w0, k * width));
            c0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref a0, k)), b0, c0);
            c1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref a1, k)), b0, c1);
            c2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref a2, k)), b0, c2);
            c3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref a3, k)), b0, c3);
        }

        ref float o0 = ref Unsafe.Add(ref c, ((nint)row * s.Ldc) + column);
        TOps.Store(c0, ref o0);
        TOps.Store(c1, ref Unsafe.Add(ref o0, s.Ldc));
        TOps.Store(c2, ref Unsafe.Add(ref o0, 2 * s.Ldc));
        TOps.Store(c3, ref Unsafe.Add(ref o0, 3 * s.Ldc));
    }

    /// <summary>
    /// One row against every panel: y = init + W·x. Eight panels at a time give eight independent FMA chains,
    /// enough to cover FMA latency at batch 1, where this product is the whole step.
    /// </summary>
    /// <remarks>
    /// <para>
    /// Unchecked: the caller guarantees x holds <paramref name="depth"/> floats, w holds <paramref name="panels"/>
    /// panels of <paramref name="panelStride"/> floats, and init and y hold panels × vector width floats (init may be y:
    /// each panel is read before it is written). RuntimeStepKernel.MatrixVector and the checked MultiplyAdd are the callers.
    /// </para>
    /// <para>
    /// Every kernel here sums k in the same order (init, then k = 0, 1, …, one FMA each), so a row's result is
    /// bit-identical whichever blocking computes it: batch 1 or 64, a step or a whole sequence.
    /// </para>
    /// <para>
    /// <paramref name="reverse"/> walks the panel blocks from the last to the first. A recurrence alternates it from
    /// step to step, so each step starts on the panels the previous step touched last, which are still in L1: with a
    /// matrix larger than L1 (128 × 128 floats is 64 KB), that keeps a good part of it from crossing from L2 again.
    /// The order of the panels does not change any result.
    /// </para>
    /// </remarks>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SingleRow<TOps, TVec>(ref float x, ref float w, int panelStride, ref float init, ref float y, int depth, int panels, bool reverse = false)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int blocksOf8 = panels / 8;
        int afterEights = blocksOf8 * 8;
        bool hasFour = panels - afterEights >= 4;
        int firstSingle = afterEights + (hasFour ? 4 : 0);
        if (!reverse)
        {
            for (int panel = 0; panel < afterEights; panel += 8)
            {
                Panels8<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, depth, panel);
            }

            if (hasFour)
            {
                Panels4<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, depth, afterEights);
            }

            for (int panel = firstSingle; panel < panels; panel++)
            {
                Panels1<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, depth, panel);
            }
        }
        else
        {
            for (int panel = panels - 1; panel >= firstSingle; panel--)
            {
                Panels1<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, depth, panel);
            }

            if (hasFour)
            {
                Panels4<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, depth, afterEights);
            }

            for (int panel = afterEights - 8; panel >= 0; panel -= 8)
            {
                Panels8<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, depth, panel);
            }
        }
    }

    /// <summary>
    /// y = act(init + W·x): the product above, then the activation over y's panels while they are still in L1. (Applied
    /// inside the panel blocks instead, the activation's code outgrew what the JIT inlines, and became a call per vector.)
    /// </summary>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SingleRow<TOps, TVec, TActivation>(ref float x, ref float w, int panelStride, ref float init, ref float y, int depth, int panels, bool reverse)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        SingleRow<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, depth, panels, reverse);
        int width = TOps.Count;
        for (int panel = 0; panel < panels; panel++)
        {
            ref float p = ref Unsafe.Add(ref y, panel * width);
            TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Load(ref p)), ref p);
        }
    }

    /// <remarks>
    /// The loop addresses the eight panels as one moving reference plus offsets held in native-int locals, computed
    /// once: written as <c>k * width + j * panelStride</c> in int arithmetic, the JIT recomputed and sign-extended
    /// each offset at every k (about twenty integer instructions beside the eight FMAs), which made the loop issue-bound.
    /// </remarks>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Panels8<TOps, TVec>(ref float x, ref float w, int panelStride, ref float init, ref float y, int depth, int panel)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        ref float wk = ref Unsafe.Add(ref w, (nint)panel * panelStride);
        ref float i0 = ref Unsafe.Add(ref init, panel * width);
        TVec c0 = TOps.Load(ref i0);
        TVec c1 = TOps.Load(ref Unsafe.Add(ref i0, width));
        TVec c2 = TOps.Load(ref Unsafe.Add(ref i0, 2 * width));
        TVec c3 = TOps.Load(ref Unsafe.Add(ref i0, 3 * width));
        TVec c4 = TOps.Load(ref Unsafe.Add(ref i0, 4 * width));
        TVec c5 = TOps.Load(ref Unsafe.Add(ref i0, 5 * width));
        TVec c6 = TOps.Load(ref Unsafe.Add(ref i0, 6 * width));
        TVec c7 = TOps.Load(ref Unsafe.Add(ref i0, 7 * width));
        nint s1 = panelStride, s2 = 2 * s1, s3 = 3 * s1, s4 = 4 * s1, s5 = 5 * s1, s6 = 6 * s1, s7 = 7 * s1;
        for (nint k = 0; k < depth; k++)
        {
            TVec xk = TOps.Broadcast(Unsafe.Add(ref x, k));
            c0 = TOps.MultiplyAdd(xk, TOps.Load(ref wk), c0);
            c1 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s1)), c1);
            c2 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s2)), c2);
            c3 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s3)), c3);
            c4 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s4)), c4);
            c5 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s5)), c5);
            c6 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s6)), c6);
            c7 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s7)), c7);
            wk = ref Unsafe.Add(ref wk, width);
        }

        ref float o0 = ref Unsafe.Add(ref y, panel * width);
        TOps.Store(c0, ref o0);
        TOps.Store(c1, ref Unsafe.Add(ref o0, width));
        TOps.Store(c2, ref Unsafe.Add(ref o0, 2 * width));
        TOps.Store(c3, ref Unsafe.Add(ref o0, 3 * width));
        TOps.Store(c4, ref Unsafe.Add(ref o0, 4 * width));
        TOps.Store(c5, ref Unsafe.Add(ref o0, 5 * width));
        TOps.Store(c6, ref Unsafe.Add(ref o0, 6 * width));
        TOps.Store(c7, ref Unsafe.Add(ref o0, 7 * width));
    }

    /// <summary>Four panels: as <see cref="Panels8{TOps, TVec}"/>.</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Panels4<TOps, TVec>(ref float x, ref float w, int panelStride, ref float init, ref float y, int depth, int panel)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        ref float wk = ref Unsafe.Add(ref w, (nint)panel * panelStride);
        ref float i0 = ref Unsafe.Add(ref init, panel * width);
        TVec c0 = TOps.Load(ref i0);
        TVec c1 = TOps.Load(ref Unsafe.Add(ref i0, width));
        TVec c2 = TOps.Load(ref Unsafe.Add(ref i0, 2 * width));
        TVec c3 = TOps.Load(ref Unsafe.Add(ref i0, 3 * width));
        nint s1 = panelStride, s2 = 2 * s1, s3 = 3 * s1;
        for (nint k = 0; k < depth; k++)
        {
            TVec xk = TOps.Broadcast(Unsafe.Add(ref x, k));
            c0 = TOps.MultiplyAdd(xk, TOps.Load(ref wk), c0);
            c1 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s1)), c1);
            c2 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s2)), c2);
            c3 = TOps.MultiplyAdd(xk, TOps.Load(ref Unsafe.Add(ref wk, s3)), c3);
            wk = ref Unsafe.Add(ref wk, width);
        }

        ref float o0 = ref Unsafe.Add(ref y, panel * width);
        TOps.Store(c0, ref o0);
        TOps.Store(c1, ref Unsafe.Add(ref o0, width));
        TOps.Store(c2, ref Unsafe.Add(ref o0, 2 * width));
        TOps.Store(c3, ref Unsafe.Add(ref o0, 3 * width));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Panels1<TOps, TVec>(ref float x, ref float w, int panelStride, ref float init, ref float y, int depth, int panel)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        ref float p0 = ref Unsafe.Add(ref w, panel * panelStride);
        TVec c0 = TOps.Load(ref Unsafe.Add(ref init, panel * width));
        for (int k = 0; k < depth; k++)
        {
            c0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref x, k)), TOps.Load(ref Unsafe.Add(ref p0, k * width)), c0);
        }

        TOps.Store(c0, ref Unsafe.Add(ref y, panel * width));
    }
}
