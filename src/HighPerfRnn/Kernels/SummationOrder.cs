using System.Runtime.CompilerServices;

namespace HighPerfRnn.Kernels;

/// <summary>
/// The one order in which every kernel sums a product y = init + Σₖ x[k]·w[k] (docs/numerics.md): k split into four
/// contiguous chunks, chunk 0 (the longest: it takes the remainder) accumulated onto init, chunks 1–3 from +0, every term
/// one fused multiply-add, k ascending in each; then y = (s0 + s1) + (s2 + s3).
/// </summary>
/// <remarks>
/// At batch 1 the four chunks are four independent dependency chains, so a step waits about K FMA latencies less
/// three quarters of them; a register-tiled product computes the chunks one after another and combines them in memory.
/// Every kernel that sums a product goes through <see cref="Of"/>, so no kernel can pick other chunk boundaries.
/// </remarks>
internal readonly struct SummationOrder
{
    private SummationOrder(int depth)
    {
        ChunkLength = depth / 4;
        HeadLength = depth - (3 * ChunkLength);
    }

    /// <summary>Terms in chunks 1, 2 and 3 each: depth / 4.</summary>
    public int ChunkLength { get; }

    /// <summary>Terms in chunk 0: depth / 4 + depth % 4.</summary>
    public int HeadLength { get; }

    /// <summary>Terms of chunk 0 that come before the four chunks run side by side: depth % 4.</summary>
    public int Lead => HeadLength - ChunkLength;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static SummationOrder Of(int depth) => new(depth);

    /// <summary>The first k of chunk <paramref name="chunk"/> (0 to 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Start(int chunk) => chunk == 0 ? 0 : HeadLength + ((chunk - 1) * ChunkLength);

    /// <summary>The terms of chunk <paramref name="chunk"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public int Length(int chunk) => chunk == 0 ? HeadLength : ChunkLength;

    /// <summary>
    /// The order's join for kernels that keep each chunk's sums apart: <paramref name="vectors"/> sums, chunk c's in tile c
    /// of <paramref name="tiles"/> (tiles <paramref name="tileFloats"/> floats apart, vector j at j × the vector width),
    /// joined as (s0 + s1) + (s2 + s3) into <paramref name="output"/>'s first vectors.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void JoinTiles<TOps, TVec>(ref float tiles, nint tileFloats, int vectors, ref float output)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        for (int j = 0; j < vectors; j++)
        {
            ref float s = ref Unsafe.Add(ref tiles, j * TOps.Count);
            TVec s01 = TOps.Add(TOps.Load(ref s), TOps.Load(ref Unsafe.Add(ref s, tileFloats)));
            TVec s23 = TOps.Add(TOps.Load(ref Unsafe.Add(ref s, 2 * tileFloats)), TOps.Load(ref Unsafe.Add(ref s, 3 * tileFloats)));
            TOps.Store(TOps.Add(s01, s23), ref Unsafe.Add(ref output, j * TOps.Count));
        }
    }
}
