using System.Globalization;
using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Cli;

/// <summary>
/// Runs a command's body and turns the errors a user can cause into one line on stderr and exit code 2.
/// Anything else is a bug in the tool and propagates (System.CommandLine prints it with the stack trace).
/// </summary>
internal static class CliErrors
{
    public const string Prefix = "hprnn: error: ";

    public static int Run(TextWriter error, Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (Exception exception) when (IsUserError(exception))
        {
            error.WriteLine(Prefix + OneLine(exception.Message));
            return ExitCodes.BadInput;
        }
    }

    /// <summary>Errors that come from the files and options the user gave, not from a bug.</summary>
    private static bool IsUserError(Exception exception) => exception is
        CliInputException or
        SafetensorsFormatException or
        ModelWeightsException or
        FileNotFoundException or
        DirectoryNotFoundException or
        UnauthorizedAccessException or
        PlatformNotSupportedException or
        IOException or
        ArgumentException;

    /// <summary>Collapses a message onto one line, so every error is exactly one line.</summary>
    public static string OneLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        string[] lines = message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return string.Join(' ', lines);
    }

    public static string Invariant(FormattableString text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToString(CultureInfo.InvariantCulture);
    }
}
