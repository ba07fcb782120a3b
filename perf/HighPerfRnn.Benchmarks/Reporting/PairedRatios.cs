using System.Diagnostics;
using System.Globalization;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// ONNX Runtime and HighPerfRnn timed in alternation, in one process: a short burst of each in turn, round after
/// round, and the ratio taken within each round. BenchmarkDotNet times each case in its own process, one after the
/// other; on this shared machine the speed drifts by tens of percent over seconds (other tenants), so a case can
/// land in a slow stretch and its neighbour in a fast one. Within a round (tens of milliseconds) both run under the
/// same conditions, and the median over the rounds is robust to the stretches that hit both.
/// </summary>
/// <remarks>
/// A second estimator beside BenchmarkDotNet's table, not a replacement: no allocation measurement, no statistics
/// beyond the median and quartiles of the per-round ratios. Each point's outputs are checked against ONNX Runtime's
/// first (<see cref="ModelUnderTest"/>), and every call is warmed to its steady state (<see cref="JitWarmup"/>).
/// </remarks>
public static class PairedRatios
{
    /// <summary>Target length of one burst: long against timer resolution, short against the machine's drift.</summary>
    private static readonly TimeSpan Burst = TimeSpan.FromMilliseconds(20);

    private const int MinimumRounds = 9;

    /// <summary>The probes beside each pass: a burst of FMA chains (about 0.1 ms) and passes over the L2 buffer (2 MB read).</summary>
    private const int FmaProbeIterations = 20_000, L2ProbePasses = 8;

    /// <summary>The activation probes beside each pass: tanh, then σ, over 4096 floats this many times (about 0.1 ms each).</summary>
    private const int ActivationProbePasses = 50;

    /// <summary>The L1 probe beside each pass: 16 KB read this many times (about 0.1 ms).</summary>
    private const int L1ProbePasses = 800;

    /// <summary>
    /// One point: the median (and quartiles) over the rounds of ONNX Runtime's time ÷ HighPerfRnn's, per HighPerfRnn
    /// model; the point's limit as a percentage of HighPerfRnn's time, and ONNX Runtime's time ÷ the limit (the ratio a
    /// kernel at the limit would reach: the ceiling), each with the limit taken from the same round's probes.
    /// </summary>
    public sealed record Result(GridPoint Point, int Rounds, Ratio RuntimeSized, Ratio Generated, Ratio PercentOfLimitRuntimeSized, Ratio PercentOfLimitGenerated, Ratio Ceiling, LimitKind Kind,
        Ratio PercentOfFloorRuntimeSized, Ratio PercentOfFloorGenerated)
    {
        private bool GeneratedIsBetter => Generated.Median > RuntimeSized.Median;

        /// <summary>The better model's percentage of the floor with the activations (<see cref="GridPoint.FloorWithActivationsAt"/>).</summary>
        public Ratio BestPercentOfFloor => GeneratedIsBetter ? PercentOfFloorGenerated : PercentOfFloorRuntimeSized;

        /// <summary>The better of the two models' median ratios.</summary>
        public Ratio Best => GeneratedIsBetter ? Generated : RuntimeSized;

        /// <summary>The better model's percentage of the limit.</summary>
        public Ratio BestPercentOfLimit => GeneratedIsBetter ? PercentOfLimitGenerated : PercentOfLimitRuntimeSized;

        /// <summary>Issue 15's target for the ratio to ONNX Runtime: min(1.5, 0.85 × the ceiling).</summary>
        public double RatioTarget => Math.Min(1.5, 0.85 * Ceiling.Median);
    }

    public sealed record Ratio(double Median, double LowerQuartile, double UpperQuartile);

    /// <summary>
    /// One shape of <see cref="MeasureDeclared"/>: the declared model's time as a fraction of the runtime-sized
    /// one's per round, and each model's median time per call over the rounds (ns): a second estimate beside
    /// BenchmarkDotNet's median of a few short iterations, taken minutes later (the Step table's ×RTNeural takes the faster).
    /// </summary>
    public sealed record DeclaredTiming(Ratio Fraction, double RuntimeSizedNs, double DeclaredNs);

