using System.Globalization;
using System.Text;
using BenchmarkDotNet.Reports;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// Writes docs/benchmarks.md and its charts (benchmarks.svg, benchmarks-limit.svg) from a BenchmarkDotNet run: the medians, allocations and
/// ratios to ONNX Runtime as measured, the machine, the command, and each point's arithmetic limit.
/// </summary>
public static class BenchmarkReport
{
    /// <summary>
    /// BenchmarkDotNet filters for exactly the benchmarks the report reads: what <c>--report</c> runs when no
    /// <c>--filter</c> is given. Each names its class between dots, as BenchmarkDotNet matches full names
    /// (namespace.Class.Method): <c>*ForwardBenchmarks*</c> also ran <see cref="DeclaredBatchForwardBenchmarks"/>, 54 cases
    /// and two of a quick run's twelve minutes that no table shows (its own run is in docs/batch-sweep.md).
    /// </summary>
    public static readonly string[] Filters =
    [
        $"*.{nameof(ForwardBenchmarks)}.*",
        $"*.{nameof(NaiveReferenceBenchmarks)}.{nameof(NaiveReferenceBenchmarks.Naive)}*",
        $"*.{nameof(ParallelBenchmarks)}.*",
        $"*.{nameof(StepBenchmarks)}.*",
        $"*.{nameof(ProductBenchmarks)}.*",
        $"*.{nameof(SmallForwardBenchmarks)}.*",
        $"*.{nameof(DeepForwardBenchmarks)}.*",
        $"*.{nameof(RaggedBatchBenchmarks)}.*",
        $"*.{nameof(StreamSetBenchmarks)}.*",
        $"*.{nameof(EightStreamsBenchmarks)}.*",
    ];

    /// <summary>Targets of issue 4: at least this many times faster than ONNX Runtime.</summary>
    private static readonly Dictionary<string, double> Targets = new()
    {
        ["seed"] = 30, ["small"] = 8, ["medium"] = 6, ["deep-bi"] = 3.5, ["batch"] = 3, ["large"] = 2,
        ["lstm"] = 1.4, ["lstm-big"] = 1.2, ["gru"] = 2.2,
    };

    /// <summary>Issue 15's targets for the percentage of each point's limit reached (FMA-bound 85%, the batch-1 gated points' L2 bound 80%).</summary>
    private static readonly Dictionary<string, double> LimitTargets = new()
    {
        ["batch"] = PointLimit.FmaBoundTargetPercent, ["large"] = PointLimit.FmaBoundTargetPercent, ["lstm-big"] = PointLimit.FmaBoundTargetPercent,
        ["lstm-batch8"] = PointLimit.FmaBoundTargetPercent, ["gru-batch16"] = PointLimit.FmaBoundTargetPercent,
        ["lstm"] = PointLimit.L2BoundTargetPercent, ["gru"] = PointLimit.L2BoundTargetPercent,
    };

    /// <summary>ONNX Runtime (1 thread) on each point as issue 4 measured it on this machine type, in ns: the figures its targets were set against.</summary>
    private static readonly Dictionary<string, double> IssueOnnxNs = new()
    {
        ["seed"] = 85e3, ["small"] = 365e3, ["medium"] = 830e3, ["deep-bi"] = 9.2e6, ["batch"] = 25e6, ["large"] = 155e6,
        ["lstm"] = 630e3, ["lstm-big"] = 209e6, ["gru"] = 830e3,
    };

    /// <summary>RTNeural's compile-time layers per step (ns), best of Eigen and xsimd, g++ -O3, on the AVX-512 Xeon (issue 14's table).</summary>
    private static readonly Dictionary<(RnnCell Cell, int Hidden), double> RtNeuralXeon = new()
    {
        [(RnnCell.Lstm, 8)] = 110, [(RnnCell.Lstm, 16)] = 168, [(RnnCell.Lstm, 32)] = 316, [(RnnCell.Lstm, 64)] = 1546, [(RnnCell.Lstm, 128)] = 5442,
        [(RnnCell.Gru, 8)] = 75, [(RnnCell.Gru, 16)] = 122, [(RnnCell.Gru, 32)] = 308, [(RnnCell.Gru, 64)] = 1395, [(RnnCell.Gru, 128)] = 4162,
    };

    /// <summary>
    /// RTNeural's compile-time layers per step (ns) on the AMD EPYC Zen 5 (AVX-512; family 26, model 2) of session 23:
    /// its HEAD, Eigen backend, g++ 12 -O3 -march=native, timed by perf/rtneural/bench_step.cpp (output fed back as
    /// input, best of 5 blocks), the fastest of three rounds around two `--feedback-step` rounds (2026-12-04, 08:05–08:36
    /// UTC; sessions 6–8 measured 72 / 97 / 151 / 1359 / 5228 and 66 / 90 / 188 / 1051 / 3890 ns on this type, 2026-12-02).
    /// Beside the declared model's Step median, the same loop as BenchmarkDotNet's; `-- --feedback-step` times HighPerfRnn
    /// in RTNeural's exact loop.
    /// </summary>
    private static readonly Dictionary<(RnnCell Cell, int Hidden), double> RtNeuralZen5 = new()
    {
        [(RnnCell.Lstm, 8)] = 67, [(RnnCell.Lstm, 16)] = 90, [(RnnCell.Lstm, 32)] = 139, [(RnnCell.Lstm, 64)] = 1231, [(RnnCell.Lstm, 128)] = 4742,
        [(RnnCell.Gru, 8)] = 60, [(RnnCell.Gru, 16)] = 84, [(RnnCell.Gru, 32)] = 170, [(RnnCell.Gru, 64)] = 958, [(RnnCell.Gru, 128)] = 3595,
    };

