using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// This core's measured FMA peak: twelve independent chains of FMAs on registers (enough to cover the latency of
/// two FMA units), on the widest vectors the kernels use here. It turns each grid point's flop count into the
/// least time the arithmetic alone could take.
/// </summary>
public static class PeakFlops
{
    public static double MeasureGflops()
    {
        double best = 0;
        for (int round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            double flops = Burst(2_000_000);
            best = Math.Max(best, flops / watch.Elapsed.TotalSeconds / 1e9);
        }

        return best;
    }

    /// <summary>
    /// One burst of the chains: <paramref name="iterations"/> rounds of twelve FMAs; returns the flops done. For the
    /// paired measurements, which time a burst beside each pass to take the peak under the same conditions.
    /// </summary>
    public static double Burst(int iterations)
    {
        int lanes = Run(iterations, out float sink);
        GC.KeepAlive(sink);
        return 2.0 * 12 * lanes * iterations;
    }

    // Compiled optimized at once: a short burst must not time the unoptimized first tier.
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static int Run(int iterations, out float sink)
    {
        if (Avx512F.IsSupported)
        {
            sink = Chains(Vector512.Create(1.0000001f), Vector512.Create(1e-7f), iterations);
            return 16;
        }

        if (Vector256.IsHardwareAccelerated)
        {
            sink = Chains(Vector256.Create(1.0000001f), Vector256.Create(1e-7f), iterations);
            return 8;
        }

        sink = Chains(Vector128.Create(1.0000001f), Vector128.Create(1e-7f), iterations);
        return 4;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Chains(Vector512<float> a, Vector512<float> b, int iterations)
    {
        Vector512<float> c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector512.FusedMultiplyAdd(c0, a, b); c1 = Vector512.FusedMultiplyAdd(c1, a, b); c2 = Vector512.FusedMultiplyAdd(c2, a, b);
            c3 = Vector512.FusedMultiplyAdd(c3, a, b); c4 = Vector512.FusedMultiplyAdd(c4, a, b); c5 = Vector512.FusedMultiplyAdd(c5, a, b);
            c6 = Vector512.FusedMultiplyAdd(c6, a, b); c7 = Vector512.FusedMultiplyAdd(c7, a, b); c8 = Vector512.FusedMultiplyAdd(c8, a, b);
            c9 = Vector512.FusedMultiplyAdd(c9, a, b); c10 = Vector512.FusedMultiplyAdd(c10, a, b); c11 = Vector512.FusedMultiplyAdd(c11, a, b);
        }

        return Vector512.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Chains(Vector256<float> a, Vector256<float> b, int iterations)
    {
        Vector256<float> c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector256.MultiplyAddEstimate(c0, a, b); c1 = Vector256.MultiplyAddEstimate(c1, a, b); c2 = Vector256.MultiplyAddEstimate(c2, a, b);
            c3 = Vector256.MultiplyAddEstimate(c3, a, b); c4 = Vector256.MultiplyAddEstimate(c4, a, b); c5 = Vector256.MultiplyAddEstimate(c5, a, b);
            c6 = Vector256.MultiplyAddEstimate(c6, a, b); c7 = Vector256.MultiplyAddEstimate(c7, a, b); c8 = Vector256.MultiplyAddEstimate(c8, a, b);
            c9 = Vector256.MultiplyAddEstimate(c9, a, b); c10 = Vector256.MultiplyAddEstimate(c10, a, b); c11 = Vector256.MultiplyAddEstimate(c11, a, b);
        }

        return Vector256.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Chains(Vector128<float> a, Vector128<float> b, int iterations)
    {
        Vector128<float> c0 = b, c1 = b, c2 = b, c3 = b, c4 = b, c5 = b, c6 = b, c7 = b, c8 = b, c9 = b, c10 = b, c11 = b;
        for (int i = 0; i < iterations; i++)
        {
            c0 = Vector128.MultiplyAddEstimate(c0, a, b); c1 = Vector128.MultiplyAddEstimate(c1, a, b); c2 = Vector128.MultiplyAddEstimate(c2, a, b);
            c3 = Vector128.MultiplyAddEstimate(c3, a, b); c4 = Vector128.MultiplyAddEstimate(c4, a, b); c5 = Vector128.MultiplyAddEstimate(c5, a, b);
            c6 = Vector128.MultiplyAddEstimate(c6, a, b); c7 = Vector128.MultiplyAddEstimate(c7, a, b); c8 = Vector128.MultiplyAddEstimate(c8, a, b);
            c9 = Vector128.MultiplyAddEstimate(c9, a, b); c10 = Vector128.MultiplyAddEstimate(c10, a, b); c11 = Vector128.MultiplyAddEstimate(c11, a, b);
        }

        return Vector128.Sum(c0 + c1 + c2 + c3 + c4 + c5 + c6 + c7 + c8 + c9 + c10 + c11);
    }
}
