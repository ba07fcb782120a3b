using System.CommandLine;
using System.Text;
using static HighPerfRnn.Cli.CliErrors;

namespace HighPerfRnn.Cli.Commands;

/// <summary>
/// <c>hprnn codegen MODEL</c>: the <c>[RnnModel(...)]</c> declaration that matches a file, so a user goes from a
/// PyTorch checkpoint to a generated, specialized model by pasting it.
/// </summary>
internal static class CodegenCommand
{
    public const string DefaultName = "MyModel";

    public static Command Create()
    {
        Argument<FileInfo> model = ModelFiles.ModelArgument();
        var name = new Option<string>("--name")
        {
            Description = "The name of the declared class.",
            DefaultValueFactory = _ => DefaultName,
        };
        name.Validators.Add(result =>
        {
            string? value = result.GetValueOrDefault<string>();
            if (value is not null && !IsIdentifier(value))
            {
                result.AddError(Invariant($"--name '{value}' is not a C# identifier."));
            }
        });
        Option<string?> nonlinearity = ModelFiles.NonlinearityOption();
        Option<string?> prefix = ModelFiles.PrefixOption();
        var command = new Command("codegen", "Print the [RnnModel(...)] declaration that matches a model file: paste it to get a generated, size-specialized model.")
        {
            model, name, nonlinearity, prefix,
        };
        command.SetAction(parseResult =>
        {
            InvocationConfiguration io = parseResult.InvocationConfiguration;
            return CliErrors.Run(io.Error, () => Run(
                parseResult.GetValue(model)!,
                parseResult.GetValue(name) ?? DefaultName,
                parseResult.GetValue(nonlinearity),
                parseResult.GetValue(prefix),
                io.Output));
        });
        return command;
    }

    public static int Run(FileInfo path, string name, string? nonlinearity, string? prefix, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        LoadedModel loaded = ModelFiles.Load(path, nonlinearity, prefix);
        output.WriteLine("using HighPerfRnn;");
        output.WriteLine();
        output.WriteLine(Invariant($"// {loaded.Architecture}, from {loaded.Path.Name}"));
        output.WriteLine(Invariant($"// var model = {name}.Load(\"{loaded.Path.Name}\");") +
            (string.IsNullOrEmpty(prefix) ? string.Empty : Invariant($"  // with new RnnLoadOptions {{ TensorPrefix = \"{prefix}\" }}")));
        output.WriteLine(Attribute(loaded.Architecture));
        output.WriteLine(Invariant($"public partial class {name};"));
        return ExitCodes.Success;
    }

    /// <summary>The attribute for an architecture, with the named arguments that differ from their defaults.</summary>
    public static string Attribute(RnnArchitecture architecture)
    {
        ArgumentNullException.ThrowIfNull(architecture);
        var text = new StringBuilder();
        text.Append(Invariant($"[RnnModel(inputSize: {architecture.InputSize}, hiddenSize: {architecture.HiddenSize}"));
        if (architecture.Cell != RnnCell.Rnn)
        {
            text.Append(Invariant($", Cell = RnnCell.{architecture.Cell}"));
        }

        if (architecture.NumLayers != 1)
        {
            text.Append(Invariant($", NumLayers = {architecture.NumLayers}"));
        }

        if (architecture.Bidirectional)
        {
            text.Append(", Bidirectional = true");
        }

        if (architecture.Nonlinearity != RnnNonlinearity.Tanh)
        {
            text.Append(Invariant($", Nonlinearity = RnnNonlinearity.{architecture.Nonlinearity}"));
        }

        if (!architecture.Bias)
        {
            text.Append(", Bias = false");
        }

        if (architecture.ProjSize > 0)
        {
            text.Append(Invariant($", ProjSize = {architecture.ProjSize}"));
        }

        return text.Append(")]").ToString();
    }

    /// <summary>A plain C# identifier (letters, digits, underscores, not starting with a digit), not a keyword.</summary>
    public static bool IsIdentifier(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (value.Length == 0 || !(char.IsLetter(value[0]) || value[0] == '_'))
        {
            return false;
        }

        foreach (char c in value)
        {
            if (!(char.IsLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return !Keywords.Contains(value);
    }

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };
}