    /// <summary>
    /// Each point in rounds of eight bursts: ONNX Runtime, the runtime-sized model, the generated one, the three probes
    /// of the machine's limits (<see cref="PeakFlops.Burst"/>, <see cref="CacheBandwidth.Read"/>, <see cref="CacheBandwidth.ReadL1"/>)
    /// and the two of the activations' cost (<see cref="ActivationCost"/>). The machine's speed drifts by up to 1.5× between minutes, so a
    /// peak measured once at the start would misstate the fraction; within a round the pass and the probes run under the
    /// same conditions.
    /// </summary>
    public static List<Result> Measure(IEnumerable<GridPoint> points, TimeSpan perPoint)
    {
        double flopsPerProbe = PeakFlops.Burst(FmaProbeIterations);
        double bytesPerProbe = CacheBandwidth.Read(L2ProbePasses);
        double floatsPerActivationProbe = ActivationCost.TanhBurst(ActivationProbePasses);
        double bytesPerL1Probe = CacheBandwidth.ReadL1(L1ProbePasses);
        var results = new List<Result>();
        foreach (GridPoint point in points)
        {
            using var model = new ModelUnderTest(point);
            List<double[]> rounds = TimedRounds(
                [
                    model.Onnx.Run, model.RunRuntimeSized, model.RunGenerated, () => PeakFlops.Burst(FmaProbeIterations), () => CacheBandwidth.Read(L2ProbePasses),
                    () => ActivationCost.TanhBurst(ActivationProbePasses), () => ActivationCost.SigmoidBurst(ActivationProbePasses), () => CacheBandwidth.ReadL1(L1ProbePasses),
                ],
                perPoint);
            // The steps' dependency chain, timed once per cell and size (in registers, about 0.1 s): it binds where steps are short.
            double stepLatencyNs = StepLatencyFloor.Measure(point.Cell, point.HiddenSize);
            var limits = rounds.Select(ns => point.LimitAt(flopsPerProbe / ns[3], bytesPerProbe / ns[4], bytesPerL1Probe / ns[7], CacheBandwidth.L1DataBytes, stepLatencyNs)).ToList();
            var floors = rounds.Select(ns => point.FloorWithActivationsAt(flopsPerProbe / ns[3], bytesPerProbe / ns[4], bytesPerL1Probe / ns[7], CacheBandwidth.L1DataBytes, ns[5] / floatsPerActivationProbe, ns[6] / floatsPerActivationProbe, stepLatencyNs)).ToList();
            var result = new Result(
                point,
                rounds.Count,
                Summarize(rounds.Select(ns => ns[0] / ns[1]).ToList()),
                Summarize(rounds.Select(ns => ns[0] / ns[2]).ToList()),
                Summarize(rounds.Select((ns, r) => 100 * limits[r].Ns / ns[1]).ToList()),
                Summarize(rounds.Select((ns, r) => 100 * limits[r].Ns / ns[2]).ToList()),
                Summarize(rounds.Select((ns, r) => ns[0] / limits[r].Ns).ToList()),
                limits.GroupBy(l => l.Kind).MaxBy(g => g.Count())!.Key,
                Summarize(rounds.Select((ns, r) => 100 * floors[r] / ns[1]).ToList()),
                Summarize(rounds.Select((ns, r) => 100 * floors[r] / ns[2]).ToList()));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// paired {point.Name}: ×{result.RuntimeSized.Median:F2} runtime-sized, ×{result.Generated.Median:F2} generated, {result.BestPercentOfLimit.Median:F0}% of the limit ({result.Kind}), {result.BestPercentOfFloor.Median:F0}% of the floor with the activations, over {result.Rounds} rounds"));
            results.Add(result);
        }

        return results;
    }

