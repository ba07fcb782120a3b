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
/// Declared models' batch-1 Elman layers run it too where the plan does not pick their whole-model kernel, in Forward and
/// Step alike, rather than their generated step kernel handed each step: measured in alternation in one process, the generated per-step path was 1.2× (hidden 128) to
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

        if (hasSecond)
        {
            RunProjectingPair<TOps, TVec, TActivation>(first, second, seqLen);
            return;
        }

        // One chain: it waits on its own latency, which the pair's leaner loop does not shorten (measured 1.1–1.8× this
        // loop's time with it), so it keeps this one.
        TVec sum = InputSum<TOps, TVec>(first, TimeOf(first, 0, seqLen));
        for (int step = 0; step < seqLen; step++)
        {
            TVec next = step + 1 < seqLen ? InputSum<TOps, TVec>(first, TimeOf(first, step + 1, seqLen)) : TOps.Zero;
            FinishProjected<TOps, TVec, TActivation>(first, sum, step, seqLen);
            sum = next;
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
        => AddProducts<TOps, TVec>(sum, ref v, ref panel, SummationOrder.Of(depth));

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

    /// <summary>
    /// Two projecting chains in one loop (a row's two directions, or two rows of a unidirectional layer), pipelined as the
    /// one-chain loop.
    /// </summary>
    /// <remarks>
    /// Two chains overlap only as far as the core can issue both. Written as the one-chain loop, which reads the
    /// directions' fields from memory at every step (the JIT cannot keep them in registers across the stores of h) and
    /// works out the sums' chunk lengths at every step, a step was about 160 instructions per chain, and two chains took
    /// 1.6× one. Here each chain is a <see cref="ProjectingChain"/> whose offsets and references the JIT keeps in
    /// registers, its input sum's chunk lengths are worked out once, and the recurrent sum, one vector deep, is written
    /// out (<see cref="OneVectorProduct"/>): a step of both directions of nn.RNN(5, 8, bidirectional=True) took 0.73–0.78
    /// of the time at 30 steps and more (22–25 ns against 29–31, paired in one process, AMD EPYC Zen 3). One copy of each
    /// sum and of the activation per chain (the first step's "no h0" is a branch, not a copy): more copies pushed the
    /// method past the JIT's inlining budget, and its vector operations became calls.
    /// </remarks>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void RunProjectingPair<TOps, TVec, TActivation>(in Direction first, in Direction second, int seqLen)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TActivation : struct, ActivationKernels.IActivation
    {
        var a = new ProjectingChain(first, seqLen);
        var b = new ProjectingChain(second, seqLen);
        TVec sumA = a.NextInputSum<TOps, TVec>();
        TVec sumB = b.NextInputSum<TOps, TVec>();
        for (int step = 0; step < seqLen; step++)
        {
            TVec nextA = TOps.Zero, nextB = TOps.Zero;
            if (step + 1 < seqLen)
            {
                nextA = a.NextInputSum<TOps, TVec>();
                nextB = b.NextInputSum<TOps, TVec>();
            }

            a.Finish<TOps, TVec, TActivation>(sumA, step);
            b.Finish<TOps, TVec, TActivation>(sumB, step);
            sumA = nextA;
            sumB = nextB;
        }
    }

    /// <summary>sum + Σₖ v[k]·panel[k] over one panel, in the library's one order, its chunks' lengths computed once by the caller.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec AddProducts<TOps, TVec>(TVec sum, ref float v, ref float panel, SummationOrder order)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        => PackedGemm.ChunkedSum<TOps, TVec>(sum, ref v, ref panel, order);

    /// <summary>
    /// sum + W_hh·h for a hidden state of exactly one vector: <see cref="PackedGemm.ChunkedSum"/> at depth = the vector
    /// width, written out. The depth is a constant of the instance (4, 8 or 16: chunks of 1, 2 or 4 terms, no lead), but
    /// the JIT does not unroll the sum's loop for it, and its loop control is a large share of a step of nn.RNN(5, 8).
    /// The chunks are <see cref="SummationOrder"/>'s, as everywhere; the same terms in the same order: term j of chunk c
    /// is k = c·q + j, chunk 0 onto sum, chunks 1–3 from +0, joined as (s0 + s1) + (s2 + s3).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec OneVectorProduct<TOps, TVec>(TVec sum, ref float h, ref float panel)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        // Constants of the instance, so the JIT keeps one of these paths: written out where the order has no lead and
        // chunks of 1, 2 or 4 terms (the 128-, 256- and 512-bit vectors), the general sum otherwise (the scalar path).
        SummationOrder order = SummationOrder.Of(TOps.Count);
        int q = order.ChunkLength;
        if (order.Lead != 0 || q is not (1 or 2 or 4))
        {
            return PackedGemm.ChunkedSum<TOps, TVec>(sum, ref h, ref panel, order);
        }

        TVec s0 = sum, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
        ChunkTerms<TOps, TVec>(ref s0, ref s1, ref s2, ref s3, ref h, ref panel, q, 0);
        if (q > 1)
        {
            ChunkTerms<TOps, TVec>(ref s0, ref s1, ref s2, ref s3, ref h, ref panel, q, 1);
        }

        if (q > 2)
        {
            ChunkTerms<TOps, TVec>(ref s0, ref s1, ref s2, ref s3, ref h, ref panel, q, 2);
            ChunkTerms<TOps, TVec>(ref s0, ref s1, ref s2, ref s3, ref h, ref panel, q, 3);
        }

        return TOps.Add(TOps.Add(s0, s1), TOps.Add(s2, s3));
    }

    /// <summary>Term <paramref name="j"/> of each of the four chunks of <paramref name="q"/> terms: k = j, q + j, 2q + j, 3q + j.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void ChunkTerms<TOps, TVec>(ref TVec s0, ref TVec s1, ref TVec s2, ref TVec s3, ref float h, ref float panel, int q, int j)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        s0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref h, j)), TOps.Load(ref Unsafe.Add(ref panel, j * width)), s0);
        s1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref h, q + j)), TOps.Load(ref Unsafe.Add(ref panel, (q + j) * width)), s1);
        s2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref h, (2 * q) + j)), TOps.Load(ref Unsafe.Add(ref panel, ((2 * q) + j) * width)), s2);
        s3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref h, (3 * q) + j)), TOps.Load(ref Unsafe.Add(ref panel, ((3 * q) + j) * width)), s3);
    }

    /// <summary>
    /// One projecting direction as the loop walks it: offsets that move one time step per step (backward: from the last
    /// row down) and what its sums read, taken from the <see cref="Direction"/> once, so the loop keeps them in registers
    /// instead of reading them again after every store of h.
    /// </summary>
    private ref struct ProjectingChain
    {
        // Rows are addressed as a fixed reference plus a moving offset (not a moving reference), so that nothing ever
        // points outside the buffers once the walk has passed their last (or, backward, first) row.
        private readonly ref float _inputRows;
        private nint _input;                   // offset of x of the next step whose input sum is taken
        private readonly nint _inputStep;      // ± floats from one step's x to the next step's
        private readonly ref float _hRows;
        private nint _h;                       // offset of the row the next finished step writes
        private readonly nint _hStep;          // ± floats from one step's h row to the next step's
        private ref readonly float _previous;  // h_{t−1}: h0 before the first step
        private readonly ref readonly float _recurrentWeights;
        private readonly ref readonly float _inputWeights;
        private readonly ref readonly float _bias;
        private readonly SummationOrder _inputOrder;
        private readonly bool _hasInitialState;

        // Inlined, so that the JIT keeps the fields in registers: a constructor call takes the struct's address.
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public ProjectingChain(in Direction d, int seqLen)
        {
            nint firstTime = d.Backward ? seqLen - 1 : 0;
            nint sign = d.Backward ? -1 : 1;
            _inputRows = ref MemoryMarshal.GetReference(d.Input);
            _input = firstTime * d.InputStride;
            _inputStep = sign * d.InputStride;
            _hRows = ref MemoryMarshal.GetReference(d.Rows);
            _h = firstTime * d.RowStride;
            _hStep = sign * d.RowStride;
            _previous = ref MemoryMarshal.GetReference(d.InitialState);
            _hasInitialState = !d.InitialState.IsEmpty;
            _recurrentWeights = ref MemoryMarshal.GetReference(d.RecurrentWeights);
            _inputWeights = ref MemoryMarshal.GetReference(d.InputWeights);
            _bias = ref MemoryMarshal.GetReference(d.Bias);
            _inputOrder = SummationOrder.Of(d.InputDepth);
        }

        /// <summary>bias + W_ih·x of the next step not yet summed, in the order the input product computes it; moves on one step.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public TVec NextInputSum<TOps, TVec>()
            where TOps : struct, IVectorOps<TVec>
            where TVec : struct
        {
            TVec sum = AddProducts<TOps, TVec>(TOps.Load(in _bias), ref Unsafe.Add(ref _inputRows, _input), ref Unsafe.AsRef(in _inputWeights), _inputOrder);
            _input += _inputStep;
            return sum;
        }

        /// <summary>
        /// Step <paramref name="step"/>: <paramref name="sum"/> (bias + W_ih·x_t) + W_hh·h_{t−1} (nothing at the first step
        /// without h0), h = act(sum), into the step's row.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Finish<TOps, TVec, TActivation>(TVec sum, int step)
            where TOps : struct, IVectorOps<TVec>
            where TVec : struct
            where TActivation : struct, ActivationKernels.IActivation
        {
            if (step > 0 || _hasInitialState)
            {
                sum = OneVectorProduct<TOps, TVec>(sum, ref Unsafe.AsRef(in _previous), ref Unsafe.AsRef(in _recurrentWeights));
            }

            ref float row = ref Unsafe.Add(ref _hRows, _h);
            TOps.Store(TActivation.Invoke<TOps, TVec>(sum), ref row);
            _previous = ref row;
            _h += _hStep;
        }
    }
}
