namespace HighPerfRnn.Cli.Tests;

public sealed class StreamsCommandTests
{
    [Fact]
    public void Streams_of_a_model_file_prints_a_row_for_each_way_with_latency_percentiles()
    {
        CliResult result = Hprnn.Run("streams", Hprnn.Model("lstm_basic"), "--streams", "5", "--steps", "20");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("hprnn streams: SIMD path ", StringComparison.Ordinal));
        Assert.Contains("5 streams, each stepped once per tick; 20 ticks timed after 10 of warm-up", result.Output, StringComparison.Ordinal);
        string header = Assert.Single(lines, l => l.StartsWith("model ", StringComparison.Ordinal));
        foreach (string column in new[] { "way", "calls/tick", "tick (median)", "per stream-step", "stream-steps/s", "GFLOP/s", "call p50", "call p99", "call max", "allocated/tick" })
        {
            Assert.Contains(column, header, StringComparison.Ordinal);
        }

        string set = Assert.Single(lines, l => l.Contains("stream set, one call per tick", StringComparison.Ordinal));
        string single = Assert.Single(lines, l => l.Contains("one Step per stream", StringComparison.Ordinal));
        Assert.StartsWith("nn.LSTM(", set, StringComparison.Ordinal);
        Assert.Matches(@"one call per tick\s+1\s", set);
        Assert.Matches(@"one Step per stream\s+5\s", single);
        Assert.EndsWith(" 0 B", set, StringComparison.Ordinal);
        Assert.Contains("the set runs", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Streams_without_a_model_runs_an_lstm_and_a_gru_of_64()
    {
        CliResult result = Hprnn.Run("streams", "-n", "3", "-s", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(2, result.Output.Split('\n').Count(l => l.StartsWith("nn.LSTM(64, 64) ", StringComparison.Ordinal)));
        Assert.Equal(2, result.Output.Split('\n').Count(l => l.StartsWith("nn.GRU(64, 64) ", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("--streams", "0", "--streams must be positive, not 0.")]
    [InlineData("--steps", "-2", "--steps must be positive, not -2.")]
    [InlineData("--steps", "100000000", "timed calls; at most 20000000.")]
    public void Streams_rejects_bad_sizes_in_one_line(string option, string value, string expected)
    {
        CliResult result = Hprnn.Run("streams", Hprnn.Model("gru_basic"), option, value);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Streams_of_a_bidirectional_model_exits_2()
    {
        CliResult result = Hprnn.Run("streams", Hprnn.Model("rnn_seed_bidir"), "--steps", "1");

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("which is bidirectional: it cannot stream", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Percentiles_are_nearest_rank()
    {
        double[] sorted = [.. Enumerable.Range(1, 100).Select(i => (double)i)];
        Assert.Equal(50, Commands.StreamsCommand.Percentile(sorted, 0.5));
        Assert.Equal(99, Commands.StreamsCommand.Percentile(sorted, 0.99));
        Assert.Equal(7, Commands.StreamsCommand.Percentile([7.0], 0.99));
    }
}