    /// <summary>
    /// The same on the AMD EPYC Zen 4 (AVX-512 on 256-bit units) of sessions 9–11: the faster of two rounds around one
    /// `--feedback-step` round (2026-12-02, 18:50 UTC).
    /// </summary>
    private static readonly Dictionary<(RnnCell Cell, int Hidden), double> RtNeuralZen4 = new()
    {
        [(RnnCell.Lstm, 8)] = 77, [(RnnCell.Lstm, 16)] = 114, [(RnnCell.Lstm, 32)] = 306, [(RnnCell.Lstm, 64)] = 1340, [(RnnCell.Lstm, 128)] = 5684,
        [(RnnCell.Gru, 8)] = 72, [(RnnCell.Gru, 16)] = 110, [(RnnCell.Gru, 32)] = 251, [(RnnCell.Gru, 64)] = 1089, [(RnnCell.Gru, 128)] = 4073,
    };

    /// <summary>
    /// The same on the AMD EPYC Zen 3 (AVX2 only) of sessions 16–18: the fastest of three rounds, two before and one after
    /// one `--feedback-step` round (2026-12-03, 14:50–14:57 UTC; the rounds spread by up to 1.5× at hidden 32–128 on this
    /// shared machine). In that round the declared model took LSTM 99 / 188 / 443 / 1979 / 7457 ns and GRU 79 / 147 / 323 /
    /// 1301 / 5449 ns at hidden 8 / 16 / 32 / 64 / 128.
    /// </summary>
    private static readonly Dictionary<(RnnCell Cell, int Hidden), double> RtNeuralZen3 = new()
    {
        [(RnnCell.Lstm, 8)] = 88, [(RnnCell.Lstm, 16)] = 143, [(RnnCell.Lstm, 32)] = 454, [(RnnCell.Lstm, 64)] = 1687, [(RnnCell.Lstm, 128)] = 8343,
        [(RnnCell.Gru, 8)] = 111, [(RnnCell.Gru, 16)] = 168, [(RnnCell.Gru, 32)] = 318, [(RnnCell.Gru, 64)] = 1438, [(RnnCell.Gru, 128)] = 5466,
    };

    /// <summary>The RTNeural figures taken on this run's CPU type, and the type's name; null where none were.</summary>
    private static (string Type, Dictionary<(RnnCell Cell, int Hidden), double> Figures)? RtNeuralHere()
        => CpuType.Current() switch
        {
            { IsZen3: true } => ("Zen 3", RtNeuralZen3),
            { IsZen4: true } => ("Zen 4", RtNeuralZen4),
            { IsZen5: true } => ("Zen 5", RtNeuralZen5),
            _ => null,
        };

    /// <summary>RTNeural's compile-time layers per step (ns), g++ 12 -O3, measured on the AVX2 EPYC (issue 4).</summary>
    private static readonly Dictionary<(RnnCell Cell, int Hidden), double> RtNeural = new()
    {
        [(RnnCell.Lstm, 8)] = 112, [(RnnCell.Lstm, 16)] = 149, [(RnnCell.Lstm, 32)] = 480, [(RnnCell.Lstm, 64)] = 1705, [(RnnCell.Lstm, 128)] = 6471,
        [(RnnCell.Gru, 8)] = 94, [(RnnCell.Gru, 16)] = 167, [(RnnCell.Gru, 32)] = 344, [(RnnCell.Gru, 64)] = 1274, [(RnnCell.Gru, 128)] = 4684,
    };

    public static void Write(
        IEnumerable<Summary> summaries,
        string command,
        MachineLimits machine,
        IReadOnlyList<PairedRatios.Result>? paired,
        IReadOnlyDictionary<string, PairedRatios.Ratio>? pairedParallel,
        IReadOnlyDictionary<RnnCell, (PairedRatios.Ratio WithLengths, PairedRatios.Ratio OneByOne)>? pairedRagged,
        (Dictionary<(RnnCell, int), PairedRatios.DeclaredTiming> Step, Dictionary<(RnnCell, int), PairedRatios.Ratio> Forward, Dictionary<(RnnCell, int), PairedRatios.Ratio> DeepForward)? pairedDeclared,
        IReadOnlyDictionary<ProductBenchmarks.Shape, PairedRatios.Ratio>? pairedProducts,
        IReadOnlyDictionary<RnnCell, PairedRatios.EightStreamsTiming>? pairedEightStreams)
    {
        Summary[] all = summaries.ToArray();
        var medians = new Dictionary<(string Class, string Method, string Parameters), Measured>();
        foreach (Summary summary in all)
        {
            foreach (BenchmarkDotNet.Reports.BenchmarkReport report in summary.Reports)
            {
                if (report.ResultStatistics is null)
                {
                    continue;
                }

                var benchmark = report.BenchmarkCase;
                string parameters = string.Join(",", benchmark.Parameters.Items.Select(p => $"{p.Name}={p.Value}"));
                long? bytes = report.GcStats.GetBytesAllocatedPerOperation(benchmark);
                medians[(benchmark.Descriptor.Type.Name, benchmark.Descriptor.WorkloadMethod.Name, parameters)] = new Measured(report.ResultStatistics.Median, bytes);
            }
        }

        string root = RepositoryRoot();
        string docs = Path.Combine(root, "docs");
        Directory.CreateDirectory(docs);
        var rows = ForwardRows(medians, machine).ToList();
        string markdown = Markdown(all, command, machine, rows, StepRows(medians).ToList(), ParallelRows(medians).ToList(), paired ?? [], pairedParallel ?? new Dictionary<string, PairedRatios.Ratio>(), pairedDeclared?.Step)
            + ProductSection(medians, machine, pairedProducts)
            + SmallForwardSection(medians, pairedDeclared?.Forward)
            + DeepForwardSection(medians, pairedDeclared?.DeepForward)
            + EightStreamsSection(medians, machine, pairedEightStreams)
            + RaggedSection(medians, pairedRagged)
            + StreamSetSection(medians, machine);
        File.WriteAllText(Path.Combine(docs, "benchmarks.md"), markdown);
        string cpu = all.FirstOrDefault()?.HostEnvironmentInfo.Cpu.Value.ProcessorName ?? "unknown";
        // The charts show the paired figures where the run has them (the ones to read on a noisy machine), else the medians.
        var speedUps = paired is { Count: > 0 }
            ? paired.Select(p => new SpeedUpBar(p.Point.Name, p.RuntimeSized.Median, p.Generated.Median, p.RatioTarget)).ToList()
            : rows.Select(r => new SpeedUpBar(r.Point.Name, r.RuntimeSpeedup, r.GeneratedSpeedup, r.Target)).ToList();
        var ofLimit = paired is { Count: > 0 }
            ? paired.Select(p => new LimitBar(p.Point.Name, p.BestPercentOfLimit.Median, PointLimit.NameOf(p.Kind))).ToList()
            : rows.Select(r => new LimitBar(r.Point.Name, 100 * r.LimitNs / r.Best, r.Limit.KindName)).ToList();
        ReportCharts.WriteSpeedUp(Path.Combine(docs, "benchmarks.svg"), speedUps, cpu);
        ReportCharts.WriteLimit(Path.Combine(docs, "benchmarks-limit.svg"), ofLimit, cpu);
        Console.WriteLine($"// wrote {Path.Combine(docs, "benchmarks.md")}, benchmarks.svg and benchmarks-limit.svg");
    }

