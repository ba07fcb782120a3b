namespace HighPerfRnn.Cli.Tests;

/// <summary>The command line as a whole: help everywhere, the demo by default, usage errors.</summary>
public sealed class CommandLineTests
{
    [Theory]
    [InlineData(new string[] { "--help" }, " [command] [options]")]
    [InlineData(new string[] { "demo", "--help" }, " demo [options]")]
    [InlineData(new string[] { "info", "--help" }, " info <model> [options]")]
    [InlineData(new string[] { "run", "--help" }, " run <model> [options]")]
    [InlineData(new string[] { "bench", "--help" }, " bench [<model>] [options]")]
    [InlineData(new string[] { "streams", "--help" }, " streams [<model>] [options]")]
    [InlineData(new string[] { "codegen", "--help" }, " codegen <model> [options]")]
    [InlineData(new string[] { "run", "-h" }, "--batch-first <true|false>")]
    public void Every_command_has_help(string[] args, string expected)
    {
        // The usage line starts with the executable's name: hprnn for the tool, the test host's name here.
        CliResult result = Hprnn.Run(args);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Usage:", result.Output, StringComparison.Ordinal);
        Assert.Contains(expected, result.Output, StringComparison.Ordinal);
        Assert.Empty(result.Error);
    }

    [Fact]
    public void Root_help_lists_every_command()
    {
        CliResult result = Hprnn.Run("--help");

        foreach (string command in new[] { "demo", "info", "run", "bench", "streams", "codegen" })
        {
            Assert.Contains("  " + command, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void No_arguments_run_the_demo()
    {
        CliResult result = Hprnn.Run();

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("HighPerfRnn demo", result.Output, StringComparison.Ordinal);
        Assert.Contains("1. One tanh cell, stepped by hand", result.Output, StringComparison.Ordinal);
        Assert.Contains("4. bi = nn.RNN(5, 8, num_layers=2, bidirectional=True, batch_first=True)", result.Output, StringComparison.Ordinal);
        Assert.Contains("h_n.shape    = (4, 1, 8)", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(": False", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Demo_command_prints_what_no_arguments_print()
    {
        CliResult byName = Hprnn.Run("demo");
        CliResult byDefault = Hprnn.Run();

        Assert.Equal(0, byName.ExitCode);
        Assert.Equal(byDefault.Output, byName.Output);
    }

    [Theory]
    [InlineData("frobnicate")]
    [InlineData("run")]
    [InlineData("info", "a.safetensors", "--no-such-option")]
    public void A_malformed_command_line_exits_1_with_the_reason(params string[] args)
    {
        CliResult result = Hprnn.Run(args);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.NotEmpty(result.Error);
    }
}
