using System.CommandLine;
using HighPerfRnn.Safetensors;
using static HighPerfRnn.Cli.CliErrors;

namespace HighPerfRnn.Cli;

/// <summary>A model loaded from a file, with the file it came from and where its nonlinearity came from.</summary>
internal sealed record LoadedModel(FileInfo Path, SafetensorsFile File, RnnModel Model, string NonlinearitySource)
{
    public RnnArchitecture Architecture => Model.Architecture;
}

/// <summary>Opening model and tensor files with errors that say, in one line, why a file cannot be used.</summary>
internal static class ModelFiles
{
    public const string NonlinearityKey = "nonlinearity";
    public const string BatchFirstKey = "batch_first";

    /// <summary>The <c>MODEL</c> argument every command but <c>demo</c> takes.</summary>
    public static Argument<FileInfo> ModelArgument() => new("model")
    {
        Description = "A PyTorch state_dict of nn.RNN, nn.LSTM or nn.GRU saved as safetensors (safetensors.torch.save_file(model.state_dict(), path)).",
    };

    /// <summary><c>--nonlinearity tanh|relu</c>: what a state_dict cannot show.</summary>
    public static Option<string?> NonlinearityOption()
    {
        var option = new Option<string?>("--nonlinearity")
        {
            Description = "The Elman RNN's activation, which a state_dict cannot show. Default: the model file's metadata key 'nonlinearity', else tanh (PyTorch's default).",
            HelpName = "tanh|relu",
        };
        option.AcceptOnlyFromAmong("tanh", "relu");
        return option;
    }

    /// <summary><c>--prefix</c>: the submodule prefix of the parameter names.</summary>
    public static Option<string?> PrefixOption() => new("--prefix")
    {
        Description = "The prefix of the recurrent layer's parameter names when it is a submodule, e.g. 'rnn.' for rnn.weight_ih_l0. Other tensors are ignored.",
    };

    public static RnnNonlinearity? ParseNonlinearity(string? text) => text switch
    {
        null => null,
        "tanh" => RnnNonlinearity.Tanh,
        "relu" => RnnNonlinearity.Relu,
        _ => throw new CliInputException(Invariant($"--nonlinearity must be tanh or relu, not '{text}'.")),
    };

    /// <summary>Opens a safetensors file, or explains in one line why it cannot be read.</summary>
    public static SafetensorsFile Open(FileInfo path, string role)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!path.Exists)
        {
            throw new CliInputException(Invariant($"{role} '{path}' does not exist."));
        }

        try
        {
            return SafetensorsFile.Open(path.FullName);
        }
        catch (SafetensorsFormatException exception)
        {
            throw new CliInputException(Invariant($"{role} '{path}' is not a valid safetensors file: {exception.Message}"), exception);
        }
    }

    /// <summary>Loads a model, or explains in one line why the file is not one.</summary>
    public static LoadedModel Load(FileInfo path, string? nonlinearity, string? prefix, SimdPath simdPath = SimdPath.Auto)
    {
        SafetensorsFile file = Open(path, "model file");
        RnnNonlinearity? forced = ParseNonlinearity(nonlinearity);
        var options = new RnnLoadOptions
        {
            Nonlinearity = forced,
            TensorPrefix = prefix ?? string.Empty,
            SimdPath = simdPath,
        };

        RnnModel model;
        try
        {
            model = RnnModel.FromSafetensors(file, options);
        }
        catch (ModelWeightsException exception)
        {
            throw new CliInputException(Invariant($"'{path}' is not a recurrent model: {exception.Message}{PrefixHint(file, prefix)}"), exception);
        }
        catch (SafetensorsFormatException exception)
        {
            throw new CliInputException(Invariant($"'{path}' is not a recurrent model: {exception.Message}"), exception);
        }

        string source = model.Architecture.Cell != RnnCell.Rnn
            ? "fixed by the cell"
            : forced is not null
                ? "from --nonlinearity"
                : file.Metadata.ContainsKey(NonlinearityKey)
                    ? "from the file's metadata"
                    : "PyTorch's default: a state_dict cannot show it; pass --nonlinearity relu for a relu RNN";
        return new LoadedModel(path, file, model, source);
    }

    /// <summary>When the layer's names carry a prefix the user did not give, says which one to pass.</summary>
    private static string PrefixHint(SafetensorsFile file, string? prefix)
    {
        if (!string.IsNullOrEmpty(prefix))
        {
            return string.Empty;
        }

        const string firstWeight = "weight_ih_l0";
        foreach (SafetensorsTensorInfo tensor in file.Tensors)
        {
            if (tensor.Name.EndsWith("." + firstWeight, StringComparison.Ordinal))
            {
                string found = tensor.Name[..^firstWeight.Length];
                return Invariant($" (the file has '{tensor.Name}': pass --prefix {found})");
            }
        }

        return string.Empty;
    }

    /// <summary>A boolean metadata value as Python writes it (true/false/True/False/1/0), or null when absent.</summary>
    public static bool? MetadataBool(IReadOnlyDictionary<string, string> metadata, string key)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(key, out string? text))
        {
            return null;
        }

        return text.Trim().ToUpperInvariant() switch
        {
            "TRUE" or "1" => true,
            "FALSE" or "0" => false,
            _ => throw new CliInputException(Invariant($"The metadata key '{key}' is '{text}'; expected true or false.")),
        };
    }

    /// <summary>Formats a shape as PyTorch prints it.</summary>
    public static string Shape(ReadOnlySpan<int> shape) => FloatTensor.FormatShape(shape);
}
