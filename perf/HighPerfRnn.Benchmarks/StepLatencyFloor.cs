using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using HighPerfRnn.Kernels;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// <c>-- --latency-floor</c>: the least time a batch-1 Elman, LSTM or GRU step can take on this core, whatever the code
/// around it: the chain of dependent operations the library's arithmetic fixes, timed alone, with every value in
/// registers (no loads of h, no stores, no call, no checks).
/// </summary>
/// <remarks>
/// Per step: the product's chunk 0 (hidden / 4 FMAs in a row, the other chunks running beside it) and its two joins,
/// (s0 + s1) + (s2 + s3); then the activations and the state update, each gate's activation computed on the product's
/// result. Without feedback (a Forward over a known sequence) only the recurrent product is on the chain (the input
/// product can run ahead); with feedback (RTNeural's loop: the output is the next input) the input product is too:
/// for the Elman RNN and the LSTM before the recurrent product, whose chunk 0 starts from its sum (docs/numerics.md);
/// for the GRU beside it (the reset gate needs W_hn·h apart, so the two sums meet in the gates). The activations are
/// the library's (<c>FastActivations</c>: the rational tanh with its division, sigmoid = 0.5 + 0.5·tanh(x/2)); the
/// bit-for-bit guarantee fixes their formula, so this is a floor for every kernel that keeps the guarantee. Vector
/// widths as the planner picks them at batch 1: 256-bit for hidden 8, 512-bit above, where the hardware has it.
/// <para>
/// The limits use that registers-only chain, in which every term multiplies h itself. A kernel's product broadcasts
/// each lane of h on its own (term k multiplies h[k] in every lane), and a <c>Step</c> hands h to the next call through
/// the caller's state row; <c>-- --latency-floor</c> also times that chain, h stored and each term broadcasting its lane
/// back from the row, the four chunks side by side: the least a step written against the API can take (session 27 on
/// Zen 5: Elman 8 18.3 ns against 15.1 in registers, Elman 16 22.6 against 17.1, LSTM 16 42.9 against 39.3).
/// </para>
/// </remarks>
public static class StepLatencyFloor
{
    private const int StepsPerBlock = 200_000;

    public static void Run()
    {
        Console.WriteLine("Latency floor of one batch-1 step (the arithmetic's dependency chain alone, registers only), best of 7 blocks;");
        Console.WriteLine("and the same chain with h stored and each product term broadcasting its lane back from the row (what a kernel does):");
        foreach (int hidden in new[] { 8, 16, 32 })
        {
            foreach (RnnCell cell in new[] { RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru })
            {
                double recurrentOnly = Time<InRegisters>(cell, hidden, products: 1);
                double fedBack = Time<InRegisters>(cell, hidden, products: 2);
                double throughMemory = Time<ThroughMemory>(cell, hidden, products: 1);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cell,-5} {hidden,3}: {recurrentOnly,6:F1} ns (the recurrent product on the chain)  {fedBack,6:F1} ns (output fed back: both products)  {throughMemory,6:F1} ns (recurrent, h's lanes from memory)"));
            }
        }
    }

    /// <summary>
    /// The floor of one step (ns), best of 7 blocks: the recurrent product on the chain, or with <paramref name="fedBack"/>
    /// both products (the output is the next input). For the report's Step table, whose loop feeds back h alone. With
    /// <paramref name="throughMemory"/>, the chain as a kernel must run it: h stored and each term broadcasting its lane
    /// back from the row (a <c>Step</c> hands h to the next call through the caller's state row).
    /// </summary>
    /// <remarks>Measured once per process for each cell, size and loop (the report asks for the same ones from several tables).</remarks>
    public static double Measure(RnnCell cell, int hidden, bool fedBack = false, bool throughMemory = false)
    {
        lock (Measured)
        {
            if (!Measured.TryGetValue((cell, hidden, fedBack, throughMemory), out double ns))
            {
                int products = fedBack ? 2 : 1;
                ns = throughMemory ? Time<ThroughMemory>(cell, hidden, products) : Time<InRegisters>(cell, hidden, products);
                Measured[(cell, hidden, fedBack, throughMemory)] = ns;
            }

            return ns;
        }
    }

    private static readonly Dictionary<(RnnCell Cell, int Hidden, bool FedBack, bool ThroughMemory), double> Measured = [];