    /// <summary>One benchmark case: its median (ns per call) and the bytes it allocated per call.</summary>
    private sealed record Measured(double MedianNs, long? Bytes);

    private sealed record ForwardRow(GridPoint Point, double Onnx, double Runtime, double Generated, double? Naive, long? RuntimeBytes, long? GeneratedBytes, PointLimit Limit, double? Target)
    {
        public double LimitNs => Limit.Ns;

        public double RuntimeSpeedup => Onnx / Runtime;

        public double GeneratedSpeedup => Onnx / Generated;

        public double Best => Math.Min(Runtime, Generated);
    }

    private sealed record ParallelRow(GridPoint Point, double OneThread, double TwoThreads, long? Bytes);

    private static IEnumerable<ParallelRow> ParallelRows(Dictionary<(string, string, string), Measured> m)
    {
        foreach (GridPoint point in GridPoint.All)
        {
            string key = $"Point={point.Name}";
            if (m.TryGetValue((nameof(ParallelBenchmarks), nameof(ParallelBenchmarks.OneThread), key), out var one)
                && m.TryGetValue((nameof(ParallelBenchmarks), nameof(ParallelBenchmarks.TwoThreads), key), out var two))
            {
                yield return new ParallelRow(point, one.MedianNs, two.MedianNs, two.Bytes);
            }
        }
    }

    private sealed record StepRow(RnnCell Cell, int Hidden, double Runtime, double Generated, long? Bytes, double? RtNeuralNs);

    private static IEnumerable<ForwardRow> ForwardRows(Dictionary<(string, string, string), Measured> m, MachineLimits machine)
    {
        foreach (GridPoint point in GridPoint.All)
        {
            string key = $"Point={point.Name}";
            if (!m.TryGetValue((nameof(ForwardBenchmarks), nameof(ForwardBenchmarks.OnnxRuntime), key), out var onnx)
                || !m.TryGetValue((nameof(ForwardBenchmarks), nameof(ForwardBenchmarks.RuntimeSized), key), out var runtime)
                || !m.TryGetValue((nameof(ForwardBenchmarks), nameof(ForwardBenchmarks.Generated), key), out var generated))
            {
                continue;
            }

            double? naive = m.TryGetValue((nameof(NaiveReferenceBenchmarks), nameof(NaiveReferenceBenchmarks.Naive), key), out var n) ? n.MedianNs : null;
            yield return new ForwardRow(point, onnx.MedianNs, runtime.MedianNs, generated.MedianNs, naive, runtime.Bytes, generated.Bytes, machine.LimitOf(point), Targets.TryGetValue(point.Name, out double target) ? target : null);
        }
    }

    private static IEnumerable<StepRow> StepRows(Dictionary<(string, string, string), Measured> m)
    {
        var rtNeural = RtNeuralHere();
        foreach (RnnCell cell in new[] { RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru })
        {
            foreach (int hidden in new[] { 8, 16, 32, 64, 128 })
            {
                string key = $"Cell={cell},Hidden={hidden}";
                if (m.TryGetValue((nameof(StepBenchmarks), nameof(StepBenchmarks.RuntimeSized), key), out var runtime)
                    && m.TryGetValue((nameof(StepBenchmarks), nameof(StepBenchmarks.Generated), key), out var generated))
                {
                    yield return new StepRow(cell, hidden, runtime.MedianNs, generated.MedianNs, Math.Max(runtime.Bytes ?? 0, generated.Bytes ?? 0),
                        rtNeural is { } here && here.Figures.TryGetValue((cell, hidden), out double reference) ? reference : null);
                }
            }
        }
    }

