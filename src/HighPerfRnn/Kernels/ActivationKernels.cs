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

        Dispatch(path, nonlinearity, ref MemoryMarshal.GetReference(source), 0, 1, ref MemoryMarshal.GetReference(destination), 0, destination.Length);
    }

    /// <summary>
    /// <see cref="Apply"/> for <paramref name="rows"/> rows: destination[r·destinationStride + j] = act(source[r·sourceStride + j])
    /// for j &lt; <paramref name="count"/>, in one call. Each source row must hold count rounded up to the path's vector
    /// width (a padded pre-activation row). The same formula per element: the same bits as a call per row.
    /// </summary>
    /// <remarks>
    /// A batch's step activates all its rows here. Called row by row (a span slice, a dispatch and two calls per row), whole
    /// Elman passes took 1.01–1.05× this time (paired, AMD EPYC Zen 5: batch 64 of 128 units 1.01, of 33 units 1.05; 16 of
    /// 64 units 1.02).
    /// </remarks>
    public static void ApplyRows(SimdPath path, RnnNonlinearity nonlinearity, ReadOnlySpan<float> source, int sourceStride, int rows, Span<float> destination, int destinationStride, int count)
    {
        if (rows <= 0 || count <= 0)
        {
            return;
        }

        int lanes = SimdPaths.LaneCount(path);
        long padded = PackedMatrix.PadToPanels(count, lanes);

        // These bounds make every unchecked access below safe: whole vectors of each padded source row, count floats of
        // each destination row.
        if (sourceStride < 0 || destinationStride < 0
            || source.Length < ((long)(rows - 1) * sourceStride) + padded
            || destination.Length < ((long)(rows - 1) * destinationStride) + count)
        {
            throw new ArgumentException($"{rows} rows of {count} activations need the source rows {sourceStride} floats apart, each {padded} floats long, and the destination rows {destinationStride} apart; the spans hold {source.Length} and {destination.Length} floats.", nameof(source));
        }

        Dispatch(path, nonlinearity, ref MemoryMarshal.GetReference(source), sourceStride, rows, ref MemoryMarshal.GetReference(destination), destinationStride, count);
    }

    /// <summary>The kernel of the path and activation, over rows the caller has checked.</summary>
    private static void Dispatch(SimdPath path, RnnNonlinearity nonlinearity, ref float src, int sourceStride, int rows, ref float dst, int destinationStride, int count)
    {
        bool relu = nonlinearity == RnnNonlinearity.Relu;
        switch (path)
        {
            case SimdPath.Vector512:
                if (relu) { RunRows<Vector512Ops, Vector512<float>, Relu>(ref src, sourceStride, rows, ref dst, destinationStride, count); } else { RunRows<Vector512Ops, Vector512<float>, Tanh>(ref src, sourceStride, rows, ref dst, destinationStride, count); }
                break;
            case SimdPath.Vector256:
                if (relu) { RunRows<Vector256Ops, Vector256<float>, Relu>(ref src, sourceStride, rows, ref dst, destinationStride, count); } else { RunRows<Vector256Ops, Vector256<float>, Tanh>(ref src, sourceStride, rows, ref dst, destinationStride, count); }
                break;
            case SimdPath.Vector128:
                if (relu) { RunRows<Vector128Ops, Vector128<float>, Relu>(ref src, sourceStride, rows, ref dst, destinationStride, count); } else { RunRows<Vector128Ops, Vector128<float>, Tanh>(ref src, sourceStride, rows, ref dst, destinationStride, count); }
                break;
            default:
                if (relu) { RunRows<ScalarOps, float, Relu>(ref src, sourceStride, rows, ref dst, destinationStride, count); } else { RunRows<ScalarOps, float, Tanh>(ref src, sourceStride, rows, ref dst, destinationStride, count); }
                break;
        }
    }

    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunRows<TOps, TVec, TActivation>(ref float source, nint sourceStride, int rows, ref float destination, nint destinationStride, int count)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, IActivation
    {
        int width = TOps.Count;
        int full = count - (count % width);
        for (int row = 0; row < rows; row++)
        {
            ref float s = ref Unsafe.Add(ref source, row * sourceStride);
            ref float d = ref Unsafe.Add(ref destination, row * destinationStride);
            for (int j = 0; j < full; j += width)
            {
                TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref s, j))), ref Unsafe.Add(ref d, j));
            }

            if (full < count)
            {
                LastVector<TOps, TVec, TActivation>(ref Unsafe.Add(ref s, full), ref Unsafe.Add(ref d, full), count - full);
            }
        }
    }

    /// <summary>The last <paramref name="rest"/> floats of a row, fewer than a vector: all lanes from the padded source, the real ones kept (through the stack; 16 floats hold the widest vector).</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LastVector<TOps, TVec, TActivation>(ref float source, ref float destination, int rest)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, IActivation
    {
        Span<float> last = stackalloc float[16];
        TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Load(ref source)), ref MemoryMarshal.GetReference(last));
        last[..rest].CopyTo(MemoryMarshal.CreateSpan(ref destination, rest));
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

    /// <summary>No activation: a product's sums as they are (the batch-1 product's panel kernels without an activation).</summary>
    internal readonly struct Identity : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Invoke<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : struct => x;
    }

    internal readonly struct Relu : IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Invoke<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : struct => TOps.Relu(x);
    }
}
