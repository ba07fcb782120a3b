using System.CommandLine;
using System.Diagnostics;
using System.Runtime.InteropServices;
using static HighPerfRnn.Cli.CliErrors;

namespace HighPerfRnn.Cli.Commands;

/// <summary>
/// <c>hprnn bench [MODEL]</c>: a quick timing table on this machine — median time per forward, bytes allocated
/// per forward, and throughput — for a model file or a built-in grid of small and medium models. Not a
/// replacement for the BenchmarkDotNet suite in perf/: a minute's look at what this machine does.
/// </summary>
internal static class BenchCommand
{
    public const double DefaultSecondsPerCase = 1.5;
    public const int DefaultFileSeqLen = 100;
    private const int Samples = 15;

    /// <summary>One row of the table (<paramref name="Split"/>: how the threads divided each pass).</summary>
    public sealed record Result(string Model, int Batch, int SeqLen, double MedianSeconds, double AllocatedBytesPerForward, double FlopsPerForward, long Forwards, string Split)
    {
        public double GigaflopsPerSecond => FlopsPerForward / MedianSeconds / 1e9;
    }

    private sealed record BenchCase(string Label, Func<RnnModel> Create, int Batch, int SeqLen);

    public static Command Create()
    {
        var model = new Argument<FileInfo?>("model")
        {
            Description = "A model file to time; without one, the built-in grid: the seed's 5→8 2-layer bidirectional RNN (seq 10), 64→64 RNN, 128→128 RNN, LSTM and GRU (seq 100), all batch 1.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var batch = new Option<int?>("--batch", "-b") { Description = "Sequences per forward (default 1)." };
        var seq = new Option<int?>("--seq", "-s")
        {
            Description = Invariant($"Time steps per sequence (default: {DefaultFileSeqLen} for a model file; the grid's own lengths otherwise)."),
        };
        var seconds = new Option<double>("--seconds")
        {
            Description = "Measuring time per model, in seconds (warm-up comes on top).",
            DefaultValueFactory = _ => DefaultSecondsPerCase,
        };
        var threads = new Option<int>("--threads", "-t")
        {
            Description = "Threads per forward (default 1): more run RnnParallelRunner, which divides each pass between them (batch rows, directions or each step's units, as the execution plan decides).",
            DefaultValueFactory = _ => 1,
        };
        Option<string> simd = SimdOption();
        Option<string?> nonlinearity = ModelFiles.NonlinearityOption();
        Option<string?> prefix = ModelFiles.PrefixOption();
        var command = new Command("bench", "Time forward passes on this machine: median time, allocated bytes and GFLOP/s, for a model file or a built-in grid.")
        {
            model, batch, seq, seconds, threads, simd, nonlinearity, prefix,
        };
        command.SetAction(parseResult =>
        {
            InvocationConfiguration io = parseResult.InvocationConfiguration;
            return CliErrors.Run(io.Error, () => Run(
                parseResult.GetValue(model),
                parseResult.GetValue(batch),
                parseResult.GetValue(seq),
                parseResult.GetValue(seconds),
                parseResult.GetValue(threads),
                ParseSimd(parseResult.GetValue(simd)),
                parseResult.GetValue(nonlinearity),
                parseResult.GetValue(prefix),
                io.Output,
                io.Error));
        });
        return command;
    }

    public static int Run(FileInfo? path, int? batch, int? seqLen, double seconds, int threads, SimdPath simd, string? nonlinearity, string? prefix, TextWriter output, TextWriter progress)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(progress);
        RequirePositive(batch, "--batch");
        RequirePositive(seqLen, "--seq");
        if (!(seconds > 0 && seconds <= 600))
        {
            throw new CliInputException(Invariant($"--seconds must be above 0 and at most 600, not {seconds}."));
        }

        if (threads is < 1 or > 256)
        {
            throw new CliInputException(Invariant($"--threads must be between 1 and 256, not {threads}."));
        }

        SimdPath resolved = SimdPaths.Resolve(simd);
        int rows = batch ?? 1;
        List<BenchCase> cases;
        if (path is not null)
        {
            LoadedModel loaded = ModelFiles.Load(path, nonlinearity, prefix, resolved);
            cases = [new BenchCase(loaded.Architecture.ToString(), () => loaded.Model, rows, seqLen ?? DefaultFileSeqLen)];
        }
        else
        {
            cases =
            [
                Grid(new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true), rows, seqLen ?? 10, resolved),
                Grid(new RnnArchitecture(RnnCell.Rnn, 64, 64), rows, seqLen ?? 100, resolved),
                Grid(new RnnArchitecture(RnnCell.Rnn, 128, 128), rows, seqLen ?? 100, resolved),
                Grid(new RnnArchitecture(RnnCell.Lstm, 128, 128), rows, seqLen ?? 100, resolved),
                Grid(new RnnArchitecture(RnnCell.Gru, 128, 128), rows, seqLen ?? 100, resolved),
            ];
        }

