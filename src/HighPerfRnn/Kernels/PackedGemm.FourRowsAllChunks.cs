using System.Runtime.CompilerServices;

namespace HighPerfRnn.Kernels;

internal static partial class PackedGemm
{
    /// <summary>
    /// Rows <paramref name="firstRow"/> to <paramref name="endRow"/> (a multiple of four apart) in four-row tiles against
    /// <paramref name="pairs"/> pairs of panels from <paramref name="w"/> (output columns from
    /// <paramref name="firstColumn"/>), pair after pair, each tile over all four chunks of k in one go: chunks 0 and 1
    /// side by side (16 accumulators), s0 + s1 held in 8 registers while chunks 2 and 3 run side by side (16 more), then
    /// (s0 + s1) + (s2 + s3) stored once. The same sums in the same order as the two-chunk tiles of
    /// <see cref="PanelPairsSixRowTiles"/> (whose first half stores s0 + s1 to the output and second reads it back), with
    /// a store and a load of the tile fewer, and one call for all the block's four-row tiles of a pair (of all its pairs
    /// where the block has only such tiles): at a batch of 8 (two such tiles) and a short depth (64: chunks of 16 terms)
    /// the calls and joins were a quarter of the product's time.
    /// </summary>
    // A call, not inlined (24 accumulators are past the JIT's inlining budget in Run), compiled optimized at once.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void FourRowTilesAllChunks<TOps, TVec>(ref float a, ref float w, int panelStride, ref float init, ref float c, GemmShape s, int firstRow, int endRow, int firstColumn, SummationOrder order, int pairs)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        nint lda = s.Lda, ldInit = s.LdInit, ldc = s.Ldc, lda2 = 2 * s.Lda, second = panelStride;
        int lead = order.Lead;
        nint offset1 = order.Start(1) - lead, offset3 = order.Start(3) - order.Start(2);
        for (int pair = 0; pair < pairs; pair++)
        {
            ref float w0 = ref Unsafe.Add(ref w, (nint)pair * 2 * panelStride);
            int column = firstColumn + (pair * 2 * width);
            for (int row = firstRow; row < endRow; row += 4)
            {
                // Chunk 0 (a, from init) and chunk 1 (b, from zero), rows 0 to 3 × panels 0 and 1.
                ref float i0 = ref Unsafe.Add(ref init, ((nint)row * ldInit) + column);
                TVec a00 = TOps.Load(ref i0), a01 = TOps.Load(ref Unsafe.Add(ref i0, width));
                TVec a10 = TOps.Load(ref Unsafe.Add(ref i0, ldInit)), a11 = TOps.Load(ref Unsafe.Add(ref i0, ldInit + width));
                TVec a20 = TOps.Load(ref Unsafe.Add(ref i0, 2 * ldInit)), a21 = TOps.Load(ref Unsafe.Add(ref i0, (2 * ldInit) + width));
                TVec a30 = TOps.Load(ref Unsafe.Add(ref i0, 3 * ldInit)), a31 = TOps.Load(ref Unsafe.Add(ref i0, (3 * ldInit) + width));
                TVec b00 = TOps.Zero, b01 = TOps.Zero, b10 = TOps.Zero, b11 = TOps.Zero, b20 = TOps.Zero, b21 = TOps.Zero, b30 = TOps.Zero, b31 = TOps.Zero;

                ref float ak = ref Unsafe.Add(ref a, (nint)row * lda);
                ref float wk = ref w0;

                // Chunk 0's lead terms (depth % 4) come before the chains run side by side.
                for (int k = 0; k < lead; k++)
                {
                    TVec w0v = TOps.Load(ref wk), w1v = TOps.Load(ref Unsafe.Add(ref wk, second));
                    RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(ak), w0v, w1v, ref a00, ref a01);
                    RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, lda)), w0v, w1v, ref a10, ref a11);
                    RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, lda2)), w0v, w1v, ref a20, ref a21);
                    RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, lda2 + lda)), w0v, w1v, ref a30, ref a31);
                    wk = ref Unsafe.Add(ref wk, width);
                    ak = ref Unsafe.Add(ref ak, 1);
                }

                FourRowsTwoChunks<TOps, TVec>(ref wk, ref ak, offset1, second, lda, order.ChunkLength,
                    ref a00, ref a01, ref a10, ref a11, ref a20, ref a21, ref a30, ref a31,
                    ref b00, ref b01, ref b10, ref b11, ref b20, ref b21, ref b30, ref b31);

                // s0 + s1, held while chunks 2 and 3 run.
                a00 = TOps.Add(a00, b00); a01 = TOps.Add(a01, b01); a10 = TOps.Add(a10, b10); a11 = TOps.Add(a11, b11);
                a20 = TOps.Add(a20, b20); a21 = TOps.Add(a21, b21); a30 = TOps.Add(a30, b30); a31 = TOps.Add(a31, b31);

                // Chunk 2 (p) and chunk 3 (q), both from zero.
                TVec p00 = TOps.Zero, p01 = TOps.Zero, p10 = TOps.Zero, p11 = TOps.Zero, p20 = TOps.Zero, p21 = TOps.Zero, p30 = TOps.Zero, p31 = TOps.Zero;
                TVec q00 = TOps.Zero, q01 = TOps.Zero, q10 = TOps.Zero, q11 = TOps.Zero, q20 = TOps.Zero, q21 = TOps.Zero, q30 = TOps.Zero, q31 = TOps.Zero;
                int start2 = order.Start(2);
                FourRowsTwoChunks<TOps, TVec>(ref Unsafe.Add(ref w0, (nint)start2 * width), ref Unsafe.Add(ref a, ((nint)row * lda) + start2), offset3, second, lda, order.ChunkLength,
                    ref p00, ref p01, ref p10, ref p11, ref p20, ref p21, ref p30, ref p31,
                    ref q00, ref q01, ref q10, ref q11, ref q20, ref q21, ref q30, ref q31);

                // (s0 + s1) + (s2 + s3).
                ref float o0 = ref Unsafe.Add(ref c, ((nint)row * ldc) + column);
                TOps.Store(TOps.Add(a00, TOps.Add(p00, q00)), ref o0);
                TOps.Store(TOps.Add(a01, TOps.Add(p01, q01)), ref Unsafe.Add(ref o0, width));
                TOps.Store(TOps.Add(a10, TOps.Add(p10, q10)), ref Unsafe.Add(ref o0, ldc));
                TOps.Store(TOps.Add(a11, TOps.Add(p11, q11)), ref Unsafe.Add(ref o0, ldc + width));
                TOps.Store(TOps.Add(a20, TOps.Add(p20, q20)), ref Unsafe.Add(ref o0, 2 * ldc));
                TOps.Store(TOps.Add(a21, TOps.Add(p21, q21)), ref Unsafe.Add(ref o0, (2 * ldc) + width));
                TOps.Store(TOps.Add(a30, TOps.Add(p30, q30)), ref Unsafe.Add(ref o0, 3 * ldc));
                TOps.Store(TOps.Add(a31, TOps.Add(p31, q31)), ref Unsafe.Add(ref o0, (3 * ldc) + width));
            }
        }
    }

    /// <summary>
    /// Two chunks of k side by side for four rows × two panels: chain x from <paramref name="wk"/> and <paramref name="ak"/>,
    /// chain y <paramref name="offset"/> terms on, <paramref name="length"/> terms each, k ascending in each chain.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourRowsTwoChunks<TOps, TVec>(ref float wk, ref float ak, nint offset, nint second, nint lda, int length,
        ref TVec x00, ref TVec x01, ref TVec x10, ref TVec x11, ref TVec x20, ref TVec x21, ref TVec x30, ref TVec x31,
        ref TVec y00, ref TVec y01, ref TVec y10, ref TVec y11, ref TVec y20, ref TVec y21, ref TVec y30, ref TVec y31)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        nint wOffset = offset * TOps.Count, lda2 = 2 * lda, lda3 = 3 * lda;
        for (int k = 0; k < length; k++)
        {
            TVec wx0 = TOps.Load(ref wk), wx1 = TOps.Load(ref Unsafe.Add(ref wk, second));
            TVec wy0 = TOps.Load(ref Unsafe.Add(ref wk, wOffset)), wy1 = TOps.Load(ref Unsafe.Add(ref wk, wOffset + second));
            RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(ak), wx0, wx1, ref x00, ref x01);
            RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, offset)), wy0, wy1, ref y00, ref y01);
            RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, lda)), wx0, wx1, ref x10, ref x11);
            RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, lda + offset)), wy0, wy1, ref y10, ref y11);
            RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, lda2)), wx0, wx1, ref x20, ref x21);
            RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, lda2 + offset)), wy0, wy1, ref y20, ref y21);
            RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, lda3)), wx0, wx1, ref x30, ref x31);
            RowOfTwoPanels<TOps, TVec>(TOps.Broadcast(Unsafe.Add(ref ak, lda3 + offset)), wy0, wy1, ref y30, ref y31);
            wk = ref Unsafe.Add(ref wk, TOps.Count);
            ak = ref Unsafe.Add(ref ak, 1);
        }
    }
}
