using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HighPerfRnn.Kernels;
using HighPerfRnn.Packing;
using HighPerfRnn.Planning;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// <c>-- --fused-step-lines [256|512]</c>: the measurement behind the planner's batch-1 gated lines
/// (<see cref="ExecutionPlanner.FusedStepSequenceBudgetBytes"/>, <see cref="ExecutionPlanner.FusedStepSequenceStreamingFromBytes"/>,
/// and the streaming <c>Step</c> always fused), to re-take on another machine type: per step of a 100-step sequence, the
/// fused gate step (each vector of units' sums, then its gates, from the registers) against the general step (the
/// single-row product, then the gate pass), and the same for a streaming <c>Step</c> (the input product too), in
/// alternation in one process, LSTM and GRU at hidden 32 to 256, on the 512-bit path or (<c>256</c>) the 256-bit one.
/// </summary>
/// <remarks>
/// Both sides call the library's kernels directly (no driver around them), with the panel order alternating from step
/// to step as the driver runs them; their bits are compared first. A ratio below 1 means the fused step is faster.
/// </remarks>
public static class FusedStepLines
{
    private const int Steps = 100;

    public static void Run(string[] args)
    {
        SimdPath path = args.Contains("256") ? SimdPath.Vector256 : SimdPath.Vector512;
        if (!(path == SimdPath.Vector512 ? Vector512.IsHardwareAccelerated : Vector256.IsHardwareAccelerated))
        {
            Console.WriteLine($"{path} is not accelerated on this CPU.");
            return;
        }

        Console.WriteLine($"Fused ÷ general time per batch-1 step, {path}, median of 41 alternating rounds (below 1: fused faster):");
        foreach (bool streaming in new[] { false, true })
        {
            Console.WriteLine(streaming ? "A streaming Step (input and recurrent products):" : "A sequence's step (inputs projected beforehand):");
            foreach (RnnCell cell in new[] { RnnCell.Lstm, RnnCell.Gru })
            {
                foreach (int hidden in new[] { 32, 64, 96, 128, 192, 256 })
                {
                    Console.WriteLine(Measure(cell, hidden, path, streaming));
                }
            }
        }
    }

