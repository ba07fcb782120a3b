namespace HighPerfRnn;

/// <summary>
/// The numerical contract every kernel follows (docs/numerics.md): fused multiply-adds only, one order of summation
/// for every product, and one packed layout. Within one <see cref="Version"/>, a model's results are the same bits on
/// every SIMD path with FMA, at every batch size, in <c>Step</c> and <c>Forward</c>, declared or runtime-sized.
/// </summary>
public static class Numerics
{
    /// <summary>
    /// Changes whenever any result's bits may change between library versions. Log it beside results you compare
    /// across versions. Version 2: true FMAs, each product summed in four contiguous chunks combined as
    /// (s0 + s1) + (s2 + s3), gate blocks padded to whole panels.
    /// </summary>
    public const int Version = 2;
}