    /// <summary>
    /// Each product of <see cref="ProductBenchmarks"/> in rounds beside a burst of FMA chains: per round the product's
    /// rate as a percentage of the chains' (the FMA peak under the same conditions); median and quartiles.
    /// </summary>
    public static Dictionary<ProductBenchmarks.Shape, Ratio> MeasureProducts(TimeSpan perShape)
    {
        double flopsPerProbe = PeakFlops.Burst(FmaProbeIterations);
        var results = new Dictionary<ProductBenchmarks.Shape, Ratio>();
        foreach (ProductBenchmarks.Shape shape in ProductBenchmarks.Shapes)
        {
            List<double[]> rounds = TimedRounds([ProductBenchmarks.Prepare(shape), () => PeakFlops.Burst(FmaProbeIterations)], perShape);
            Ratio ofPeak = Summarize(rounds.Select(ns => 100 * (shape.Flops / ns[0]) / (flopsPerProbe / ns[1])).ToList());
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// paired product {shape} ({shape.Use}): {ofPeak.Median:F0}% of the FMA peak over {rounds.Count} rounds"));
            results[shape] = ofPeak;
        }

        return results;
    }

    /// <summary>
    /// <see cref="RnnParallelRunner"/> on two threads against one, in alternation as above: the speed-up per round
    /// (one thread's time ÷ two threads'), on the points <see cref="ParallelBenchmarks"/> runs.
    /// </summary>
    public static Dictionary<string, Ratio> MeasureParallel(TimeSpan perPoint)
    {
        ParallelBenchmarks[] benchmarks = ParallelBenchmarks.Points.Select(point => new ParallelBenchmarks { Point = point }).ToArray();
        try
        {
            foreach (ParallelBenchmarks benchmark in benchmarks)
            {
                benchmark.Setup();
            }

            // The points take their rounds in turn rather than one point after another: a stretch in which the host keeps
            // the second core busy (seen: seconds long) then lowers a few rounds of every point, which their medians
            // discount, instead of most rounds of one point (session 19's large read 0.94× so, against 1.88–1.97× alone).
            List<double[]>[] rounds = InterleavedRounds(benchmarks.Select(b => new Action[] { b.OneThread, b.TwoThreads }).ToArray(), perPoint);
            var results = new Dictionary<string, Ratio>();
            for (int p = 0; p < benchmarks.Length; p++)
            {
                Ratio speedUp = Summarize(rounds[p].Select(ns => ns[0] / ns[1]).ToList());
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// paired {benchmarks[p].Point.Name}: two threads ×{speedUp.Median:F2} over one, {rounds[p].Count} rounds"));
                results[benchmarks[p].Point.Name] = speedUp;
            }

            return results;
        }
        finally
        {
            foreach (ParallelBenchmarks benchmark in benchmarks)
            {
                benchmark.Dispose();
            }
        }
    }

