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
/// </remarks>
public static class StepLatencyFloor
{
    private const int StepsPerBlock = 200_000;

    public static void Run()
    {
        Console.WriteLine("Latency floor of one batch-1 step (the arithmetic's dependency chain alone, registers only), best of 7 blocks:");
        foreach (int hidden in new[] { 8, 16, 32 })
        {
            foreach (RnnCell cell in new[] { RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru })
            {
                double recurrentOnly = Time(cell, hidden, products: 1);
                double fedBack = Time(cell, hidden, products: 2);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cell,-5} {hidden,3}: {recurrentOnly,6:F1} ns (the recurrent product on the chain)  {fedBack,6:F1} ns (output fed back: both products)"));
            }
        }
    }

    /// <summary>
    /// The floor of one step (ns), best of 7 blocks: the recurrent product on the chain, or with <paramref name="fedBack"/>
    /// both products (the output is the next input). For the report's Step table, whose loop feeds back h alone.
    /// </summary>
    /// <remarks>Measured once per process for each cell, size and loop (the report asks for the same ones from several tables).</remarks>
    public static double Measure(RnnCell cell, int hidden, bool fedBack = false)
    {
        lock (Measured)
        {
            if (!Measured.TryGetValue((cell, hidden, fedBack), out double ns))
            {
                ns = Time(cell, hidden, fedBack ? 2 : 1);
                Measured[(cell, hidden, fedBack)] = ns;
            }

            return ns;
        }
    }

    private static readonly Dictionary<(RnnCell Cell, int Hidden, bool FedBack), double> Measured = [];

    private static double Time(RnnCell cell, int hidden, int products)
    {
        int chunk = hidden / 4;
        bool wide = hidden > 8 && Vector512.IsHardwareAccelerated;
        Func<int, float> run = (cell, wide) switch
        {
            (RnnCell.Rnn, true) => steps => ElmanChain<Vector512Ops, Vector512<float>>(steps, chunk, products),
            (RnnCell.Rnn, false) => steps => ElmanChain<Vector256Ops, Vector256<float>>(steps, chunk, products),
            (RnnCell.Lstm, true) => steps => LstmChain<Vector512Ops, Vector512<float>>(steps, chunk, products),
            (RnnCell.Lstm, false) => steps => LstmChain<Vector256Ops, Vector256<float>>(steps, chunk, products),
            (_, true) => steps => GruChain<Vector512Ops, Vector512<float>>(steps, chunk, products),
            _ => steps => GruChain<Vector256Ops, Vector256<float>>(steps, chunk, products),
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

    /// <summary>One product's chain onto <paramref name="init"/>: chunk 0's FMAs in a row, then (s0 + s1) + (s2 + s3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec ProductChain<TOps, TVec>(TVec init, TVec x, TVec weight, TVec chunk1, TVec chunks23, int chunk)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
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
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static TVec SerialProducts<TOps, TVec>(TVec bias, TVec x, TVec weight, TVec chunk1, TVec chunks23, int chunk, int products)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec sum = bias;
        for (int product = 0; product < products; product++)
        {
            sum = ProductChain<TOps, TVec>(sum, x, weight, chunk1, chunks23, chunk);
        }

        return sum;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float ElmanChain<TOps, TVec>(int steps, int chunk, int products)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec weight = TOps.Broadcast(0.05f), bias = TOps.Broadcast(0.1f), chunk1 = TOps.Broadcast(0.01f), chunks23 = TOps.Broadcast(-0.02f);
        TVec h = TOps.Broadcast(0.3f);
        for (int step = 0; step < steps; step++)
        {
            TVec pre = SerialProducts<TOps, TVec>(bias, h, weight, chunk1, chunks23, chunk, products);

            h = FastActivations.Tanh<TOps, TVec>(pre);
        }

        return Sum<TOps, TVec>(h);
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float LstmChain<TOps, TVec>(int steps, int chunk, int products)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec weight = TOps.Broadcast(0.05f), bias = TOps.Broadcast(0.1f), chunk1 = TOps.Broadcast(0.01f), chunks23 = TOps.Broadcast(-0.02f);
        TVec h = TOps.Broadcast(0.3f), c = TOps.Zero;
        for (int step = 0; step < steps; step++)
        {
            TVec pre = SerialProducts<TOps, TVec>(bias, h, weight, chunk1, chunks23, chunk, products);

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
    private static float GruChain<TOps, TVec>(int steps, int chunk, int products)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        TVec weight = TOps.Broadcast(0.05f), bias = TOps.Broadcast(0.1f), chunk1 = TOps.Broadcast(0.01f), chunks23 = TOps.Broadcast(-0.02f);
        TVec h = TOps.Broadcast(0.3f), inputPart = TOps.Broadcast(0.2f);
        for (int step = 0; step < steps; step++)
        {
            // q = b_hn + W_hh·h; p = W_ih·x + b, on the chain only when x is the last output. The two run side by side.
            TVec recurrentPart = ProductChain<TOps, TVec>(bias, h, weight, chunk1, chunks23, chunk);
            if (products == 2)
            {
                inputPart = ProductChain<TOps, TVec>(bias, h, weight, chunks23, chunk1, chunk);
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
