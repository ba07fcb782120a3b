namespace HighPerfRnn.Cli.Tests;

public sealed class BenchCommandTests
{
    [Fact]
    public void Bench_of_a_model_file_prints_a_table_row_and_progress()
    {
        CliResult result = Hprnn.Run("bench", Hprnn.Model("rnn_seed_bidir"), "--seq", "10", "--seconds", "0.05");

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Output.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string header = Assert.Single(lines, l => l.StartsWith("model ", StringComparison.Ordinal));
        foreach (string column in new[] { "batch", "seq", "median/forward", "per step", "allocated/forward", "GFLOP/s" })
        {
            Assert.Contains(column, header, StringComparison.Ordinal);
        }

        string row = Assert.Single(lines, l => l.StartsWith("nn.RNN(5, 8, num_layers=2, bidirectional=True)", StringComparison.Ordinal));
        Assert.Contains(" 0 B ", row, StringComparison.Ordinal);
        Assert.Contains("[1/1] nn.RNN(5, 8, num_layers=2, bidirectional=True), batch 1, seq 10: warming up", result.Error, StringComparison.Ordinal);
        Assert.Contains("per forward", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_without_a_model_runs_the_built_in_grid()
    {
        CliResult result = Hprnn.Run("bench", "--seconds", "0.02", "--seq", "5");

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (string model in new[] { "nn.RNN(5, 8, num_layers=2, bidirectional=True)", "nn.RNN(64, 64)", "nn.RNN(128, 128)", "nn.LSTM(128, 128)", "nn.GRU(128, 128)" })
        {
            Assert.Contains("\n" + model + " ", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }

        Assert.Contains("[5/5]", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_with_threads_runs_the_parallel_runner_and_names_its_split()
    {
        CliResult result = Hprnn.Run("bench", "--seconds", "0.02", "--seq", "20", "--threads", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        string text = result.Output.ReplaceLineEndings("\n");
        Assert.Contains("RnnParallelRunner with 2 threads", text, StringComparison.Ordinal);

        // The seed (one kernel call for both directions) stays on one thread; the 128-wide models, at batch 1 below the
        // planner's lines, too: the column names the split of each row.
        Assert.Contains("threads", Assert.Single(text.Split('\n'), l => l.StartsWith("model ", StringComparison.Ordinal)), StringComparison.Ordinal);
        Assert.Contains("one thread", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_of_a_bidirectional_model_on_two_threads_runs_its_directions_apart()
    {
        CliResult result = Hprnn.Run("bench", Hprnn.Model("lstm_deep_bidir_h0"), "--seconds", "0.05", "--seq", "200", "--threads", "2");

        Assert.True(result.ExitCode == 0, result.ToString());
        // (Not its allocation column: counted process-wide, it sees the other tests running beside this one.)
        Assert.Contains("each direction on a thread of its own (2 threads)", result.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_counts_flops_as_the_design_does()
    {
        // 2·G·H·(I + H) per layer, direction, step and row: layer 0 of the seed net 2·1·8·(5 + 8), layer 1 2·1·8·(16 + 8).
        var seed = new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true);
        Assert.Equal(((2 * 8 * 13) + (2 * 8 * 24)) * 2 * 10 * 3, Commands.BenchCommand.Flops(seed, batch: 3, seqLen: 10));

        var lstm = new RnnArchitecture(RnnCell.Lstm, 128, 128);
        Assert.Equal(2.0 * 4 * 128 * 256 * 100, Commands.BenchCommand.Flops(lstm, batch: 1, seqLen: 100));
    }

    [Theory]
    [InlineData("--batch", "0")]
    [InlineData("--seq", "-3")]
    [InlineData("--seconds", "0")]
    [InlineData("--threads", "0")]
    public void Bench_rejects_sizes_that_are_not_positive(string option, string value)
    {
        CliResult result = Hprnn.Run("bench", Hprnn.Model("rnn_seed_torch"), option, value);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains(option, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Bench_of_a_file_that_is_not_a_model_exits_2()
    {
        CliResult result = Hprnn.Run("bench", Hprnn.Io("rnn_seed_torch"), "--seconds", "0.01");

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("is not a recurrent model", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }
}
