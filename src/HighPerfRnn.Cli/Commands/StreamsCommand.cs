using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using static HighPerfRnn.Cli.CliErrors;

namespace HighPerfRnn.Cli.Commands;

/// <summary>
/// <c>hprnn streams [MODEL] --streams N --steps S</c>: N synthetic live streams, each stepped once per tick for S
/// ticks, two ways: an <see cref="RnnStreamSet"/> stepping all of them together in one call per tick, and one
/// <c>Step</c> per stream with the states kept by the caller. Prints throughput and per-call latency percentiles.
/// ONNX Runtime's one <c>Run</c> per stream is in the benchmark project (perf/), which the tool does not depend on.
/// </summary>
internal static class StreamsCommand
{
    public const int DefaultStreams = 256;
    public const int DefaultSteps = 1000;

    /// <summary>The most calls timed one by one (a timestamp each): 8 bytes apiece.</summary>
    public const long MaxTimedCalls = 20_000_000;

    /// <summary>One way of stepping the streams: its calls per tick, tick times and call latencies (seconds).</summary>
    public sealed record Result(string Model, string Way, int Streams, int CallsPerTick, double MedianTick, double TotalSeconds, int Ticks, double CallP50, double CallP99, double CallMax, double AllocatedPerTick, double FlopsPerStreamStep)
    {
        public double StreamStepsPerSecond => (double)Streams * Ticks / TotalSeconds;

        public double GigaflopsPerSecond => FlopsPerStreamStep * StreamStepsPerSecond / 1e9;
    }