        output.WriteLine(Invariant($"hprnn bench: SIMD path {resolved}, {Environment.ProcessorCount} logical cores, {RuntimeInformation.FrameworkDescription}, {RuntimeInformation.OSDescription} {RuntimeInformation.ProcessArchitecture}"));
        output.WriteLine(threads == 1
            ? Invariant($"median of {Samples} samples per model after warm-up; runtime-sized kernels (RnnModel); one thread")
            : Invariant($"median of {Samples} samples per model after warm-up; runtime-sized kernels; RnnParallelRunner with {threads} threads, calls back to back; allocations counted process-wide"));
        output.WriteLine();
        var results = new List<Result>(cases.Count);
        using RnnParallelRunner? runner = threads > 1 ? new RnnParallelRunner(threads) : null;
        for (int i = 0; i < cases.Count; i++)
        {
            BenchCase benchCase = cases[i];
            string name = Invariant($"[{i + 1}/{cases.Count}] {benchCase.Label}, batch {benchCase.Batch}, seq {benchCase.SeqLen}");
            progress.WriteLine(name + ": warming up ...");
            Result result = Measure(benchCase, seconds, runner, progress, name);
            progress.WriteLine(Invariant($"{name}: {FormatTime(result.MedianSeconds)} per forward ({result.Forwards:N0} forwards)"));
            results.Add(result);
        }

