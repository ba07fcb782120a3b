using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using HighPerfRnn;
using HighPerfRnn.Benchmarks;
using HighPerfRnn.Benchmarks.Reporting;
using Perfolizer.Horology;

// dotnet run -c Release --project perf/HighPerfRnn.Benchmarks -- [--quick] [--report] [BenchmarkDotNet options, e.g. --filter *Forward*]
//   --quick:  one launch, 1 warm-up, 5 iterations of about 60 ms (each call is already brought to its steady state by
//             JitWarmup in its setup): everything in docs/benchmarks.md in under 10 minutes on 2 cores.
//             Without it: BenchmarkDotNet's defaults (the full configuration).
//   --report: write docs/benchmarks.md and its charts from this run (run from the repository); without --filter it runs
//             exactly the benchmarks the report reads (BenchmarkReport.Filters).
//   --finalizer-free-running: let the finalizer thread run during the allocation measurement (see below); for the controls.
//   --peak:   print this core's measured FMA peak (GFLOP/s, as the report uses it) and exit: for percent-of-peak by hand.
//   --feedback-step: the Step loop timed as perf/rtneural/bench_step.cpp times RTNeural (FeedbackStepLoop), then exit.
//   --latency-floor: the least time a batch-1 Elman/LSTM/GRU step can take here, its arithmetic's dependency chain alone (StepLatencyFloor).
//   --paired-declared: the paired declared ÷ runtime-sized ratios alone (Step, Forward, two-layer Forward, as --quick
//             --paired takes them: PairedRatios.MeasureDeclared), printed, then exit: a minute, where the grid takes nine.
//   --paired-declared-batches: declared ÷ runtime-sized, paired, at batches 2-32 (Forward of one layer at hidden 8-32,
//             of two layers and of bidirectional models, Step of one and two layers of hidden 16-32, every cell), each
//             shape marked with whether both sides run the same kernels, and a summary line (DeclaredBatchSweep): issue
//             14's "never slower for any batch", in about four minutes.
//   --fused-step-lines [256]: fused ÷ general batch-1 gated step at hidden 32-256, the planner's lines re-taken on this machine (FusedStepLines).
if (args.Contains("--feedback-step"))
{
    FeedbackStepLoop.Run();
    return;
}

if (args.Contains("--latency-floor"))
{
    StepLatencyFloor.Run();
    return;
}

if (args.Contains("--paired-declared-batches"))
{
    DeclaredBatchSweep.Run(TimeSpan.FromSeconds(0.3));
    return;
}

if (args.Contains("--paired-declared"))
{
    PairedRatios.MeasureDeclared(TimeSpan.FromSeconds(0.6), step: true, forward: true, deepForward: true);
    return;
}

if (args.Contains("--fused-step-lines"))
{
    FusedStepLines.Run(args);
    return;
}

bool quick = args.Contains("--quick");
bool report = args.Contains("--report");
bool finalizerFreeRunning = args.Contains("--finalizer-free-running");
bool paired = args.Contains("--paired");
if (args.Contains("--peak"))
{
    Console.WriteLine($"FMA peak of one core: {PeakFlops.MeasureGflops():0.0} GFLOP/s");
    Console.WriteLine($"L2 read rate of one core: {CacheBandwidth.MeasureBytesPerNs():0.0} GB/s ({CacheBandwidth.BufferBytes / 1024} KB buffer); L1 data cache {CacheBandwidth.L1DataBytes / 1024} KB");
    return;
}

string[] benchmarkArgs = args.Where(a => a is not "--quick" and not "--report" and not "--finalizer-free-running" and not "--paired").ToArray();
IConfig config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
Job job = quick
    ? Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(1)
        .WithIterationCount(5)
        .WithIterationTime(TimeInterval.FromMilliseconds(60))
        .WithId("Quick")
    : Job.Default;

// The Allocated column comes from one extra iteration that starts right after a forced full collection and counts the
// whole process's allocations. After each full collection the runtime's finalizer thread trims ArrayPool<T>.Shared
// (336 bytes a pool in use), racing the start of that iteration; a trim that lands in it was divided by the one or two
// operations a long point gets (AllocationControlBenchmarks shows it on calls that only sleep). BenchmarkDotNet holds
// the finalizer thread for that iteration when this variable is set: its own mechanism for this race
// (https://github.com/dotnet/runtime/issues/101536), though named for its unit tests, so a later version may drop it
// (the controls would show it). Only finalizers wait: the benchmark's threads and RnnParallelRunner's workers are counted.
if (!finalizerFreeRunning)
{
    const string holdFinalizer = "BENCHMARKDOTNET_UNITTEST_BLOCK_FINALIZER_FOR_MEMORYDIAGNOSER";
    job = job.WithEnvironmentVariable(holdFinalizer, holdFinalizer + "_ACTIVE");
}