    private static double Time<THidden>(RnnCell cell, int hidden, int products)
        where THidden : struct, IHiddenLanes
    {
        int chunk = hidden / 4;
        bool wide = hidden > 8 && Vector512.IsHardwareAccelerated;
        Func<int, float> run = (cell, wide) switch
        {
            (RnnCell.Rnn, true) => steps => ElmanChain<Vector512Ops, Vector512<float>, THidden>(steps, chunk, products),
            (RnnCell.Rnn, false) => steps => ElmanChain<Vector256Ops, Vector256<float>, THidden>(steps, chunk, products),
            (RnnCell.Lstm, true) => steps => LstmChain<Vector512Ops, Vector512<float>, THidden>(steps, chunk, products),
            (RnnCell.Lstm, false) => steps => LstmChain<Vector256Ops, Vector256<float>, THidden>(steps, chunk, products),
            (_, true) => steps => GruChain<Vector512Ops, Vector512<float>, THidden>(steps, chunk, products),
            _ => steps => GruChain<Vector256Ops, Vector256<float>, THidden>(steps, chunk, products),
        };
        run(StepsPerBlock); // compiled optimized at once (AggressiveOptimization); this warms the caches and the clock
        double best = double.MaxValue;
        for (int block = 0; block < 7; block++)
        {
            long start = Stopwatch.GetTimestamp();
            run(StepsPerBlock);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalNanoseconds / StepsPerBlock);
        }