        WriteTable(output, results);
        return ExitCodes.Success;
    }

    /// <summary>Floating-point operations of one forward pass: 2·G·H·(I + H) per layer, direction, step and row (plus 2·P·H for an LSTM projection).</summary>
    public static double Flops(RnnArchitecture a, int batch, int seqLen)
    {
        ArgumentNullException.ThrowIfNull(a);
        double perStep = 0;
        for (int layer = 0; layer < a.NumLayers; layer++)
        {
            perStep += 2.0 * a.GateCount * a.HiddenSize * (a.LayerInputSize(layer) + a.StateSize);
            if (a.ProjSize > 0)
            {
                perStep += 2.0 * a.ProjSize * a.HiddenSize;
            }
        }

        return perStep * a.NumDirections * seqLen * batch;
    }

    private static BenchCase Grid(RnnArchitecture architecture, int batch, int seqLen, SimdPath simd) =>
        new(architecture.ToString(), () => RnnModel.CreateRandom(architecture, seed: 5, simd), batch, seqLen);

    // runner: null for one thread (the model's own Forward).
    private static Result Measure(BenchCase benchCase, double seconds, RnnParallelRunner? runner, TextWriter progress, string name)
    {
        RnnModel model = benchCase.Create();
        RnnArchitecture a = model.Architecture;
        int batch = benchCase.Batch, seqLen = benchCase.SeqLen;
        float[] input = RandomInput(checked(batch * seqLen * a.InputSize));

        var output = new float[checked(batch * seqLen * a.OutputSize)];
        var hN = new float[checked(a.StateRows * batch * a.StateSize)];
        var workspace = new RnnWorkspace();
        void Forward()
        {
            if (runner is null)
            {
                model.Forward(input, output, hN, batch, seqLen, SequenceLayout.BatchFirst, default, workspace);
            }
            else
            {
                runner.Forward(model, input, output, hN, batch, seqLen, SequenceLayout.BatchFirst);
            }
        }

        // The runner's threads allocate on their own threads: counted process-wide there.
        long Allocated() => runner is null ? GC.GetAllocatedBytesForCurrentThread() : GC.GetTotalAllocatedBytes(precise: true);

        // Warm-up: the JIT's tiers and the workspace settle; it also sizes the calls per sample.
        // The time per call is taken from the second half of the warm-up, once the JIT has done its first tiers.
        var clock = Stopwatch.StartNew();
        double warmUp = Math.Min(0.5, Math.Max(0.05, seconds / 4));
        long calls = 0, callsAtHalf = 0;
        double secondsAtHalf = 0;
        while (clock.Elapsed.TotalSeconds < warmUp || calls - callsAtHalf < 3)
        {
            Forward();
            calls++;
            if (callsAtHalf == 0 && clock.Elapsed.TotalSeconds >= warmUp / 2)
            {
                callsAtHalf = calls;
                secondsAtHalf = clock.Elapsed.TotalSeconds;
            }
        }

        double perCall = (clock.Elapsed.TotalSeconds - secondsAtHalf) / (calls - callsAtHalf);
        long callsPerSample = Math.Max(1, (long)(seconds / Samples / perCall));
        progress.WriteLine(Invariant($"{name}: measuring {Samples} × {callsPerSample:N0} forwards ..."));

        var sampleSeconds = new double[Samples];
        long allocatedBefore = Allocated();
        for (int s = 0; s < Samples; s++)
        {
            long start = Stopwatch.GetTimestamp();
            for (long c = 0; c < callsPerSample; c++)
            {
                Forward();
            }

            sampleSeconds[s] = Stopwatch.GetElapsedTime(start).TotalSeconds / callsPerSample;
        }

        long allocated = Allocated() - allocatedBefore;
        Array.Sort(sampleSeconds);
        long forwards = Samples * callsPerSample;
        string split = runner?.DescribeSplit(model, batch, seqLen) ?? "one thread";
        return new Result(benchCase.Label, batch, seqLen, sampleSeconds[Samples / 2], (double)allocated / forwards, Flops(a, batch, seqLen), forwards, split);
    }

    private static void WriteTable(TextWriter output, List<Result> results)
    {
        string[] header = ["model", "batch", "seq", "median/forward", "per step", "allocated/forward", "GFLOP/s", "threads"];
        var rows = new List<string[]> { header };
        foreach (Result r in results)
        {
            rows.Add(
            [
                r.Model,
                Invariant($"{r.Batch}"),
                Invariant($"{r.SeqLen}"),
                FormatTime(r.MedianSeconds),
                FormatTime(r.MedianSeconds / r.SeqLen),
                FormatBytes(r.AllocatedBytesPerForward),
                Invariant($"{r.GigaflopsPerSecond:0.00}"),
                r.Split,
            ]);
        }

        TextTable.Write(output, rows);
    }

    public static string FormatTime(double seconds) => seconds switch
    {
        < 1e-6 => Invariant($"{seconds * 1e9:0.0} ns"),
        < 1e-3 => Invariant($"{seconds * 1e6:0.00} µs"),
        < 1 => Invariant($"{seconds * 1e3:0.00} ms"),
        _ => Invariant($"{seconds:0.00} s"),
    };

    public static string FormatBytes(double bytes) => bytes < 0.5 ? "0 B" : Invariant($"{bytes:0} B");

    /// <summary><c>--simd auto|scalar|128|256|512</c>: the instruction-set path to run.</summary>
    public static Option<string> SimdOption()
    {
        var simd = new Option<string>("--simd")
        {
            Description = "The instruction-set path to run: auto (the best for this CPU), scalar, 128, 256 or 512.",
            DefaultValueFactory = _ => "auto",
        };
        simd.AcceptOnlyFromAmong("auto", "scalar", "128", "256", "512");
        return simd;
    }

    /// <summary>Inputs uniform in [-1, 1), the same on every run.</summary>
    public static float[] RandomInput(int length)
    {
        var random = new Random(7);
        var values = new float[length];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }

    public static SimdPath ParseSimd(string? text) => text switch
    {
        null or "auto" => SimdPath.Auto,
        "scalar" => SimdPath.Scalar,
        "128" => SimdPath.Vector128,
        "256" => SimdPath.Vector256,
        "512" => SimdPath.Vector512,
        _ => throw new CliInputException(Invariant($"--simd must be auto, scalar, 128, 256 or 512, not '{text}'.")),
    };

    private static void RequirePositive(int? value, string option)
    {
        if (value is <= 0)
        {
            throw new CliInputException(Invariant($"{option} must be positive, not {value}."));
        }
    }
}
