namespace HighPerfRnn.Kernels;

/// <summary>
/// The handful of vector operations the kernels need, for one vector width. The kernels are generic over a
/// struct implementing this, so the JIT compiles one specialized copy per width with every call inlined
/// (the pattern of TensorPrimitives' operators): one kernel source, four instruction-set paths.
/// </summary>
/// <typeparam name="TVec">The vector type: <c>Vector512&lt;float&gt;</c>, <c>Vector256&lt;float&gt;</c>, <c>Vector128&lt;float&gt;</c> or <c>float</c>.</typeparam>
internal interface IVectorOps<TVec>
    where TVec : struct
{
    /// <summary>Floats per vector.</summary>
    static abstract int Count { get; }

    static abstract TVec Zero { get; }

    static abstract TVec Broadcast(float value);

    /// <summary>Loads <see cref="Count"/> floats; no alignment required. Unchecked: the caller guarantees Count floats are in bounds.</summary>
    static abstract TVec Load(ref readonly float source);

    /// <summary>Stores <see cref="Count"/> floats; no alignment required. Unchecked: the caller guarantees Count floats are in bounds.</summary>
    static abstract void Store(TVec value, ref float destination);

    static abstract TVec Add(TVec left, TVec right);

    static abstract TVec Subtract(TVec left, TVec right);

    static abstract TVec Multiply(TVec left, TVec right);

    static abstract TVec Divide(TVec left, TVec right);

    /// <summary>left × right + addend: rounded once where the CPU has FMA, else a multiply then an add (<see cref="Numerics.FusedMultiplyAddInHardware"/>).</summary>
    static abstract TVec MultiplyAdd(TVec left, TVec right, TVec addend);

    /// <summary>Clamps to [-limit, limit]; NaN may come out as either bound (callers restore NaN themselves).</summary>
    static abstract TVec ClampSymmetric(TVec value, TVec limit);

    /// <summary>Per lane: <paramref name="value"/> where |value| is not ≥ <paramref name="threshold"/> (small values and NaN), else <paramref name="otherwise"/>.</summary>
    static abstract TVec SelectWhereSmallOrNaN(TVec value, TVec threshold, TVec otherwise);

    /// <summary>Per lane: ±1 with the sign of <paramref name="value"/> where |value| ≥ <paramref name="threshold"/>, else <paramref name="otherwise"/> (NaN gives otherwise).</summary>
    static abstract TVec SaturateWhereLarge(TVec value, TVec threshold, TVec otherwise);

    /// <summary>max(value, 0) with NaN passed through, as <c>torch.relu</c>.</summary>
    static abstract TVec Relu(TVec value);
}