        return best;
    }

    /// <summary>Where a step's product takes h from: the register it was computed in, or the row it was stored to.</summary>
    private interface IHiddenLanes
    {
        static abstract bool FromRow { get; }
    }

    /// <summary>Every term multiplies h itself: no lane is broadcast (the floor the limits use).</summary>
    private readonly struct InRegisters : IHiddenLanes
    {
        public static bool FromRow => false;
    }

    /// <summary>h is stored to a row and each term broadcasts its own lane back from it, as the kernels' products do.</summary>
    private readonly struct ThroughMemory : IHiddenLanes
    {
        public static bool FromRow => true;
    }

    /// <summary>
    /// One product's chain onto <paramref name="init"/>. In registers: chunk 0's FMAs in a row, then (s0 + s1) + (s2 + s3).
    /// Through memory: the four chunks side by side, term j of chunk c broadcasting lane (c·chunk + j) of the stored h
    /// (modulo the vector's lanes: one vector stands in for a wider h), then the same joins.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec ProductChain<TOps, TVec, THidden>(TVec init, TVec x, ref float row, TVec weight, TVec chunk1, TVec chunks23, int chunk)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where THidden : struct, IHiddenLanes
    {
        if (THidden.FromRow)
        {
            TVec s0 = init, s1 = TOps.Zero, s2 = TOps.Zero, s3 = TOps.Zero;
            int lanes = TOps.Count;
            for (int j = 0; j < chunk; j++)
            {
                s0 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref row, j % lanes)), weight, s0);
                s1 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref row, (chunk + j) % lanes)), weight, s1);
                s2 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref row, ((2 * chunk) + j) % lanes)), weight, s2);
                s3 = TOps.MultiplyAdd(TOps.Broadcast(Unsafe.Add(ref row, ((3 * chunk) + j) % lanes)), weight, s3);
            }

            return TOps.Add(TOps.Add(s0, s1), TOps.Add(s2, s3));
        }

        TVec sum = init;
        for (int k = 0; k < chunk; k++)
        {
            sum = TOps.MultiplyAdd(x, weight, sum);
        }

        return TOps.Add(TOps.Add(sum, chunk1), chunks23);
    }

    /// <summary>
    /// The Elman RNN's and the LSTM's products in a row: the input product onto the bias, the recurrent product onto its
    /// sum (with <paramref name="products"/> = 1, the recurrent product alone, the input product having run ahead).
    /// Through memory, h is stored to <paramref name="row"/> first.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec SerialProducts<TOps, TVec, THidden>(TVec bias, TVec x, ref float row, TVec weight, TVec chunk1, TVec chunks23, int chunk, int products)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where THidden : struct, IHiddenLanes
    {
        if (THidden.FromRow)
        {
            TOps.Store(x, ref row);
        }

        TVec sum = bias;
        for (int product = 0; product < products; product++)
        {
            sum = ProductChain<TOps, TVec, THidden>(sum, x, ref row, weight, chunk1, chunks23, chunk);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ElmanChain<TOps, TVec, THidden>(int steps, int chunk, int products)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where THidden : struct, IHiddenLanes
    {
        Span<float> lanes = stackalloc float[TOps.Count];
        ref float row = ref lanes[0];
        TVec weight = TOps.Broadcast(0.05f), bias = TOps.Broadcast(0.1f), chunk1 = TOps.Broadcast(0.01f), chunks23 = TOps.Broadcast(-0.02f);
        TVec h = TOps.Broadcast(0.3f);
        for (int step = 0; step < steps; step++)
        {
            TVec pre = SerialProducts<TOps, TVec, THidden>(bias, h, ref row, weight, chunk1, chunks23, chunk, products);

            h = FastActivations.Tanh<TOps, TVec>(pre);
        }

        return Sum<TOps, TVec>(h);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float LstmChain<TOps, TVec, THidden>(int steps, int chunk, int products)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where THidden : struct, IHiddenLanes
    {
        Span<float> lanes = stackalloc float[TOps.Count];
        ref float row = ref lanes[0];
        TVec weight = TOps.Broadcast(0.05f), bias = TOps.Broadcast(0.1f), chunk1 = TOps.Broadcast(0.01f), chunks23 = TOps.Broadcast(-0.02f);
        TVec h = TOps.Broadcast(0.3f), c = TOps.Zero;
        for (int step = 0; step < steps; step++)
        {
            TVec pre = SerialProducts<TOps, TVec, THidden>(bias, h, ref row, weight, chunk1, chunks23, chunk, products);

            TVec inputGate = FastActivations.Sigmoid<TOps, TVec>(pre);
            TVec forgetGate = FastActivations.Sigmoid<TOps, TVec>(TOps.Add(pre, chunk1));
            TVec cellGate = FastActivations.Tanh<TOps, TVec>(pre);
            TVec outputGate = FastActivations.Sigmoid<TOps, TVec>(TOps.Add(pre, chunks23));
            c = TOps.MultiplyAdd(forgetGate, c, TOps.Multiply(inputGate, cellGate));
            h = TOps.Multiply(outputGate, FastActivations.Tanh<TOps, TVec>(c));
        }

        return Sum<TOps, TVec>(h);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float GruChain<TOps, TVec, THidden>(int steps, int chunk, int products)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where THidden : struct, IHiddenLanes
    {
        Span<float> lanes = stackalloc float[TOps.Count];
        ref float row = ref lanes[0];
        TVec weight = TOps.Broadcast(0.05f), bias = TOps.Broadcast(0.1f), chunk1 = TOps.Broadcast(0.01f), chunks23 = TOps.Broadcast(-0.02f);
        TVec h = TOps.Broadcast(0.3f), inputPart = TOps.Broadcast(0.2f);
        for (int step = 0; step < steps; step++)
        {
            // q = b_hn + W_hh·h; p = W_ih·x + b, on the chain only when x is the last output. The two run side by side.
            if (THidden.FromRow)
            {
                TOps.Store(h, ref row);
            }

            TVec recurrentPart = ProductChain<TOps, TVec, THidden>(bias, h, ref row, weight, chunk1, chunks23, chunk);
            if (products == 2)
            {
                inputPart = ProductChain<TOps, TVec, THidden>(bias, h, ref row, weight, chunks23, chunk1, chunk);
            }

            TVec pre = TOps.Add(inputPart, recurrentPart);
            TVec resetGate = FastActivations.Sigmoid<TOps, TVec>(pre);
            TVec updateGate = FastActivations.Sigmoid<TOps, TVec>(TOps.Add(pre, chunk1));
            TVec newGate = FastActivations.Tanh<TOps, TVec>(TOps.MultiplyAdd(resetGate, recurrentPart, inputPart));
            h = TOps.MultiplyAdd(updateGate, TOps.Subtract(h, newGate), newGate);
        }

        return Sum<TOps, TVec>(h);
    }

    private static float Sum<TOps, TVec>(TVec value)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        Span<float> lanes = stackalloc float[TOps.Count];
        TOps.Store(value, ref lanes[0]);
        float sum = 0;
        foreach (float lane in lanes)
        {
            sum += lane;
        }

        return sum;
    }
}
