using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using HighPerfRnn.Benchmarks;
using HighPerfRnn.Benchmarks.Reporting;
using Perfolizer.Horology;

// dotnet run -c Release --project perf/HighPerfRnn.Benchmarks -- [--quick] [--report] [BenchmarkDotNet options, e.g. --filter *Forward*]
//   --quick:  one launch, 3 warm-ups, 7 iterations of about 150 ms: the whole grid in a few minutes on 2 cores.
//             Without it: BenchmarkDotNet's defaults (the full configuration).
//   --report: write docs/benchmarks.md and docs/benchmarks.svg from this run (run from the repository).
bool quick = args.Contains("--quick");
bool report = args.Contains("--report");
string[] benchmarkArgs = args.Where(a => a is not "--quick" and not "--report").ToArray();
IConfig config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
if (quick)
{
    config = config.AddJob(Job.Default
        .WithLaunchCount(1)
        .WithWarmupCount(3)
        .WithIterationCount(7)
        .WithIterationTime(TimeInterval.FromMilliseconds(150))
        .WithId("Quick"));
}

// BenchmarkDotNet rebuilds the project for its child process; on a loaded 2-core machine that can pass the
// default two-minute limit.
var manual = ManualConfig.Create(config);
manual.BuildTimeout = TimeSpan.FromMinutes(15);
config = manual;

if (benchmarkArgs.Length == 0)
{
    benchmarkArgs = ["--filter", "*"];
}

double peak = report ? PeakFlops.MeasureGflops() : 0;
var summaries = BenchmarkSwitcher.FromAssembly(typeof(ForwardBenchmarks).Assembly).Run(benchmarkArgs, config);
if (report)
{
    string command = "dotnet run -c Release --project perf/HighPerfRnn.Benchmarks -- " + string.Join(' ', args);
    BenchmarkReport.Write(summaries, command, peak);
}
