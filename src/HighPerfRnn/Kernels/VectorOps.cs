using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace HighPerfRnn.Kernels;

// One IVectorOps implementation per width. Each is a thin, inlinable wrapper over System.Runtime.Intrinsics;
// MultiplyAdd is a fused multiply-add (one rounding) on every width where the CPU has FMA (docs/numerics.md), and a
// multiply then an add where it has not (Numerics.FusedMultiplyAddInHardware, spelled out here so the check costs the
// JIT's inliner no extra level: the exact software FMA was 80× slower).
// Never MultiplyAddEstimate, which leaves the choice to the runtime, so one process could mix both.

/// <summary>512-bit vectors (AVX-512F).</summary>
internal readonly struct Vector512Ops : IVectorOps<Vector512<float>>
{
    public static int Count => Vector512<float>.Count;

    public static Vector512<float> Zero => Vector512<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Broadcast(float value) => Vector512.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Load(ref readonly float source) => Vector512.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector512<float> value, ref float destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Add(Vector512<float> left, Vector512<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Subtract(Vector512<float> left, Vector512<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Multiply(Vector512<float> left, Vector512<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Divide(Vector512<float> left, Vector512<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> MultiplyAdd(Vector512<float> left, Vector512<float> right, Vector512<float> addend)
        => Fma.IsSupported || AdvSimd.IsSupported ? Vector512.FusedMultiplyAdd(left, right, addend) : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> ClampSymmetric(Vector512<float> value, Vector512<float> limit)
        => Vector512.MinNative(Vector512.MaxNative(value, -limit), limit);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SelectWhereSmallOrNaN(Vector512<float> value, Vector512<float> threshold, Vector512<float> otherwise)
        => Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(value), threshold), otherwise, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> SaturateWhereLarge(Vector512<float> value, Vector512<float> threshold, Vector512<float> otherwise)
        => Vector512.ConditionalSelect(Vector512.GreaterThanOrEqual(Vector512.Abs(value), threshold), Vector512.CopySign(Vector512<float>.One, value), otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> Relu(Vector512<float> value) => Vector512.Max(value, Vector512<float>.Zero);
}

/// <summary>256-bit vectors (AVX2 and FMA).</summary>
internal readonly struct Vector256Ops : IVectorOps<Vector256<float>>
{
    public static int Count => Vector256<float>.Count;

    public static Vector256<float> Zero => Vector256<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Broadcast(float value) => Vector256.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Load(ref readonly float source) => Vector256.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector256<float> value, ref float destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Add(Vector256<float> left, Vector256<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Subtract(Vector256<float> left, Vector256<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Multiply(Vector256<float> left, Vector256<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Divide(Vector256<float> left, Vector256<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> MultiplyAdd(Vector256<float> left, Vector256<float> right, Vector256<float> addend)
        => Fma.IsSupported || AdvSimd.IsSupported ? Vector256.FusedMultiplyAdd(left, right, addend) : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> ClampSymmetric(Vector256<float> value, Vector256<float> limit)
        => Vector256.MinNative(Vector256.MaxNative(value, -limit), limit);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SelectWhereSmallOrNaN(Vector256<float> value, Vector256<float> threshold, Vector256<float> otherwise)
        => Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(Vector256.Abs(value), threshold), otherwise, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> SaturateWhereLarge(Vector256<float> value, Vector256<float> threshold, Vector256<float> otherwise)
        => Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(Vector256.Abs(value), threshold), Vector256.CopySign(Vector256<float>.One, value), otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> Relu(Vector256<float> value) => Vector256.Max(value, Vector256<float>.Zero);
}

/// <summary>128-bit vectors (SSE, NEON).</summary>
internal readonly struct Vector128Ops : IVectorOps<Vector128<float>>
{
    public static int Count => Vector128<float>.Count;

    public static Vector128<float> Zero => Vector128<float>.Zero;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Broadcast(float value) => Vector128.Create(value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Load(ref readonly float source) => Vector128.LoadUnsafe(in source);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(Vector128<float> value, ref float destination) => value.StoreUnsafe(ref destination);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Add(Vector128<float> left, Vector128<float> right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Subtract(Vector128<float> left, Vector128<float> right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Multiply(Vector128<float> left, Vector128<float> right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Divide(Vector128<float> left, Vector128<float> right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> MultiplyAdd(Vector128<float> left, Vector128<float> right, Vector128<float> addend)
        => Fma.IsSupported || AdvSimd.IsSupported ? Vector128.FusedMultiplyAdd(left, right, addend) : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> ClampSymmetric(Vector128<float> value, Vector128<float> limit)
        => Vector128.MinNative(Vector128.MaxNative(value, -limit), limit);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SelectWhereSmallOrNaN(Vector128<float> value, Vector128<float> threshold, Vector128<float> otherwise)
        => Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(Vector128.Abs(value), threshold), otherwise, value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> SaturateWhereLarge(Vector128<float> value, Vector128<float> threshold, Vector128<float> otherwise)
        => Vector128.ConditionalSelect(Vector128.GreaterThanOrEqual(Vector128.Abs(value), threshold), Vector128.CopySign(Vector128<float>.One, value), otherwise);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> Relu(Vector128<float> value) => Vector128.Max(value, Vector128<float>.Zero);
}

/// <summary>Plain floats: the path for CPUs (or runtime settings) without usable SIMD.</summary>
internal readonly struct ScalarOps : IVectorOps<float>
{
    public static int Count => 1;

    public static float Zero => 0f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Broadcast(float value) => value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ref readonly float source) => source;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(float value, ref float destination) => destination = value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Add(float left, float right) => left + right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Subtract(float left, float right) => left - right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Multiply(float left, float right) => left * right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Divide(float left, float right) => left / right;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float MultiplyAdd(float left, float right, float addend)
        => Fma.IsSupported || AdvSimd.IsSupported ? MathF.FusedMultiplyAdd(left, right, addend) : (left * right) + addend;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float ClampSymmetric(float value, float limit) => value > limit ? limit : (value < -limit ? -limit : value);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SelectWhereSmallOrNaN(float value, float threshold, float otherwise)
        => MathF.Abs(value) >= threshold ? otherwise : value;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float SaturateWhereLarge(float value, float threshold, float otherwise)
        => MathF.Abs(value) >= threshold ? MathF.CopySign(1f, value) : otherwise;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Relu(float value) => value > 0f || float.IsNaN(value) ? value : 0f;
}
