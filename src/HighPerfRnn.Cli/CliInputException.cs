namespace HighPerfRnn.Cli;

/// <summary>
/// A problem with what the user gave the tool (a file that is not a model, a tensor of the wrong shape, a file
/// that does not exist): reported as one line on stderr with exit code <see cref="ExitCodes.BadInput"/>.
/// </summary>
internal sealed class CliInputException : Exception
{
    public CliInputException()
    {
    }

    public CliInputException(string message)
        : base(message)
    {
    }

    public CliInputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>The tool's exit codes.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The command line itself is wrong (unknown command or option, missing argument): System.CommandLine's parse error code.</summary>
    public const int Usage = 1;

    /// <summary>A file or tensor the command was given is missing, unreadable, not a model, or of the wrong shape.</summary>
    public const int BadInput = 2;
}
