using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using HighPerfRnn.Kernels;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// What the library's activations cost on this core: tanh and σ (<see cref="FastActivations"/>, the formula the bit-for-bit
/// guarantee fixes) over a buffer that stays in L1, on the widest path the kernels use here. Each is a rational function:
/// about fifteen multiplies and FMAs and a division per vector, on the same pipes as the products' FMAs, so a pass can
/// take no less than its products at the FMA peak plus its activations at this rate. The paired rounds time a burst of
/// each beside every pass, as they time the FMA peak, and the report turns them into that floor
/// (<see cref="GridPoint.FloorWithActivationsAt"/>).
/// </summary>
public static class ActivationCost
{
    /// <summary>Floats per burst pass: 16 KB in, 16 KB out, both in L1.</summary>
    public const int Floats = 4096;

    private static readonly float[] Source = CreateSource();
    private static readonly float[] Destination = new float[Floats];

    /// <summary>One burst of tanh over the buffer, <paramref name="passes"/> times: returns the floats activated.</summary>
    public static double TanhBurst(int passes) => Run(passes, sigmoid: false);

    /// <summary>One burst of σ over the buffer, <paramref name="passes"/> times: returns the floats activated.</summary>
    public static double SigmoidBurst(int passes) => Run(passes, sigmoid: true);

    private static double Run(int passes, bool sigmoid)
    {
        for (int pass = 0; pass < passes; pass++)
        {
            switch (SimdPaths.Best)
            {
                case SimdPath.Vector512: Activate<Vector512Ops, Vector512<float>>(Source, Destination, sigmoid); break;
                case SimdPath.Vector256: Activate<Vector256Ops, Vector256<float>>(Source, Destination, sigmoid); break;
                case SimdPath.Vector128: Activate<Vector128Ops, Vector128<float>>(Source, Destination, sigmoid); break;
                default: Activate<ScalarOps, float>(Source, Destination, sigmoid); break;
            }
        }

        return (double)passes * Floats;
    }

    // Compiled optimized at once, as the kernels: a short burst must not time the unoptimized first tier. The input is
    // read from another buffer each pass, so the values stay those of real pre-activations (none shrinks towards 0).
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Activate<TOps, TVec>(float[] source, float[] destination, bool sigmoid)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float input = ref source[0];
        ref float output = ref destination[0];
        if (sigmoid)
        {
            for (int i = 0; i < Floats; i += TOps.Count)
            {
                TOps.Store(FastActivations.Sigmoid<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref input, i))), ref Unsafe.Add(ref output, i));
            }
        }
        else
        {
            for (int i = 0; i < Floats; i += TOps.Count)
            {
                TOps.Store(FastActivations.Tanh<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref input, i))), ref Unsafe.Add(ref output, i));
            }
        }
    }

    /// <summary>Pre-activations as a layer sees them: spread over ±4, a few past the clamp.</summary>
    private static float[] CreateSource()
    {
        var random = new Random(15);
        return Enumerable.Range(0, Floats).Select(_ => (float)((random.NextDouble() * 8) - 4)).ToArray();
    }
}
