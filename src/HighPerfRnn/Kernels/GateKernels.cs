using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HighPerfRnn.Kernels;

/// <summary>
/// The LSTM and GRU step epilogues: one fused pass over a row's gate pre-activations that applies the gate
/// activations and updates the state. Gate g of hidden unit j sits at column g·hidden + j of the row (PyTorch's
/// gate order), so each gate is read as an unaligned vector at its own offset; whole vectors first, then the
/// remaining units with the scalar instance of the same formulas.
/// </summary>
internal static class GateKernels
{
    /// <summary>
    /// LSTM: i, f, g, o = σ(pre[0..H)), σ(pre[H..2H)), tanh(pre[2H..3H)), σ(pre[3H..4H));
    /// c ← f⊙c + i⊙g; h = o⊙tanh(c). <paramref name="cell"/> is read and overwritten; <paramref name="hidden"/> receives h.
    /// <paramref name="preactivations"/> is scratch: the activated gates are written over it.
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Lstm(SimdPath path, Span<float> preactivations, Span<float> cell, Span<float> hidden, int hiddenSize)
    {
        // These bounds make every unchecked access below safe.
        if (preactivations.Length < 4 * hiddenSize || cell.Length < hiddenSize || hidden.Length < hiddenSize)
        {
            throw new ArgumentException("LSTM step buffers are shorter than the hidden size requires.", nameof(preactivations));
        }

        ref float pre = ref MemoryMarshal.GetReference(preactivations);
        ref float c = ref MemoryMarshal.GetReference(cell);
        ref float h = ref MemoryMarshal.GetReference(hidden);
        int j = path switch
        {
            SimdPath.Vector512 => LstmVectors<Vector512Ops, Vector512<float>>(ref pre, ref c, ref h, hiddenSize),
            SimdPath.Vector256 => LstmVectors<Vector256Ops, Vector256<float>>(ref pre, ref c, ref h, hiddenSize),
            SimdPath.Vector128 => LstmVectors<Vector128Ops, Vector128<float>>(ref pre, ref c, ref h, hiddenSize),
            _ => 0,
        };
        for (; j < hiddenSize; j++)
        {
            LstmLanes<ScalarOps, float>(ref pre, ref c, ref h, j, hiddenSize);
        }
    }

    /// <summary>
    /// GRU: r = σ(pre_r + hh_r), z = σ(pre_z + hh_z), n = tanh(pre_n + r⊙hh_n), h = (1 − z)⊙n + z⊙h_prev,
    /// where pre = W_ih·x + b_ih (+ b_hr, b_hz folded in) and hh = W_hh·h_prev (+ b_hn on the n rows).
    /// <paramref name="preactivations"/> is scratch: r and z are written over it.
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Gru(SimdPath path, Span<float> preactivations, ReadOnlySpan<float> recurrent, ReadOnlySpan<float> previous, Span<float> hidden, int hiddenSize)
    {
        // These bounds make every unchecked access below safe: GruLanes reads gate rows j .. j + Count of three
        // gate blocks and writes j .. j + Count of h, with j + Count ≤ hiddenSize.
        if (preactivations.Length < 3 * hiddenSize || recurrent.Length < 3 * hiddenSize || previous.Length < hiddenSize || hidden.Length < hiddenSize)
        {
            throw new ArgumentException("GRU step buffers are shorter than the hidden size requires.", nameof(preactivations));
        }

        ref float pre = ref MemoryMarshal.GetReference(preactivations);
        ref float hh = ref MemoryMarshal.GetReference(recurrent);
        ref float prev = ref MemoryMarshal.GetReference(previous);
        ref float h = ref MemoryMarshal.GetReference(hidden);
        int j = path switch
        {
            SimdPath.Vector512 => GruVectors<Vector512Ops, Vector512<float>>(ref pre, ref hh, ref prev, ref h, hiddenSize),
            SimdPath.Vector256 => GruVectors<Vector256Ops, Vector256<float>>(ref pre, ref hh, ref prev, ref h, hiddenSize),
            SimdPath.Vector128 => GruVectors<Vector128Ops, Vector128<float>>(ref pre, ref hh, ref prev, ref h, hiddenSize),
            _ => 0,
        };
        for (; j < hiddenSize; j++)
        {
            GruLanes<ScalarOps, float>(ref pre, ref hh, ref prev, ref h, j, hiddenSize);
        }
    }

    /// <summary>
    /// Whole vectors of units; returns the first unit not done. One pass per gate activation, each a loop with a
    /// single activation in it, the activated gates written over their pre-activations.
    /// </summary>
    /// <remarks>
    /// Why passes and not one loop body with all five activations: each activation needs ~17 vector constants, and
    /// with several inlined side by side the JIT keeps the constants in registers across all of them and spills the
    /// working values instead (measured: about a hundred stack loads and stores per iteration, on the critical path).
    /// A loop with one activation keeps its working values in registers and reloads only constants, off the
    /// dependency chain. Per unit the arithmetic is the same as <see cref="LstmLanes"/>: the results are identical.
    /// </remarks>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int LstmVectors<TOps, TVec>(ref float pre, ref float c, ref float h, int hiddenSize)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int full = hiddenSize - (hiddenSize % TOps.Count);
        ActivateInPlace<TOps, TVec, Sigmoid>(ref pre, full);
        ActivateInPlace<TOps, TVec, Sigmoid>(ref Unsafe.Add(ref pre, hiddenSize), full);
        ActivateInPlace<TOps, TVec, ActivationKernels.Tanh>(ref Unsafe.Add(ref pre, 2 * hiddenSize), full);
        ActivateInPlace<TOps, TVec, Sigmoid>(ref Unsafe.Add(ref pre, 3 * hiddenSize), full);
        for (int j = 0; j < full; j += TOps.Count)
        {
            TVec i = TOps.Load(ref Unsafe.Add(ref pre, j));
            TVec f = TOps.Load(ref Unsafe.Add(ref pre, hiddenSize + j));
            TVec g = TOps.Load(ref Unsafe.Add(ref pre, (2 * hiddenSize) + j));
            TVec o = TOps.Load(ref Unsafe.Add(ref pre, (3 * hiddenSize) + j));
            ref float cj = ref Unsafe.Add(ref c, j);
            TVec cNew = TOps.MultiplyAdd(f, TOps.Load(ref cj), TOps.Multiply(i, g));
            TOps.Store(cNew, ref cj);
            TOps.Store(TOps.Multiply(o, FastActivations.Tanh<TOps, TVec>(cNew)), ref Unsafe.Add(ref h, j));
        }

