using Xunit.Sdk;

namespace HighPerfRnn.Tests.Support;

/// <summary>
/// Measures managed allocation of a call in steady state, with GC.GetAllocatedBytesForCurrentThread, or with
/// GC.GetTotalAllocatedBytes where the call runs work on other threads too (<see cref="RnnParallelRunner"/>'s workers).
/// </summary>
internal static class AllocationMeter
{
    /// <summary>The collection allocation tests join so they do not run beside tests that keep both cores and the JIT busy.</summary>
    public const string Collection = "Allocation (not parallel)";

    /// <summary>
    /// Asserts that <paramref name="calls"/> runs of <paramref name="call"/> allocate 0 bytes once warmed up.
    /// Warm-up is not only the first call: .NET's tiered compilation runs instrumented (PGO) code for the first
    /// few dozen calls of each method, and that instrumentation allocates now and then until the optimized code
    /// is installed from a background thread. So the call is measured in rounds, pausing between them for the
    /// JIT, and the assertion is on the last round; a real per-call allocation shows in every round. Once a round
    /// allocates nothing, the calls are measured once more straight after a garbage collection.
    /// </summary>
    /// <param name="call">The call.</param>
    /// <param name="what">What it is, for the failure message.</param>
    /// <param name="calls">Calls per measured round.</param>
    /// <param name="everyThread">
    /// Count every thread's allocations (the process's), not only this thread's: for calls that hand work to other
    /// threads. Other threads of the test host may allocate now and then beside them; a round that reads 0 settles it,
    /// as above, and a real allocation per call shows in every round. The allocation tests run alone (their collection).
    /// </param>
    public static void AssertAllocatesNothing(Action call, string what, int calls = 100, bool everyThread = false)
    {
        long Allocated() => everyThread ? GC.GetTotalAllocatedBytes(precise: true) : GC.GetAllocatedBytesForCurrentThread();

        long allocated = 0;
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 40; i++)
            {
                call();
            }

            Thread.Sleep(Math.Min(round * 50, 400));
            long before = Allocated();
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            allocated = Allocated() - before;
            if (allocated == 0)
            {
                // Right after a collection this thread's count only: the test host's own threads (xUnit's) allocate now
                // and then too (168 bytes seen here, none in a process of the calls alone), and a collection-sensitive
                // allocation lies on the calling path (the runner's workers hold no weak caches). BenchmarkDotNet's
                // MemoryDiagnoser measures the runner process-wide in a process of its own: 0 B on every row.
                AssertAllocatesNothingAfterCollection(call, what, calls);
                return;
            }
        }

        throw new XunitException($"{what}: {calls} calls allocated {allocated} bytes after warm-up.");
    }

    /// <summary>
    /// The same calls right after a full garbage collection. A collection frees what the runtime holds only weakly
    /// (the reflection cache behind Enum.IsDefined, for one), so a call that rebuilds such a thing allocates on its
    /// first run after every collection, which rounds without a collection in them never see.
    /// </summary>
    private static void AssertAllocatesNothingAfterCollection(Action call, string what, int calls)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        if (allocated != 0)
        {
            throw new XunitException($"{what}: {calls} calls right after a garbage collection allocated {allocated} bytes.");
        }
    }
}

/// <summary>Runs the allocation tests alone, so the background JIT finishes its tiering promptly.</summary>
[CollectionDefinition(AllocationMeter.Collection, DisableParallelization = true)]
public sealed class AllocationTestGroup
{
}
