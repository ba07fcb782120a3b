using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HighPerfRnn.Kernels;

/// <summary>
/// The whole time loop of a batch-1 Elman layer: one direction, or both advanced together. At batch 1 a step is one
/// matrix-vector product and an activation, a few hundred nanoseconds or less, so what a general step costs around
/// that (building its arguments, slicing, a second pass for the activation) is a large share of it. Here each step
/// is one call of the activated single-row product, in place on the step's pre-activation row: that row becomes
/// h_t, and the next step reads it as h_{t−1}.
/// </summary>
/// <remarks>
/// <para>
/// The arithmetic is exactly the general step's (<see cref="RuntimeStepKernel"/>): the same single-row product,
/// the same panel order per step, the same activation, so results are bit-identical to it (and to Step).
/// </para>
/// <para>
/// Declared models' batch-1 Elman layers run it too, in Forward and Step alike, rather than their generated kernel
/// handed each step: measured in alternation in one process, the generated per-step path was 1.2× (hidden 128) to
/// 2.7× (hidden 16–32) slower per Step, and took 13–23% longer per Forward pass at hidden 64 and 128.
/// </para>
/// </remarks>
internal static class ElmanSequenceKernel
{
    /// <summary>One direction of the layer: its recurrent weights, its pre-activation rows (which it turns into h) and its initial state.</summary>
    internal readonly ref struct Direction
    {
        /// <param name="recurrentWeights">W_hh packed in panels of the path's width, <paramref name="hidden"/> deep.</param>
        /// <param name="rows">Pre-activations, <paramref name="seqLen"/> rows of <paramref name="rowWidth"/> floats (whole panels), row t at t·<paramref name="timeStride"/>; overwritten with h.</param>
        /// <param name="rowWidth">Floats per row: the gate rows padded to whole panels.</param>
        /// <param name="hidden">Hidden features: the depth of the product.</param>
        /// <param name="seqLen">Rows of <paramref name="rows"/>.</param>
        /// <param name="initialState">h0 of this direction (hidden floats), or empty for zeros.</param>
        /// <param name="backward">Whether time runs from the last row to the first.</param>
        /// <param name="timeStride">Floats from row t to row t + 1: <paramref name="rowWidth"/> (0) for one sequence's own rows, batch × <paramref name="rowWidth"/> for one row of a time-major batch.</param>
        public Direction(ReadOnlySpan<float> recurrentWeights, Span<float> rows, int rowWidth, int hidden, int seqLen, ReadOnlySpan<float> initialState, bool backward, int timeStride = 0)
        {
            // These checks are what make the unchecked addressing in the loop sound.
            timeStride = timeStride == 0 ? rowWidth : timeStride;
            ArgumentOutOfRangeException.ThrowIfLessThan(rowWidth, hidden);
            ArgumentOutOfRangeException.ThrowIfLessThan(timeStride, rowWidth);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
            ArgumentOutOfRangeException.ThrowIfLessThan(rows.Length, ((long)(seqLen - 1) * timeStride) + rowWidth, nameof(rows));
            ArgumentOutOfRangeException.ThrowIfLessThan(recurrentWeights.Length, (long)rowWidth * hidden, nameof(recurrentWeights));
            if (!initialState.IsEmpty)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(initialState.Length, hidden, nameof(initialState));
            }

            RecurrentWeights = recurrentWeights;
            Rows = rows;
            RowWidth = rowWidth;
            RowStride = timeStride;
            Hidden = hidden;
            InitialState = initialState;
            Backward = backward;
        }

