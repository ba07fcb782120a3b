using System.CommandLine;
using HighPerfRnn.Safetensors;
using static HighPerfRnn.Cli.CliErrors;

namespace HighPerfRnn.Cli.Commands;

/// <summary>
/// <c>hprnn run MODEL --input IN --output OUT</c>: PyTorch's <c>output, h_n = model(input, h0)</c> (and
/// <c>(h_n, c_n)</c> for an LSTM) over tensors in safetensors files, with PyTorch's shapes.
/// </summary>
internal static class RunCommand
{
    public const string InputTensor = "input";
    public const string H0Tensor = "h0";
    public const string C0Tensor = "c0";
    public const string LengthsTensor = "lengths";
    public const string OutputTensor = "output";
    public const string HNTensor = "h_n";
    public const string CNTensor = "c_n";

    public static Command Create()
    {
        Argument<FileInfo> model = ModelFiles.ModelArgument();
        var input = new Option<FileInfo>("--input", "-i")
        {
            Description = "Safetensors file with the tensor 'input': (batch, seq, input_size) batch first, (seq, batch, input_size) sequence first, or (seq, input_size) unbatched; optionally 'h0' (and 'c0' for an LSTM), zeros when absent, and 'lengths' (I64 or I32, shape (batch,)): each sequence's length for a padded batch, as PyTorch's pack_padded_sequence (output rows past a length are zeros, h_n is taken at each sequence's end). Other tensors are ignored.",
            Required = true,
        };
        var output = new Option<FileInfo>("--output", "-o")
        {
            Description = "Safetensors file to write: 'output', 'h_n' (and 'c_n' for an LSTM) as float32, in PyTorch's shapes.",
            Required = true,
        };
        var batchFirst = new Option<bool?>("--batch-first")
        {
            Description = "Whether a 3-D input is (batch, seq, features). Default: the model file's metadata key 'batch_first', else the input file's, else false (PyTorch's default).",
            HelpName = "true|false",
        };
        Option<string?> nonlinearity = ModelFiles.NonlinearityOption();
        Option<string?> prefix = ModelFiles.PrefixOption();
        var command = new Command("run", "Run a model over the tensors in a safetensors file and write output, h_n (and c_n) to another, as PyTorch's model(input, h0) does.")
        {
            model, input, output, batchFirst, nonlinearity, prefix,
        };
        command.SetAction(parseResult =>
        {
            InvocationConfiguration io = parseResult.InvocationConfiguration;
            return CliErrors.Run(io.Error, () => Run(
                new RunRequest(
                    parseResult.GetValue(model)!,
                    parseResult.GetValue(input)!,
                    parseResult.GetValue(output)!,
                    parseResult.GetValue(batchFirst),
                    parseResult.GetValue(nonlinearity),
                    parseResult.GetValue(prefix)),
                io.Output));
        });
        return command;
    }

    public static int Run(RunRequest request, TextWriter log)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(log);
        LoadedModel loaded = ModelFiles.Load(request.Model, request.Nonlinearity, request.Prefix);
        RnnArchitecture a = loaded.Architecture;
        SafetensorsFile tensors = ModelFiles.Open(request.Input, "input file");
        string inName = request.Input.Name;

        if (!tensors.TryGetTensor(InputTensor, out SafetensorsTensorInfo? inputInfo))
        {
            string held = tensors.Tensors.Count == 0 ? "no tensors" : "only " + string.Join(", ", tensors.TensorNames.Select(n => "'" + n + "'"));
            throw new CliInputException(Invariant($"'{request.Input}' has no tensor '{InputTensor}' ({held})."));
        }

        bool batchFirst = request.BatchFirst
            ?? ModelFiles.MetadataBool(loaded.File.Metadata, ModelFiles.BatchFirstKey)
            ?? ModelFiles.MetadataBool(tensors.Metadata, ModelFiles.BatchFirstKey)
            ?? false;

