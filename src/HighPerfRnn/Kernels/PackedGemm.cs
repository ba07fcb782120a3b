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
/// not cover (4 × 3, again 12, where a block has only four-row tiles: a batch of 4 or 8; 2 or 3 rows × 4 panels where a
/// block has no tile: a batch of 2 or 3); on the 512-bit path (32 registers) the same tiles over two chunks at once (24 and 16 accumulators); for a single row, 8 panels (8 accumulators), then pairs and single panels with their four chunks as four
/// chains side by side, since a lone FMA chain would be latency-bound. Rows are taken in blocks of 64 so a pair of
/// panels is reused from L1 across the block. Every variant sums in <see cref="SummationOrder"/>'s order (the tiles
/// chunk by chunk, combining the chunks' sums in memory, or two chunks at a time, joining each pair in registers), so results do not depend on the batch size or on which
/// variant ran.
/// <para>
/// The k loops take four terms per trip: each tile has a helper for one term (<c>Rows6Panels2Step</c> and the like),
/// called with the term's offset 0 to 3 from the moving references, then once per term for the rest. The pointer moves,
/// the count and the branch are paid once per four terms; the terms are still added one at a time in k order, so no bit
/// changes. It pays when the core issues fewer instructions per cycle than usual, as on a shared host whose other work
/// competes for the core (a vCPU's sibling hardware thread shares the dispatch): there a loop of twelve FMAs with 11–14
/// other instructions per term was issue-bound, while a loop of FMAs alone still ran at the full FMA rate. Paired in one
/// process on AMD EPYC Zen 3: products of 8–400 rows × 256–1024 × 64–256 took 0.71–0.95 of the time in the host's busy
/// minutes (products at 40–65% of the FMA peak), 0.97–1.01 in quiet ones (78–82%). The 512-bit two-chunk tile
/// (<see cref="PanelPairsSixRowTiles{TOps, TVec}"/>), 24 FMAs per trip, and its batch-1 four-panel kernel (<see cref="PanelsSideBySide"/>)
/// keep one term per trip: not measurable on that machine.
/// </para>
/// </remarks>
internal static partial class PackedGemm
{
    private const int RowBlock = 64;


    /// <summary>
    /// The deepest product whose tiles take two chunks at once: there half the depth of a pair of 512-bit panels is
    /// 32 KB, read by every tile of a row block. Deeper products were not measured; they keep chunk by chunk.
    /// </summary>
    private const int MaxPairedChunkDepth = 512;

    /// <summary>
    /// The deepest 512-bit product whose row blocks take four-row tiles before six-row ones (<see cref="SixRowTiles"/>):
    /// there a four-row tile's four chunks in registers beat a six-row tile's two passes of two chunks joined through
    /// memory, whose starts and finishes weigh more the shorter the depth. Paired on Zen 5 (the same bits), six-row
    /// first took 1.02–1.09× the time of four-row first at depth 64–192 (16–6400 rows), 1.02 / 1.00 / 0.985 at depth 256
    /// (64 × 256, 64 × 1024, 32 × 1024) and 0.95 at 512.
    /// </summary>
    private const int FourRowTilesFirstMaxDepth512 = 192;

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
        => MultiplyAdd(path, a, lda, rows, w, 0, w.PanelCount, init, ldInit, c, ldc);

    /// <summary>
    /// As above over panels [<paramref name="firstPanel"/>, <paramref name="firstPanel"/> + <paramref name="panelCount"/>) of
    /// <paramref name="w"/> alone (one thread's share of a product whose columns several threads split): output column n
    /// of <paramref name="init"/> and <paramref name="c"/> is the range's n-th, so callers pass them sliced from the range's
    /// first column. Each column's sum is the whole product's (the depth's chunks fix the order).
    /// </summary>
    public static void MultiplyAdd(
        SimdPath path,
        ReadOnlySpan<float> a,
        int lda,
        int rows,
        PackedMatrix w,
        int firstPanel,
        int panelCount,
        ReadOnlySpan<float> init,
        int ldInit,
        Span<float> c,
        int ldc)
    {
        if (SimdPaths.LaneCount(path) != w.PanelWidth)
        {
            throw new ArgumentException($"The matrix was packed with panel width {w.PanelWidth}, but path {path} needs {SimdPaths.LaneCount(path)}.", nameof(w));
        }

        if (firstPanel < 0 || panelCount < 0 || firstPanel > w.PanelCount - panelCount)
        {
            throw new ArgumentOutOfRangeException(nameof(firstPanel), firstPanel, $"Panels {firstPanel} to {(long)firstPanel + panelCount} must lie within the matrix's {w.PanelCount}.");
        }

        MultiplyAdd(path, a, lda, rows, w.Data.Slice(firstPanel * w.PanelStride, panelCount * w.PanelStride), w.Columns, init, ldInit, c, ldc);
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

    /// <summary>
    /// Floats of the stack buffer that holds chunk 2's sums until chunk 3 is added to them: a row block × two panels of
    /// the widest vector (8 KB).
    /// </summary>
    private const int ChunkTempFloats = RowBlock * 2 * 16;

    /// <remarks>
    /// Chunk by chunk over each pair of panels: every tile of the row block takes chunk 0, then every tile chunk 1, and
    /// so on, so one chunk of the pair's weights (a quarter of the depth) is reused from L1 by all the block's tiles: a
    /// k-blocking at the order's own chunk boundaries, which changes no bit.
    /// </remarks>
    [SkipLocalsInit]
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec>(ref float a, ref float w, ref float init, ref float c, GemmShape s)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int panelStride = s.Depth * TOps.Count;
        int width = TOps.Count;
        SummationOrder order = SummationOrder.Of(s.Depth);
        Span<float> tempSpan = stackalloc float[ChunkTempFloats];
        ref float temp = ref MemoryMarshal.GetReference(tempSpan);

        // With 32 vector registers (the 512-bit path) a tile holds two chunks' accumulators at once (24 for six rows, 16
        // for four): half the tile starts and finishes. Measured in alternation here (Zen 5): products 12-16% faster at
        // depth 128-256, 6% at 512.
        bool pairedChunks = TOps.Count == 16 && s.Depth <= MaxPairedChunkDepth;

        for (int blockStart = 0; blockStart < s.Rows; blockStart += RowBlock)
        {
            int blockEnd = Math.Min(s.Rows, blockStart + RowBlock);

            // Four-row tiles before six-row ones: on the 512-bit path up to FourRowTilesFirstMaxDepth512; on the 256- and
            // 128-bit paths where four-row tiles alone cover a block of fewer than RowBlock rows (a step's product of a few
            // sequences): such a block takes panels in threes (below), 7 loads for 12 FMAs a term against a six-row tile's
            // 8. Paired on Zen 5 with AVX-512 off (the same bits): four-row tiles alone 0.91–0.97 of the time of LSTM, GRU
            // and Elman passes and steps at 12–32 rows (products of 16–48 rows 0.95–0.98; 128-bit 0.93–0.96); in full
            // 64-row blocks 1.00–1.03, and where a six-row tile stays beside them (50 rows: one six, then fours two panels
            // at a time) 1.09, so those keep six-row first. The scalar path keeps six-row first.
            int blockRows = blockEnd - blockStart;
            bool foursFirst = TOps.Count == 16 ? s.Depth <= FourRowTilesFirstMaxDepth512 : TOps.Count > 1 && blockRows < RowBlock && blockRows % 4 == 0;

            // Rows in sixes, then fours, against pairs of panels; what is left beside them (up to 3 rows) goes row by row.
            int sixEnd = blockStart + (SixRowTiles(blockRows, foursFirst) * 6);
            int tiledEnd = sixEnd + ((blockEnd - sixEnd) & ~3);

            // Two or three rows and no tile (a batch of 2 or 3): one tile of all of them, so W is read once for the rows.
            if (tiledEnd == blockStart && blockEnd - blockStart >= 2)
            {
                FewRows<TOps, TVec>(ref a, ref w, panelStride, ref init, ref c, s, blockStart, blockEnd - blockStart, order, ref temp);
                continue;
            }

            // On the 512-bit path, rows left beside the tiles (an odd batch's last row) go panel by panel right after
            // the tiles of those panels, whose weights are then in L1, instead of row by row over all of W afterwards:
            // paired on Zen 4, Forward LSTM 128 at batch 5 and 9 0.97, GRU 128 at 7 0.96, Elman 128 at 5 0.95. On the
            // 256-bit path, whose batch-1 kernel has twice the chains per byte of W, it measured 1.00-1.03: not taken.
            bool leftBeside = TOps.Count == 16 && tiledEnd > blockStart && tiledEnd < blockEnd;
            int panel = 0;
            // A block of four-row tiles only (4 or 8 rows: a small batch's step) on the 16-register paths takes panels in
            // threes: twelve accumulators, as a six-row tile has, where four rows × two panels have eight.
            if (!pairedChunks && TOps.Count <= 8 && sixEnd == blockStart && tiledEnd > blockStart)
            {
                for (; panel + 3 <= s.Panels; panel += 3)
                {
                    ref float w0 = ref Unsafe.Add(ref w, panel * panelStride);
                    var tiles = new BlockTiles(blockStart, sixEnd, tiledEnd, panel * width);
                    FoursOfBlock<TOps, TVec, ChunkZero>(ref a, ref w0, panelStride, ref init, ref c, s, tiles, order, ref temp);
                    FoursOfBlock<TOps, TVec, ChunkOne>(ref a, ref w0, panelStride, ref init, ref c, s, tiles, order, ref temp);
                    FoursOfBlock<TOps, TVec, ChunkTwo>(ref a, ref w0, panelStride, ref init, ref c, s, tiles, order, ref temp);
                    FoursOfBlock<TOps, TVec, ChunkThree>(ref a, ref w0, panelStride, ref init, ref c, s, tiles, order, ref temp);
                }
            }

            // A block whose rows the tiles cover exactly: every panel pair's tiles in one call (paired, Zen 5, against a
            // call per pair, and per half of the six-row tiles: a Step of LSTM 64 at batch 4 / 8 / 16 0.90 / 0.94 / 0.94,
            // GRU 64 at 8 0.96, GRU 128 at batch 16 0.98, Elman 128 at batch 64 0.99, the large shapes level).
            if (pairedChunks && tiledEnd == blockEnd && s.Panels >= 2)
            {
                if (sixEnd > blockStart)
                {
                    PanelPairsSixRowTiles<TOps, TVec>(ref a, ref w, panelStride, ref init, ref c, s, blockStart, sixEnd, tiledEnd, 0, order, s.Panels / 2);
                }
                else
                {
                    FourRowTilesAllChunks<TOps, TVec>(ref a, ref w, panelStride, ref init, ref c, s, blockStart, tiledEnd, 0, order, s.Panels / 2);
                }

                panel = s.Panels & ~1;
            }

            for (; panel + 2 <= s.Panels; panel += 2)
            {
                ref float w0 = ref Unsafe.Add(ref w, panel * panelStride);
                int column = panel * width;
                if (pairedChunks)
                {
                    // The pair's six-row tiles (two chunks at a time) and four-row tiles (all four at once), then the rows
                    // left beside them. Calls per tile, and the joins through memory, cost: paired (Zen 5), a call per tile
                    // and half against these, Elman 128 at batch 64 0.96 of the time, GRU 128 at batch 16 0.95, a Step of
                    // LSTM / GRU 64 at batch 8 0.93 / 0.89.
                    PanelPairsSixRowTiles<TOps, TVec>(ref a, ref w0, panelStride, ref init, ref c, s, blockStart, sixEnd, tiledEnd, column, order, 1);

                    if (leftBeside)
                    {
                        RowsByPanels<TOps, TVec>(ref a, ref w, panelStride, ref init, ref c, s, tiledEnd, blockEnd, order, panel, 2);
                    }

                    continue;
                }

                // Chunk by chunk, each chunk its own compiled instance (see ChunkOfBlock).
                var tiles = new BlockTiles(blockStart, sixEnd, tiledEnd, column);
                ChunkOfBlock<TOps, TVec, ChunkZero>(ref a, ref w0, panelStride, ref init, ref c, s, tiles, order, ref temp);
                ChunkOfBlock<TOps, TVec, ChunkOne>(ref a, ref w0, panelStride, ref init, ref c, s, tiles, order, ref temp);
                ChunkOfBlock<TOps, TVec, ChunkTwo>(ref a, ref w0, panelStride, ref init, ref c, s, tiles, order, ref temp);
                ChunkOfBlock<TOps, TVec, ChunkThree>(ref a, ref w0, panelStride, ref init, ref c, s, tiles, order, ref temp);
                if (leftBeside)
                {
                    RowsByPanels<TOps, TVec>(ref a, ref w, panelStride, ref init, ref c, s, tiledEnd, blockEnd, order, panel, 2);
                }
            }

            if (panel < s.Panels)
            {
                ref float w0 = ref Unsafe.Add(ref w, panel * panelStride);
                int column = panel * width;
                int fourEnd = blockStart + ((tiledEnd - blockStart) & ~3);
                for (int chunk = 0; chunk < 4; chunk++)
                {
                    for (int row = blockStart; row < fourEnd; row += 4)
                    {
                        Rows4Panels1<TOps, TVec>(ref a, ref w0, ref init, ref c, s, row, column, order.Start(chunk), order.Length(chunk), chunk, ref Unsafe.Add(ref temp, (row - blockStart) * width));
                    }
                }

                // The tiled rows a four does not cover, and the rows left beside the tiles where they go panel by panel.
                RowsByPanels<TOps, TVec>(ref a, ref w, panelStride, ref init, ref c, s, fourEnd, leftBeside ? blockEnd : tiledEnd, order, panel, 1);
            }

            for (int row = tiledEnd; row < blockEnd && !leftBeside; row++)
            {
                SingleRow<TOps, TVec>(ref Unsafe.Add(ref a, (nint)row * s.Lda), ref w, panelStride, ref Unsafe.Add(ref init, (nint)row * s.LdInit), ref Unsafe.Add(ref c, (nint)row * s.Ldc), s.Depth, s.Panels);
            }
        }
    }