    private static string Measure(RnnCell cell, int hidden, SimdPath path, bool streaming)
    {
        int lanes = SimdPaths.LaneCount(path);
        int gates = cell == RnnCell.Lstm ? 4 : 3;
        int padded = PackedMatrix.PadToPanels(hidden, lanes);
        int gateRows = gates * padded;
        var random = new Random(hidden);
        PackedMatrix recurrentWeights = PackedMatrix.Pack(Uniform(random, gates * hidden * hidden, 0.1f), gates * hidden, hidden, lanes, gates);
        PackedMatrix inputWeights = PackedMatrix.Pack(Uniform(random, gates * hidden * hidden, 0.1f), gates * hidden, hidden, lanes, gates);
        float[] inputs = Uniform(random, Steps * hidden, 1f);
        float[] projected = Uniform(random, Steps * gateRows, 0.5f);
        float[] bias = new float[gateRows];
        float[] recurrentBias = Uniform(random, gateRows, 0.1f);
        float[] row = new float[gateRows];
        float[] recurrent = new float[gateRows];
        float[] hs = new float[(Steps + 1) * hidden];
        float[] cellState = new float[hidden];

        void Fused()
        {
            for (int t = 0; t < Steps; t++)
            {
                Span<float> h = hs.AsSpan(t * hidden, hidden), next = hs.AsSpan((t + 1) * hidden, hidden);
                bool reverse = (t & 1) == 1;
                if (!streaming)
                {
                    FusedGateStep.FromPreactivations(cell, path, projected.AsSpan(t * gateRows, gateRows), h, recurrentWeights, recurrentBias, cellState, next, hidden, reverse);
                }
                else if (cell == RnnCell.Lstm)
                {
                    FusedGateStep.Lstm(path, inputs.AsSpan(t * hidden, hidden), inputWeights, h, recurrentWeights, bias, cellState, next, hidden, reverse);
                }
                else
                {
                    FusedGateStep.Gru(path, inputs.AsSpan(t * hidden, hidden), inputWeights, h, recurrentWeights, bias, recurrentBias, next, hidden, reverse);
                }
            }
        }

        void General()
        {
            for (int t = 0; t < Steps; t++)
            {
                bool reverse = (t & 1) == 1;
                if (streaming)
                {
                    PackedGemm.MultiplyAddRow(path, inputs.AsSpan(t * hidden, hidden), inputWeights, bias, row, reverse);
                }
                else
                {
                    projected.AsSpan(t * gateRows, gateRows).CopyTo(row);
                }

                ref float x = ref hs[t * hidden];
                ref float w = ref MemoryMarshal.GetReference(recurrentWeights.Data);
                bool lstm = cell == RnnCell.Lstm;
                ref float init = ref lstm ? ref row[0] : ref recurrentBias[0];
                ref float y = ref lstm ? ref row[0] : ref recurrent[0];
                if (path == SimdPath.Vector512)
                {
                    PackedGemm.SingleRow<Vector512Ops, Vector512<float>>(ref x, ref w, recurrentWeights.PanelStride, ref init, ref y, hidden, recurrentWeights.PanelCount, reverse);
                }
                else
                {
                    PackedGemm.SingleRow<Vector256Ops, Vector256<float>>(ref x, ref w, recurrentWeights.PanelStride, ref init, ref y, hidden, recurrentWeights.PanelCount, reverse);
                }

                if (lstm)
                {
                    GateKernels.Lstm(path, row, cellState, hs.AsSpan((t + 1) * hidden, hidden), hidden);
                }
                else
                {
                    GateKernels.Gru(path, row, recurrent, hs.AsSpan(t * hidden, hidden), hs.AsSpan((t + 1) * hidden, hidden), hidden);
                }
            }
        }

        // The general sequence step copies each projected row first (it works in place); that copy is timed alone and
        // taken off its time.
        void CopyRows()
        {
            for (int t = 0; t < Steps && !streaming; t++)
            {
                projected.AsSpan(t * gateRows, gateRows).CopyTo(row);
            }
        }

        Array.Clear(hs);
        Array.Clear(cellState);
        Fused();
        float[] fusedStates = (float[])hs.Clone();
        Array.Clear(hs);
        Array.Clear(cellState);
        General();
        bool same = fusedStates.AsSpan().SequenceEqual(hs);

        Action[] calls = [Fused, General, CopyRows];
        int repeats = Math.Max(1, 200_000 / ((gates * hidden * hidden / lanes) + 200));
        foreach (Action call in calls)
        {
            for (int i = 0; i < 20; i++)
            {
                call();
            }
        }

        var ratios = new List<double>();
        var fusedTimes = new List<double>();
        for (int round = 0; round < 41; round++)
        {
            var ns = new double[calls.Length];
            for (int k = 0; k < calls.Length; k++)
            {
                int i = (round & 1) == 0 ? k : calls.Length - 1 - k;
                long start = Stopwatch.GetTimestamp();
                for (int r = 0; r < repeats; r++)
                {
                    calls[i]();
                }

                ns[i] = Stopwatch.GetElapsedTime(start).TotalNanoseconds / repeats / Steps;
            }

            ratios.Add(ns[0] / (ns[1] - ns[2]));
            fusedTimes.Add(ns[0]);
        }

        long bytes = (long)gateRows * hidden * sizeof(float);
        return string.Create(
            CultureInfo.InvariantCulture,
            $"  {cell,-4} {hidden,3} (W_hh {bytes / 1024.0,6:F0} KB): fused {Median(fusedTimes),7:F0} ns, fused ÷ general {Median(ratios):F2}{(same ? string.Empty : "  BITS DIFFER")}");
    }

    private static double Median(List<double> values)
    {
        double[] sorted = values.Order().ToArray();
        return sorted[sorted.Length / 2];
    }

    private static float[] Uniform(Random random, int count, float bound)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
        }

        return values;
    }
}
