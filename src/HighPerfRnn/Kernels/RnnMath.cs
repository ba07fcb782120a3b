using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace HighPerfRnn.Kernels;

/// <summary>
/// The runtime's activations as public, inlinable functions, for the step kernels the source generator emits into
/// user assemblies (which can only call public API). Each overload forwards to the very code the runtime kernels run
/// (<c>FastActivations</c> and the per-width vector operations), so generated and runtime-sized models share
/// one approximation of tanh, with its error bound (below 1e-6 absolute), one sigmoid (0.5 + 0.5·tanh(x/2), below
/// 5e-7 absolute), and one NaN behaviour.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class RnnMath
{
    /// <summary>tanh of each lane: the rational approximation of the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Tanh(Vector512<float> x) => FastActivations.Tanh<Vector512Ops, Vector512<float>>(x);

    /// <summary>tanh of each lane: the rational approximation of the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Tanh(Vector256<float> x) => FastActivations.Tanh<Vector256Ops, Vector256<float>>(x);

    /// <summary>tanh of each lane: the rational approximation of the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Tanh(Vector128<float> x) => FastActivations.Tanh<Vector128Ops, Vector128<float>>(x);

    /// <summary>tanh with exactly the vector paths' arithmetic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Tanh(float x) => FastActivations.Tanh<ScalarOps, float>(x);

    /// <summary>sigmoid of each lane, 0.5 + 0.5·tanh(x/2): the LSTM and GRU gates of the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Sigmoid(Vector512<float> x) => FastActivations.Sigmoid<Vector512Ops, Vector512<float>>(x);

    /// <summary>sigmoid of each lane, 0.5 + 0.5·tanh(x/2): the LSTM and GRU gates of the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Sigmoid(Vector256<float> x) => FastActivations.Sigmoid<Vector256Ops, Vector256<float>>(x);

    /// <summary>sigmoid of each lane, 0.5 + 0.5·tanh(x/2): the LSTM and GRU gates of the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Sigmoid(Vector128<float> x) => FastActivations.Sigmoid<Vector128Ops, Vector128<float>>(x);

    /// <summary>sigmoid with exactly the vector paths' arithmetic.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sigmoid(float x) => FastActivations.Sigmoid<ScalarOps, float>(x);

    /// <summary>max(x, 0) per lane, NaN passed through, as <c>torch.relu</c> and the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Relu(Vector512<float> x) => Vector512Ops.Relu(x);

    /// <summary>max(x, 0) per lane, NaN passed through, as <c>torch.relu</c> and the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> x) => Vector256Ops.Relu(x);

    /// <summary>max(x, 0) per lane, NaN passed through, as <c>torch.relu</c> and the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Relu(Vector128<float> x) => Vector128Ops.Relu(x);

    /// <summary>max(x, 0), NaN passed through, as <c>torch.relu</c> and the runtime kernels.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float x) => ScalarOps.Relu(x);

    /// <summary>x × y + a as every runtime kernel computes it: fused where the CPU has FMA (see <see cref="Numerics.FusedMultiplyAddInHardware"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> x, Vector512<float> y, Vector512<float> a) => Vector512Ops.MultiplyAdd(x, y, a);

    /// <summary>x × y + a as every runtime kernel computes it: fused where the CPU has FMA (see <see cref="Numerics.FusedMultiplyAddInHardware"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> x, Vector256<float> y, Vector256<float> a) => Vector256Ops.MultiplyAdd(x, y, a);

    /// <summary>x × y + a as every runtime kernel computes it: fused where the CPU has FMA (see <see cref="Numerics.FusedMultiplyAddInHardware"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> x, Vector128<float> y, Vector128<float> a) => Vector128Ops.MultiplyAdd(x, y, a);

    /// <summary>x × y + a as every runtime kernel computes it: fused where the CPU has FMA (see <see cref="Numerics.FusedMultiplyAddInHardware"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float x, float y, float a) => ScalarOps.MultiplyAdd(x, y, a);
}