    private static string Markdown(
        Summary[] summaries,
        string command,
        MachineLimits machine,
        List<ForwardRow> rows,
        List<StepRow> steps,
        List<ParallelRow> parallel,
        IReadOnlyList<PairedRatios.Result> paired,
        IReadOnlyDictionary<string, PairedRatios.Ratio> pairedParallel,
        Dictionary<(RnnCell, int), PairedRatios.DeclaredTiming>? pairedStep)
    {
        var host = summaries.FirstOrDefault()?.HostEnvironmentInfo;
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine("# Benchmarks");
        text.AppendLine();
        text.AppendLine("Written by the benchmark itself (`perf/HighPerfRnn.Benchmarks`, `--report`): do not edit by hand.");
        text.AppendLine();
        text.AppendLine(c, $"- Measured: {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC, with `{command}`");
        text.AppendLine(c, $"- CPU: {host?.Cpu.Value.ProcessorName ?? "unknown"} ({CpuType.Current()?.ToString() ?? "CPUID not read"}; {Environment.ProcessorCount} logical cores); HighPerfRnn path: {SimdPaths.Best}; hardware intrinsics: {host?.HardwareIntrinsicsShort ?? "?"}");
        text.AppendLine(c, $"- .NET {Environment.Version} ({host?.RuntimeVersion ?? "?"}), {System.Runtime.InteropServices.RuntimeInformation.OSDescription}; ONNX Runtime {typeof(Microsoft.ML.OnnxRuntime.InferenceSession).Assembly.GetName().Version}, CPU provider, 1 thread");
        text.AppendLine(c, $"- Measured on one core at the start of the run: FMA peak {machine.PeakGflops:F1} GFLOP/s on that path; reading from L2 {machine.L2BytesPerNs:F0} GB/s (a {CacheBandwidth.BufferBytes / 1024} KB buffer) and from L1 {machine.L1BytesPerNs:F0} GB/s ({CacheBandwidth.L1BufferBytes / 1024} KB); L1 data cache {machine.L1DataBytes / 1024} KB (CPUID); the library's tanh and σ of one vector take as long as {machine.InVectorFmas(machine.TanhNsPerFloat):F0} and {machine.InVectorFmas(machine.SigmoidNsPerFloat):F0} vector FMAs at that peak (`Reporting/ActivationCost.cs`).");
        text.AppendLine("- *Limit* = the least time any kernel could take on this core (`GridPoint.LimitAt`): the input products at the FMA peak, then per step the recurrence at the slower of the FMA peak and reading the direction's whole W_hh, from L2 where it outgrows L1 (4 × L1) and from L1 below (at batch 1 the weights, not the arithmetic, set the pace: each is read once a step); or, where steps are short, their dependency chain: the steps in a row on the pass's longest chain (`GridPoint.ChainSteps`) times one step's chain timed alone in registers (`StepLatencyFloor`). *Bound* names which applies.");
        text.AppendLine("- The machine is shared and noisy: compare ratios within a run, not absolute times across runs. The paired tables");
        text.AppendLine("  (`--paired`) are the ones to read. Where the generated and runtime-sized columns run the same kernels (the");
        text.AppendLine("  planner hands declared models over to the runtime's kernels above its lines), their difference is the run's noise.");
        text.AppendLine();
        text.AppendLine("## Forward pass over a sequence (one thread)");
        text.AppendLine();
        text.AppendLine("Median time per forward pass (BenchmarkDotNet). *×ORT* = ONNX Runtime's median ÷ HighPerfRnn's better one (higher is better); *issue 4* = that issue's target. *% of limit* = the limit ÷ HighPerfRnn's better median. Allocated = bytes per call in HighPerfRnn rows (MemoryDiagnoser, whole process, finalizer thread held during its iteration: see Program.cs).");
        text.AppendLine();
        text.AppendLine("| point | model | ONNX Runtime | runtime-sized | generated | naive (double) | ×ORT | issue 4 | bound | limit | % of limit | allocated |");
        text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
        foreach (ForwardRow r in rows)
        {
            double best = r.Onnx / r.Best;
            string target = r.Target is { } t ? string.Create(c, $"{t:0.#}× {(best >= t ? "met" : "not met")}") : "—";
            text.AppendLine(c, $"| {r.Point.Name} | {r.Point.Description} | {Time(r.Onnx)} | {Time(r.Runtime)} | {Time(r.Generated)} | {(r.Naive is { } n ? Time(n) : "—")} | {best:F2}× | {target} | {r.Limit.KindName} | {Time(r.LimitNs)} | {100 * r.LimitNs / r.Best:F0}% | {Bytes(r.RuntimeBytes)} / {Bytes(r.GeneratedBytes)} |");
        }

        if (paired.Count > 0)
        {
            text.AppendLine();
            text.AppendLine("### Paired: ratios and % of limit within each round (issue 15)");
            text.AppendLine();
            text.AppendLine("Timed in alternation (`--paired`, after BenchmarkDotNet, in one process): per round a burst of about 20 ms each of ONNX Runtime, the runtime-sized model, the generated one, a burst of FMA chains and a read of the L2 buffer, in alternating order, round after round. Each ratio, and the limit, is taken within the round (the limit from that round's FMA rate and L2 rate), so both sides ran under the same conditions; the median over the rounds, with quartiles (`Reporting/PairedRatios.cs`).");
            text.AppendLine();
            text.AppendLine("*Ceiling* = ONNX Runtime's time ÷ the limit: the ratio a kernel at the limit would reach. Issue 15's targets: every point at least min(1.5×, 0.85 × ceiling) faster than ONNX Runtime; at least 85% of the FMA peak on the arithmetic-bound points (batch, large, lstm-big and the batched gated points) and 80% of the L2 bound on the batch-1 gated ones (lstm, gru).");
            text.AppendLine();
            text.AppendLine("*With activations* = the least time with the activations added to the limit's arithmetic, at the rate of tanh and σ measured in the same round (a burst of each beside the pass: `GridPoint.FloorWithActivationsAt`): the formula the bit-for-bit guarantee fixes runs on the FMA pipes too, so no kernel can hide it under the products. The gap between the two percentages is what the activations take; the rest of the gap to 100% is the kernels'.");
            text.AppendLine();
            text.AppendLine("| point | rounds | ×ORT runtime-sized | ×ORT generated | quartiles (better) | ceiling | ratio target | met | bound | % of limit (quartiles) | target | met | % of limit with activations (quartiles) |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: | ---: | --- | ---: |");
            foreach (PairedRatios.Result p in paired)
            {
                double ratioTarget = p.RatioTarget;
                PairedRatios.Ratio ofLimit = p.BestPercentOfLimit;
                PairedRatios.Ratio ofFloor = p.BestPercentOfFloor;
                string limitTarget = LimitTargets.TryGetValue(p.Point.Name, out double percent) ? string.Create(c, $"{percent:F0}%") : "—";
                string limitMet = LimitTargets.ContainsKey(p.Point.Name) ? (ofLimit.Median >= percent ? "yes" : "no") : "—";
                string kind = PointLimit.NameOf(p.Kind);
                text.AppendLine(c, $"| {p.Point.Name} | {p.Rounds} | {p.RuntimeSized.Median:F2}× | {p.Generated.Median:F2}× | {p.Best.LowerQuartile:F2}–{p.Best.UpperQuartile:F2}× | {p.Ceiling.Median:F2}× | {ratioTarget:F2}× | {(p.Best.Median >= ratioTarget ? "yes" : "no")} | {kind} | {ofLimit.Median:F0}% ({ofLimit.LowerQuartile:F0}–{ofLimit.UpperQuartile:F0}) | {limitTarget} | {limitMet} | {ofFloor.Median:F0}% ({ofFloor.LowerQuartile:F0}–{ofFloor.UpperQuartile:F0}) |");
            }
        }

        text.AppendLine();
        text.AppendLine("Against the figures issue 4 measured for ONNX Runtime on the AVX2 machine type (the ones its targets were set against), HighPerfRnn's best median of this run:");
        text.AppendLine();
        text.AppendLine("| point | ONNX Runtime (issue 4) | HighPerfRnn (best, this run) | × | target | met |");
        text.AppendLine("| --- | ---: | ---: | ---: | ---: | --- |");
        foreach (ForwardRow r in rows.Where(r => IssueOnnxNs.ContainsKey(r.Point.Name) && r.Target is not null))
        {
            double issueOnnx = IssueOnnxNs[r.Point.Name];
            text.AppendLine(c, $"| {r.Point.Name} | {Time(issueOnnx)} | {Time(r.Best)} | {issueOnnx / r.Best:F2}× | {r.Target:0.#}× | {(issueOnnx / r.Best >= r.Target ? "yes" : "no")} |");
        }

        text.AppendLine();
        text.AppendLine("![speed-up over ONNX Runtime](benchmarks.svg)");
        text.AppendLine();
        text.AppendLine("![% of limit per point](benchmarks-limit.svg)");
        text.AppendLine();
        if (parallel.Count > 0)
        {
            text.AppendLine("## Batches over two cores (`RnnParallelRunner`)");
            text.AppendLine();
            text.AppendLine("The second core is shared with other tenants, so the two medians can come from different conditions; *paired* (with `--paired`) alternates one and two threads in one process and takes the speed-up within each round (median, quartiles), the points taking their rounds in turn, so that a stretch in which the host keeps the second core busy lowers a few rounds of every point rather than most of one.");
            text.AppendLine();
            text.AppendLine("| point | 1 thread | 2 threads | speed-up | paired speed-up (quartiles) | allocated (2 threads) |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: |");
            foreach (ParallelRow p in parallel)
            {
                string pairedSpeedUp = pairedParallel.TryGetValue(p.Point.Name, out PairedRatios.Ratio? r) ? string.Create(c, $"{r.Median:F2}× ({r.LowerQuartile:F2}–{r.UpperQuartile:F2})") : "—";
                text.AppendLine(c, $"| {p.Point.Name} | {Time(p.OneThread)} | {Time(p.TwoThreads)} | {p.OneThread / p.TwoThreads:F2}× | {pairedSpeedUp} | {Bytes(p.Bytes)} |");
            }

            text.AppendLine();
        }

        if (steps.Count > 0)
        {
            text.AppendLine("## Streaming: one `Step` (batch 1, input = hidden)");
            text.AppendLine();
            text.AppendLine("*Declared* = the `[RnnModel]` type of the same size built from the same weights (same bits): where W_hh takes at most 16 KB its whole-model kernel runs the step (issue 14). *Declared ÷ runtime* = the declared model's time as a fraction of the runtime-sized model's: of the medians, and *paired* (with `--paired`) within each round of an alternation in one process (median, quartiles). *Declared (paired)* = the declared model's median time per call over those rounds (about 20 ms a round, after warm-up, minutes after BenchmarkDotNet's): a second estimate, as a `--quick` run's BenchmarkDotNet median rests on five 60 ms iterations, which one slow stretch of the shared host moves by up to a third (a declared GRU 64 step's: 638–905 ns over four runs within two hours), and the paired rounds of a shape take under a second, which such a stretch can cover too.");
            text.AppendLine();
            string here = RtNeuralHere()?.Type ?? "this CPU type";
            text.AppendLine(c, $"RTNeural = its compile-time layers, per step, not timed in this run: *{here}* = measured on this run's CPU type (AMD EPYC Zen 3, Zen 4 or Zen 5, by CPUID family and model; — on others) with `perf/rtneural/bench_step.cpp` (Eigen backend, g++ 12 -O3 -march=native, output fed back as input, the faster of two rounds on Zen 4 (2026-12-02), the fastest of three on Zen 3 (2026-12-03) and Zen 5 (2026-12-04)); *issue 4* on the AVX2 EPYC, *issue 14* on the AVX-512 Xeon (best of Eigen/xsimd). *×RTNeural* = that RTNeural time ÷ the faster of the declared model's two estimates (BenchmarkDotNet's median and the paired one), as RTNeural's own figure is the fastest of its rounds; mind that RTNeural's loop feeds each output back as the next input, which this table's loop does not (`-- --feedback-step` runs HighPerfRnn in RTNeural's loop). The Elman RNN is not in RTNeural; issue 14's targets for it: 30 / 45 / 100 / 300 / 1200 ns.");
            text.AppendLine();
            text.AppendLine("*Least time* = the slowest of reading the step's weights (W_ih and W_hh, each used once a step) through L1 at its rate measured at the start of the run and all that L1 cannot hold from L2 at L2's, its flops at the FMA peak (`MachineLimits.StepBoundNs`), and its dependency chain alone, timed in registers when the report is written (`StepLatencyFloor`: the recurrent product, its joins, the activations and the state update; this loop feeds back h, not the output); *bound* says which; *% (declared)* = that ÷ the declared median (BenchmarkDotNet's, taken right after the limits were measured: the paired rounds come minutes later, under whatever the host does then). *Chain through memory* = the same chain as a kernel must run it (`StepLatencyFloor.Measure`, through memory): h stored and each product term broadcasting its lane back from the row, as a `Step` hands h to the next call through the caller's state; *% of it* = that ÷ the faster of the declared model's two estimates, where it binds (it exceeds the weights' time; — elsewhere).");
            text.AppendLine();
            text.AppendLine(c, $"| cell | hidden | runtime-sized | declared | declared ÷ runtime | paired (quartiles) | declared (paired) | allocated | RTNeural ({here}) | ×RTNeural (declared) | RTNeural (issue 4) | RTNeural (issue 14) | least time | bound | % (declared) | chain through memory | % of it |");
            text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |");
            foreach (StepRow s in steps)
            {
                PairedRatios.DeclaredTiming? pairedTimes = pairedStep is not null && pairedStep.TryGetValue((s.Cell, s.Hidden), out PairedRatios.DeclaredTiming? t) ? t : null;
                // Against RTNeural, the faster of the declared step's two estimates: RTNeural's figure is the fastest of its rounds.
                double fasterDeclaredNs = Math.Min(pairedTimes?.DeclaredNs ?? s.Generated, s.Generated);
                string versus = s.RtNeuralNs is { } reference ? $"{reference / fasterDeclaredNs:F2}×" : "—";
                string pairedText = pairedTimes is { Fraction: var r } ? string.Create(c, $"{r.Median:F2} ({r.LowerQuartile:F2}–{r.UpperQuartile:F2})") : "—";
                string pairedDeclared = pairedTimes is not null ? Time(pairedTimes.DeclaredNs) : "—";
                string issue14 = RtNeuralXeon.TryGetValue((s.Cell, s.Hidden), out double xeon) ? Time(xeon) : "—";
                string issue4 = RtNeural.TryGetValue((s.Cell, s.Hidden), out double avx2) ? Time(avx2) : "—";
                double readBound = machine.StepBoundNs(s.Cell, s.Hidden);
                double chain = StepLatencyFloor.Measure(s.Cell, s.Hidden);
                double bound = Math.Max(readBound, chain);
                string boundKind = chain >= readBound ? "latency" : "weights";
                double chainThroughMemory = StepLatencyFloor.Measure(s.Cell, s.Hidden, throughMemory: true);
                string ofChainThroughMemory = chainThroughMemory >= readBound ? string.Create(c, $"{100 * chainThroughMemory / fasterDeclaredNs:F0}%") : "—";
                text.AppendLine(c, $"| {s.Cell} | {s.Hidden} | {Time(s.Runtime)} | {Time(s.Generated)} | {s.Generated / s.Runtime:F2} | {pairedText} | {pairedDeclared} | {Bytes(s.Bytes)} | {(s.RtNeuralNs is { } rt ? Time(rt) : "—")} | {versus} | {issue4} | {issue14} | {Time(bound)} | {boundKind} | {100 * bound / s.Generated:F0}% | {Time(chainThroughMemory)} | {ofChainThroughMemory} |");
            }
        }

        return text.ToString();
    }