        // The input decides batched or not, and the batch and sequence lengths; its last axis must be input_size.
        int[] inputShape = inputInfo.GetShape();
        SequenceLayout layout;
        int batch, seqLen;
        int[] expectedInput;
        switch (inputShape.Length)
        {
            case 3:
                layout = batchFirst ? SequenceLayout.BatchFirst : SequenceLayout.SequenceFirst;
                batch = batchFirst ? inputShape[0] : inputShape[1];
                seqLen = batchFirst ? inputShape[1] : inputShape[0];
                expectedInput = [inputShape[0], inputShape[1], a.InputSize];
                break;
            case 2:
                layout = SequenceLayout.Unbatched;
                batch = 1;
                seqLen = inputShape[0];
                expectedInput = [inputShape[0], a.InputSize];
                break;
            default:
                throw new CliInputException(Invariant(
                    $"tensor '{InputTensor}' in {inName} has shape {ModelFiles.Shape(inputShape)}, but {a} takes {LayoutText(batchFirst, a.InputSize)} or unbatched (seq, {a.InputSize})."));
        }

        string layoutName = layout switch
        {
            SequenceLayout.BatchFirst => "batch_first=True: (batch, seq, features)",
            SequenceLayout.SequenceFirst => "batch_first=False: (seq, batch, features)",
            _ => "unbatched: (seq, features)",
        };
        if (!inputShape.AsSpan().SequenceEqual(expectedInput))
        {
            throw ShapeMismatch(InputTensor, inName, inputShape, expectedInput, a, layoutName);
        }

        if (batch == 0 || seqLen == 0)
        {
            throw new CliInputException(Invariant(
                $"tensor '{InputTensor}' in {inName} has shape {ModelFiles.Shape(inputShape)}: the batch and the sequence must not be empty ({layoutName})."));
        }

        bool unbatched = layout == SequenceLayout.Unbatched;
        int[] hShape = unbatched ? [a.StateRows, a.StateSize] : [a.StateRows, batch, a.StateSize];
        int[] cShape = unbatched ? [a.StateRows, a.HiddenSize] : [a.StateRows, batch, a.HiddenSize];
        float[]? h0 = ReadState(tensors, H0Tensor, inName, hShape, a, layoutName);
        float[]? c0 = null;
        if (tensors.Contains(C0Tensor))
        {
            if (a.Cell != RnnCell.Lstm)
            {
                throw new CliInputException(Invariant(
                    $"tensor '{C0Tensor}' in {inName} has shape {tensors.GetTensor(C0Tensor).ShapeText}, but {a} has no cell state: only an LSTM takes c0."));
            }

            c0 = ReadState(tensors, C0Tensor, inName, cShape, a, layoutName);
        }

        int[]? lengths = ReadLengths(tensors, inName, unbatched, batch, seqLen);
        float[] x = tensors.ReadFloat32(InputTensor);
        int[] outputShape = unbatched
            ? [seqLen, a.OutputSize]
            : batchFirst ? [batch, seqLen, a.OutputSize] : [seqLen, batch, a.OutputSize];
        var y = new float[(long)batch * seqLen * a.OutputSize];
        var hN = new float[(long)a.StateRows * batch * a.StateSize];
        var results = new List<KeyValuePair<string, FloatTensor>>(3)
        {
            new(OutputTensor, new FloatTensor(y, outputShape)),
            new(HNTensor, new FloatTensor(hN, hShape)),
        };