if (quick || !finalizerFreeRunning)
{
    config = config.AddJob(job);
}

// BenchmarkDotNet rebuilds the project for its child process; on a loaded 2-core machine that can pass the
// default two-minute limit.
var manual = ManualConfig.Create(config);
manual.BuildTimeout = TimeSpan.FromMinutes(15);
config = manual;

// --report without a filter runs what the report shows, and nothing else; without --report, everything.
if (!benchmarkArgs.Any(a => a is "--filter" or "-f"))
{
    benchmarkArgs = [.. benchmarkArgs, "--filter", .. report ? BenchmarkReport.Filters : ["*"]];
}

MachineLimits? machine = report ? Timed("machine limits", MachineLimits.Measure) : null;
var summaries = Timed("BenchmarkDotNet", () => BenchmarkSwitcher.FromAssembly(typeof(ForwardBenchmarks).Assembly).Run(benchmarkArgs, config));
bool Ran(Type type) => summaries.Any(s => s.BenchmarksCases.Any(b => b.Descriptor.Type == type));

// --paired: ONNX Runtime and HighPerfRnn also timed in alternation in this process (see PairedRatios), after BenchmarkDotNet,
// each table only where BenchmarkDotNet ran its benchmarks.
List<PairedRatios.Result>? pairedRatios = paired && Ran(typeof(ForwardBenchmarks))
    ? Timed("paired grid", () => PairedRatios.Measure(GridSelection.Select(GridPoint.All), TimeSpan.FromSeconds(quick ? 2.5 : 15)))
    : null;
Dictionary<string, PairedRatios.Ratio>? pairedParallel = paired && Ran(typeof(ParallelBenchmarks))
    ? Timed("paired two threads", () => PairedRatios.MeasureParallel(TimeSpan.FromSeconds(quick ? 2.5 : 15)))
    : null;
Dictionary<RnnCell, (PairedRatios.Ratio WithLengths, PairedRatios.Ratio OneByOne)>? pairedRagged = paired && Ran(typeof(RaggedBatchBenchmarks))
    ? Timed("paired ragged", () => PairedRatios.MeasureRagged(TimeSpan.FromSeconds(quick ? 2.5 : 15)))
    : null;
Dictionary<ProductBenchmarks.Shape, PairedRatios.Ratio>? pairedProducts = paired && Ran(typeof(ProductBenchmarks))
    ? Timed("paired products", () => PairedRatios.MeasureProducts(TimeSpan.FromSeconds(quick ? 1 : 8)))
    : null;
(Dictionary<(RnnCell, int), PairedRatios.DeclaredTiming> Step, Dictionary<(RnnCell, int), PairedRatios.Ratio> Forward, Dictionary<(RnnCell, int), PairedRatios.Ratio> DeepForward)? pairedDeclared =
    paired && (Ran(typeof(StepBenchmarks)) || Ran(typeof(SmallForwardBenchmarks)) || Ran(typeof(DeepForwardBenchmarks)))
        ? Timed("paired declared", () => PairedRatios.MeasureDeclared(TimeSpan.FromSeconds(quick ? 0.6 : 8), Ran(typeof(StepBenchmarks)), Ran(typeof(SmallForwardBenchmarks)), Ran(typeof(DeepForwardBenchmarks))))
        : null;
Dictionary<RnnCell, PairedRatios.EightStreamsTiming>? pairedEightStreams = paired && Ran(typeof(EightStreamsBenchmarks))
    ? Timed("paired eight streams", () => PairedRatios.MeasureEightStreams(TimeSpan.FromSeconds(quick ? 1.5 : 8)))
    : null;
if (paired && Ran(typeof(ParallelSplitBenchmarks)))
{
    Timed("paired splits", () =>
    {
        PairedRatios.MeasureSplits(TimeSpan.FromSeconds(quick ? 2.5 : 15));
        return 0;
    });
}

if (report)
{
    string command = "dotnet run -c Release --project perf/HighPerfRnn.Benchmarks -- " + string.Join(' ', args);
    BenchmarkReport.Write(summaries, command, machine!, pairedRatios, pairedParallel, pairedRagged, pairedDeclared, pairedProducts, pairedEightStreams);
}

// Each phase's wall time, printed: the grid's --quick run must stay within issue 15's 10 minutes, and this shows where they go.
static T Timed<T>(string phase, Func<T> run)
{
    var clock = System.Diagnostics.Stopwatch.StartNew();
    T result = run();
    Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"// phase {phase}: {clock.Elapsed.TotalSeconds:F0} s"));
    return result;
}
