using HighPerfRnn.Runtime;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>The step barrier of a team sharing each step's units: no member passes a step before all arrive, and a failed member releases the rest.</summary>
public sealed class StepBarrierTests
{
    [Fact]
    public void No_member_passes_a_step_before_every_member_has_arrived()
    {
        const int members = 3;
        const int steps = 2000;
        var barrier = new StepBarrier(members);
        var arrived = new int[steps];
        int violations = 0;
        var threads = Enumerable.Range(0, members).Select(_ => new Thread(() =>
        {
            for (int step = 0; step < steps; step++)
            {
                Interlocked.Increment(ref arrived[step]);
                barrier.SignalAndWait();
                if (Volatile.Read(ref arrived[step]) != members)
                {
                    Interlocked.Increment(ref violations);
                }
            }
        })).ToArray();
        foreach (Thread thread in threads)
        {
            thread.Start();
        }

        foreach (Thread thread in threads)
        {
            thread.Join();
        }

        Assert.Equal(0, violations);
        Assert.All(arrived, count => Assert.Equal(members, count));
    }

    [Fact]
    public void A_broken_barrier_releases_the_waiting_members()
    {
        var barrier = new StepBarrier(2);
        Exception? waiterFailure = null;
        var waiter = new Thread(() =>
        {
            try
            {
                barrier.SignalAndWait();
            }
            catch (Exception error)
            {
                waiterFailure = error;
            }
        });
        waiter.Start();
        Thread.Sleep(50);
        barrier.Break();
        Assert.True(waiter.Join(TimeSpan.FromSeconds(10)), "the waiting member was not released");
        Assert.IsType<StepBarrierBrokenException>(waiterFailure);

        // Reset makes it whole again for the next call.
        barrier.Reset();
        var other = new Thread(barrier.SignalAndWait);
        other.Start();
        barrier.SignalAndWait();
        Assert.True(other.Join(TimeSpan.FromSeconds(10)));
    }
}
