using System.CommandLine;
using HighPerfRnn.Safetensors;
using static HighPerfRnn.Cli.CliErrors;

namespace HighPerfRnn.Cli.Commands;

/// <summary><c>hprnn info MODEL</c>: the architecture a safetensors file holds, or why it holds none.</summary>
internal static class InfoCommand
{
    public static Command Create()
    {
        Argument<FileInfo> model = ModelFiles.ModelArgument();
        Option<string?> nonlinearity = ModelFiles.NonlinearityOption();
        Option<string?> prefix = ModelFiles.PrefixOption();
        var tensors = new Option<bool>("--tensors") { Description = "Also list every tensor with its dtype and shape." };
        var plan = new Option<bool>("--plan") { Description = "Also print the execution plan on this CPU: the SIMD path and, per layer, the kernel that runs Forward and Step, and why." };
        var batch = new Option<int>("--batch") { Description = "The batch size the plan is for (with --plan).", DefaultValueFactory = _ => 1 };
        var threads = new Option<int>("--threads")
        {
            Description = "With --plan: also how RnnParallelRunner with this many threads divides a Forward of --batch sequences of --seq steps.",
            DefaultValueFactory = _ => 1,
        };
        var seq = new Option<int>("--seq") { Description = "The sequence length for --threads.", DefaultValueFactory = _ => DefaultParallelSeqLen };
        var command = new Command("info", "Show the architecture in a model file: cell, layers, directions, sizes, bias, proj_size, nonlinearity, parameter count, dtype; with --plan, what runs it on this CPU.")
        {
            model, nonlinearity, prefix, tensors, plan, batch, threads, seq,
        };
        command.SetAction(parseResult =>
        {
            InvocationConfiguration io = parseResult.InvocationConfiguration;
            return CliErrors.Run(io.Error, () => Run(
                parseResult.GetValue(model)!,
                parseResult.GetValue(nonlinearity),
                parseResult.GetValue(prefix),
                parseResult.GetValue(tensors),
                io.Output,
                parseResult.GetValue(plan),
                parseResult.GetValue(batch),
                parseResult.GetValue(threads),
                parseResult.GetValue(seq)));
        });
        return command;
    }

    /// <summary>The sequence length <c>--threads</c> describes the split for unless <c>--seq</c> says otherwise.</summary>
    public const int DefaultParallelSeqLen = 100;

    public static int Run(FileInfo path, string? nonlinearity, string? prefix, bool listTensors, TextWriter output, bool showPlan = false, int batch = 1, int threads = 1, int seqLen = DefaultParallelSeqLen)
    {
        if (batch < 1)
        {
            throw new CliInputException(Invariant($"--batch must be at least 1, but is {batch}."));
        }

        if (threads is < 1 or > 256)
        {
            throw new CliInputException(Invariant($"--threads must be between 1 and 256, but is {threads}."));
        }

        if (seqLen < 1)
        {
            throw new CliInputException(Invariant($"--seq must be at least 1, but is {seqLen}."));
        }

        ArgumentNullException.ThrowIfNull(output);
        LoadedModel loaded = ModelFiles.Load(path, nonlinearity, prefix);
        RnnArchitecture a = loaded.Architecture;
        string directions = a.Bidirectional ? "2 (bidirectional: forward ‖ backward)" : "1";
        string hidden = a.ProjSize > 0 ? "proj_size" : "hidden";

        output.WriteLine(Invariant($"{loaded.Path.Name}: {a}"));
        Row(output, "cell", a.Cell switch
        {
            RnnCell.Lstm => "LSTM (4 gates: i, f, g, o)",
            RnnCell.Gru => "GRU (3 gates: r, z, n)",
            _ => "RNN (Elman)",
        });
        Row(output, "layers", Invariant($"{a.NumLayers}"));
        Row(output, "directions", directions);
        Row(output, "input_size", Invariant($"{a.InputSize}"));
        Row(output, "hidden_size", Invariant($"{a.HiddenSize}"));
        Row(output, "proj_size", a.ProjSize > 0 ? Invariant($"{a.ProjSize}") : "0 (none)");
        Row(output, "bias", a.Bias ? "true" : "false");
        Row(output, "nonlinearity", a.Cell == RnnCell.Rnn
            ? Invariant($"{(a.Nonlinearity == RnnNonlinearity.Relu ? "relu" : "tanh")} ({loaded.NonlinearitySource})")
            : "sigmoid gates, tanh (fixed by the cell)");
        Row(output, "parameters", Invariant($"{a.ParameterCount:N0}"));
        Row(output, "dtype", DTypes(loaded.File, prefix));
        Row(output, "output", Invariant($"{a.OutputSize} features per step ({a.NumDirections} direction{(a.NumDirections > 1 ? "s" : string.Empty)} × {hidden} {a.StateSize})"));
        Row(output, "h_n", Invariant($"({a.StateRows}, batch, {a.StateSize})") +
            (a.Cell == RnnCell.Lstm ? Invariant($"; c_n ({a.StateRows}, batch, {a.HiddenSize})") : string.Empty));
        bool? batchFirst = ModelFiles.MetadataBool(loaded.File.Metadata, ModelFiles.BatchFirstKey);
        if (batchFirst is not null)
        {
            Row(output, "batch_first", batchFirst.Value ? "true (from the file's metadata)" : "false (from the file's metadata)");
        }

        if (listTensors)
        {
            output.WriteLine("tensors:");
            foreach (SafetensorsTensorInfo tensor in loaded.File.Tensors)
            {
                output.WriteLine(Invariant($"  {tensor.Name,-24} {tensor.DTypeName,-5} {tensor.ShapeText}"));
            }
        }

        if (showPlan)
        {
            // The plans the model made when it was loaded: what its calls run on this CPU.
            output.WriteLine(Invariant($"plan (numerics version {Numerics.Version}):"));
            output.WriteLine(Indent(loaded.Model.DescribePlan(RnnCall.Forward, batch).ToString()));
            if (!a.Bidirectional)
            {
                output.WriteLine(Indent(loaded.Model.DescribePlan(RnnCall.Step, batch).ToString()));
            }

            if (threads > 1)
            {
                using var runner = new RnnParallelRunner(threads);
                output.WriteLine(Indent(Invariant($"RnnParallelRunner with {threads} threads, Forward of batch {batch}, seq {seqLen}: {runner.DescribeSplit(loaded.Model, batch, seqLen)}")));
            }
        }

        return ExitCodes.Success;
    }

    private static string Indent(string text) => "  " + text.ReplaceLineEndings(Environment.NewLine + "  ");

    private static void Row(TextWriter output, string name, string value) => output.WriteLine(Invariant($"  {name,-14}{value}"));

    /// <summary>The dtypes of the model's tensors and how many of each, e.g. <c>F32 (16 tensors)</c>.</summary>
    private static string DTypes(SafetensorsFile file, string? prefix)
    {
        IEnumerable<string> groups = file.Tensors
            .Where(t => string.IsNullOrEmpty(prefix) || t.Name.StartsWith(prefix, StringComparison.Ordinal))
            .GroupBy(t => t.DTypeName, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => Invariant($"{g.Key} ({g.Count()} tensor{(g.Count() == 1 ? string.Empty : "s")})"));
        string text = string.Join(", ", groups);
        return text.StartsWith("F32 ", StringComparison.Ordinal) && !text.Contains(',', StringComparison.Ordinal)
            ? text
            : text + "; read as float32";
    }
}
