using System.Runtime.CompilerServices;

namespace HighPerfRnn.Kernels;

/// <summary>
/// Vectorized tanh and sigmoid, one source for every width.
/// </summary>
/// <remarks>
/// tanh is the rational approximation Eigen and ONNX Runtime's MLAS use: x·P(x²)/Q(x²) with an odd degree-13
/// numerator and an even degree-6 denominator, on x clamped to ±7.90531110763549805 (beyond which float32
/// tanh rounds to ±1 within an ulp). Measured against double-precision tanh over the whole float range
/// (see ActivationAccuracyTests) its absolute error stays below 1e-6 — two orders below the 2e-5 budget
/// against PyTorch's float64 results. Lanes with |x| &lt; 4e-4 (where tanh(x) = x in float32) and NaN lanes
/// return x itself, so NaN flows through as in PyTorch; lanes with |x| ≥ 9 return exactly ±1, as float32 tanh does. sigmoid(x) = 0.5 + 0.5·tanh(x/2), exact identity,
/// so its absolute error is half of tanh's.
/// </remarks>
internal static class FastActivations
{
    private const float ClampLimit = 7.90531110763549805f;
    private const float TinyLimit = 0.0004f;

    /// <summary>From here on float32 tanh is exactly ±1 (1 − tanh(9) ≈ 3e-8 rounds away): returned as such, so that
    /// saturated gates are exactly 0 and 1 and an infinite state times a closed gate is NaN, as in PyTorch.</summary>
    private const float SaturationLimit = 9f;

    // Numerator coefficients (odd powers), highest first.
    private const float Alpha13 = -2.76076847742355e-16f;
    private const float Alpha11 = 2.00018790482477e-13f;
    private const float Alpha9 = -8.60467152213735e-11f;
    private const float Alpha7 = 5.12229709037114e-08f;
    private const float Alpha5 = 1.48572235717979e-05f;
    private const float Alpha3 = 6.37261928875436e-04f;
    private const float Alpha1 = 4.89352455891786e-03f;

    // Denominator coefficients (even powers), highest first.
    private const float Beta6 = 1.19825839466702e-06f;
    private const float Beta4 = 1.18534705686654e-04f;
    private const float Beta2 = 2.26843463243900e-03f;
    private const float Beta0 = 4.89352518554385e-03f;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Tanh<TOps, TVec>(TVec x)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec clamped = TOps.ClampSymmetric(x, TOps.Broadcast(ClampLimit));
        TVec x2 = TOps.Multiply(clamped, clamped);

        // The numerator's polynomial in x² by Estrin's scheme rather than Horner's: three levels of independent
        // FMAs instead of a chain of six. At batch 1 a step's latency is this chain plus the dot product's, so the
        // shorter chain is a shorter step; the rounding differs from Horner's far below the error bound.
        TVec x4 = TOps.Multiply(x2, x2);
        TVec low = TOps.MultiplyAdd(x2, TOps.Broadcast(Alpha3), TOps.Broadcast(Alpha1));
        TVec middle = TOps.MultiplyAdd(x2, TOps.Broadcast(Alpha7), TOps.Broadcast(Alpha5));
        TVec high = TOps.MultiplyAdd(x2, TOps.Broadcast(Alpha11), TOps.Broadcast(Alpha9));
        TVec x8 = TOps.Multiply(x4, x4);
        low = TOps.MultiplyAdd(x4, middle, low);
        high = TOps.MultiplyAdd(x4, TOps.Broadcast(Alpha13), high);
        TVec p = TOps.Multiply(clamped, TOps.MultiplyAdd(x8, high, low));

        TVec q = TOps.MultiplyAdd(x2, TOps.Broadcast(Beta6), TOps.Broadcast(Beta4));
        q = TOps.MultiplyAdd(x2, q, TOps.Broadcast(Beta2));
        q = TOps.MultiplyAdd(x2, q, TOps.Broadcast(Beta0));

        TVec rational = TOps.SelectWhereSmallOrNaN(x, TOps.Broadcast(TinyLimit), TOps.Divide(p, q));
        return TOps.SaturateWhereLarge(x, TOps.Broadcast(SaturationLimit), rational);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TVec Sigmoid<TOps, TVec>(TVec x)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec half = TOps.Broadcast(0.5f);
        return TOps.MultiplyAdd(half, Tanh<TOps, TVec>(TOps.Multiply(half, x)), half);
    }

    /// <summary>Scalar tanh with exactly the vector path's arithmetic, for the scalar path and for tests.</summary>
    public static float Tanh(float x) => Tanh<ScalarOps, float>(x);

    /// <summary>Scalar sigmoid with exactly the vector path's arithmetic.</summary>
    public static float Sigmoid(float x) => Sigmoid<ScalarOps, float>(x);
}