    /// <summary>The products-alone table (<see cref="ProductBenchmarks"/>), or nothing when the run did not include it.</summary>
    private static string ProductSection(Dictionary<(string, string, string), Measured> m, MachineLimits machine, IReadOnlyDictionary<ProductBenchmarks.Shape, PairedRatios.Ratio>? paired)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (ProductBenchmarks.Shape shape in ProductBenchmarks.Shapes)
        {
            if (!m.TryGetValue((nameof(ProductBenchmarks), nameof(ProductBenchmarks.Multiply), $"Product={shape}"), out var product))
            {
                continue;
            }

            if (text.Length == 0)
            {
                text.AppendLine();
                text.AppendLine("## The packed product alone (one thread)");
                text.AppendLine();
                text.AppendLine("C = bias + A·Wᵀ (`PackedGemm`, the one product every pass runs) at the grid's shapes: rows × W's rows × depth. *% of peak* of the median against the FMA peak measured at the start, and *paired* (with `--paired`) against a burst of FMA chains in each round (median, quartiles). Issue 15's targets: within 10% of the peak on the large products (the input projections), within 20% on a step's small ones.");
                text.AppendLine();
                text.AppendLine("| product | used by | median | GFLOP/s | % of peak | paired (quartiles) | target | allocated |");
                text.AppendLine("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |");
            }

            double target = shape.Use.Contains("input projection", StringComparison.Ordinal) ? 90 : 80;
            string pairedText = paired is not null && paired.TryGetValue(shape, out PairedRatios.Ratio? r) ? string.Create(c, $"{r.Median:F0}% ({r.LowerQuartile:F0}–{r.UpperQuartile:F0}) {(r.Median >= target ? "met" : "not met")}") : "—";
            double gflops = shape.Flops / product.MedianNs;
            text.AppendLine(c, $"| {shape} | {shape.Use} | {Time(product.MedianNs)} | {gflops:F0} | {100 * gflops / machine.PeakGflops:F0}% | {pairedText} | {target:F0}% | {Bytes(product.Bytes)} |");
        }