        /// <summary>
        /// A one-vector direction (hidden = the vector width; its rows may be wider, e.g. the output's columns) that also projects its own
        /// input: each step starts from bias + W_ih·x_t instead of a pre-activation row projected beforehand. The rows
        /// then only hold h. The sums are the projection's (bias + W_ih·x in the one order) continued by the
        /// recurrent ones, exactly as when the product writes the row and the step reads it back: the same bits.
        /// </summary>
        /// <param name="recurrentWeights">As for the constructor.</param>
        /// <param name="rows">h of each step: row t at t·<paramref name="rowStride"/>, <paramref name="hidden"/> floats (so the rows may be the output's columns).</param>
        /// <param name="rowStride">Floats between rows, at least <paramref name="hidden"/>.</param>
        /// <param name="hidden">Hidden features: exactly one vector of the path.</param>
        /// <param name="seqLen">Time steps.</param>
        /// <param name="initialState">As for the constructor.</param>
        /// <param name="backward">As for the constructor.</param>
        /// <param name="input">The layer's input, row t at t·<paramref name="inputStride"/>, <paramref name="inputDepth"/> floats each.</param>
        /// <param name="inputStride">Floats between input rows.</param>
        /// <param name="inputDepth">Input features: the depth of the projection.</param>
        /// <param name="inputWeights">W_ih packed in one panel of the vector width, <paramref name="inputDepth"/> deep.</param>
        /// <param name="bias">The projection's bias: one vector.</param>
        public static Direction ProjectingInput(
            ReadOnlySpan<float> recurrentWeights, Span<float> rows, int rowStride, int hidden, int seqLen, ReadOnlySpan<float> initialState, bool backward,
            ReadOnlySpan<float> input, int inputStride, int inputDepth, ReadOnlySpan<float> inputWeights, ReadOnlySpan<float> bias)
        {
            // A step touches one vector (hidden floats) of a row and of h0, and one panel of each matrix:
            // these checks make its unchecked addressing sound (the kernel checks that hidden is its vector width).
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLen);
            ArgumentOutOfRangeException.ThrowIfLessThan(rowStride, hidden);
            ArgumentOutOfRangeException.ThrowIfLessThan(rows.Length, ((long)(seqLen - 1) * rowStride) + hidden, nameof(rows));
            ArgumentOutOfRangeException.ThrowIfLessThan(recurrentWeights.Length, (long)hidden * hidden, nameof(recurrentWeights));
            if (!initialState.IsEmpty)
            {
                ArgumentOutOfRangeException.ThrowIfLessThan(initialState.Length, hidden, nameof(initialState));
            }

            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDepth);
            ArgumentOutOfRangeException.ThrowIfLessThan(inputStride, inputDepth);
            ArgumentOutOfRangeException.ThrowIfLessThan(input.Length, ((long)(seqLen - 1) * inputStride) + inputDepth, nameof(input));
            ArgumentOutOfRangeException.ThrowIfLessThan(inputWeights.Length, (long)inputDepth * hidden, nameof(inputWeights));
            ArgumentOutOfRangeException.ThrowIfLessThan(bias.Length, hidden, nameof(bias));
            return new Direction
            {
                RecurrentWeights = recurrentWeights,
                Rows = rows,
                RowWidth = hidden,
                RowStride = rowStride,
                Hidden = hidden,
                InitialState = initialState,
                Backward = backward,
                Input = input,
                InputStride = inputStride,
                InputDepth = inputDepth,
                InputWeights = inputWeights,
                Bias = bias,
            };
        }

        public ReadOnlySpan<float> RecurrentWeights { get; private init; }

        public Span<float> Rows { get; private init; }

        /// <summary>Floats from one time step's row to the next.</summary>
        public int RowStride { get; private init; }

        /// <summary>Floats of a row the step reads and writes: whole panels (a projecting direction: one vector).</summary>
        public int RowWidth { get; private init; }

        public int Hidden { get; private init; }

        public ReadOnlySpan<float> InitialState { get; private init; }

        public bool Backward { get; private init; }

        /// <summary>Whether the direction projects its own input (<see cref="ProjectingInput"/>).</summary>
        public bool ProjectsInput => InputDepth > 0;

        public ReadOnlySpan<float> Input { get; private init; }

        public int InputStride { get; private init; }

        public int InputDepth { get; private init; }

        public ReadOnlySpan<float> InputWeights { get; private init; }

        public ReadOnlySpan<float> Bias { get; private init; }
    }

    /// <summary>
    /// Runs <paramref name="seqLen"/> steps of <paramref name="first"/> and, if <paramref name="hasSecond"/>, of
    /// <paramref name="second"/> in the same loop (their dependency chains are independent, so the CPU overlaps them).
    /// </summary>
    // Fully optimized from the first call, as the kernels it dispatches to (a switch: tiered PGO has nothing to learn here).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(SimdPath path, RnnNonlinearity nonlinearity, in Direction first, in Direction second, bool hasSecond, int seqLen)
    {
        bool relu = nonlinearity == RnnNonlinearity.Relu;
        switch (path)
        {
            case SimdPath.Vector512:
                if (relu) { Run<Vector512Ops, Vector512<float>, ActivationKernels.Relu>(first, second, hasSecond, seqLen); } else { Run<Vector512Ops, Vector512<float>, ActivationKernels.Tanh>(first, second, hasSecond, seqLen); }
                break;
            case SimdPath.Vector256:
                if (relu) { Run<Vector256Ops, Vector256<float>, ActivationKernels.Relu>(first, second, hasSecond, seqLen); } else { Run<Vector256Ops, Vector256<float>, ActivationKernels.Tanh>(first, second, hasSecond, seqLen); }
                break;
            case SimdPath.Vector128:
                if (relu) { Run<Vector128Ops, Vector128<float>, ActivationKernels.Relu>(first, second, hasSecond, seqLen); } else { Run<Vector128Ops, Vector128<float>, ActivationKernels.Tanh>(first, second, hasSecond, seqLen); }
                break;
            default:
                if (relu) { Run<ScalarOps, float, ActivationKernels.Relu>(first, second, hasSecond, seqLen); } else { Run<ScalarOps, float, ActivationKernels.Tanh>(first, second, hasSecond, seqLen); }
                break;
        }
    }

    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Run<TOps, TVec, TActivation>(in Direction first, in Direction second, bool hasSecond, int seqLen)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        if (first.ProjectsInput)
        {
            RunProjecting<TOps, TVec, TActivation>(first, second, hasSecond, seqLen);
            return;
        }

        for (int step = 0; step < seqLen; step++)
        {
            Step<TOps, TVec, TActivation>(first, step, seqLen);
            if (hasSecond)
            {
                Step<TOps, TVec, TActivation>(second, step, seqLen);
            }
        }
    }

    /// <summary>
    /// The loop for directions that project their own input, software-pipelined: each iteration first sums the next
    /// step's bias + W_ih·x (which does not wait for h), then finishes this step's sum with W_hh·h_{t−1}. Written in this
    /// order, the next input sums are in the CPU's window while the recurrent chain waits, so a step costs the
    /// recurrent chain and the activation only.
    /// </summary>
    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunProjecting<TOps, TVec, TActivation>(in Direction first, in Direction second, bool hasSecond, int seqLen)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        if (hasSecond && !second.ProjectsInput)
        {
            throw new ArgumentException("Both directions must project their input, or neither.", nameof(second));
        }

        // One vector per row and per panel: what ProjectingInput checked the spans for.
        if (first.Hidden != TOps.Count || (hasSecond && second.Hidden != TOps.Count))
        {
            throw new ArgumentException($"A direction that projects its input must be one {TOps.Count}-float vector wide.", nameof(first));
        }

        TVec firstSum = InputSum<TOps, TVec>(first, TimeOf(first, 0, seqLen));
        TVec secondSum = hasSecond ? InputSum<TOps, TVec>(second, TimeOf(second, 0, seqLen)) : TOps.Zero;
        for (int step = 0; step < seqLen; step++)
        {
            bool more = step + 1 < seqLen;
            TVec firstNext = more ? InputSum<TOps, TVec>(first, TimeOf(first, step + 1, seqLen)) : TOps.Zero;
            TVec secondNext = more && hasSecond ? InputSum<TOps, TVec>(second, TimeOf(second, step + 1, seqLen)) : TOps.Zero;
            FinishProjected<TOps, TVec, TActivation>(first, firstSum, step, seqLen);
            if (hasSecond)
            {
                FinishProjected<TOps, TVec, TActivation>(second, secondSum, step, seqLen);
            }

            firstSum = firstNext;
            secondSum = secondNext;
        }
    }

    private static int TimeOf(in Direction d, int step, int seqLen) => d.Backward ? seqLen - 1 - step : step;

    /// <summary>bias + W_ih·x_t: the start of step t's sum, in the order the input product computes it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec InputSum<TOps, TVec>(in Direction d, int time)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        ref float x = ref Unsafe.Add(ref MemoryMarshal.GetReference(d.Input), time * d.InputStride);
        return AddProducts<TOps, TVec>(TOps.Load(ref MemoryMarshal.GetReference(d.Bias)), ref x, ref MemoryMarshal.GetReference(d.InputWeights), d.InputDepth);
    }

    /// <summary>sum + Σₖ v[k]·panel[k] over one panel, in the library's one order (<see cref="PackedGemm.ChunkedSum"/>): every chain of this kernel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec AddProducts<TOps, TVec>(TVec sum, ref float v, ref float panel, int depth)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        => PackedGemm.ChunkedSum<TOps, TVec>(sum, ref v, ref panel, SummationOrder.Of(depth));

    // Fully optimized from the first call: tier-0 SIMD code is tens of times slower, and on a busy machine a kernel was
    // seen to stay there (or in OSR) for a second of calls after warm-up.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Step<TOps, TVec, TActivation>(in Direction d, int step, int seqLen)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        int width = TOps.Count;
        int stride = d.RowStride;
        int panels = d.RowWidth / width;
        int time = d.Backward ? seqLen - 1 - step : step;
        ref float rows = ref MemoryMarshal.GetReference(d.Rows);
        ref float row = ref Unsafe.Add(ref rows, time * stride);
        if (step == 0 && d.InitialState.IsEmpty)
        {
            // h_{−1} = 0: no product, as the general step (h_t = act(pre_t)).
            for (int panel = 0; panel < panels; panel++)
            {
                ref float p = ref Unsafe.Add(ref row, panel * width);
                TOps.Store(TActivation.Invoke<TOps, TVec>(TOps.Load(ref p)), ref p);
            }

            return;
        }

        ref float previous = ref step == 0
            ? ref MemoryMarshal.GetReference(d.InitialState)
            : ref Unsafe.Add(ref rows, (d.Backward ? time + 1 : time - 1) * stride);
        if (panels == 1)
        {
            // Hidden within one vector (the smallest models, where a step is a few dozen nanoseconds): the one chain
            // written out here, small enough for the JIT to inline the activation, which it does not in SingleRow.
            TVec sum = AddProducts<TOps, TVec>(TOps.Load(ref row), ref previous, ref MemoryMarshal.GetReference(d.RecurrentWeights), d.Hidden);
            TOps.Store(TActivation.Invoke<TOps, TVec>(sum), ref row);
            return;
        }

        PackedGemm.SingleRow<TOps, TVec, TActivation>(
            ref previous, ref MemoryMarshal.GetReference(d.RecurrentWeights), d.Hidden * width, ref row, ref row, d.Hidden, panels, reverse: (step & 1) == 1);
    }

    /// <summary>
    /// Finishes step <paramref name="step"/> of a direction that projects its own input: <paramref name="sum"/> (bias +
    /// W_ih·x_t) + W_hh·h_{t−1} (nothing at the first step without h0), h = act(sum), into the row.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FinishProjected<TOps, TVec, TActivation>(in Direction d, TVec sum, int step, int seqLen)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        int time = TimeOf(d, step, seqLen);
        ref float rows = ref MemoryMarshal.GetReference(d.Rows);
        if (step > 0 || !d.InitialState.IsEmpty)
        {
            ref float previous = ref step == 0
                ? ref MemoryMarshal.GetReference(d.InitialState)
                : ref Unsafe.Add(ref rows, (d.Backward ? time + 1 : time - 1) * d.RowStride);
            sum = AddProducts<TOps, TVec>(sum, ref previous, ref MemoryMarshal.GetReference(d.RecurrentWeights), d.Hidden);
        }

        TOps.Store(TActivation.Invoke<TOps, TVec>(sum), ref Unsafe.Add(ref rows, time * d.RowStride));
    }
}