    /// <summary>
    /// <see cref="ParallelSplitBenchmarks"/> in alternation as above: per shape, the two ways to split a pass between two
    /// threads (rows; units or directions shared) as speed-ups over one thread, and the shared split's time ÷ the rows' per
    /// round, which sets the planner's lines (ExecutionPlanner.ParallelSplitFor); printed, not reported.
    /// </summary>
    public static void MeasureSplits(TimeSpan perShape)
    {
        ParallelSplitBenchmarks[] benchmarks = ParallelSplitBenchmarks.Shapes.Select(shape => new ParallelSplitBenchmarks { Shape = shape }).ToArray();
        try
        {
            foreach (ParallelSplitBenchmarks benchmark in benchmarks)
            {
                benchmark.Setup();
            }

            List<double[]>[] rounds = InterleavedRounds(benchmarks.Select(b => new Action[] { b.OneThread, b.SplitRows, b.ShareWork }).ToArray(), perShape);
            for (int s = 0; s < benchmarks.Length; s++)
            {
                Ratio rows = Summarize(rounds[s].Select(ns => ns[0] / ns[1]).ToList());
                Ratio shared = Summarize(rounds[s].Select(ns => ns[0] / ns[2]).ToList());
                Ratio sharedOverRows = Summarize(rounds[s].Select(ns => ns[2] / ns[1]).ToList());
                string sharedName = benchmarks[s].Shape.Bidirectional ? "directions" : "units";
                Console.WriteLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"// paired split {benchmarks[s].Shape}: rows ×{rows.Median:F2}, {sharedName} ×{shared.Median:F2} over one thread; {sharedName} ÷ rows time {sharedOverRows.Median:F3} ({sharedOverRows.LowerQuartile:F3}–{sharedOverRows.UpperQuartile:F3}), {rounds[s].Count} rounds"));
            }
        }
        finally
        {
            foreach (ParallelSplitBenchmarks benchmark in benchmarks)
            {
                benchmark.Dispose();
            }
        }
    }

    /// <summary>
    /// Declared models against runtime-sized ones (issue 14), in alternation as above: per cell and hidden size of
    /// <see cref="StepBenchmarks"/> (one Step, batch 1), <see cref="SmallForwardBenchmarks"/> (a 100-step Forward, batch 1)
    /// and <see cref="DeepForwardBenchmarks"/> (the same with two layers), the declared model's time as a fraction of the
    /// runtime-sized model's in each round.
    /// </summary>
    public static (Dictionary<(RnnCell, int), DeclaredTiming> Step, Dictionary<(RnnCell, int), Ratio> Forward, Dictionary<(RnnCell, int), Ratio> DeepForward) MeasureDeclared(
        TimeSpan perPoint, bool step, bool forward, bool deepForward)
    {
        var steps = new Dictionary<(RnnCell, int), DeclaredTiming>();
        var forwards = new Dictionary<(RnnCell, int), Ratio>();
        var deepForwards = new Dictionary<(RnnCell, int), Ratio>();
        foreach (RnnCell cell in new[] { RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru })
        {
            foreach (int hidden in new[] { 8, 16, 32, 64, 128 })
            {
                if (step)
                {
                    var benchmark = new StepBenchmarks { Cell = cell, Hidden = hidden };
                    benchmark.Setup();
                    steps[(cell, hidden)] = DeclaredTimes(benchmark.RuntimeSized, benchmark.Generated, perPoint, $"Step {cell} {hidden}");
                }

                if (forward && hidden <= 64)
                {
                    var benchmark = new SmallForwardBenchmarks { Cell = cell, Hidden = hidden };
                    benchmark.Setup();
                    forwards[(cell, hidden)] = DeclaredTimes(benchmark.RuntimeSized, benchmark.Generated, perPoint, $"Forward {cell} {hidden}").Fraction;
                }

                if (deepForward && hidden is 16 or 32)
                {
                    var benchmark = new DeepForwardBenchmarks { Cell = cell, Hidden = hidden };
                    benchmark.Setup();
                    deepForwards[(cell, hidden)] = DeclaredTimes(benchmark.RuntimeSized, benchmark.Generated, perPoint, $"Forward {cell} {hidden} × 2 layers").Fraction;
                }
            }
        }

        return (steps, forwards, deepForwards);
    }

    /// <summary>
    /// The declared model against the runtime-sized one in rounds: its time as a fraction of the runtime-sized one's per
    /// round, and each model's median time per call over the rounds; logged.
    /// </summary>
    internal static DeclaredTiming DeclaredTimes(Action runtimeSized, Action declared, TimeSpan perPoint, string what)
    {
        List<double[]> rounds = TimedRounds([runtimeSized, declared], perPoint);
        var times = new DeclaredTiming(
            Fraction(rounds.Select(ns => ns[0] / ns[1]).ToList()),
            Summarize(rounds.Select(ns => ns[0]).ToList()).Median,
            Summarize(rounds.Select(ns => ns[1]).ToList()).Median);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// paired {what}: declared {times.Fraction.Median:F3} of runtime-sized; medians {times.DeclaredNs:F1} / {times.RuntimeSizedNs:F1} ns over {rounds.Count} rounds"));
        return times;
    }

    /// <summary>
    /// One cell of <see cref="MeasureEightStreams"/>: the declared model's time as a fraction of the runtime-sized one's per
    /// round; the declared step's flops as a percentage of the FMA peak measured in the same round, and of the least time
    /// with the step's activations added at the rate of tanh and σ measured in the same round (what the fixed activation
    /// formula allows); each model's median time per stream (ns).
    /// </summary>
    public sealed record EightStreamsTiming(Ratio DeclaredFraction, Ratio PercentOfPeak, Ratio PercentWithActivations, double DeclaredNsPerStream, double RuntimeSizedNsPerStream);

    /// <summary>
    /// <see cref="EightStreamsBenchmarks"/> in rounds of five bursts: the runtime-sized and the declared step of eight
    /// streams, a burst of FMA chains and one each of the library's tanh and σ, so that the percentages of the peak are
    /// taken under the same conditions as the step.
    /// </summary>
    public static Dictionary<RnnCell, EightStreamsTiming> MeasureEightStreams(TimeSpan perCell)
    {
        double flopsPerProbe = PeakFlops.Burst(FmaProbeIterations);
        double floatsPerActivationProbe = ActivationCost.TanhBurst(ActivationProbePasses);
        var results = new Dictionary<RnnCell, EightStreamsTiming>();
        foreach (RnnCell cell in new[] { RnnCell.Lstm, RnnCell.Gru })
        {
            var benchmark = new EightStreamsBenchmarks { Cell = cell, Streams = 8 };
            benchmark.Setup();
            List<double[]> rounds = TimedRounds(
                [
                    benchmark.RuntimeSized, benchmark.Declared, () => PeakFlops.Burst(FmaProbeIterations),
                    () => ActivationCost.TanhBurst(ActivationProbePasses), () => ActivationCost.SigmoidBurst(ActivationProbePasses),
                ],
                perCell);
            // A stream's least time at the round's rates (the FMA burst's, tanh's and σ's), times the streams of a step.
            (double PeakNs, double WithActivationsNs) StepLimits(double[] ns)
            {
                (double peakNs, double floorNs) = MachineLimits.StreamStepNs(cell, EightStreamsBenchmarks.Hidden, flopsPerProbe / ns[2], ns[3] / floatsPerActivationProbe, ns[4] / floatsPerActivationProbe);
                return (benchmark.Streams * peakNs, benchmark.Streams * floorNs);
            }

            var timing = new EightStreamsTiming(
                Summarize(rounds.Select(ns => ns[1] / ns[0]).ToList()),
                Summarize(rounds.Select(ns => 100 * StepLimits(ns).PeakNs / ns[1]).ToList()),
                Summarize(rounds.Select(ns => 100 * StepLimits(ns).WithActivationsNs / ns[1]).ToList()),
                Summarize(rounds.Select(ns => ns[1]).ToList()).Median / benchmark.Streams,
                Summarize(rounds.Select(ns => ns[0]).ToList()).Median / benchmark.Streams);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// paired eight streams {cell} {EightStreamsBenchmarks.Hidden}: declared {timing.DeclaredNsPerStream:F0} ns a stream, {timing.PercentOfPeak.Median:F0}% of the FMA peak ({timing.PercentWithActivations.Median:F0}% with the activations), {timing.DeclaredFraction.Median:F3} of the runtime-sized time, {rounds.Count} rounds"));
            results[cell] = timing;
        }

        return results;
    }

    /// <summary>
    /// Ragged batches (<see cref="RaggedBatchBenchmarks"/>), in alternation as above: per cell, the time with lengths and
    /// the time one by one, each as a fraction of the padded batch's time in the same round.
    /// </summary>
    public static Dictionary<RnnCell, (Ratio WithLengths, Ratio OneByOne)> MeasureRagged(TimeSpan perCell)
    {
        var results = new Dictionary<RnnCell, (Ratio, Ratio)>();
        foreach (RnnCell cell in new[] { RnnCell.Lstm, RnnCell.Rnn })
        {
            var benchmark = new RaggedBatchBenchmarks { Cell = cell };
            benchmark.Setup();
            List<double>[] speedUps = Rounds(benchmark.Padded, [benchmark.Ragged, benchmark.OneByOne], perCell);
            Ratio withLengths = Fraction(speedUps[0]);
            Ratio oneByOne = Fraction(speedUps[1]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"// paired ragged {cell}: with lengths {withLengths.Median:F3}, one by one {oneByOne.Median:F3} of the padded time, {speedUps[0].Count} rounds"));
            results[cell] = (withLengths, oneByOne);
        }

        return results;
    }

    /// <summary>Per-round speed-ups over a reference as fractions of its time (1 ÷ speed-up), summarized.</summary>
    private static Ratio Fraction(List<double> speedUps) => Summarize(speedUps.Select(s => 1 / s).ToList());

    /// <summary>
    /// Rounds of a burst of <paramref name="reference"/> and of each candidate, for at least <paramref name="perPoint"/>
    /// and <see cref="MinimumRounds"/> rounds: per candidate, the reference's time ÷ the candidate's in each round.
    /// </summary>
    private static List<double>[] Rounds(Action reference, Action[] candidates, TimeSpan perPoint)
    {
        List<double[]> rounds = TimedRounds([reference, .. candidates], perPoint);
        return candidates.Select((_, i) => rounds.Select(ns => ns[0] / ns[i + 1]).ToList()).ToArray();
    }

    /// <summary>
    /// Rounds of a burst of each call in turn, for at least <paramref name="perPoint"/> and <see cref="MinimumRounds"/>
    /// rounds: per round, each call's nanoseconds per call. Every call is warmed to its steady state first.
    /// </summary>
    private static List<double[]> TimedRounds(Action[] calls, TimeSpan perPoint) => InterleavedRounds([calls], perPoint)[0];

    /// <summary>
    /// <see cref="TimedRounds"/> for several groups of calls at once, the groups taking their rounds in turn for at least
    /// <paramref name="perGroup"/> × the groups and <see cref="MinimumRounds"/> rounds each: per group, per round, each
    /// call's nanoseconds per call.
    /// </summary>
    private static List<double[]>[] InterleavedRounds(Action[][] groups, TimeSpan perGroup)
    {
        foreach (Action[] calls in groups)
        {
            JitWarmup.RunAll(calls);
            JitWarmup.Settle(calls);
        }

        int[][] callsPerBurst = groups.Select(calls => calls.Select(CallsPerBurst).ToArray()).ToArray();
        List<double[]>[] rounds = groups.Select(_ => new List<double[]>()).ToArray();
        TimeSpan total = perGroup * groups.Length;
        var watch = Stopwatch.StartNew();
        for (int round = 0; round < MinimumRounds || watch.Elapsed < total; round++)
        {
            for (int g = 0; g < groups.Length; g++)
            {
                // Alternate the order within a group, so that no call always follows another's cache footprint.
                Action[] calls = groups[g];
                var ns = new double[calls.Length];
                for (int k = 0; k < calls.Length; k++)
                {
                    int i = (round & 1) == 0 ? k : calls.Length - 1 - k;
                    ns[i] = Time(calls[i], callsPerBurst[g][i]);
                }

                rounds[g].Add(ns);
            }
        }

        return rounds;
    }

    private static int CallsPerBurst(Action call)
    {
        var watch = Stopwatch.StartNew();
        call();
        call();
        double perCall = watch.Elapsed.TotalMilliseconds / 2;
        return (int)Math.Clamp(Burst.TotalMilliseconds / Math.Max(perCall, 1e-4), 1, 1_000_000);
    }

    /// <summary>Nanoseconds per call over a burst.</summary>
    private static double Time(Action call, int calls)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < calls; i++)
        {
            call();
        }

        return Stopwatch.GetElapsedTime(start).TotalNanoseconds / calls;
    }

    private static Ratio Summarize(List<double> ratios)
    {
        double[] sorted = ratios.Order().ToArray();
        return new Ratio(Quantile(sorted, 0.5), Quantile(sorted, 0.25), Quantile(sorted, 0.75));
    }

    /// <summary>Linear interpolation between order statistics (the usual definition, R's type 7).</summary>
    private static double Quantile(double[] sorted, double q)
    {
        double position = q * (sorted.Length - 1);
        int below = (int)Math.Floor(position);
        int above = Math.Min(below + 1, sorted.Length - 1);
        return sorted[below] + ((position - below) * (sorted[above] - sorted[below]));
    }
}