    public static Command Create()
    {
        var model = new Argument<FileInfo?>("model")
        {
            Description = "A unidirectional model file; without one, random nn.LSTM(64, 64) and nn.GRU(64, 64) models.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var streams = new Option<int>("--streams", "-n")
        {
            Description = Invariant($"Live streams, all stepped every tick (default {DefaultStreams})."),
            DefaultValueFactory = _ => DefaultStreams,
        };
        var steps = new Option<int>("--steps", "-s")
        {
            Description = Invariant($"Ticks measured, after a tenth as many of warm-up (default {DefaultSteps})."),
            DefaultValueFactory = _ => DefaultSteps,
        };
        Option<string> simd = BenchCommand.SimdOption();
        Option<string?> nonlinearity = ModelFiles.NonlinearityOption();
        Option<string?> prefix = ModelFiles.PrefixOption();
        var command = new Command("streams", "Run N synthetic live streams: throughput and per-call latency (p50, p99, max) of a stream set stepping all of them per tick, against one Step per stream.")
        {
            model, streams, steps, simd, nonlinearity, prefix,
        };
        command.SetAction(parseResult =>
        {
            InvocationConfiguration io = parseResult.InvocationConfiguration;
            return CliErrors.Run(io.Error, () => Run(
                parseResult.GetValue(model),
                parseResult.GetValue(streams),
                parseResult.GetValue(steps),
                BenchCommand.ParseSimd(parseResult.GetValue(simd)),
                parseResult.GetValue(nonlinearity),
                parseResult.GetValue(prefix),
                io.Output,
                io.Error));
        });
        return command;
    }

    public static int Run(FileInfo? path, int streams, int steps, SimdPath simd, string? nonlinearity, string? prefix, TextWriter output, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        if (streams <= 0)
        {
            throw new CliInputException(Invariant($"--streams must be positive, not {streams}."));
        }

        if (steps <= 0)
        {
            throw new CliInputException(Invariant($"--steps must be positive, not {steps}."));
        }

        if ((long)streams * steps > MaxTimedCalls)
        {
            throw new CliInputException(Invariant($"--streams {streams} × --steps {steps} = {(long)streams * steps} timed calls; at most {MaxTimedCalls}."));
        }

        SimdPath resolved = SimdPaths.Resolve(simd);
        var models = new List<RnnModel>();
        if (path is not null)
        {
            LoadedModel loaded = ModelFiles.Load(path, nonlinearity, prefix, resolved);
            if (loaded.Architecture.Bidirectional)
            {
                throw new CliInputException(Invariant($"'{path}' holds {loaded.Architecture}, which is bidirectional: it cannot stream (its backward direction needs the whole sequence)."));
            }

            models.Add(loaded.Model);
        }
        else
        {
            models.Add(RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 64, 64), seed: 5, resolved));
            models.Add(RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 64, 64), seed: 5, resolved));
        }

        int warmUp = Math.Max(10, steps / 10);
        output.WriteLine(Invariant($"hprnn streams: SIMD path {resolved}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}"));
        output.WriteLine(Invariant($"{streams} streams, each stepped once per tick; {steps} ticks timed after {warmUp} of warm-up; one thread; every call timed"));
        output.WriteLine();
        var results = new List<Result>();
        foreach (RnnModel model in models)
        {
            string name = model.Architecture.ToString();
            progress.WriteLine(Invariant($"{name}: a stream set, all {streams} streams per tick ..."));
            Result set = MeasureSet(model, streams, steps, warmUp);
            progress.WriteLine(Invariant($"{name}: one Step per stream ..."));
            Result single = MeasureStepPerStream(model, streams, steps, warmUp);
            results.Add(set);
            results.Add(single);
            progress.WriteLine(Invariant($"{name}: the set runs {single.TotalSeconds / set.TotalSeconds:0.00}× the stream-steps per second of one Step per stream"));
        }

        WriteTable(output, results);
        return ExitCodes.Success;
    }

    private static Result MeasureSet(RnnModel model, int streams, int steps, int warmUp)
    {
        RnnArchitecture a = model.Architecture;
        var set = new RnnStreamSet(model, streams);
        var handles = new RnnStreamHandle[streams];
        for (int i = 0; i < streams; i++)
        {
            handles[i] = set.Open();
        }

        float[] input = BenchCommand.RandomInput(streams * a.InputSize);
        var output = new float[streams * a.OutputSize];
        for (int t = 0; t < warmUp; t++)
        {
            set.Step(handles, input, output);
        }

        var ticks = new double[steps];
        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < steps; t++)
        {
            long start = Stopwatch.GetTimestamp();
            set.Step(handles, input, output);
            ticks[t] = Stopwatch.GetElapsedTime(start).TotalSeconds;
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return Summarize(model, "stream set, one call per tick", streams, 1, ticks, ticks, allocated);
    }

    private static Result MeasureStepPerStream(RnnModel model, int streams, int steps, int warmUp)
    {
        RnnArchitecture a = model.Architecture;
        int hLength = a.NumLayers * a.StateSize;
        int cLength = a.Cell == RnnCell.Lstm ? a.NumLayers * a.HiddenSize : 0;
        var hidden = new float[streams * hLength];
        var cell = new float[streams * cLength];
        float[] input = BenchCommand.RandomInput(streams * a.InputSize);
        var output = new float[streams * a.OutputSize];
        var workspace = new RnnWorkspace();
        var calls = new double[(long)streams * steps];
        var ticks = new double[steps];

        void Tick(int t, bool timed)
        {
            long tickStart = Stopwatch.GetTimestamp();
            for (int s = 0; s < streams; s++)
            {
                long start = Stopwatch.GetTimestamp();
                ReadOnlySpan<float> x = input.AsSpan(s * a.InputSize, a.InputSize);
                Span<float> y = output.AsSpan(s * a.OutputSize, a.OutputSize);
                if (cLength == 0)
                {
                    model.Step(x, hidden.AsSpan(s * hLength, hLength), y, 1, workspace);
                }
                else
                {
                    model.Step(x, hidden.AsSpan(s * hLength, hLength), cell.AsSpan(s * cLength, cLength), y, 1, workspace);
                }

                if (timed)
                {
                    calls[((long)t * streams) + s] = Stopwatch.GetElapsedTime(start).TotalSeconds;
                }
            }

            if (timed)
            {
                ticks[t] = Stopwatch.GetElapsedTime(tickStart).TotalSeconds;
            }
        }

        for (int t = 0; t < warmUp; t++)
        {
            Tick(t, timed: false);
        }

        long allocatedBefore = GC.GetAllocatedBytesForCurrentThread();
        for (int t = 0; t < steps; t++)
        {
            Tick(t, timed: true);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - allocatedBefore;
        return Summarize(model, "one Step per stream", streams, streams, ticks, calls, allocated);
    }

    private static Result Summarize(RnnModel model, string way, int streams, int callsPerTick, double[] ticks, double[] calls, long allocated)
    {
        double total = ticks.Sum();
        double[] sortedTicks = [.. ticks.Order()];
        double[] sortedCalls = [.. calls.Order()];
        return new Result(
            model.Architecture.ToString(),
            way,
            streams,
            callsPerTick,
            Percentile(sortedTicks, 0.5),
            total,
            ticks.Length,
            Percentile(sortedCalls, 0.5),
            Percentile(sortedCalls, 0.99),
            sortedCalls[^1],
            (double)allocated / ticks.Length,
            BenchCommand.Flops(model.Architecture, batch: 1, seqLen: 1));
    }

    /// <summary>The value below which a fraction <paramref name="q"/> of the sorted samples lie (nearest rank).</summary>
    public static double Percentile(double[] sorted, double q)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        int rank = (int)Math.Ceiling(q * sorted.Length) - 1;
        return sorted[Math.Clamp(rank, 0, sorted.Length - 1)];
    }

    private static void WriteTable(TextWriter output, List<Result> results)
    {
        string[] header = ["model", "way", "calls/tick", "tick (median)", "per stream-step", "stream-steps/s", "GFLOP/s", "call p50", "call p99", "call max", "allocated/tick"];
        var rows = new List<string[]> { header };
        foreach (Result r in results)
        {
            rows.Add(
            [
                r.Model,
                r.Way,
                Invariant($"{r.CallsPerTick}"),
                BenchCommand.FormatTime(r.MedianTick),
                BenchCommand.FormatTime(r.MedianTick / r.Streams),
                Invariant($"{r.StreamStepsPerSecond:N0}"),
                Invariant($"{r.GigaflopsPerSecond:0.00}"),
                BenchCommand.FormatTime(r.CallP50),
                BenchCommand.FormatTime(r.CallP99),
                BenchCommand.FormatTime(r.CallMax),
                BenchCommand.FormatBytes(r.AllocatedPerTick),
            ]);
        }

        TextTable.Write(output, rows, leftAligned: 2);
    }
}