        if (a.Cell == RnnCell.Lstm)
        {
            var cN = new float[(long)a.StateRows * batch * a.HiddenSize];
            if (lengths is null)
            {
                loaded.Model.Forward(x, y, hN, cN, batch, seqLen, layout, h0, c0);
            }
            else
            {
                loaded.Model.Forward(x, y, hN, cN, batch, seqLen, lengths, layout, h0, c0);
            }

            results.Add(new(CNTensor, new FloatTensor(cN, cShape)));
        }
        else if (lengths is null)
        {
            loaded.Model.Forward(x, y, hN, batch, seqLen, layout, h0);
        }
        else
        {
            loaded.Model.Forward(x, y, hN, batch, seqLen, lengths, layout, h0);
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["producer"] = "hprnn",
            ["model"] = a.ToString(),
            [ModelFiles.BatchFirstKey] = batchFirst ? "true" : "false",
            ["unbatched"] = unbatched ? "true" : "false",
        };
        try
        {
            SafetensorsWriter.Write(request.Output.FullName, results, metadata);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw new CliInputException(Invariant($"cannot write the output file '{request.Output}': {exception.Message}"), exception);
        }

        string written = string.Join(", ", results.Select(r => r.Key + " " + r.Value.ShapeText));
        string initial = (h0 is null ? string.Empty : ", h0") + (c0 is null ? string.Empty : ", c0") + (lengths is null ? string.Empty : ", lengths");
        log.WriteLine(Invariant($"{a} on input {ModelFiles.Shape(inputShape)}{initial} ({layoutName}) -> {written}: wrote {request.Output}"));
        return ExitCodes.Success;
    }

    /// <summary>The optional 'lengths' tensor: integers, shape (batch,), each in [1, seq]; the message names the tensor, the index and the value.</summary>
    private static int[]? ReadLengths(SafetensorsFile tensors, string file, bool unbatched, int batch, int seqLen)
    {
        if (!tensors.TryGetTensor(LengthsTensor, out SafetensorsTensorInfo? info))
        {
            return null;
        }

        if (unbatched)
        {
            throw new CliInputException(Invariant($"tensor '{LengthsTensor}' in {file}: the input is unbatched (one sequence), which takes no lengths; give the input a batch axis or drop '{LengthsTensor}'."));
        }

        if (info.Shape.Length != 1 || info.Shape[0] != batch)
        {
            throw new CliInputException(Invariant($"tensor '{LengthsTensor}' in {file} has shape {info.ShapeText}, but the input's batch needs ({batch})."));
        }

        long[] values = tensors.ReadInt64(LengthsTensor);
        var lengths = new int[values.Length];
        for (int b = 0; b < values.Length; b++)
        {
            if (values[b] < 1 || values[b] > seqLen)
            {
                throw new CliInputException(Invariant($"tensor '{LengthsTensor}' in {file}: lengths[{b}] is {values[b]}, but each length must be between 1 and the input's seq {seqLen}."));
            }

            lengths[b] = (int)values[b];
        }

        return lengths;
    }

    private static float[]? ReadState(SafetensorsFile tensors, string name, string file, int[] expected, RnnArchitecture a, string layoutName)
    {
        if (!tensors.TryGetTensor(name, out SafetensorsTensorInfo? info))
        {
            return null;
        }

        if (!info.Shape.SequenceEqual(expected))
        {
            throw ShapeMismatch(name, file, info.GetShape(), expected, a, layoutName);
        }

        return tensors.ReadFloat32(name);
    }

    private static CliInputException ShapeMismatch(string tensor, string file, int[] actual, int[] expected, RnnArchitecture a, string layoutName) =>
        new(Invariant($"tensor '{tensor}' in {file} has shape {ModelFiles.Shape(actual)}, but {a} needs {ModelFiles.Shape(expected)} ({layoutName})."));

    private static string LayoutText(bool batchFirst, int inputSize) => batchFirst
        ? Invariant($"(batch, seq, {inputSize}) with batch_first=True")
        : Invariant($"(seq, batch, {inputSize}) with batch_first=False");
}

/// <summary>What <c>hprnn run</c> was asked to do.</summary>
internal sealed record RunRequest(FileInfo Model, FileInfo Input, FileInfo Output, bool? BatchFirst = null, string? Nonlinearity = null, string? Prefix = null);
