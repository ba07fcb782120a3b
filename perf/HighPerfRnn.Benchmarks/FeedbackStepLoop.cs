using System.Diagnostics;
using System.Globalization;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// <c>-- --feedback-step</c>: one <c>Step</c> at batch 1, input = hidden, each step's output copied back as the next
/// input, timed as perf/rtneural/bench_step.cpp times RTNeural's layers (1 s of warm-up, then the best of 5 blocks of
/// 0.4 s), for the runtime-sized and the declared model of each size, so the two programs can be run back to back on one
/// machine. Each side is timed twice, alternately, and the better of the two kept.
/// </summary>
public static class FeedbackStepLoop
{
    public static void Run()
    {
        foreach (int hidden in new[] { 8, 16, 32, 64, 128 })
        {
            foreach (RnnCell cell in new[] { RnnCell.Lstm, RnnCell.Gru })
            {
                var benchmark = new StepBenchmarks { Cell = cell, Hidden = hidden };
                benchmark.Setup();
                double runtime = double.MaxValue, declared = double.MaxValue;
                for (int round = 0; round < 2; round++)
                {
                    runtime = Math.Min(runtime, Time(benchmark.RuntimeSized, benchmark));
                    declared = Math.Min(declared, Time(benchmark.Generated, benchmark));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{cell,-5} {hidden,3}: runtime-sized {runtime,8:F1} ns  declared {declared,8:F1} ns"));
            }
        }
    }

    private static double Time(Action step, StepBenchmarks benchmark)
    {
        void Run(int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                step();
                benchmark.FeedBack();
            }
        }

        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed.TotalSeconds < 1)
        {
            Run(1000);
        }

        double best = double.MaxValue;
        for (int block = 0; block < 5; block++)
        {
            long steps = 0;
            var watch = Stopwatch.StartNew();
            while (watch.Elapsed.TotalMilliseconds < 400)
            {
                Run(1000);
                steps += 1000;
            }

            best = Math.Min(best, watch.Elapsed.TotalNanoseconds / steps);
        }

        return best;
    }
}
