using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Kernels;

/// <summary>The Elman RNN's step epilogue: h = act(pre-activation), from a padded row into an exact-width row.</summary>
internal static class ActivationKernels
{
    /// <summary>
    /// destination[j] = act(source[j]) for j &lt; destination.Length. <paramref name="source"/> must hold
    /// destination.Length rounded up to the path's vector width (the padded pre-activation row), so every
    /// vector load stays inside it; the last partial vector is stored through a stack buffer.
    /// </summary>
    public static void Apply(SimdPath path, RnnNonlinearity nonlinearity, ReadOnlySpan<float> source, Span<float> destination)
    {
        int lanes = SimdPaths.LaneCount(path);
        int padded = PackedMatrix.PadToPanels(destination.Length, lanes);
        if (source.Length < padded)
        {
            throw new ArgumentException($"source needs {padded} floats (destination rounded up to {lanes}-float vectors), but has {source.Length}.", nameof(source));
        }

        ref float src = ref MemoryMarshal.GetReference(source);
        ref float dst = ref MemoryMarshal.GetReference(destination);
        int count = destination.Length;
        bool relu = nonlinearity == RnnNonlinearity.Relu;
        switch (path)
        {
            case SimdPath.Vector512:
                if (relu) { Run<Vector512Ops, Vector512<float>, Relu>(ref src, ref dst, count); } else { Run<Vector512Ops, Vector512<float>, Tanh>(ref src, ref dst, count); }
                break;
            case SimdPath.Vector256:
                if (relu) { Run<Vector256Ops, Vector256<float>, Relu>(ref src, ref dst, count); } else { Run<Vector256Ops, Vector256<float>, Tanh>(ref src, ref dst, count); }
                break;
            case SimdPath.Vector128:
                if (relu) { Run<Vector128Ops, Vector128<float>, Relu>(ref src, ref dst, count); } else { Run<Vector128Ops, Vector128<float>, Tanh>(ref src, ref dst, count); }
                break;
            default:
                if (relu) { Run<ScalarOps, float, Relu>(ref src, ref dst, count); } else { Run<ScalarOps, float, Tanh>(ref src, ref dst, count); }
                break;
        }
    }

    [SkipLocalsInit]
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec, TActivation>(ref float source, ref float destination, int count)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, IActivation
    {
        int width = TOps.Count;
        int full = count - (count % width);
        int j = 0;
        for (; j < full; j += width)
        {
            TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref source, j))), ref Unsafe.Add(ref destination, j));
        }

        if (j < count)
        {
            // Partial last vector: compute all lanes from the padded source, keep the ones that exist. 16 floats hold
            // the widest vector (512-bit).
            Span<float> last = stackalloc float[16];
            TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref source, j))), ref MemoryMarshal.GetReference(last));
            last[..(count - j)].CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref destination, j), count - j));
        }
    }

    /// <summary>An activation as a type, so the kernel is specialized per activation with no branch per element.</summary>
    internal interface IActivation
    {
        static abstract TVec Invoke<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : struct;
    }

    internal readonly struct Tanh : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Invoke<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : struct => FastActivations.Tanh<TOps, TVec>(x);
    }

    internal readonly struct Relu : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Invoke<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : struct => TOps.Relu(x);
    }
}
