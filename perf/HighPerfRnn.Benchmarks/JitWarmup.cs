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
    // At most 2 s: a call long enough to reach that runs its kernels optimized from the first call
    // (AggressiveOptimization) and its little other code is negligible beside them.
    public static void Run(Action call, int calls = 40, double maxSeconds = 2) => RunAll([call], calls, maxSeconds);

    /// <summary>As <see cref="Run"/> for several calls, with one pause for the background JIT after all of them.</summary>
    public static void RunAll(IReadOnlyList<Action> calls, int callsEach = 40, double maxSecondsEach = 2)
    {
        foreach (Action call in calls)
        {
            var watch = Stopwatch.StartNew();
            for (int i = 0; i < callsEach && watch.Elapsed.TotalSeconds < maxSecondsEach; i++)
            {
                call();
            }
        }

        // Give the background JIT time to install the optimized code.
        Thread.Sleep(300);
        foreach (Action call in calls)
        {
            call();
        }
    }
}
