using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

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

    /// <summary>
    /// Whether this process multiplies and adds with one rounding (a fused multiply-add in hardware: every x86-64 CPU
    /// with FMA, from Haswell and Piledriver on, and every Arm64 CPU). Where it is false (x86 without FMA, Native AOT's
    /// default x86-64-v2 target, <c>DOTNET_EnableAVX2=0</c>) the kernels multiply, then add: the same order of
    /// summation, so results are still identical across batch sizes, Step and Forward, declared and runtime-sized
    /// models, threads and such machines, but not bit-identical to the fused results. Exact fused multiply-adds in
    /// software kept the bits but measured 80× slower (an LSTM 128 pass: 0.73 → 60 ms).
    /// </summary>
    public static bool FusedMultiplyAddInHardware
    {
        // Constant for the JIT: it folds IsSupported, so every kernel keeps one instruction per multiply-add.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => Fma.IsSupported || AdvSimd.IsSupported;
    }
}
