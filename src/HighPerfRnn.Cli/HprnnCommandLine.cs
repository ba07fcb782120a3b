using System.CommandLine;
using HighPerfRnn.Cli.Commands;

namespace HighPerfRnn.Cli;

/// <summary>
/// The <c>hprnn</c> command line: <c>demo</c> (also what no arguments run), <c>info</c>, <c>run</c>, <c>bench</c>,
/// <c>streams</c> and <c>codegen</c>, each with <c>--help</c>. Exit codes: 0 success, 1 a malformed command line, 2 a file or
/// tensor that cannot be used (with a one-line reason on stderr).
/// </summary>
internal static class HprnnCommandLine
{
    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand(
            "hprnn: PyTorch's recurrent layers (nn.RNN, nn.LSTM, nn.GRU) on the CPU from .NET. Inspect, run, time, stream and declare models saved as safetensors. With no command, runs the demo.")
        {
            DemoCommand.Create(),
            InfoCommand.Create(),
            RunCommand.Create(),
            BenchCommand.Create(),
            StreamsCommand.Create(),
            CodegenCommand.Create(),
        };
        root.SetAction(parseResult => DemoCommand.Run(parseResult.InvocationConfiguration.Output));
        return root;
    }

    /// <summary>Parses and runs a command line, writing to the given streams; returns the exit code.</summary>
    public static int Invoke(string[] args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        ParseResult parseResult = CreateRootCommand().Parse(args);
        return parseResult.Invoke(new InvocationConfiguration { Output = output, Error = error });
    }
}
