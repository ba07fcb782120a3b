using System.Diagnostics;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// Brings a call to its steady state before BenchmarkDotNet measures it. .NET compiles each method first without
/// optimizations (with profiling probes that allocate now and then) and recompiles it optimized after 30 calls,
/// from a background thread. A 100 ms forward pass gets only a handful of calls in a quick run's warm-up, so
/// without this its measurement (time and allocated bytes) would be of the unoptimized code.
/// </summary>
public static class JitWarmup
{
    /// <summary>Calls shorter than this are brought to their steady state by many calls with pauses (Settle), not by a few.</summary>
    private const double FastCallMilliseconds = 0.1;

    // At most 2 s: a call long enough to reach that runs its kernels optimized from the first call
    // (AggressiveOptimization) and its little other code is negligible beside them.
    public static void Run(Action call, int calls = 40, double maxSeconds = 2) => RunAll([call], calls, maxSeconds);

    /// <summary>As <see cref="Run"/> for several calls, with one pause for the background JIT after all of them.</summary>
    public static void RunAll(IReadOnlyList<Action> calls, int callsEach = 40, double maxSecondsEach = 2)
    {
        bool allFast = true;
        foreach (Action call in calls)
        {
            var watch = Stopwatch.StartNew();
            int made = 0;
            for (; made < callsEach && watch.Elapsed.TotalSeconds < maxSecondsEach; made++)
            {
                call();
            }

            allFast &= watch.Elapsed.TotalMilliseconds / made < FastCallMilliseconds;
        }

        // Calls of under 100 µs (even unoptimized) need no pause here: BenchmarkDotNet's pilot and warm-up make millions
        // of them, and the paired rounds settle them first (Settle). The pause is for the long ones.
        if (allFast)
        {
            return;
        }

        // Give the background JIT time to install the optimized code.
        Thread.Sleep(300);
        foreach (Action call in calls)
        {
            call();
        }
    }

    /// <summary>
    /// After <see cref="RunAll"/>, for measurements taken in this process (the paired tables; BenchmarkDotNet's own
    /// warm-up runs for far longer): calls of under 100 µs go through the tiers more than once (optimized, then
    /// instrumented and recompiled with profile data), each step after a delay. Measured on a declared RNN 16 Step
    /// (40 ns steady): after <see cref="RunAll"/> alone its first rounds took 60–130 ns and the runtime-sized model's
    /// 80–650 ns, so a quick pairing read 1.02 where the steady ratio is 0.5–0.6. Two more passes of 20 ms of calls each,
    /// with a pause after each, bring both to their steady times; more where a pass still made a call faster. Only the fast calls take these passes: the slow ones
    /// (a grid point's passes beside the fast probes) reached their steady state in <see cref="RunAll"/>, and 40 calls of
    /// each twice more took a minute of a quick run for lstm-big and large alone.
    /// </summary>
    public static void Settle(IReadOnlyList<Action> calls)
    {
        var perCall = new double[calls.Count];
        for (int i = 0; i < calls.Count; i++)
        {
            var watch = Stopwatch.StartNew();
            calls[i]();
            perCall[i] = watch.Elapsed.TotalMilliseconds;
        }

        Action[] fast = calls.Where((_, i) => perCall[i] < FastCallMilliseconds).ToArray();
        if (fast.Length == 0)
        {
            return;
        }

        // Passes until no fast call gets faster (each within 5% of its previous pass), at least two, at most eight: on a
        // busy two-core machine the background compiles come late, and in session 18's grid run the runtime-sized LSTM
        // Step was still on its way there after two passes (its paired ratios at hidden 64 and 128, the same kernels on
        // both sides, read 0.80 and 0.89; its steady ratio at hidden 8 is 0.52, the run read 0.36).
        double[] previous = Enumerable.Repeat(double.MaxValue, fast.Length).ToArray();
        for (int pass = 0; pass < MaxSettlePasses; pass++)
        {
            bool improved = false;
            for (int i = 0; i < fast.Length; i++)
            {
                var watch = Stopwatch.StartNew();
                int n = 0;
                for (; n < 40 || watch.ElapsedMilliseconds < 20; n++)
                {
                    fast[i]();
                }

                double nsPerCall = watch.Elapsed.TotalNanoseconds / n;
                improved |= nsPerCall < previous[i] * 0.95;
                previous[i] = nsPerCall;
            }

            Thread.Sleep(150); // past the runtime's call-counting delay (100 ms), then the background compile: 100 was too short
            if (pass >= 1 && !improved)
            {
                return;
            }
        }
    }

    /// <summary>The most settling passes for fast calls (see <see cref="Settle"/>): about 1.4 s for a pair of calls.</summary>
    private const int MaxSettlePasses = 8;
}
