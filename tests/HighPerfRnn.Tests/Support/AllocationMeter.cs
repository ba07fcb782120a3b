using Xunit.Sdk;

namespace HighPerfRnn.Tests.Support;

/// <summary>Measures managed allocation of a call in steady state, with GC.GetAllocatedBytesForCurrentThread.</summary>
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
    public static void AssertAllocatesNothing(Action call, string what, int calls = 100)
    {
        long allocated = 0;
        for (int round = 0; round < 20; round++)
        {
            for (int i = 0; i < 40; i++)
            {
                call();
            }

            Thread.Sleep(Math.Min(round * 50, 400));
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < calls; i++)
            {
                call();
            }

            allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (allocated == 0)
            {
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
