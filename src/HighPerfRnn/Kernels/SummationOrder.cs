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
}
