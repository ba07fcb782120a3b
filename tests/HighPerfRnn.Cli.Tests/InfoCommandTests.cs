using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Cli.Tests;

public sealed class InfoCommandTests
{
    [Fact]
    public void Info_shows_the_seed_models_architecture()
    {
        CliResult result = Hprnn.Run("info", Hprnn.Model("rnn_seed_bidir"));

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] expected =
        [
            "rnn_seed_bidir.model.safetensors: nn.RNN(5, 8, num_layers=2, bidirectional=True)",
            "  cell          RNN (Elman)",
            "  layers        2",
            "  directions    2 (bidirectional: forward ‖ backward)",
            "  input_size    5",
            "  hidden_size   8",
            "  proj_size     0 (none)",
            "  bias          true",
            "  nonlinearity  tanh (from the file's metadata)",
            "  parameters    656",
            "  dtype         F32 (16 tensors)",
            "  output        16 features per step (2 directions × hidden 8)",
            "  h_n           (4, batch, 8)",
        ];
        foreach (string line in expected)
        {
            Assert.Contains(line + Environment.NewLine, result.Output, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Info_plan_prints_the_route_of_every_layer_for_forward_and_step()
    {
        // What the model's own DescribePlan says, for the batch asked: the CLI only prints it.
        CliResult result = Hprnn.Run("info", Hprnn.Model("gru_medium"), "--plan", "--batch", "8");
        RnnModel model = RnnModel.Load(Hprnn.Model("gru_medium"));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"plan (numerics version {Numerics.Version}):", result.Output, StringComparison.Ordinal);
        foreach (RnnCall call in new[] { RnnCall.Forward, RnnCall.Step })
        {
            string plan = model.DescribePlan(call, 8).ToString();
            Assert.Contains(plan.Split('\n')[0].TrimEnd(), result.Output, StringComparison.Ordinal);
            foreach (LayerPlan layer in model.DescribePlan(call, 8).Layers)
            {
                Assert.Contains(layer.ToString(), result.Output, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void Info_plan_with_threads_says_how_the_parallel_runner_divides_a_pass()
    {
        // A bidirectional LSTM at batch 1: each direction on a thread of its own, past the planner's work line at seq 200.
        CliResult result = Hprnn.Run("info", Hprnn.Model("lstm_deep_bidir_h0"), "--plan", "--threads", "2", "--seq", "200");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("RnnParallelRunner with 2 threads, Forward of batch 1, seq 200: each direction on a thread of its own (2 threads)", result.Output, StringComparison.Ordinal);

        // Without --threads, no such line.
        Assert.DoesNotContain("RnnParallelRunner", Hprnn.Run("info", Hprnn.Model("lstm_deep_bidir_h0"), "--plan").Output, StringComparison.Ordinal);

        CliResult bad = Hprnn.Run("info", Hprnn.Model("lstm_deep_bidir_h0"), "--plan", "--threads", "0");
        Assert.Equal(ExitCodes.BadInput, bad.ExitCode);
        Assert.Contains("--threads", Assert.Single(bad.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Info_plan_refuses_a_batch_below_one()
    {
        CliResult result = Hprnn.Run("info", Hprnn.Model("gru_medium"), "--plan", "--batch", "0");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("--batch must be at least 1, but is 0", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_shows_an_lstm_projection_and_its_cell_state()
    {
        CliResult result = Hprnn.Run("info", Hprnn.Model("lstm_proj"), "--tensors");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("nn.LSTM(10, 20, num_layers=2, bidirectional=True, proj_size=7)", result.Output, StringComparison.Ordinal);
        Assert.Contains("  cell          LSTM (4 gates: i, f, g, o)", result.Output, StringComparison.Ordinal);
        Assert.Contains("  proj_size     7", result.Output, StringComparison.Ordinal);
        Assert.Contains("  h_n           (4, batch, 7); c_n (4, batch, 20)", result.Output, StringComparison.Ordinal);
        Assert.Contains("  weight_hr_l1_reverse", result.Output, StringComparison.Ordinal);
    }

    /// <summary>Every fixture: the sizes PyTorch wrote in the metadata, and the parameter count = the elements of its tensors.</summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Info_agrees_with_pytorchs_configuration_on_every_fixture(string name)
    {
        string path = Hprnn.Model(name);
        SafetensorsFile file = SafetensorsFile.Open(path);
        IReadOnlyDictionary<string, string> config = file.Metadata;
        long elements = file.Tensors.Sum(t => (long)t.ElementCount);

        CliResult result = Hprnn.Run("info", path);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith($"{name}.model.safetensors: nn.{config["mode"]}({config["input_size"]}, {config["hidden_size"]}", result.Output, StringComparison.Ordinal);
        Assert.Contains($"  layers        {config["num_layers"]}\n", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"  directions    {(config["bidirectional"] == "true" ? "2" : "1")}", result.Output, StringComparison.Ordinal);
        Assert.Contains($"  hidden_size   {config["hidden_size"]}\n", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"  bias          {config["bias"]}\n", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains($"  parameters    {elements:N0}\n", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        if (config["mode"] == "RNN")
        {
            Assert.Contains($"  nonlinearity  {config["nonlinearity"]} (from the file's metadata)", result.Output, StringComparison.Ordinal);
        }

        if (config["proj_size"] != "0")
        {
            Assert.Contains($"  proj_size     {config["proj_size"]}\n", result.Output.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        }
    }

    public static TheoryData<string> Fixtures() => Hprnn.AllFixtures();

    [Fact]
    public void A_safetensors_file_without_a_model_exits_2_saying_which_tensor_is_missing()
    {
        CliResult result = Hprnn.Run("info", Hprnn.Io("rnn_seed_bidir"));

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("hprnn: error: ", line, StringComparison.Ordinal);
        Assert.Contains("is not a recurrent model", line, StringComparison.Ordinal);
        Assert.Contains("'weight_ih_l0' is missing", line, StringComparison.Ordinal);
        Assert.Empty(result.Output);
    }

    [Fact]
    public void A_file_that_is_not_safetensors_exits_2()
    {
        using var temp = new Hprnn.TempDirectory();
        string path = temp.File("notes.safetensors");
        File.WriteAllText(path, "these are not tensors, just some text in a file");

        CliResult result = Hprnn.Run("info", path);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Contains("is not a valid safetensors file", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_exits_2()
    {
        CliResult result = Hprnn.Run("info", Path.Combine(Hprnn.FixtureDirectory, "no_such.model.safetensors"));

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("does not exist", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public void Weights_of_the_wrong_shape_exit_2_naming_the_tensor()
    {
        using var temp = new Hprnn.TempDirectory();
        string path = temp.File("broken.safetensors");
        Hprnn.Write(path, null,
            ("weight_ih_l0", new float[8 * 5], [8, 5]),
            ("weight_hh_l0", new float[8 * 8], [8, 8]),
            ("bias_ih_l0", new float[7], [7]),
            ("bias_hh_l0", new float[8], [8]));

        CliResult result = Hprnn.Run("info", path);

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        string line = Assert.Single(result.ErrorLines);
        Assert.Contains("bias_ih_l0", line, StringComparison.Ordinal);
        Assert.Contains("(7,)", line, StringComparison.Ordinal);
    }

    [Fact]
    public void A_submodule_prefix_is_suggested_and_accepted()
    {
        using var temp = new Hprnn.TempDirectory();
        SafetensorsFile seed = SafetensorsFile.Open(Hprnn.Model("rnn_seed_torch"));
        string path = temp.File("net.safetensors");
        SafetensorsWriter.Write(path, seed.Tensors.Select(t => new KeyValuePair<string, FloatTensor>("encoder.rnn." + t.Name, seed.ReadFloatTensor(t.Name))));

        CliResult without = Hprnn.Run("info", path);
        CliResult with = Hprnn.Run("info", path, "--prefix", "encoder.rnn.");

        Assert.Equal(ExitCodes.BadInput, without.ExitCode);
        Assert.Contains("pass --prefix encoder.rnn.", Assert.Single(without.ErrorLines), StringComparison.Ordinal);
        Assert.True(with.ExitCode == 0, with.ToString());
        Assert.Contains("nn.RNN(5, 8)", with.Output, StringComparison.Ordinal);
        Assert.Contains("  nonlinearity  tanh (PyTorch's default", with.Output, StringComparison.Ordinal);
    }
}