        return text.ToString();
    }

    /// <summary>The small-Forward table (<see cref="SmallForwardBenchmarks"/>), or nothing when the run did not include it.</summary>
    private static string SmallForwardSection(Dictionary<(string, string, string), Measured> m, Dictionary<(RnnCell, int), PairedRatios.Ratio>? paired)
        => DeclaredForwardSection(
            m,
            paired,
            nameof(SmallForwardBenchmarks),
            [8, 16, 32, 64],
            "## Small models over a sequence: `Forward`, batch 1, declared against runtime-sized",
            $"One layer, input = hidden, {DeclaredForwardBenchmarks.SeqLen} steps. The declared model runs its whole-model kernel where the plan picks it: LSTM and GRU to 16 KB of W_hh, Elman to 8 KB unless its hidden state is one vector (8 on 256-bit, 16 on 512-bit: the runtime's one-vector kernel keeps h in a register). Elsewhere (Elman 64, LSTM and GRU 64, and those one-vector sizes) both run the same kernels and the ratio is the run's noise.");

    /// <summary>The two-layer Forward table (<see cref="DeepForwardBenchmarks"/>), or nothing when the run did not include it.</summary>
    private static string DeepForwardSection(Dictionary<(string, string, string), Measured> m, Dictionary<(RnnCell, int), PairedRatios.Ratio>? paired)
        => DeclaredForwardSection(
            m,
            paired,
            nameof(DeepForwardBenchmarks),
            [16, 32],
            "## Two stacked layers over a sequence: `Forward`, batch 1, declared against runtime-sized",
            $"Two unidirectional layers, input = hidden, {DeclaredForwardBenchmarks.SeqLen} steps. The declared model runs its layers as a wavefront (layer 2's step t − 1 beside layer 1's step t: two independent chains per time step) where all its weights take at most 32 KB (every cell at 16, Elman at 32); past that (LSTM and GRU 32: 64 and 48 KB) one layer after the other, each over the whole sequence with its own 32 or 24 KB in L1 (since session 24; the runtime's pass, which projects each layer's inputs in one product, before).");

    private static string DeclaredForwardSection(Dictionary<(string, string, string), Measured> m, Dictionary<(RnnCell, int), PairedRatios.Ratio>? paired, string benchmark, int[] hiddenSizes, string heading, string description)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (RnnCell cell in new[] { RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru })
        {
            foreach (int hidden in hiddenSizes)
            {
                string key = $"Cell={cell},Hidden={hidden}";
                if (!m.TryGetValue((benchmark, nameof(DeclaredForwardBenchmarks.RuntimeSized), key), out var runtime)
                    || !m.TryGetValue((benchmark, nameof(DeclaredForwardBenchmarks.Generated), key), out var declared))
                {
                    continue;
                }

                if (text.Length == 0)
                {
                    text.AppendLine();
                    text.AppendLine(heading);
                    text.AppendLine();
                    text.AppendLine(description);
                    text.AppendLine();
                    text.AppendLine("| cell | hidden | runtime-sized | declared | per step (declared) | declared ÷ runtime | paired (quartiles) | allocated |");
                    text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
                }

                string pairedText = paired is not null && paired.TryGetValue((cell, hidden), out PairedRatios.Ratio? r) ? string.Create(c, $"{r.Median:F2} ({r.LowerQuartile:F2}–{r.UpperQuartile:F2})") : "—";
                text.AppendLine(c, $"| {cell} | {hidden} | {Time(runtime.MedianNs)} | {Time(declared.MedianNs)} | {Time(declared.MedianNs / DeclaredForwardBenchmarks.SeqLen)} | {declared.MedianNs / runtime.MedianNs:F2} | {pairedText} | {Bytes(declared.Bytes)} |");
            }
        }

        return text.ToString();
    }

    /// <summary>The stream-set table (<see cref="StreamSetBenchmarks"/>), or nothing when the run did not include it.</summary>
    private static string StreamSetSection(Dictionary<(string, string, string), Measured> m, MachineLimits machine)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (RnnCell cell in new[] { RnnCell.Lstm, RnnCell.Gru })
        {
            string key = $"Cell={cell},Streams=256";
            if (!m.TryGetValue((nameof(StreamSetBenchmarks), nameof(StreamSetBenchmarks.SetTick), key), out var set)
                || !m.TryGetValue((nameof(StreamSetBenchmarks), nameof(StreamSetBenchmarks.StepPerStream), key), out var perStream)
                || !m.TryGetValue((nameof(StreamSetBenchmarks), nameof(StreamSetBenchmarks.OnnxRunPerStream), key), out var onnx))
            {
                continue;
            }

            if (text.Length == 0)
            {
                text.AppendLine();
                text.AppendLine("## Many live streams: 256 streams stepped every tick (one thread)");
                text.AppendLine();
                text.AppendLine("LSTM 64 and GRU 64 (input 64). *Set*: `RnnStreamSet.Step` over all 256 streams (one batched call); *one Step per stream*: `RnnModel.Step` at batch 1, states kept by the caller; *ONNX Runtime*: one `Run` per stream passing the state in and out. Per stream and tick; *% of peak* against this run's measured FMA peak (LSTM 64: 65,536 flops a stream-step, GRU 64: 49,152). Issue 17's targets: 80% of peak, 30× ONNX Runtime. *With activations*: against the products at that peak plus the stream-step's activations (LSTM: 3 σ and 2 tanh a unit, GRU: 2 σ and 1 tanh) at the rate measured at the start of the run: the least time the fixed activation formula allows.");
                text.AppendLine();
                text.AppendLine("| cell | set (per stream) | one Step per stream | ONNX Runtime per stream | set ×Step | set ×ORT | % of peak (set) | % of peak with activations (set) | allocated (set) |");
                text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            }

            double perStreamSet = set.MedianNs / 256;
            (double peakNs, double floorNs) = machine.StreamStepNs(cell, StreamSetBenchmarks.Size);
            text.AppendLine(c, $"| {cell} 64 | {Time(perStreamSet)} | {Time(perStream.MedianNs / 256)} | {Time(onnx.MedianNs / 256)} | {perStream.MedianNs / set.MedianNs:F2}× | {onnx.MedianNs / set.MedianNs:F1}× | {100 * peakNs / perStreamSet:F0}% | {100 * floorNs / perStreamSet:F0}% | {Bytes(set.Bytes)} |");
        }

        return text.ToString();
    }

    /// <summary>The eight-streams table (<see cref="EightStreamsBenchmarks"/>), or nothing when the run did not include it.</summary>
    private static string EightStreamsSection(Dictionary<(string, string, string), Measured> m, MachineLimits machine, IReadOnlyDictionary<RnnCell, PairedRatios.EightStreamsTiming>? paired)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (RnnCell cell in new[] { RnnCell.Lstm, RnnCell.Gru })
        {
            string key = $"Cell={cell},Streams=8";
            if (!m.TryGetValue((nameof(EightStreamsBenchmarks), nameof(EightStreamsBenchmarks.RuntimeSized), key), out var runtime)
                || !m.TryGetValue((nameof(EightStreamsBenchmarks), nameof(EightStreamsBenchmarks.Declared), key), out var declared))
            {
                continue;
            }

            if (text.Length == 0)
            {
                text.AppendLine();
                text.AppendLine("## Eight streams stepped together: `Step` of 8 streams (one thread)");
                text.AppendLine();
                text.AppendLine("LSTM 64 and GRU 64 (input 64): one `Step` of 8 rows, each step's output the next one's input, the declared model against the runtime-sized one built from the same weights (the same bits, checked at setup). Per stream. Issue 14's target: 80% of the FMA peak (LSTM 64: 65,536 flops a stream-step, GRU 64: 49,152). *% of peak*: of BenchmarkDotNet's median against the peak measured at the start of the run, and *paired* (with `--paired`) against a burst of FMA chains in each round of an alternation (median, quartiles). *With activations*: against the products at that peak plus the step's activations (LSTM: 3 σ and 2 tanh a unit, GRU: 2 σ and 1 tanh) at the rate of tanh and σ measured beside them: the least time the fixed activation formula allows, so 100% there is the machine's limit for this step.");
                text.AppendLine();
                text.AppendLine("| cell | runtime-sized (per stream) | declared (per stream) | declared ÷ runtime | paired (quartiles) | declared (paired) | % of peak | paired (quartiles) | % with activations | paired (quartiles) | allocated |");
                text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            }

            double streams = 8;
            (double peakNs, double floorNs) = machine.StreamStepNs(cell, EightStreamsBenchmarks.Hidden);
            double declaredPerStream = declared.MedianNs / streams;
            string Quartiles(PairedRatios.Ratio r, string format) => string.Create(c, $"{r.Median.ToString(format, c)} ({r.LowerQuartile.ToString(format, c)}–{r.UpperQuartile.ToString(format, c)})");
            string Percent(PairedRatios.Ratio r) => string.Create(c, $"{r.Median:F0}% ({r.LowerQuartile:F0}–{r.UpperQuartile:F0})");
            PairedRatios.EightStreamsTiming? p = paired is not null && paired.TryGetValue(cell, out var found) ? found : null;
            string pairedFraction = p is not null ? Quartiles(p.DeclaredFraction, "F2") : "—";
            string pairedTime = p is not null ? Time(p.DeclaredNsPerStream) : "—";
            string pairedPeak = p is not null ? Percent(p.PercentOfPeak) : "—";
            string pairedFloor = p is not null ? Percent(p.PercentWithActivations) : "—";
            text.AppendLine(c, $"| {cell} {EightStreamsBenchmarks.Hidden} | {Time(runtime.MedianNs / streams)} | {Time(declaredPerStream)} | {declared.MedianNs / runtime.MedianNs:F2} | {pairedFraction} | {pairedTime} | {100 * peakNs / declaredPerStream:F0}% | {pairedPeak} | {100 * floorNs / declaredPerStream:F0}% | {pairedFloor} | {Bytes(declared.Bytes)} |");
        }

        return text.ToString();
    }

    /// <summary>The ragged-batch table (<see cref="RaggedBatchBenchmarks"/>), or nothing when the run did not include it.</summary>
    private static string RaggedSection(Dictionary<(string, string, string), Measured> m, IReadOnlyDictionary<RnnCell, (PairedRatios.Ratio WithLengths, PairedRatios.Ratio OneByOne)>? paired)
    {
        var c = CultureInfo.InvariantCulture;
        var text = new StringBuilder();
        foreach (RnnCell cell in new[] { RnnCell.Lstm, RnnCell.Rnn })
        {
            string key = $"Cell={cell}";
            if (!m.TryGetValue((nameof(RaggedBatchBenchmarks), nameof(RaggedBatchBenchmarks.Padded), key), out var padded)
                || !m.TryGetValue((nameof(RaggedBatchBenchmarks), nameof(RaggedBatchBenchmarks.Ragged), key), out var ragged)
                || !m.TryGetValue((nameof(RaggedBatchBenchmarks), nameof(RaggedBatchBenchmarks.OneByOne), key), out var alone))
            {
                continue;
            }

            if (text.Length == 0)
            {
                text.AppendLine();
                text.AppendLine("## Ragged batches: sequences of different lengths (one thread)");
                text.AppendLine();
                text.AppendLine(c, $"{RaggedBatchBenchmarks.Batch} sequences, lengths spread evenly over 10..{RaggedBatchBenchmarks.SeqLen} (scrambled), hidden = input = {RaggedBatchBenchmarks.Hidden}, batch first. *Padded*: the batch run to {RaggedBatchBenchmarks.SeqLen} steps without lengths; *with lengths*: `Forward(..., lengths, ...)`; *one by one*: each sequence alone at batch 1 over its own length. The work with lengths is {100 * RaggedBatchBenchmarks.WorkFraction:F0}% of the padded batch's (the ideal fraction); the target is 60%. *Paired* (with `--paired`): the fraction within each round of an alternation in one process (median, quartiles).");
                text.AppendLine();
                text.AppendLine("| cell | padded | with lengths | one by one | with lengths ÷ padded | paired (quartiles) | one by one ÷ with lengths | paired one by one ÷ padded | allocated |");
                text.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
            }

            string pairedFraction = paired is not null && paired.TryGetValue(cell, out var p) ? string.Create(c, $"{p.WithLengths.Median:F2} ({p.WithLengths.LowerQuartile:F2}–{p.WithLengths.UpperQuartile:F2})") : "—";
            string pairedAlone = paired is not null && paired.TryGetValue(cell, out var q) ? string.Create(c, $"{q.OneByOne.Median:F2} ({q.OneByOne.LowerQuartile:F2}–{q.OneByOne.UpperQuartile:F2})") : "—";
            text.AppendLine(c, $"| {cell} {RaggedBatchBenchmarks.Hidden} | {Time(padded.MedianNs)} | {Time(ragged.MedianNs)} | {Time(alone.MedianNs)} | {ragged.MedianNs / padded.MedianNs:F2} | {pairedFraction} | {alone.MedianNs / ragged.MedianNs:F2}× | {pairedAlone} | {Bytes(ragged.Bytes)} |");
        }

        return text.ToString();
    }

    private static string Time(double ns) => ns switch
    {
        >= 1e6 => (ns / 1e6).ToString("F2", CultureInfo.InvariantCulture) + " ms",
        >= 1e3 => (ns / 1e3).ToString("F2", CultureInfo.InvariantCulture) + " µs",
        _ => ns.ToString("F0", CultureInfo.InvariantCulture) + " ns",
    };

    private static string Bytes(long? bytes) => bytes is null ? "?" : bytes.Value.ToString(CultureInfo.InvariantCulture) + " B";

    private static string RepositoryRoot()
    {
        for (string? directory = Environment.CurrentDirectory; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "HighPerfRnn.sln")))
            {
                return directory;
            }
        }

        return Environment.CurrentDirectory;
    }
}