        return full;
    }

    /// <summary>As <see cref="LstmVectors"/> for the GRU: r and z activated in place in <paramref name="pre"/>, then n and h.</summary>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static int GruVectors<TOps, TVec>(ref float pre, ref float hh, ref float prev, ref float h, int hiddenSize)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int full = hiddenSize - (hiddenSize % TOps.Count);
        for (int gate = 0; gate < 2; gate++)
        {
            ref float p = ref Unsafe.Add(ref pre, gate * hiddenSize);
            ref float q = ref Unsafe.Add(ref hh, gate * hiddenSize);
            for (int j = 0; j < full; j += TOps.Count)
            {
                ref float pj = ref Unsafe.Add(ref p, j);
                TOps.Store(FastActivations.Sigmoid<TOps, TVec>(TOps.Add(TOps.Load(ref pj), TOps.Load(ref Unsafe.Add(ref q, j)))), ref pj);
            }
        }

        for (int j = 0; j < full; j += TOps.Count)
        {
            TVec r = TOps.Load(ref Unsafe.Add(ref pre, j));
            TVec z = TOps.Load(ref Unsafe.Add(ref pre, hiddenSize + j));
            int nOffset = (2 * hiddenSize) + j;
            TVec n = FastActivations.Tanh<TOps, TVec>(TOps.MultiplyAdd(r, TOps.Load(ref Unsafe.Add(ref hh, nOffset)), TOps.Load(ref Unsafe.Add(ref pre, nOffset))));
            TVec hPrev = TOps.Load(ref Unsafe.Add(ref prev, j));
            TOps.Store(TOps.MultiplyAdd(z, TOps.Subtract(hPrev, n), n), ref Unsafe.Add(ref h, j));
        }

        return full;
    }

    /// <summary>v = act(v) for the first <paramref name="count"/> floats (whole vectors) from <paramref name="values"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ActivateInPlace<TOps, TVec, TActivation>(ref float values, int count)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        for (int j = 0; j < count; j += TOps.Count)
        {
            ref float v = ref Unsafe.Add(ref values, j);
            TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Load(ref v)), ref v);
        }
    }

    private readonly struct Sigmoid : ActivationKernels.IActivation
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static TVec Invoke<TOps, TVec>(TVec x)
            where TOps : struct, IVectorOps<TVec>
            where TVec : struct => FastActivations.Sigmoid<TOps, TVec>(x);
    }

    /// <summary>Units j .. j + Count of the LSTM update (the caller keeps j + Count ≤ hiddenSize).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void LstmLanes<TOps, TVec>(ref float pre, ref float c, ref float h, int j, int hiddenSize)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec i = FastActivations.Sigmoid<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref pre, j)));
        TVec f = FastActivations.Sigmoid<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref pre, hiddenSize + j)));
        TVec g = FastActivations.Tanh<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref pre, (2 * hiddenSize) + j)));
        TVec o = FastActivations.Sigmoid<TOps, TVec>(TOps.Load(ref Unsafe.Add(ref pre, (3 * hiddenSize) + j)));
        ref float cj = ref Unsafe.Add(ref c, j);
        TVec cNew = TOps.MultiplyAdd(f, TOps.Load(ref cj), TOps.Multiply(i, g));
        TOps.Store(cNew, ref cj);
        TOps.Store(TOps.Multiply(o, FastActivations.Tanh<TOps, TVec>(cNew)), ref Unsafe.Add(ref h, j));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GruLanes<TOps, TVec>(ref float pre, ref float hh, ref float prev, ref float h, int j, int hiddenSize)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec r = FastActivations.Sigmoid<TOps, TVec>(TOps.Add(TOps.Load(ref Unsafe.Add(ref pre, j)), TOps.Load(ref Unsafe.Add(ref hh, j))));
        TVec z = FastActivations.Sigmoid<TOps, TVec>(TOps.Add(TOps.Load(ref Unsafe.Add(ref pre, hiddenSize + j)), TOps.Load(ref Unsafe.Add(ref hh, hiddenSize + j))));
        int nOffset = (2 * hiddenSize) + j;
        TVec n = FastActivations.Tanh<TOps, TVec>(TOps.MultiplyAdd(r, TOps.Load(ref Unsafe.Add(ref hh, nOffset)), TOps.Load(ref Unsafe.Add(ref pre, nOffset))));
        TVec hPrev = TOps.Load(ref Unsafe.Add(ref prev, j));

        // (1 − z)·n + z·h, computed as n + z·(h − n): one FMA; the two forms differ by rounding only.
        TOps.Store(TOps.MultiplyAdd(z, TOps.Subtract(hPrev, n), n), ref Unsafe.Add(ref h, j));
    }
}
