using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HighPerfRnn;

/// <summary>
/// The instruction-set path the kernels run on. <see cref="Auto"/> picks the widest the CPU runs well;
/// the others force a path, for tests and for comparing paths on one machine.
/// </summary>
public enum SimdPath
{
    /// <summary>The best path for this CPU (see <see cref="SimdPaths.Best"/>), or the one named by the environment variable <c>HIGHPERFRNN_SIMD</c>.</summary>
    Auto = 0,

    /// <summary>Plain scalar code: correct everywhere.</summary>
    Scalar = 1,

    /// <summary>128-bit vectors (SSE, NEON).</summary>
    Vector128 = 2,

    /// <summary>256-bit vectors with FMA (AVX2).</summary>
    Vector256 = 3,

    /// <summary>512-bit vectors (AVX-512F).</summary>
    Vector512 = 4,
}

/// <summary>Which <see cref="SimdPath"/>s this process can run, and the one <see cref="SimdPath.Auto"/> means.</summary>
public static class SimdPaths
{
    /// <summary>The environment variable that overrides <see cref="SimdPath.Auto"/>: <c>scalar</c>, <c>128</c>, <c>256</c> or <c>512</c>.</summary>
    public const string EnvironmentVariable = "HIGHPERFRNN_SIMD";

    /// <summary>
    /// The path <see cref="SimdPath.Auto"/> resolves to: the environment override if set and supported, else the
    /// widest accelerated one. 512-bit is chosen from the ISA (<c>Avx512F.IsSupported</c>), not from
    /// <c>Vector512.IsHardwareAccelerated</c>, which .NET reports false on CPUs where it prefers 256-bit vectors for
    /// general code: the big matrix products here gain from 512-bit FMA regardless.
    /// </summary>
    public static SimdPath Best { get; } = ChooseBest();

    /// <summary>Whether <see cref="EnvironmentVariable"/> names a supported path: then <see cref="SimdPath.Auto"/> means exactly that path.</summary>
    public static bool IsForcedByEnvironment { get; } = RequestedByEnvironment() is { } requested && IsSupported(requested);

    /// <summary>Whether <paramref name="path"/> runs in hardware in this process.</summary>
    public static bool IsSupported(SimdPath path) => path switch
    {
        SimdPath.Auto or SimdPath.Scalar => true,
        SimdPath.Vector128 => Vector128.IsHardwareAccelerated,
        SimdPath.Vector256 => Vector256.IsHardwareAccelerated,
        SimdPath.Vector512 => Vector512.IsHardwareAccelerated || Avx512F.IsSupported,
        _ => false,
    };

    /// <summary>Turns <see cref="SimdPath.Auto"/> into a concrete path; checks that a forced path is supported.</summary>
    /// <exception cref="PlatformNotSupportedException">The CPU or runtime settings do not support <paramref name="path"/>.</exception>
    public static SimdPath Resolve(SimdPath path)
    {
        if (path == SimdPath.Auto)
        {
            return Best;
        }

        if (!Enum.IsDefined(path))
        {
            throw new ArgumentOutOfRangeException(nameof(path), path, "Expected Auto, Scalar, Vector128, Vector256 or Vector512.");
        }

        if (!IsSupported(path))
        {
            throw new PlatformNotSupportedException(
                $"SIMD path {path} is not supported by this CPU or runtime configuration; the best supported path is {Best}.");
        }

        return path;
    }

    /// <summary>The floats in one vector of <paramref name="path"/>: the panel width of the packed weights.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static int LaneCount(SimdPath path) => path switch
    {
        SimdPath.Vector512 => 16,
        SimdPath.Vector256 => 8,
        SimdPath.Vector128 => 4,
        _ => 1,
    };

    private static SimdPath? RequestedByEnvironment()
        => Environment.GetEnvironmentVariable(EnvironmentVariable)?.Trim().ToUpperInvariant() switch
        {
            "SCALAR" => SimdPath.Scalar,
            "128" or "VECTOR128" => SimdPath.Vector128,
            "256" or "VECTOR256" => SimdPath.Vector256,
            "512" or "VECTOR512" => SimdPath.Vector512,
            _ => null,
        };

    private static SimdPath ChooseBest()
    {
        if (RequestedByEnvironment() is { } path && IsSupported(path))
        {
            return path;
        }

        if (IsSupported(SimdPath.Vector512))
        {
            return SimdPath.Vector512;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            return SimdPath.Vector256;
        }

        return Vector128.IsHardwareAccelerated ? SimdPath.Vector128 : SimdPath.Scalar;
    }
}
