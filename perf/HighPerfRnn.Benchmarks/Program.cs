using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using HighPerfRnn.Benchmarks;

// dotnet run -c Release --project perf/HighPerfRnn.Benchmarks -- [--quick] [BenchmarkDotNet options, e.g. --filter *Forward*]
// --quick: one launch, 3 warm-ups, 7 iterations: the whole grid in a few minutes on 2 cores. Without it: BenchmarkDotNet's defaults.
bool quick = args.Contains("--quick");
string[] benchmarkArgs = args.Where(a => a != "--quick").ToArray();
IConfig config = DefaultConfig.Instance.WithOptions(ConfigOptions.JoinSummary);
if (quick)
{
    config = config.AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(7).WithId("Quick"));
}

if (benchmarkArgs.Length == 0)
{
    benchmarkArgs = ["--filter", "*"];
}

BenchmarkSwitcher.FromAssembly(typeof(ForwardBenchmarks).Assembly).Run(benchmarkArgs, config);