    /// <summary>Rows <paramref name="firstRow"/> to <paramref name="endRow"/>, one by one, against <paramref name="count"/> panels from <paramref name="panel"/>, each panel's four chunks as four chains (<see cref="Panels1"/>).</summary>
    private static void RowsByPanels<TOps, TVec>(ref float a, ref float w, int panelStride, ref float init, ref float c, GemmShape s, int firstRow, int endRow, SummationOrder order, int panel, int count)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        for (int row = firstRow; row < endRow; row++)
        {
            for (int p = panel; p < panel + count; p++)
            {
                Panels1<TOps, TVec>(ref Unsafe.Add(ref a, (nint)row * s.Lda), ref w, panelStride, ref Unsafe.Add(ref init, (nint)row * s.LdInit), ref Unsafe.Add(ref c, (nint)row * s.Ldc), order, p);
            }
        }
    }

    /// <summary>A row block's register tiles: six-row tiles from <see cref="BlockStart"/> to <see cref="SixEnd"/>, four-row ones to <see cref="TiledEnd"/>, against the panel pair at <see cref="Column"/>.</summary>
    private readonly record struct BlockTiles(int BlockStart, int SixEnd, int TiledEnd, int Column);

    /// <summary>One chunk of the summation order, as a type: each chunk's tiles are compiled with their chunk a constant.</summary>
    private interface IChunk
    {
        static abstract int Index { get; }
    }

    private readonly struct ChunkZero : IChunk
    {
        public static int Index => 0;
    }

    private readonly struct ChunkOne : IChunk
    {
        public static int Index => 1;
    }

    private readonly struct ChunkTwo : IChunk
    {
        public static int Index => 2;
    }

    private readonly struct ChunkThree : IChunk
    {
        public static int Index => 3;
    }

    /// <summary>
    /// One chunk of k over every tile of a row block and one panel pair (the 16-register paths: 256-bit, 128-bit, scalar).
    /// </summary>
    /// <remarks>
    /// With the chunk a run-time value, each of a tile's twelve starts and finishes was a branch or a jump table (the
    /// finish's four cases), about a third of the 256-bit product's time at depth 128 by <c>perf</c>, where a chunk's loop
    /// is only 32 k long. With <typeparamref name="TChunk"/> a constant each instance holds its one start and one finish,
    /// straight-line. Paired in one process on Zen 4 with AVX-512 off: the grid's products 0.84-0.96 of the time (the
    /// batch point's 64 × 128 × 128 step product from 91 to 100 GFLOP/s, 86% of the FMA peak). The same sums.
    /// </remarks>
    // A call per chunk, not inlined: four instances inlined side by side would pass the JIT's inlining budget in Run.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void ChunkOfBlock<TOps, TVec, TChunk>(ref float a, ref float w0, int panelStride, ref float init, ref float c, GemmShape s, BlockTiles tiles, SummationOrder order, ref float temp)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TChunk : struct, IChunk
    {
        int chunk = TChunk.Index;
        int width = TOps.Count;
        int kStart = order.Start(chunk), kLength = order.Length(chunk);
        int row = tiles.BlockStart;
        for (; row < tiles.SixEnd; row += 6)
        {
            Rows6Panels2<TOps, TVec>(ref a, ref w0, panelStride, ref init, ref c, s, row, tiles.Column, kStart, kLength, chunk, ref Unsafe.Add(ref temp, (row - tiles.BlockStart) * 2 * width));
        }

        for (; row < tiles.TiledEnd; row += 4)
        {
            Rows4Panels2<TOps, TVec>(ref a, ref w0, panelStride, ref init, ref c, s, row, tiles.Column, kStart, kLength, chunk, ref Unsafe.Add(ref temp, (row - tiles.BlockStart) * 2 * width));
        }
    }

    /// <summary>One chunk of k over a row block of four-row tiles and one triple of panels (<see cref="Rows4Panels3"/>).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FoursOfBlock<TOps, TVec, TChunk>(ref float a, ref float w0, int panelStride, ref float init, ref float c, GemmShape s, BlockTiles tiles, SummationOrder order, ref float temp)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TChunk : struct, IChunk
    {
        int chunk = TChunk.Index;
        int width = TOps.Count;
        int kStart = order.Start(chunk), kLength = order.Length(chunk);
        for (int row = tiles.BlockStart; row < tiles.TiledEnd; row += 4)
        {
            Rows4Panels3<TOps, TVec>(ref a, ref w0, panelStride, ref init, ref c, s, row, tiles.Column, kStart, kLength, chunk, ref Unsafe.Add(ref temp, (row - tiles.BlockStart) * 3 * width));
        }
    }

    /// <summary>
    /// Four rows × three panels over one chunk of k: twelve accumulators, three weight vectors and one broadcast, all
    /// sixteen registers of AVX2 (the JIT's listing: no spill). With eight accumulators (four rows × two panels) an FMA's
    /// latency × the two FMA pipes leaves no slack, and the step's weights arrive from L2 while they wait. Paired on Zen 4
    /// with AVX-512 off: 8 × 512 × 128 (lstm-batch8's step product) 0.91 of the time, 8 × 1024 × 256 0.90, 4 × 512 × 128 0.90.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4Panels3<TOps, TVec>(ref float a, ref float w0, int panelStride, ref float init, ref float c, GemmShape s, int row, int column, int kStart, int kLength, int chunk, ref float temp)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        nint lda = s.Lda, ldInit = s.LdInit;
        ref float a0 = ref Unsafe.Add(ref a, ((nint)row * lda) + kStart);
        ref float i0 = ref Unsafe.Add(ref init, ((nint)row * ldInit) + column);
        TVec c00 = Start<TOps, TVec>(ref i0, chunk), c01 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, width), chunk), c02 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 2 * width), chunk);
        TVec c10 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit), chunk), c11 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit + width), chunk), c12 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit + (2 * width)), chunk);
        TVec c20 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 2 * ldInit), chunk), c21 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (2 * ldInit) + width), chunk), c22 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (2 * ldInit) + (2 * width)), chunk);
        TVec c30 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 3 * ldInit), chunk), c31 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (3 * ldInit) + width), chunk), c32 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (3 * ldInit) + (2 * width)), chunk);
        ref float wk = ref Unsafe.Add(ref w0, (nint)kStart * width);
        ref float ak = ref a0;
        nint second = panelStride, third = 2 * (nint)panelStride, lda2 = 2 * lda, lda3 = 3 * lda;
        int k = 0;
        // Four k per trip (see the class remarks), then the rest one by one.
        for (; k + 4 <= kLength; k += 4)
        {
            Rows4Panels3Step<TOps, TVec>(ref wk, second, third, ref ak, lda, lda2, lda3, 0, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            Rows4Panels3Step<TOps, TVec>(ref wk, second, third, ref ak, lda, lda2, lda3, 1, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            Rows4Panels3Step<TOps, TVec>(ref wk, second, third, ref ak, lda, lda2, lda3, 2, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            Rows4Panels3Step<TOps, TVec>(ref wk, second, third, ref ak, lda, lda2, lda3, 3, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            wk = ref Unsafe.Add(ref wk, 4 * width);
            ak = ref Unsafe.Add(ref ak, 4);
        }

        for (; k < kLength; k++)
        {
            Rows4Panels3Step<TOps, TVec>(ref wk, second, third, ref ak, lda, lda2, lda3, 0, ref c00, ref c01, ref c02, ref c10, ref c11, ref c12, ref c20, ref c21, ref c22, ref c30, ref c31, ref c32);
            wk = ref Unsafe.Add(ref wk, width);
            ak = ref Unsafe.Add(ref ak, 1);
        }

        nint ldc = s.Ldc;
        ref float o0 = ref Unsafe.Add(ref c, ((nint)row * ldc) + column);
        Finish<TOps, TVec>(c00, ref o0, ref temp, chunk);
        Finish<TOps, TVec>(c01, ref Unsafe.Add(ref o0, width), ref Unsafe.Add(ref temp, width), chunk);
        Finish<TOps, TVec>(c02, ref Unsafe.Add(ref o0, 2 * width), ref Unsafe.Add(ref temp, 2 * width), chunk);
        Finish<TOps, TVec>(c10, ref Unsafe.Add(ref o0, ldc), ref Unsafe.Add(ref temp, 3 * width), chunk);
        Finish<TOps, TVec>(c11, ref Unsafe.Add(ref o0, ldc + width), ref Unsafe.Add(ref temp, 4 * width), chunk);
        Finish<TOps, TVec>(c12, ref Unsafe.Add(ref o0, ldc + (2 * width)), ref Unsafe.Add(ref temp, 5 * width), chunk);
        Finish<TOps, TVec>(c20, ref Unsafe.Add(ref o0, 2 * ldc), ref Unsafe.Add(ref temp, 6 * width), chunk);
        Finish<TOps, TVec>(c21, ref Unsafe.Add(ref o0, (2 * ldc) + width), ref Unsafe.Add(ref temp, 7 * width), chunk);
        Finish<TOps, TVec>(c22, ref Unsafe.Add(ref o0, (2 * ldc) + (2 * width)), ref Unsafe.Add(ref temp, 8 * width), chunk);
        Finish<TOps, TVec>(c30, ref Unsafe.Add(ref o0, 3 * ldc), ref Unsafe.Add(ref temp, 9 * width), chunk);
        Finish<TOps, TVec>(c31, ref Unsafe.Add(ref o0, (3 * ldc) + width), ref Unsafe.Add(ref temp, 10 * width), chunk);
        Finish<TOps, TVec>(c32, ref Unsafe.Add(ref o0, (3 * ldc) + (2 * width)), ref Unsafe.Add(ref temp, 11 * width), chunk);
    }

    /// <summary>One k (<paramref name="step"/> on from the moving references) of <see cref="Rows4Panels3"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4Panels3Step<TOps, TVec>(ref float wk, nint second, nint third, ref float ak, nint lda, nint lda2, nint lda3, int step,
        ref TVec c00, ref TVec c01, ref TVec c02, ref TVec c10, ref TVec c11, ref TVec c12, ref TVec c20, ref TVec c21, ref TVec c22, ref TVec c30, ref TVec c31, ref TVec c32)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float w = ref Unsafe.Add(ref wk, step * TOps.Count);
        ref float x0 = ref Unsafe.Add(ref ak, step);
        TVec b0 = TOps.Load(ref w);
        TVec b1 = TOps.Load(ref Unsafe.Add(ref w, second));
        TVec b2 = TOps.Load(ref Unsafe.Add(ref w, third));
        RowOfThreePanels<TOps, TVec>(TOps.Broadcast(x0), b0, b1, b2, ref c00, ref c01, ref c02);
        RowOfThreePanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x0, lda)), b0, b1, b2, ref c10, ref c11, ref c12);
        RowOfThreePanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x0, lda2)), b0, b1, b2, ref c20, ref c21, ref c22);
        RowOfThreePanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x0, lda3)), b0, b1, b2, ref c30, ref c31, ref c32);
    }

    /// <summary>One row's term (its broadcast input) into its sums against a tile's two weight vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowOfTwoPanels<TOps, TVec>(TVec x, TVec b0, TVec b1, ref TVec c0, ref TVec c1)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        c0 = TOps.MultiplyAdd(x, b0, c0);
        c1 = TOps.MultiplyAdd(x, b1, c1);
    }

    /// <summary>One row's term (its broadcast input) into its sums against a tile's three weight vectors.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RowOfThreePanels<TOps, TVec>(TVec x, TVec b0, TVec b1, TVec b2, ref TVec c0, ref TVec c1, ref TVec c2)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        c0 = TOps.MultiplyAdd(x, b0, c0);
        c1 = TOps.MultiplyAdd(x, b1, c1);
        c2 = TOps.MultiplyAdd(x, b2, c2);
    }

    /// <summary>
    /// How many six-row tiles to take from <paramref name="rows"/> rows so that four-row tiles cover most of the rest:
    /// 32 rows are 4 sixes and 2 fours, not 5 sixes and 2 rows left for the slow single-row path. With
    /// <paramref name="foursFirst"/> as few sixes as leave as few rows over (0 or 1: 32 rows are 8 fours, 30 one six and 6 fours).
    /// </summary>
    private static int SixRowTiles(int rows, bool foursFirst)
    {
        if (foursFirst)
        {
            // Six rows shift the remainder mod 4 by 2, so one six at most ever leaves fewer rows over.
            return rows >= 6 && (rows - 6) % 4 < rows % 4 ? 1 : 0;
        }

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

    /// <summary>A tile accumulator's start: chunk 0 starts from init, chunks 1–3 from +0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec Start<TOps, TVec>(ref float init, int chunk)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        => chunk == 0 ? TOps.Load(ref init) : TOps.Zero;

    /// <summary>
    /// Where a tile accumulator goes after chunk <paramref name="chunk"/>: chunk 0's sum to the output, chunk 1's added
    /// to it (s0 + s1), chunk 2's to the stack tile, chunk 3's joined as (s0 + s1) + (s2 + s3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Finish<TOps, TVec>(TVec sum, ref float output, ref float temp, int chunk)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        switch (chunk)
        {
            case 0: TOps.Store(sum, ref output); break;
            case 1: TOps.Store(TOps.Add(TOps.Load(ref output), sum), ref output); break;
            case 2: TOps.Store(sum, ref temp); break;
            default: TOps.Store(TOps.Add(TOps.Load(ref output), TOps.Add(TOps.Load(ref temp), sum)), ref output); break;
        }
    }

    /// <summary>
    /// Six rows × two panels over one chunk of k: twelve accumulators, the register tile of AVX2 GEMM kernels (BLIS's
    /// 6×16). With eight (4 × 2), FMA latency × throughput (4 × 2) leaves no slack and any late load stalls the pipes;
    /// twelve give 50% more independent work per k and read each pair of weight vectors for six rows instead of four.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows6Panels2<TOps, TVec>(ref float a, ref float w0, int panelStride, ref float init, ref float c, GemmShape s, int row, int column, int kStart, int kLength, int chunk, ref float temp)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        nint lda = s.Lda, ldInit = s.LdInit;
        ref float a0 = ref Unsafe.Add(ref a, ((nint)row * lda) + kStart);
        ref float i0 = ref Unsafe.Add(ref init, ((nint)row * ldInit) + column);
        TVec c00 = Start<TOps, TVec>(ref i0, chunk), c01 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, width), chunk);
        TVec c10 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit), chunk), c11 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit + width), chunk);
        TVec c20 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 2 * ldInit), chunk), c21 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (2 * ldInit) + width), chunk);
        TVec c30 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 3 * ldInit), chunk), c31 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (3 * ldInit) + width), chunk);
        TVec c40 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 4 * ldInit), chunk), c41 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (4 * ldInit) + width), chunk);
        TVec c50 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 5 * ldInit), chunk), c51 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (5 * ldInit) + width), chunk);
        // Few integer registers in the loop (the twelve accumulators take the vector ones): two moving row references,
        // three rows apart, with offsets of one and two rows, and one moving weight reference.
        ref float wk = ref Unsafe.Add(ref w0, (nint)kStart * width);
        ref float ak = ref a0;
        ref float ak3 = ref Unsafe.Add(ref a0, 3 * lda);
        nint second = panelStride, lda2 = 2 * lda;
        int k = 0;
        // Four k per trip (see the class remarks), then the rest one by one.
        for (; k + 4 <= kLength; k += 4)
        {
            Rows6Panels2Step<TOps, TVec>(ref wk, second, ref ak, ref ak3, lda, lda2, 0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Rows6Panels2Step<TOps, TVec>(ref wk, second, ref ak, ref ak3, lda, lda2, 1, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Rows6Panels2Step<TOps, TVec>(ref wk, second, ref ak, ref ak3, lda, lda2, 2, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            Rows6Panels2Step<TOps, TVec>(ref wk, second, ref ak, ref ak3, lda, lda2, 3, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            wk = ref Unsafe.Add(ref wk, 4 * width);
            ak = ref Unsafe.Add(ref ak, 4);
            ak3 = ref Unsafe.Add(ref ak3, 4);
        }

        for (; k < kLength; k++)
        {
            Rows6Panels2Step<TOps, TVec>(ref wk, second, ref ak, ref ak3, lda, lda2, 0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31, ref c40, ref c41, ref c50, ref c51);
            wk = ref Unsafe.Add(ref wk, width);
            ak = ref Unsafe.Add(ref ak, 1);
            ak3 = ref Unsafe.Add(ref ak3, 1);
        }

        nint ldc = s.Ldc;
        ref float o0 = ref Unsafe.Add(ref c, ((nint)row * ldc) + column);
        Finish<TOps, TVec>(c00, ref o0, ref temp, chunk);
        Finish<TOps, TVec>(c01, ref Unsafe.Add(ref o0, width), ref Unsafe.Add(ref temp, width), chunk);
        Finish<TOps, TVec>(c10, ref Unsafe.Add(ref o0, ldc), ref Unsafe.Add(ref temp, 2 * width), chunk);
        Finish<TOps, TVec>(c11, ref Unsafe.Add(ref o0, ldc + width), ref Unsafe.Add(ref temp, 3 * width), chunk);
        Finish<TOps, TVec>(c20, ref Unsafe.Add(ref o0, 2 * ldc), ref Unsafe.Add(ref temp, 4 * width), chunk);
        Finish<TOps, TVec>(c21, ref Unsafe.Add(ref o0, (2 * ldc) + width), ref Unsafe.Add(ref temp, 5 * width), chunk);
        Finish<TOps, TVec>(c30, ref Unsafe.Add(ref o0, 3 * ldc), ref Unsafe.Add(ref temp, 6 * width), chunk);
        Finish<TOps, TVec>(c31, ref Unsafe.Add(ref o0, (3 * ldc) + width), ref Unsafe.Add(ref temp, 7 * width), chunk);
        Finish<TOps, TVec>(c40, ref Unsafe.Add(ref o0, 4 * ldc), ref Unsafe.Add(ref temp, 8 * width), chunk);
        Finish<TOps, TVec>(c41, ref Unsafe.Add(ref o0, (4 * ldc) + width), ref Unsafe.Add(ref temp, 9 * width), chunk);
        Finish<TOps, TVec>(c50, ref Unsafe.Add(ref o0, 5 * ldc), ref Unsafe.Add(ref temp, 10 * width), chunk);
        Finish<TOps, TVec>(c51, ref Unsafe.Add(ref o0, (5 * ldc) + width), ref Unsafe.Add(ref temp, 11 * width), chunk);
    }

    /// <summary>One k (<paramref name="step"/> on from the moving references) of <see cref="Rows6Panels2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows6Panels2Step<TOps, TVec>(ref float wk, nint second, ref float ak, ref float ak3, nint lda, nint lda2, int step,
        ref TVec c00, ref TVec c01, ref TVec c10, ref TVec c11, ref TVec c20, ref TVec c21, ref TVec c30, ref TVec c31, ref TVec c40, ref TVec c41, ref TVec c50, ref TVec c51)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float w = ref Unsafe.Add(ref wk, step * TOps.Count);
        ref float x0 = ref Unsafe.Add(ref ak, step);
        ref float x3 = ref Unsafe.Add(ref ak3, step);
        TVec b0 = TOps.Load(ref w);
        TVec b1 = TOps.Load(ref Unsafe.Add(ref w, second));
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(x0), b0, b1, ref c00, ref c01);
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x0, lda)), b0, b1, ref c10, ref c11);
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x0, lda2)), b0, b1, ref c20, ref c21);
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(x3), b0, b1, ref c30, ref c31);
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x3, lda)), b0, b1, ref c40, ref c41);
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x3, lda2)), b0, b1, ref c50, ref c51);
    }

    /// <summary>
    /// Rows <paramref name="firstRow"/> to <paramref name="endRow"/> (a multiple of six apart) in six-row tiles against
    /// <paramref name="pairs"/> pairs of panels from <paramref name="w"/> (output columns from
    /// <paramref name="firstColumn"/>), pair after pair: over two chunks of k side by side (half 0: chunks 0 and 1, half
    /// 1: chunks 2 and 3), 24 accumulators, each chunk's sum its own chain in k order, as in the chunk-by-chunk tiles, the
    /// pair joined in registers (half 0 stores s0 + s1, half 1 adds (s2 + s3) to it); then the pair's four-row tiles, rows
    /// <paramref name="endRow"/> to <paramref name="fourEnd"/> (<see cref="FourRowTilesAllChunks"/>). The same sums in the
    /// same order, with a call per block rather than per tile and half.
    /// </summary>
    // A call, not inlined (24 accumulators are past the JIT's inlining budget in Run), compiled optimized at once.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PanelPairsSixRowTiles<TOps, TVec>(ref float a, ref float w, int panelStride, ref float init, ref float c, GemmShape s, int firstRow, int endRow, int fourEnd, int firstColumn, SummationOrder order, int pairs)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int pairWidth = 2 * TOps.Count;
        for (int pair = 0; pair < pairs; pair++)
        {
            ref float w0 = ref Unsafe.Add(ref w, (nint)pair * 2 * panelStride);
            int column = firstColumn + (pair * pairWidth);
            for (int half = 0; half < 2; half++)
            {
                for (int row = firstRow; row < endRow; row += 6)
                {
                    int width = TOps.Count;
                    nint lda = s.Lda, ldInit = s.LdInit, ldc = s.Ldc;
                    ref float i0 = ref Unsafe.Add(ref init, ((nint)row * ldInit) + column);

                    // Chain A: chunk 0 (from init) or chunk 2 (from zero); chain B: chunk 1 or chunk 3 (from zero).
                    TVec a00 = TOps.Zero, a01 = TOps.Zero, a10 = TOps.Zero, a11 = TOps.Zero, a20 = TOps.Zero, a21 = TOps.Zero;
                    TVec a30 = TOps.Zero, a31 = TOps.Zero, a40 = TOps.Zero, a41 = TOps.Zero, a50 = TOps.Zero, a51 = TOps.Zero;
                    if (half == 0)
                    {
                        a00 = TOps.Load(ref i0); a01 = TOps.Load(ref Unsafe.Add(ref i0, width));
                        a10 = TOps.Load(ref Unsafe.Add(ref i0, ldInit)); a11 = TOps.Load(ref Unsafe.Add(ref i0, ldInit + width));
                        a20 = TOps.Load(ref Unsafe.Add(ref i0, 2 * ldInit)); a21 = TOps.Load(ref Unsafe.Add(ref i0, (2 * ldInit) + width));
                        a30 = TOps.Load(ref Unsafe.Add(ref i0, 3 * ldInit)); a31 = TOps.Load(ref Unsafe.Add(ref i0, (3 * ldInit) + width));
                        a40 = TOps.Load(ref Unsafe.Add(ref i0, 4 * ldInit)); a41 = TOps.Load(ref Unsafe.Add(ref i0, (4 * ldInit) + width));
                        a50 = TOps.Load(ref Unsafe.Add(ref i0, 5 * ldInit)); a51 = TOps.Load(ref Unsafe.Add(ref i0, (5 * ldInit) + width));
                    }

                    TVec b00 = TOps.Zero, b01 = TOps.Zero, b10 = TOps.Zero, b11 = TOps.Zero, b20 = TOps.Zero, b21 = TOps.Zero;
                    TVec b30 = TOps.Zero, b31 = TOps.Zero, b40 = TOps.Zero, b41 = TOps.Zero, b50 = TOps.Zero, b51 = TOps.Zero;

                    // Two moving row references three rows apart, one moving weight reference; chain B's terms a fixed offset on.
                    int startA = order.Start(2 * half);
                    ref float ak = ref Unsafe.Add(ref a, ((nint)row * lda) + startA);
                    ref float ak3 = ref Unsafe.Add(ref ak, 3 * lda);
                    ref float wk = ref Unsafe.Add(ref w0, (nint)startA * width);
                    nint second = panelStride, lda2 = 2 * lda;

                    // Chunk 0's lead terms (depth % 4) come before the two chains run side by side: chain A alone, the
                    // 16-register tile's one-term step.
                    int lead = half == 0 ? order.Lead : 0;
                    for (int k = 0; k < lead; k++)
                    {
                        Rows6Panels2Step<TOps, TVec>(ref wk, second, ref ak, ref ak3, lda, lda2, 0, ref a00, ref a01, ref a10, ref a11, ref a20, ref a21, ref a30, ref a31, ref a40, ref a41, ref a50, ref a51);
                        wk = ref Unsafe.Add(ref wk, width);
                        ak = ref Unsafe.Add(ref ak, 1);
                        ak3 = ref Unsafe.Add(ref ak3, 1);
                    }

                    nint offsetB = order.Start((2 * half) + 1) - startA - lead;
                    nint wOffsetB = offsetB * width;
                    for (int k = 0; k < order.ChunkLength; k++)
                    {
                        TVec wa0 = TOps.Load(ref wk), wa1 = TOps.Load(ref Unsafe.Add(ref wk, second));
                        TVec wb0 = TOps.Load(ref Unsafe.Add(ref wk, wOffsetB)), wb1 = TOps.Load(ref Unsafe.Add(ref wk, wOffsetB + second));
                        TVec x = TOps.Broadcast(ak);
                        a00 = TOps.MultiplyAdd(x, wa0, a00); a01 = TOps.MultiplyAdd(x, wa1, a01);
                        x = TOps.Broadcast(Unsafe.Add(ref ak, offsetB));
                        b00 = TOps.MultiplyAdd(x, wb0, b00); b01 = TOps.MultiplyAdd(x, wb1, b01);
                        x = TOps.Broadcast(Unsafe.Add(ref ak, lda));
                        a10 = TOps.MultiplyAdd(x, wa0, a10); a11 = TOps.MultiplyAdd(x, wa1, a11);
                        x = TOps.Broadcast(Unsafe.Add(ref ak, lda + offsetB));
                        b10 = TOps.MultiplyAdd(x, wb0, b10); b11 = TOps.MultiplyAdd(x, wb1, b11);
                        x = TOps.Broadcast(Unsafe.Add(ref ak, lda2));
                        a20 = TOps.MultiplyAdd(x, wa0, a20); a21 = TOps.MultiplyAdd(x, wa1, a21);
                        x = TOps.Broadcast(Unsafe.Add(ref ak, lda2 + offsetB));
                        b20 = TOps.MultiplyAdd(x, wb0, b20); b21 = TOps.MultiplyAdd(x, wb1, b21);
                        x = TOps.Broadcast(ak3);
                        a30 = TOps.MultiplyAdd(x, wa0, a30); a31 = TOps.MultiplyAdd(x, wa1, a31);
                        x = TOps.Broadcast(Unsafe.Add(ref ak3, offsetB));
                        b30 = TOps.MultiplyAdd(x, wb0, b30); b31 = TOps.MultiplyAdd(x, wb1, b31);
                        x = TOps.Broadcast(Unsafe.Add(ref ak3, lda));
                        a40 = TOps.MultiplyAdd(x, wa0, a40); a41 = TOps.MultiplyAdd(x, wa1, a41);
                        x = TOps.Broadcast(Unsafe.Add(ref ak3, lda + offsetB));
                        b40 = TOps.MultiplyAdd(x, wb0, b40); b41 = TOps.MultiplyAdd(x, wb1, b41);
                        x = TOps.Broadcast(Unsafe.Add(ref ak3, lda2));
                        a50 = TOps.MultiplyAdd(x, wa0, a50); a51 = TOps.MultiplyAdd(x, wa1, a51);
                        x = TOps.Broadcast(Unsafe.Add(ref ak3, lda2 + offsetB));
                        b50 = TOps.MultiplyAdd(x, wb0, b50); b51 = TOps.MultiplyAdd(x, wb1, b51);

                        wk = ref Unsafe.Add(ref wk, width);
                        ak = ref Unsafe.Add(ref ak, 1);
                        ak3 = ref Unsafe.Add(ref ak3, 1);
                    }

                    ref float o0 = ref Unsafe.Add(ref c, ((nint)row * ldc) + column);
                    JoinChunks<TOps, TVec>(a00, b00, ref o0, half);
                    JoinChunks<TOps, TVec>(a01, b01, ref Unsafe.Add(ref o0, width), half);
                    JoinChunks<TOps, TVec>(a10, b10, ref Unsafe.Add(ref o0, ldc), half);
                    JoinChunks<TOps, TVec>(a11, b11, ref Unsafe.Add(ref o0, ldc + width), half);
                    JoinChunks<TOps, TVec>(a20, b20, ref Unsafe.Add(ref o0, 2 * ldc), half);
                    JoinChunks<TOps, TVec>(a21, b21, ref Unsafe.Add(ref o0, (2 * ldc) + width), half);
                    JoinChunks<TOps, TVec>(a30, b30, ref Unsafe.Add(ref o0, 3 * ldc), half);
                    JoinChunks<TOps, TVec>(a31, b31, ref Unsafe.Add(ref o0, (3 * ldc) + width), half);
                    JoinChunks<TOps, TVec>(a40, b40, ref Unsafe.Add(ref o0, 4 * ldc), half);
                    JoinChunks<TOps, TVec>(a41, b41, ref Unsafe.Add(ref o0, (4 * ldc) + width), half);
                    JoinChunks<TOps, TVec>(a50, b50, ref Unsafe.Add(ref o0, 5 * ldc), half);
                    JoinChunks<TOps, TVec>(a51, b51, ref Unsafe.Add(ref o0, (5 * ldc) + width), half);
                }
            }

            if (fourEnd > endRow)
            {
                FourRowTilesAllChunks<TOps, TVec>(ref a, ref w0, panelStride, ref init, ref c, s, endRow, fourEnd, column, order, 1);
            }
        }
    }

    /// <summary>
    /// Two or three rows with no tile of four (a batch of 2 or 3): all of them against four panels at a time, chunk by
    /// chunk, so W is read once for the rows; then the panels a four does not cover, row by row and panel by panel.
    /// </summary>
    /// <remarks>
    /// Row by row (the batch-1 kernel once per row) each row read all of W, from L2 once W passes L1: a batch of 3 took
    /// longer than a batch of 4. Paired in one process on Zen 4: products of 2–3 rows × 200–1024 × 64–256 0.43–0.51 of
    /// the time on the 512-bit and the 256-bit path; whole passes (Forward) LSTM 128 at batch 2 0.64 and 3 0.61, GRU 128
    /// at batch 3 0.62, Elman 128 at batch 2 0.68, Elman 256 at batch 3 0.60; the same bits.
    /// </remarks>
    private static void FewRows<TOps, TVec>(ref float a, ref float w, int panelStride, ref float init, ref float c, GemmShape s, int row, int rows, SummationOrder order, ref float temp)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        if (rows == 3)
        {
            FewRows<TOps, TVec, ThreeOfFew>(ref a, ref w, panelStride, ref init, ref c, s, row, order, ref temp);
        }
        else
        {
            FewRows<TOps, TVec, TwoOfFew>(ref a, ref w, panelStride, ref init, ref c, s, row, order, ref temp);
        }
    }

    /// <summary><see cref="FewRows{TOps, TVec}"/> for <typeparamref name="TRows"/> rows.</summary>
    private static void FewRows<TOps, TVec, TRows>(ref float a, ref float w, int panelStride, ref float init, ref float c, GemmShape s, int row, SummationOrder order, ref float temp)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IFewRows
    {
        int width = TOps.Count;
        int fourEnd = s.Panels & ~3;
        for (int panel = 0; panel < fourEnd; panel += 4)
        {
            ref float w0 = ref Unsafe.Add(ref w, panel * panelStride);
            FewRowsPanels4<TOps, TVec, TRows, ChunkZero>(ref a, ref w0, panelStride, ref init, ref c, s, row, panel * width, order, ref temp);
            FewRowsPanels4<TOps, TVec, TRows, ChunkOne>(ref a, ref w0, panelStride, ref init, ref c, s, row, panel * width, order, ref temp);
            FewRowsPanels4<TOps, TVec, TRows, ChunkTwo>(ref a, ref w0, panelStride, ref init, ref c, s, row, panel * width, order, ref temp);
            FewRowsPanels4<TOps, TVec, TRows, ChunkThree>(ref a, ref w0, panelStride, ref init, ref c, s, row, panel * width, order, ref temp);
        }

        RowsByPanels<TOps, TVec>(ref a, ref w, panelStride, ref init, ref c, s, row, row + (TRows.Three ? 3 : 2), order, fourEnd, s.Panels - fourEnd);
    }

    /// <summary>Two or three rows, as a type (<see cref="FewRowsPanels4"/>).</summary>
    private interface IFewRows
    {
        static abstract bool Three { get; }
    }

    private readonly struct TwoOfFew : IFewRows
    {
        public static bool Three => false;
    }

    private readonly struct ThreeOfFew : IFewRows
    {
        public static bool Three => true;
    }

    /// <summary>
    /// Two or three rows × four panels over one chunk of k: 8 or 12 accumulators. Each weight vector is loaded once
    /// and used for every row at once, so the sixteen registers of AVX2 hold the twelve sums, three broadcasts and it.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FewRowsPanels4<TOps, TVec, TRows, TChunk>(ref float a, ref float w0, int panelStride, ref float init, ref float c, GemmShape s, int row, int column, SummationOrder order, ref float temp)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IFewRows
        where TChunk : struct, IChunk
    {
        int chunk = TChunk.Index;
        int width = TOps.Count;
        int kStart = order.Start(chunk), kLength = order.Length(chunk);
        nint lda = s.Lda, ldInit = s.LdInit, ldc = s.Ldc;
        ref float i0 = ref Unsafe.Add(ref init, ((nint)row * ldInit) + column);
        TVec c00 = Start<TOps, TVec>(ref i0, chunk), c01 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, width), chunk);
        TVec c02 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 2 * width), chunk), c03 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 3 * width), chunk);
        TVec c10 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit), chunk), c11 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit + width), chunk);
        TVec c12 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit + (2 * width)), chunk), c13 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit + (3 * width)), chunk);
        TVec c20 = TOps.Zero, c21 = TOps.Zero, c22 = TOps.Zero, c23 = TOps.Zero;
        if (TRows.Three)
        {
            c20 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 2 * ldInit), chunk);
            c21 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (2 * ldInit) + width), chunk);
            c22 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (2 * ldInit) + (2 * width)), chunk);
            c23 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (2 * ldInit) + (3 * width)), chunk);
        }

        ref float wk = ref Unsafe.Add(ref w0, (nint)kStart * width);
        ref float ak = ref Unsafe.Add(ref a, ((nint)row * lda) + kStart);
        nint s1 = panelStride, s2 = 2 * s1, s3 = 3 * s1, lda2 = 2 * lda;
        int k = 0;
        // Four k per trip (see the class remarks), then the rest one by one.
        for (; k + 4 <= kLength; k += 4)
        {
            FewRowsPanels4Step<TOps, TVec, TRows>(ref wk, s1, s2, s3, ref ak, lda, lda2, 0, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23);
            FewRowsPanels4Step<TOps, TVec, TRows>(ref wk, s1, s2, s3, ref ak, lda, lda2, 1, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23);
            FewRowsPanels4Step<TOps, TVec, TRows>(ref wk, s1, s2, s3, ref ak, lda, lda2, 2, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23);
            FewRowsPanels4Step<TOps, TVec, TRows>(ref wk, s1, s2, s3, ref ak, lda, lda2, 3, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23);
            wk = ref Unsafe.Add(ref wk, 4 * width);
            ak = ref Unsafe.Add(ref ak, 4);
        }

        for (; k < kLength; k++)
        {
            FewRowsPanels4Step<TOps, TVec, TRows>(ref wk, s1, s2, s3, ref ak, lda, lda2, 0, ref c00, ref c01, ref c02, ref c03, ref c10, ref c11, ref c12, ref c13, ref c20, ref c21, ref c22, ref c23);
            wk = ref Unsafe.Add(ref wk, width);
            ak = ref Unsafe.Add(ref ak, 1);
        }

        ref float o0 = ref Unsafe.Add(ref c, ((nint)row * ldc) + column);
        Finish<TOps, TVec>(c00, ref o0, ref temp, chunk);
        Finish<TOps, TVec>(c01, ref Unsafe.Add(ref o0, width), ref Unsafe.Add(ref temp, width), chunk);
        Finish<TOps, TVec>(c02, ref Unsafe.Add(ref o0, 2 * width), ref Unsafe.Add(ref temp, 2 * width), chunk);
        Finish<TOps, TVec>(c03, ref Unsafe.Add(ref o0, 3 * width), ref Unsafe.Add(ref temp, 3 * width), chunk);
        Finish<TOps, TVec>(c10, ref Unsafe.Add(ref o0, ldc), ref Unsafe.Add(ref temp, 4 * width), chunk);
        Finish<TOps, TVec>(c11, ref Unsafe.Add(ref o0, ldc + width), ref Unsafe.Add(ref temp, 5 * width), chunk);
        Finish<TOps, TVec>(c12, ref Unsafe.Add(ref o0, ldc + (2 * width)), ref Unsafe.Add(ref temp, 6 * width), chunk);
        Finish<TOps, TVec>(c13, ref Unsafe.Add(ref o0, ldc + (3 * width)), ref Unsafe.Add(ref temp, 7 * width), chunk);
        if (TRows.Three)
        {
            Finish<TOps, TVec>(c20, ref Unsafe.Add(ref o0, 2 * ldc), ref Unsafe.Add(ref temp, 8 * width), chunk);
            Finish<TOps, TVec>(c21, ref Unsafe.Add(ref o0, (2 * ldc) + width), ref Unsafe.Add(ref temp, 9 * width), chunk);
            Finish<TOps, TVec>(c22, ref Unsafe.Add(ref o0, (2 * ldc) + (2 * width)), ref Unsafe.Add(ref temp, 10 * width), chunk);
            Finish<TOps, TVec>(c23, ref Unsafe.Add(ref o0, (2 * ldc) + (3 * width)), ref Unsafe.Add(ref temp, 11 * width), chunk);
        }
    }

    /// <summary>
    /// Whether an activated single row of <paramref name="panels"/> panels of <paramref name="width"/> floats runs as one
    /// kernel that keeps its sums in registers and activates them there (<see cref="PanelsSideBySide"/>): two to four
    /// panels (three on the 128-bit path), not one (the Elman sequence kernel's own one-vector chain) nor more (the panel
    /// groups, then the activation over the row while it is in L1).
    /// </summary>
    /// <remarks>
    /// Where a batch-1 Elman step is a few dozen nanoseconds, the general route (the panel groups as calls of their own,
    /// their sums stored to the row, then an activation pass that reads them back) costs a good part of it. Runtime-sized
    /// Elman <c>Forward</c> at batch 1, 100 steps, paired in one process on AMD EPYC Zen 5, this kernel's time ÷ the general
    /// route's, the same bits: 512-bit path, hidden 24 / 32 / 40 / 48 / 56 / 64 0.82 / 0.85 / 0.80 / 0.81 / 0.94 / 0.95;
    /// 256-bit (AVX-512 off) 12 / 16 / 24 / 32 0.95 / 0.95 / 0.84 / 0.96; 128-bit (AVX2 off) 6 / 8 / 12 0.94 / 0.95 / 0.90,
    /// and 16 (four panels, sixteen sums in sixteen registers) 1.06, so that path stops at three. The scalar path keeps
    /// the general route (not measured).
    /// </remarks>
    internal static bool ActivatesInRegisters(int width, int panels) => width >= 4 && panels >= 2 && panels <= (width == 4 ? 3 : 4);

    /// <summary>A panel count as a type: each instance of <see cref="PanelsSideBySide"/> is compiled for its own.</summary>
    private interface IPanelCount
    {
        static abstract int Count { get; }
    }

    private readonly struct TwoPanels : IPanelCount
    {
        public static int Count => 2;
    }

    private readonly struct ThreePanels : IPanelCount
    {
        public static int Count => 3;
    }

    private readonly struct FourPanels : IPanelCount
    {
        public static int Count => 4;
    }

    /// <summary>
    /// y = act(init + W·x) over <typeparamref name="TPanels"/> panels (2–4) from <paramref name="panel"/> on, in
    /// <see cref="SummationOrder"/>'s order as <see cref="ChunkedSum"/> sums one panel: chunk 0's leading terms, then one
    /// term of each chunk per trip, each panel's four chunks as four chains, (s0 + s1) + (s2 + s3); then each panel's
    /// activation from the registers (none: <see cref="ActivationKernels.Identity"/>), stored once. The batch-1 product's
    /// groups of four (512-bit) or two panels, and an activated row of two to four (<see cref="ActivatesInRegisters"/>).
    /// </summary>
    /// <remarks>
    /// Up to sixteen sums; within a trip the terms go chunk by chunk, each chunk's broadcast shared by the panels and then
    /// dropped, so one broadcast is live beside the sums (sixteen registers hold three panels' sums; four spill a little on
    /// the 256-bit path, still faster there). One term per trip: four per trip measured level in the pairs (batch-1 LSTM /
    /// GRU 16–64, 0.998–1.007). This kernel replaced the pairs' and fours' own kernels, which put each trip's four
    /// broadcasts first: the product alone 0.98–1.02 of their time on every path (2–7 panels × 64–128, paired, Zen 5). The
    /// activations are inlined here, one per panel: a root of its own, so the JIT's inlining budget covers them (its
    /// listing: no calls).
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void PanelsSideBySide<TOps, TVec, TActivation, TPanels>(ref float x, ref float w, int panelStride, ref float init, ref float y, SummationOrder order, int panel)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
        where TPanels : struct, IPanelCount
    {
        // a, b, c, d: the sums of chunks 0 to 3; the digit: the panel, counted from <paramref name="panel"/>. Panel p's
        // weights start p panel strides on, chunk c's terms c chunk lengths on (in x, and × width in the panel).
        // Unchecked: SingleRow's caller guarantees the spans.
        int width = TOps.Count;
        w = ref Unsafe.Add(ref w, (nint)panel * panelStride);
        init = ref Unsafe.Add(ref init, panel * width);
        y = ref Unsafe.Add(ref y, panel * width);
        nint p1 = panelStride, p2 = 2 * (nint)panelStride, p3 = 3 * (nint)panelStride;
        TVec a0 = TOps.Load(ref init), b0 = TOps.Zero, c0 = TOps.Zero, d0 = TOps.Zero;
        TVec a1 = TOps.Load(ref Unsafe.Add(ref init, width)), b1 = TOps.Zero, c1 = TOps.Zero, d1 = TOps.Zero;
        TVec a2 = TOps.Zero, b2 = TOps.Zero, c2 = TOps.Zero, d2 = TOps.Zero;
        TVec a3 = TOps.Zero, b3 = TOps.Zero, c3 = TOps.Zero, d3 = TOps.Zero;
        if (TPanels.Count >= 3)
        {
            a2 = TOps.Load(ref Unsafe.Add(ref init, 2 * width));
        }

        if (TPanels.Count >= 4)
        {
            a3 = TOps.Load(ref Unsafe.Add(ref init, 3 * width));
        }

        ref float wk = ref w;
        int lead = order.Lead;
        for (int k = 0; k < lead; k++)
        {
            TVec xv = TOps.Broadcast(Unsafe.Add(ref x, k));
            a0 = TOps.MultiplyAdd(xv, TOps.Load(ref wk), a0);
            a1 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p1)), a1);
            if (TPanels.Count >= 3) { a2 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p2)), a2); }
            if (TPanels.Count >= 4) { a3 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p3)), a3); }
            wk = ref Unsafe.Add(ref wk, width);
        }

        nint q = order.ChunkLength;
        nint wq = q * width, wq2 = 2 * wq, wq3 = 3 * wq;
        ref float xk = ref Unsafe.Add(ref x, lead);
        for (nint j = 0; j < q; j++)
        {
            // Chunk by chunk within the trip, each broadcast used by every panel and then dropped: one broadcast live.
            TVec xv = TOps.Broadcast(xk);
            a0 = TOps.MultiplyAdd(xv, TOps.Load(ref wk), a0);
            a1 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p1)), a1);
            if (TPanels.Count >= 3) { a2 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p2)), a2); }
            if (TPanels.Count >= 4) { a3 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p3)), a3); }
            xv = TOps.Broadcast(Unsafe.Add(ref xk, q));
            b0 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, wq)), b0);
            b1 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p1 + wq)), b1);
            if (TPanels.Count >= 3) { b2 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p2 + wq)), b2); }
            if (TPanels.Count >= 4) { b3 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p3 + wq)), b3); }
            xv = TOps.Broadcast(Unsafe.Add(ref xk, 2 * q));
            c0 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, wq2)), c0);
            c1 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p1 + wq2)), c1);
            if (TPanels.Count >= 3) { c2 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p2 + wq2)), c2); }
            if (TPanels.Count >= 4) { c3 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p3 + wq2)), c3); }
            xv = TOps.Broadcast(Unsafe.Add(ref xk, 3 * q));
            d0 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, wq3)), d0);
            d1 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p1 + wq3)), d1);
            if (TPanels.Count >= 3) { d2 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p2 + wq3)), d2); }
            if (TPanels.Count >= 4) { d3 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, p3 + wq3)), d3); }

            xk = ref Unsafe.Add(ref xk, 1);
            wk = ref Unsafe.Add(ref wk, width);
        }

        TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Add(TOps.Add(a0, b0), TOps.Add(c0, d0))), ref y);
        TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Add(TOps.Add(a1, b1), TOps.Add(c1, d1))), ref Unsafe.Add(ref y, width));
        if (TPanels.Count >= 3)
        {
            TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Add(TOps.Add(a2, b2), TOps.Add(c2, d2))), ref Unsafe.Add(ref y, 2 * width));
        }

        if (TPanels.Count >= 4)
        {
            TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Add(TOps.Add(a3, b3), TOps.Add(c3, d3))), ref Unsafe.Add(ref y, 3 * width));
        }
    }

    /// <summary>Half 0: output = s0 + s1; half 1: output = (s0 + s1) + (s2 + s3), the order's final join.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void JoinChunks<TOps, TVec>(TVec first, TVec second, ref float output, int half)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec pair = TOps.Add(first, second);
        TOps.Store(half == 0 ? pair : TOps.Add(TOps.Load(ref output), pair), ref output);
    }

    /// <summary>One k (<paramref name="step"/> on from the moving references) of <see cref="FewRowsPanels4"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FewRowsPanels4Step<TOps, TVec, TRows>(ref float wk, nint s1, nint s2, nint s3, ref float ak, nint lda, nint lda2, int step,
        ref TVec c00, ref TVec c01, ref TVec c02, ref TVec c03, ref TVec c10, ref TVec c11, ref TVec c12, ref TVec c13, ref TVec c20, ref TVec c21, ref TVec c22, ref TVec c23)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IFewRows
    {
        ref float w = ref Unsafe.Add(ref wk, step * TOps.Count);
        ref float x = ref Unsafe.Add(ref ak, step);
        TVec x0 = TOps.Broadcast(x);
        TVec x1 = TOps.Broadcast(Unsafe.Add(ref x, lda));
        TVec x2 = TRows.Three ? TOps.Broadcast(Unsafe.Add(ref x, lda2)) : x1;
        FewRowsPanel<TOps, TVec, TRows>(TOps.Load(ref w), x0, x1, x2, ref c00, ref c10, ref c20);
        FewRowsPanel<TOps, TVec, TRows>(TOps.Load(ref Unsafe.Add(ref w, s1)), x0, x1, x2, ref c01, ref c11, ref c21);
        FewRowsPanel<TOps, TVec, TRows>(TOps.Load(ref Unsafe.Add(ref w, s2)), x0, x1, x2, ref c02, ref c12, ref c22);
        FewRowsPanel<TOps, TVec, TRows>(TOps.Load(ref Unsafe.Add(ref w, s3)), x0, x1, x2, ref c03, ref c13, ref c23);
    }

    /// <summary>One panel's weight vector into the sums of its two or three rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FewRowsPanel<TOps, TVec, TRows>(TVec wv, TVec x0, TVec x1, TVec x2, ref TVec c0, ref TVec c1, ref TVec c2)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TRows : struct, IFewRows
    {
        c0 = TOps.MultiplyAdd(x0, wv, c0);
        c1 = TOps.MultiplyAdd(x1, wv, c1);
        if (TRows.Three)
        {
            c2 = TOps.MultiplyAdd(x2, wv, c2);
        }
    }

    /// <summary>Four rows × two panels over one chunk of k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4Panels2<TOps, TVec>(ref float a, ref float w0, int panelStride, ref float init, ref float c, GemmShape s, int row, int column, int kStart, int kLength, int chunk, ref float temp)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        nint lda = s.Lda, ldInit = s.LdInit;
        ref float a0 = ref Unsafe.Add(ref a, ((nint)row * lda) + kStart);
        ref float i0 = ref Unsafe.Add(ref init, ((nint)row * ldInit) + column);
        TVec c00 = Start<TOps, TVec>(ref i0, chunk), c01 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, width), chunk);
        TVec c10 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit), chunk), c11 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit + width), chunk);
        TVec c20 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 2 * ldInit), chunk), c21 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (2 * ldInit) + width), chunk);
        TVec c30 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 3 * ldInit), chunk), c31 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, (3 * ldInit) + width), chunk);
        ref float wk = ref Unsafe.Add(ref w0, (nint)kStart * width);
        ref float ak = ref a0;
        nint second = panelStride, lda2 = 2 * lda, lda3 = 3 * lda;
        int k = 0;
        // Four k per trip (see the class remarks), then the rest one by one.
        for (; k + 4 <= kLength; k += 4)
        {
            Rows4Panels2Step<TOps, TVec>(ref wk, second, ref ak, lda, lda2, lda3, 0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
            Rows4Panels2Step<TOps, TVec>(ref wk, second, ref ak, lda, lda2, lda3, 1, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
            Rows4Panels2Step<TOps, TVec>(ref wk, second, ref ak, lda, lda2, lda3, 2, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
            Rows4Panels2Step<TOps, TVec>(ref wk, second, ref ak, lda, lda2, lda3, 3, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
            wk = ref Unsafe.Add(ref wk, 4 * width);
            ak = ref Unsafe.Add(ref ak, 4);
        }

        for (; k < kLength; k++)
        {
            Rows4Panels2Step<TOps, TVec>(ref wk, second, ref ak, lda, lda2, lda3, 0, ref c00, ref c01, ref c10, ref c11, ref c20, ref c21, ref c30, ref c31);
            wk = ref Unsafe.Add(ref wk, width);
            ak = ref Unsafe.Add(ref ak, 1);
        }

        nint ldc = s.Ldc;
        ref float o0 = ref Unsafe.Add(ref c, ((nint)row * ldc) + column);
        Finish<TOps, TVec>(c00, ref o0, ref temp, chunk);
        Finish<TOps, TVec>(c01, ref Unsafe.Add(ref o0, width), ref Unsafe.Add(ref temp, width), chunk);
        Finish<TOps, TVec>(c10, ref Unsafe.Add(ref o0, ldc), ref Unsafe.Add(ref temp, 2 * width), chunk);
        Finish<TOps, TVec>(c11, ref Unsafe.Add(ref o0, ldc + width), ref Unsafe.Add(ref temp, 3 * width), chunk);
        Finish<TOps, TVec>(c20, ref Unsafe.Add(ref o0, 2 * ldc), ref Unsafe.Add(ref temp, 4 * width), chunk);
        Finish<TOps, TVec>(c21, ref Unsafe.Add(ref o0, (2 * ldc) + width), ref Unsafe.Add(ref temp, 5 * width), chunk);
        Finish<TOps, TVec>(c30, ref Unsafe.Add(ref o0, 3 * ldc), ref Unsafe.Add(ref temp, 6 * width), chunk);
        Finish<TOps, TVec>(c31, ref Unsafe.Add(ref o0, (3 * ldc) + width), ref Unsafe.Add(ref temp, 7 * width), chunk);
    }

    /// <summary>One k (<paramref name="step"/> on from the moving references) of <see cref="Rows4Panels2"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4Panels2Step<TOps, TVec>(ref float wk, nint second, ref float ak, nint lda, nint lda2, nint lda3, int step,
        ref TVec c00, ref TVec c01, ref TVec c10, ref TVec c11, ref TVec c20, ref TVec c21, ref TVec c30, ref TVec c31)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float w = ref Unsafe.Add(ref wk, step * TOps.Count);
        ref float x0 = ref Unsafe.Add(ref ak, step);
        TVec b0 = TOps.Load(ref w);
        TVec b1 = TOps.Load(ref Unsafe.Add(ref w, second));
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(x0), b0, b1, ref c00, ref c01);
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x0, lda)), b0, b1, ref c10, ref c11);
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x0, lda2)), b0, b1, ref c20, ref c21);
        RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref x0, lda3)), b0, b1, ref c30, ref c31);
    }

    /// <summary>Four rows × one panel over one chunk of k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4Panels1<TOps, TVec>(ref float a, ref float w0, ref float init, ref float c, GemmShape s, int row, int column, int kStart, int kLength, int chunk, ref float temp)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        nint lda = s.Lda, ldInit = s.LdInit;
        ref float a0 = ref Unsafe.Add(ref a, ((nint)row * lda) + kStart);
        ref float i0 = ref Unsafe.Add(ref init, ((nint)row * ldInit) + column);
        TVec c0 = Start<TOps, TVec>(ref i0, chunk);
        TVec c1 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, ldInit), chunk);
        TVec c2 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 2 * ldInit), chunk);
        TVec c3 = Start<TOps, TVec>(ref Unsafe.Add(ref i0, 3 * ldInit), chunk);
        ref float wk = ref Unsafe.Add(ref w0, (nint)kStart * width);
        ref float ak = ref a0;
        nint lda2 = 2 * lda, lda3 = 3 * lda;
        int k = 0;
        // Four k per trip (see the class remarks), then the rest one by one.
        for (; k + 4 <= kLength; k += 4)
        {
            Rows4Panels1Step<TOps, TVec>(ref wk, ref ak, lda, lda2, lda3, 0, ref c0, ref c1, ref c2, ref c3);
            Rows4Panels1Step<TOps, TVec>(ref wk, ref ak, lda, lda2, lda3, 1, ref c0, ref c1, ref c2, ref c3);
            Rows4Panels1Step<TOps, TVec>(ref wk, ref ak, lda, lda2, lda3, 2, ref c0, ref c1, ref c2, ref c3);
            Rows4Panels1Step<TOps, TVec>(ref wk, ref ak, lda, lda2, lda3, 3, ref c0, ref c1, ref c2, ref c3);
            wk = ref Unsafe.Add(ref wk, 4 * width);
            ak = ref Unsafe.Add(ref ak, 4);
        }

        for (; k < kLength; k++)
        {
            Rows4Panels1Step<TOps, TVec>(ref wk, ref ak, lda, lda2, lda3, 0, ref c0, ref c1, ref c2, ref c3);
            wk = ref Unsafe.Add(ref wk, width);
            ak = ref Unsafe.Add(ref ak, 1);
        }

        nint ldc = s.Ldc;
        ref float o0 = ref Unsafe.Add(ref c, ((nint)row * ldc) + column);
        Finish<TOps, TVec>(c0, ref o0, ref temp, chunk);
        Finish<TOps, TVec>(c1, ref Unsafe.Add(ref o0, ldc), ref Unsafe.Add(ref temp, width), chunk);
        Finish<TOps, TVec>(c2, ref Unsafe.Add(ref o0, 2 * ldc), ref Unsafe.Add(ref temp, 2 * width), chunk);
        Finish<TOps, TVec>(c3, ref Unsafe.Add(ref o0, 3 * ldc), ref Unsafe.Add(ref temp, 3 * width), chunk);
    }

    /// <summary>One k (<paramref name="step"/> on from the moving references) of <see cref="Rows4Panels1"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Rows4Panels1Step<TOps, TVec>(ref float wk, ref float ak, nint lda, nint lda2, nint lda3, int step, ref TVec c0, ref TVec c1, ref TVec c2, ref TVec c3)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float x0 = ref Unsafe.Add(ref ak, step);
        TVec b0 = TOps.Load(ref Unsafe.Add(ref wk, step * TOps.Count));
        c0 = TOps.MultiplyAdd(TOps.Broadcast(x0), b0, c0);
        c1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref x0, lda)), b0, c1);
        c2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref x0, lda2)), b0, c2);
        c3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref x0, lda3)), b0, c3);
    }

    /// <summary>
    /// One row against every panel: y = init + W·x. Groups of eight panels first, chunk after chunk with the eight panels
    /// as eight chains (<see cref="Panels8"/>; on the 512-bit path as two fours, <see cref="ChunkByChunkFours"/>); then each panel's four chunks as four chains side by side, four panels at
    /// a time on the 512-bit path (16 chains; 32 registers), two elsewhere (8 chains; 16 registers), then single panels.
    /// At batch 1 this product is the whole step, so it is latency that counts: a chain is a quarter of the depth long
    /// (eight panels: a quarter of the depth per pass, four passes the CPU overlaps).
    /// </summary>
    /// <remarks>
    /// <para>
    /// Unchecked: the caller guarantees x holds <paramref name="depth"/> floats, w holds <paramref name="panels"/>
    /// panels of <paramref name="panelStride"/> floats, and init and y hold panels × vector width floats (init may be y:
    /// each panel is read before it is written). RuntimeStepKernel.MatrixVector and the checked MultiplyAdd are the callers.
    /// </para>
    /// <para>
    /// Every kernel here sums in <see cref="SummationOrder"/>'s order, so a row's result is bit-identical whichever
    /// blocking computes it: batch 1 or 64, a step or a whole sequence. (Pairs of panels in place of the groups of eight:
    /// 0.96–1.06 of the time at Elman 64–128 and GRU 64, AMD EPYC Zen 3, paired; the groups stay.)
    /// </para>
    /// <para>
    /// <paramref name="reverse"/> walks the panel groups from the last to the first. A recurrence alternates it from
    /// step to step, so each step starts on the panels the previous step touched last, which are still in L1: with a
    /// matrix larger than L1 (128 × 128 floats is 64 KB), that keeps a good part of it from crossing from L2 again.
    /// Where the panels form one group of eight, larger than L1, that group's chunks go last to first instead (<see cref="ReverseChunksAboveGroupBytes"/>).
    /// Neither order changes any result: each sum is the same additions of the same operands.
    /// </para>
    /// </remarks>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SingleRow<TOps, TVec>(ref float x, ref float w, int panelStride, ref float init, ref float y, int depth, int panels, bool reverse = false)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        SummationOrder order = SummationOrder.Of(depth);
        // Four tiles of eight panels of the widest vector: Panels8's four chunk sums of each panel.
        Span<float> tempSpan = stackalloc float[4 * 8 * 16];
        ref float temp = ref MemoryMarshal.GetReference(tempSpan);
        int group = TOps.Count == 16 ? 4 : 2;
        int afterEights = panels / 8 * 8;
        int afterGroups = afterEights + ((panels - afterEights) / group * group);
        int afterPairs = afterGroups + ((panels - afterGroups) & ~1);
        if (!reverse)
        {
            for (int panel = 0; panel < afterEights; panel += 8)
            {
                if (ChunkByChunkFours(TOps.Count))
                {
                    Panels4ByChunk<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, panel, ref temp);
                    Panels4ByChunk<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, panel + 4, ref temp);
                    continue;
                }

                Panels8<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, panel, ref temp);
            }

            for (int panel = afterEights; panel < afterGroups; panel += group)
            {
                PanelGroup<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, panel, group);
            }

            for (int panel = afterGroups; panel < afterPairs; panel += 2)
            {
                PanelsSideBySide<TOps, TVec, ActivationKernels.Identity, TwoPanels>(ref x, ref w, panelStride, ref init, ref y, order, panel);
            }

            if (afterPairs < panels)
            {
                Panels1<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, afterPairs);
            }
        }
        else
        {
            // With one group of eight panels, larger than L1, the walk backward cannot reorder it (the eight panels run
            // side by side): its chunks go last to first instead, so the step starts on what the previous one read last.
            bool reverseChunks = afterEights == 8 && (long)8 * panelStride * sizeof(float) > ReverseChunksAboveGroupBytes;
            if (afterPairs < panels)
            {
                Panels1<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, afterPairs);
            }

            for (int panel = afterPairs - 2; panel >= afterGroups; panel -= 2)
            {
                PanelsSideBySide<TOps, TVec, ActivationKernels.Identity, TwoPanels>(ref x, ref w, panelStride, ref init, ref y, order, panel);
            }

            for (int panel = afterGroups - group; panel >= afterEights; panel -= group)
            {
                PanelGroup<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, panel, group);
            }

            for (int panel = afterEights - 8; panel >= 0; panel -= 8)
            {
                if (ChunkByChunkFours(TOps.Count))
                {
                    // The second four first: the previous (forward) step read it last.
                    Panels4ByChunk<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, panel + 4, ref temp);
                    Panels4ByChunk<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, panel, ref temp);
                    continue;
                }

                Panels8<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, order, panel, ref temp, reverseChunks);
            }
        }
    }

    /// <summary>
    /// Whether a group of eight panels runs as two groups of four, each chunk by chunk (four chains per pass, four weight
    /// streams), rather than all eight side by side (<see cref="Panels8"/>): on the 512-bit path, whose groups of eight
    /// (hidden 128 and up) outgrow L1. Paired in one process on AMD EPYC Zen 5 (session 23, the same bits): Elman 128 / 256 /
    /// 512 <c>Forward</c> at batch 1 0.94 / 0.94 / 0.98 of the time, <c>Step</c> 128 / 256 0.90 / 0.95; GRU 64 and a batch of
    /// 64 level. As in the fused gate step (<c>FusedGateStep.ChunkByChunk</c>), fewer streams read their panels faster
    /// from L2 there. The other paths keep eight (their groups are half the bytes; not measured on an AVX2-only machine).
    /// </summary>
    private static bool ChunkByChunkFours(int width) => width == 16;

    /// <summary>
    /// The size of a group of eight panels above which a backward step also takes its chunks last to first (L1 on the
    /// machines measured: 32 KB). Measured in alternation on Zen 4 (Elman Forward, 100 steps): hidden 128 on the 512-bit
    /// path (one 64 KB group) 0.89-0.91 of the time, 144 0.94, 200 0.98; on the 256-bit path a group is at most 32 KB
    /// below hidden 128, and from there the panels' own alternation already reuses L1 (hidden 64-128 there: 0.995-1.035,
    /// none better, so not taken). The 512-bit path now runs such a group as two fours instead, the second first on a
    /// backward step (<see cref="ChunkByChunkFours"/>: measured against this order, 0.94 of the time at hidden 128).
    /// </summary>
    private const long ReverseChunksAboveGroupBytes = 32 * 1024;

    /// <summary>A group of <paramref name="group"/> panels (4 or 2), each panel's four chunks as chains side by side (<see cref="PanelsSideBySide"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PanelGroup<TOps, TVec>(ref float x, ref float w, int panelStride, ref float init, ref float y, SummationOrder order, int panel, int group)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        if (group == 4)
        {
            PanelsSideBySide<TOps, TVec, ActivationKernels.Identity, FourPanels>(ref x, ref w, panelStride, ref init, ref y, order, panel);
        }
        else
        {
            PanelsSideBySide<TOps, TVec, ActivationKernels.Identity, TwoPanels>(ref x, ref w, panelStride, ref init, ref y, order, panel);
        }
    }

    /// <summary>
    /// y = act(init + W·x): for two to four panels one kernel that activates its sums from the registers
    /// (<see cref="ActivatesInRegisters"/>); otherwise the product above, then the activation over y's panels while they
    /// are still in L1. (Applied inside the larger panel blocks instead, the activation's code outgrew what the JIT inlines,
    /// and became a call per vector.)
    /// </summary>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void SingleRow<TOps, TVec, TActivation>(ref float x, ref float w, int panelStride, ref float init, ref float y, int depth, int panels, bool reverse)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        if (ActivatesInRegisters(TOps.Count, panels))
        {
            SummationOrder order = SummationOrder.Of(depth);
            switch (panels)
            {
                case 2: PanelsSideBySide<TOps, TVec, TActivation, TwoPanels>(ref x, ref w, panelStride, ref init, ref y, order, 0); return;
                case 3: PanelsSideBySide<TOps, TVec, TActivation, ThreePanels>(ref x, ref w, panelStride, ref init, ref y, order, 0); return;
                default: PanelsSideBySide<TOps, TVec, TActivation, FourPanels>(ref x, ref w, panelStride, ref init, ref y, order, 0); return;
            }
        }

        SingleRow<TOps, TVec>(ref x, ref w, panelStride, ref init, ref y, depth, panels, reverse);
        int width = TOps.Count;
        for (int panel = 0; panel < panels; panel++)
        {
            ref float p = ref Unsafe.Add(ref y, panel * width);
            TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Load(ref p)), ref p);
        }
    }

    /// <summary>
    /// init + W·x over one panel, in <see cref="SummationOrder"/>'s order with the four chunks as four chains side by
    /// side: chunk 0's leading terms alone, then one term of each chunk per iteration, then (s0 + s1) + (s2 + s3). The
    /// one sum every single-panel kernel of the library computes (the Elman sequence kernel's chains among them).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static TVec ChunkedSum<TOps, TVec>(TVec init, ref float x, ref float panel, SummationOrder order)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        int lead = order.Lead;
        TVec s0 = init;
        ref float wk = ref panel;
        for (int k = 0; k < lead; k++)
        {
            s0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref x, k)), TOps.Load(ref wk), s0);
            wk = ref Unsafe.Add(ref wk, width);
        }

        // From here, chunk c's term j sits c chunk lengths further on, in x and (× width) in the panel.
        TVec s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
        nint q = order.ChunkLength;
        nint wq = q * width, wq2 = 2 * wq, wq3 = 3 * wq;
        // One term per trip: this sum is inlined into the Elman sequence kernel's loops, and four terms per trip took
        // them past the JIT's inlining budget (their vector operations became calls: an Elman 8 step 2.7× the time).
        ref float xk = ref Unsafe.Add(ref x, lead);
        for (nint j = 0; j < q; j++)
        {
            s0 = TOps.MultiplyAdd(TOps.Broadcast(xk), TOps.Load(ref wk), s0);
            s1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xk, q)), TOps.Load(ref Unsafe.Add(ref wk, wq)), s1);
            s2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xk, 2 * q)), TOps.Load(ref Unsafe.Add(ref wk, wq2)), s2);
            s3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref xk, 3 * q)), TOps.Load(ref Unsafe.Add(ref wk, wq3)), s3);
            xk = ref Unsafe.Add(ref xk, 1);
            wk = ref Unsafe.Add(ref wk, width);
        }

        return TOps.Add(TOps.Add(s0, s1), TOps.Add(s2, s3));
    }

    /// <remarks>
    /// Chunk by chunk over eight panels (eight chains): each chunk's eight sums go to their tile of <paramref name="sums"/>
    /// (four tiles on the caller's stack), and once all four chunks are in, each panel is joined as (s0 + s1) + (s2 + s3).
    /// With <paramref name="reverseChunks"/> the chunks run from 3 to 0; the join is the same, so no bit changes (y may be
    /// init, which only chunk 0 reads, before the join writes y). The chunk's start is one branch per pass and the join
    /// one loop after the passes: written as a switch per accumulator and chunk (the sums joined in y as they came), the
    /// JIT kept the switches, and the kernel took 1.12–1.19× this one's time (Elman 64–256 at batch 1, AMD EPYC Zen 3,
    /// paired in one process). The loop addresses the eight panels as one moving reference plus offsets held in
    /// native-int locals, computed once: written as <c>k * width + j * panelStride</c> in int arithmetic, the JIT
    /// recomputed and sign-extended each offset at every k (about twenty integer instructions beside the eight FMAs),
    /// which made the loop issue-bound.
    /// </remarks>
    // A root of its own (as every panel kernel here): inlined side by side, they pushed their caller past the JIT's
    // inlining budget and its vector operations became calls (seen: 4-7x slower).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Panels8<TOps, TVec>(ref float x, ref float w, int panelStride, ref float init, ref float y, SummationOrder order, int panel, ref float sums, bool reverseChunks = false)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        ref float i0 = ref Unsafe.Add(ref init, panel * width);
        ref float w0 = ref Unsafe.Add(ref w, (nint)panel * panelStride);
        nint s1 = panelStride, s2 = 2 * s1, s3 = 3 * s1, s4 = 4 * s1, s5 = 5 * s1, s6 = 6 * s1, s7 = 7 * s1;
        nint tile = 8 * width;
        for (int pass = 0; pass < 4; pass++)
        {
            int chunk = reverseChunks ? 3 - pass : pass;
            TVec c0, c1, c2, c3, c4, c5, c6, c7;
            if (chunk == 0)
            {
                c0 = TOps.Load(ref i0);
                c1 = TOps.Load(ref Unsafe.Add(ref i0, width));
                c2 = TOps.Load(ref Unsafe.Add(ref i0, 2 * width));
                c3 = TOps.Load(ref Unsafe.Add(ref i0, 3 * width));
                c4 = TOps.Load(ref Unsafe.Add(ref i0, 4 * width));
                c5 = TOps.Load(ref Unsafe.Add(ref i0, 5 * width));
                c6 = TOps.Load(ref Unsafe.Add(ref i0, 6 * width));
                c7 = TOps.Load(ref Unsafe.Add(ref i0, 7 * width));
            }
            else
            {
                c0 = c1 = c2 = c3 = c4 = c5 = c6 = c7 = TOps.Zero;
            }

            int kStart = order.Start(chunk);
            nint kEnd = kStart + order.Length(chunk);
            ref float wk = ref Unsafe.Add(ref w0, (nint)kStart * width);
            ref float xk = ref Unsafe.Add(ref x, kStart);
            nint k = kStart;
            // Four k per trip (see the class remarks), then the rest one by one.
            for (; k + 4 <= kEnd; k += 4)
            {
                Panels8Step<TOps, TVec>(ref wk, s1, s2, s3, s4, s5, s6, s7, ref xk, 0, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                Panels8Step<TOps, TVec>(ref wk, s1, s2, s3, s4, s5, s6, s7, ref xk, 1, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                Panels8Step<TOps, TVec>(ref wk, s1, s2, s3, s4, s5, s6, s7, ref xk, 2, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                Panels8Step<TOps, TVec>(ref wk, s1, s2, s3, s4, s5, s6, s7, ref xk, 3, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                wk = ref Unsafe.Add(ref wk, 4 * width);
                xk = ref Unsafe.Add(ref xk, 4);
            }

            for (; k < kEnd; k++)
            {
                Panels8Step<TOps, TVec>(ref wk, s1, s2, s3, s4, s5, s6, s7, ref xk, 0, ref c0, ref c1, ref c2, ref c3, ref c4, ref c5, ref c6, ref c7);
                wk = ref Unsafe.Add(ref wk, width);
                xk = ref Unsafe.Add(ref xk, 1);
            }

            ref float t = ref Unsafe.Add(ref sums, chunk * tile);
            TOps.Store(c0, ref t);
            TOps.Store(c1, ref Unsafe.Add(ref t, width));
            TOps.Store(c2, ref Unsafe.Add(ref t, 2 * width));
            TOps.Store(c3, ref Unsafe.Add(ref t, 3 * width));
            TOps.Store(c4, ref Unsafe.Add(ref t, 4 * width));
            TOps.Store(c5, ref Unsafe.Add(ref t, 5 * width));
            TOps.Store(c6, ref Unsafe.Add(ref t, 6 * width));
            TOps.Store(c7, ref Unsafe.Add(ref t, 7 * width));
        }

        SummationOrder.JoinTiles<TOps, TVec>(ref sums, tile, 8, ref Unsafe.Add(ref y, panel * width));
    }

    /// <summary>
    /// The 512-bit path's group of eight panels as two fours (<see cref="ChunkByChunkFours"/>): four panels chunk by chunk,
    /// four chains, each panel read from its first k to its last over the four passes; each chunk's four sums go to their
    /// tile of <paramref name="sums"/>, joined as (s0 + s1) + (s2 + s3) once all four are in, as <see cref="Panels8"/> does.
    /// </summary>
    // A root of its own (as every panel kernel here).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Panels4ByChunk<TOps, TVec>(ref float x, ref float w, int panelStride, ref float init, ref float y, SummationOrder order, int panel, ref float sums)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        ref float i0 = ref Unsafe.Add(ref init, panel * width);
        ref float w0 = ref Unsafe.Add(ref w, (nint)panel * panelStride);
        nint s1 = panelStride, s2 = 2 * s1, s3 = 3 * s1;
        nint tile = 4 * width;
        for (int chunk = 0; chunk < 4; chunk++)
        {
            TVec c0, c1, c2, c3;
            if (chunk == 0)
            {
                c0 = TOps.Load(ref i0);
                c1 = TOps.Load(ref Unsafe.Add(ref i0, width));
                c2 = TOps.Load(ref Unsafe.Add(ref i0, 2 * width));
                c3 = TOps.Load(ref Unsafe.Add(ref i0, 3 * width));
            }
            else
            {
                c0 = c1 = c2 = c3 = TOps.Zero;
            }

            int kStart = order.Start(chunk);
            nint kEnd = order.Length(chunk);
            ref float wk = ref Unsafe.Add(ref w0, (nint)kStart * width);
            ref float xk = ref Unsafe.Add(ref x, kStart);
            for (nint k = 0; k < kEnd; k++)
            {
                TVec xv = TOps.Broadcast(xk);
                c0 = TOps.MultiplyAdd(xv, TOps.Load(ref wk), c0);
                c1 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, s1)), c1);
                c2 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, s2)), c2);
                c3 = TOps.MultiplyAdd(xv, TOps.Load(ref Unsafe.Add(ref wk, s3)), c3);
                wk = ref Unsafe.Add(ref wk, width);
                xk = ref Unsafe.Add(ref xk, 1);
            }

            ref float t = ref Unsafe.Add(ref sums, chunk * tile);
            TOps.Store(c0, ref t);
            TOps.Store(c1, ref Unsafe.Add(ref t, width));
            TOps.Store(c2, ref Unsafe.Add(ref t, 2 * width));
            TOps.Store(c3, ref Unsafe.Add(ref t, 3 * width));
        }

        SummationOrder.JoinTiles<TOps, TVec>(ref sums, tile, 4, ref Unsafe.Add(ref y, panel * width));
    }

    /// <summary>
    /// One k (<paramref name="step"/> on from the moving references) of <see cref="Panels8"/>: panel j at offset sj.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Panels8Step<TOps, TVec>(ref float wk, nint s1, nint s2, nint s3, nint s4, nint s5, nint s6, nint s7, ref float xk, int step, ref TVec c0, ref TVec c1, ref TVec c2, ref TVec c3, ref TVec c4, ref TVec c5, ref TVec c6, ref TVec c7)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float w = ref Unsafe.Add(ref wk, step * TOps.Count);
        TVec x = TOps.Broadcast(Unsafe.Add(ref xk, step));
        c0 = TOps.MultiplyAdd(x, TOps.Load(ref w), c0);
        c1 = TOps.MultiplyAdd(x, TOps.Load(ref Unsafe.Add(ref w, s1)), c1);
        c2 = TOps.MultiplyAdd(x, TOps.Load(ref Unsafe.Add(ref w, s2)), c2);
        c3 = TOps.MultiplyAdd(x, TOps.Load(ref Unsafe.Add(ref w, s3)), c3);
        c4 = TOps.MultiplyAdd(x, TOps.Load(ref Unsafe.Add(ref w, s4)), c4);
        c5 = TOps.MultiplyAdd(x, TOps.Load(ref Unsafe.Add(ref w, s5)), c5);
        c6 = TOps.MultiplyAdd(x, TOps.Load(ref Unsafe.Add(ref w, s6)), c6);
        c7 = TOps.MultiplyAdd(x, TOps.Load(ref Unsafe.Add(ref w, s7)), c7);
    }

    // A root of its own (as every panel kernel here): inlined side by side, they pushed their caller past the JIT's
    // inlining budget and its vector operations became calls (seen: 4-7x slower).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Panels1<TOps, TVec>(ref float x, ref float w, int panelStride, ref float init, ref float y, SummationOrder order, int panel)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        TVec sum = ChunkedSum<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref init, panel * width)), ref x, ref Unsafe.Add(ref w, (nint)panel * panelStride), order);
        TOps.Store(sum, ref Unsafe.Add(ref y, panel * width));
    }
}
