using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Cli.Tests;

public sealed class RunCommandTests
{
    /// <summary>How far from PyTorch's float64 results the outputs may lie (PyTorch's own float32 lies up to 2e-6 away).</summary>
    private const double Tolerance = 2e-5;

    public static TheoryData<string> Fixtures() => Hprnn.AllFixtures();

    [Fact]
    public void All_nineteen_fixtures_are_present()
    {
        Assert.Equal(19, Hprnn.FixtureNames().Length);
        Assert.All(Hprnn.FixtureNames(), name => Assert.True(File.Exists(Hprnn.Io(name)), name));
    }

    /// <summary>The issue's bar: every fixture, as MODEL and IN, gives PyTorch's float64 results within 2e-5, in PyTorch's shapes.</summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Run_matches_pytorch_on_every_fixture(string name)
    {
        using var temp = new Hprnn.TempDirectory();
        string outPath = temp.File(name + ".out.safetensors");

        CliResult result = Hprnn.Run("run", Hprnn.Model(name), "--input", Hprnn.Io(name), "--output", outPath);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Empty(result.Error);
        Assert.Contains("wrote", result.Output, StringComparison.Ordinal);
        SafetensorsFile expected = SafetensorsFile.Open(Hprnn.Io(name));
        SafetensorsFile actual = SafetensorsFile.Open(outPath);
        bool lstm = expected.Metadata["mode"] == "LSTM";
        string[] names = lstm ? ["output", "h_n", "c_n"] : ["output", "h_n"];
        Assert.Equal(names.Order(StringComparer.Ordinal), actual.TensorNames.Order(StringComparer.Ordinal));
        foreach (string tensor in names)
        {
            AssertClose(expected, tensor + "_f64", actual, tensor);
        }
    }

    [Fact]
    public void A_sequence_first_input_gives_the_transposed_results()
    {
        // rnn_relu_h0 is batch_first with batch 3, seq 20: the same data laid out (seq, batch, features).
        const string name = "rnn_relu_h0";
        using var temp = new Hprnn.TempDirectory();
        SafetensorsFile io = SafetensorsFile.Open(Hprnn.Io(name));
        int[] shape = io.GetTensor("input").GetShape();
        float[] seqFirst = Transpose01(io.ReadFloat32("input"), shape[0], shape[1], shape[2]);
        string inPath = temp.File("in.safetensors");
        string outPath = temp.File("out.safetensors");
        Hprnn.Write(inPath, null,
            ("input", seqFirst, [shape[1], shape[0], shape[2]]),
            ("h0", io.ReadFloat32("h0"), io.GetTensor("h0").GetShape()));

        CliResult result = Hprnn.Run("run", Hprnn.Model(name), "-i", inPath, "-o", outPath, "--batch-first", "false");

        Assert.True(result.ExitCode == 0, result.ToString());
        SafetensorsFile actual = SafetensorsFile.Open(outPath);
        int[] outShape = io.GetTensor("output_f64").GetShape();
        Assert.Equal(new[] { outShape[1], outShape[0], outShape[2] }, actual.GetTensor("output").GetShape());
        Assert.Equal("false", actual.Metadata["batch_first"]);
        double[] expected = io.ReadFloat64("output_f64");
        float[] output = Transpose01(actual.ReadFloat32("output"), outShape[1], outShape[0], outShape[2]);
        Assert.True(MaxDifference(expected, output) <= Tolerance);
        Assert.True(MaxDifference(io.ReadFloat64("h_n_f64"), actual.ReadFloat32("h_n")) <= Tolerance);
    }

    [Fact]
    public void The_nonlinearity_option_overrides_the_metadata_and_fills_in_when_there_is_none()
    {
        const string name = "rnn_relu_h0";
        using var temp = new Hprnn.TempDirectory();
        SafetensorsFile model = SafetensorsFile.Open(Hprnn.Model(name));
        string bareModel = temp.File("bare.safetensors");
        SafetensorsWriter.Write(bareModel, model.Tensors.Select(t => new KeyValuePair<string, FloatTensor>(t.Name, model.ReadFloatTensor(t.Name))));
        double[] expected = SafetensorsFile.Open(Hprnn.Io(name)).ReadFloat64("output_f64");

        // No metadata, relu given: PyTorch's results. Metadata relu, tanh forced: something else.
        Assert.Equal(0, Hprnn.Run("run", bareModel, "-i", Hprnn.Io(name), "-o", temp.File("relu.safetensors"), "--nonlinearity", "relu", "--batch-first", "true").ExitCode);
        Assert.Equal(0, Hprnn.Run("run", Hprnn.Model(name), "-i", Hprnn.Io(name), "-o", temp.File("tanh.safetensors"), "--nonlinearity", "tanh").ExitCode);

        Assert.True(MaxDifference(expected, SafetensorsFile.Open(temp.File("relu.safetensors")).ReadFloat32("output")) <= Tolerance);
        Assert.True(MaxDifference(expected, SafetensorsFile.Open(temp.File("tanh.safetensors")).ReadFloat32("output")) > 1e-2);
    }

    [Fact]
    public void An_input_with_the_wrong_feature_count_exits_2_naming_the_tensor_and_both_shapes()
    {
        using var temp = new Hprnn.TempDirectory();
        string outPath = temp.File("out.safetensors");

        // The seed's 5-input model given the numpy case's 4-feature input.
        CliResult result = Hprnn.Run("run", Hprnn.Model("rnn_seed_bidir"), "-i", Hprnn.Io("rnn_seed_numpy"), "-o", outPath);

        AssertOneLineError(result, "'input'", "(1, 10, 4)", "(1, 10, 5)");
        Assert.False(File.Exists(outPath));
    }

    [Fact]
    public void An_initial_state_of_another_model_exits_2_naming_h0_and_both_shapes()
    {
        using var temp = new Hprnn.TempDirectory();

        // Both take 16 input features; the LSTM case's h0 is (4, 3, 24), the relu RNN needs (1, 3, 32).
        CliResult result = Hprnn.Run("run", Hprnn.Model("rnn_relu_h0"), "-i", Hprnn.Io("lstm_deep_bidir_h0"), "-o", temp.File("out.safetensors"));

        AssertOneLineError(result, "'h0'", "(4, 3, 24)", "(1, 3, 32)");
    }

    [Fact]
    public void A_cell_state_of_the_wrong_shape_exits_2_naming_c0_and_both_shapes()
    {
        using var temp = new Hprnn.TempDirectory();
        string inPath = temp.File("in.safetensors");
        Hprnn.Write(inPath, null,
            ("input", new float[1 * 10 * 5], [1, 10, 5]),
            ("c0", new float[2 * 8], [2, 1, 8]));

        CliResult result = Hprnn.Run("run", Hprnn.Model("lstm_basic"), "-i", inPath, "-o", temp.File("out.safetensors"), "--batch-first", "true");

        AssertOneLineError(result, "'c0'", "(2, 1, 8)", "(1, 1, 8)");
    }

    [Fact]
    public void A_cell_state_for_a_model_without_one_exits_2()
    {
        using var temp = new Hprnn.TempDirectory();

        // A GRU given a cell state: only an LSTM has one.
        string inPath = temp.File("in.safetensors");
        Hprnn.Write(inPath, null,
            ("input", new float[10 * 5], [1, 10, 5]),
            ("c0", new float[8], [1, 1, 8]));

        CliResult result = Hprnn.Run("run", Hprnn.Model("gru_basic"), "-i", inPath, "-o", temp.File("out.safetensors"));

        AssertOneLineError(result, "'c0'", "(1, 1, 8)", "no cell state");
    }

    [Fact]
    public void An_unbatched_input_needs_an_unbatched_h0()
    {
        using var temp = new Hprnn.TempDirectory();
        string inPath = temp.File("in.safetensors");
        Hprnn.Write(inPath, null,
            ("input", new float[12 * 6], [12, 6]),
            ("h0", new float[10], [1, 1, 10]));

        CliResult result = Hprnn.Run("run", Hprnn.Model("rnn_unbatched"), "-i", inPath, "-o", temp.File("out.safetensors"));

        AssertOneLineError(result, "'h0'", "(1, 1, 10)", "(1, 10)");
    }

    [Fact]
    public void An_input_of_the_wrong_rank_exits_2_naming_the_tensor_and_both_shapes()
    {
        using var temp = new Hprnn.TempDirectory();
        string inPath = temp.File("in.safetensors");
        Hprnn.Write(inPath, null, ("input", new float[50], [50]));

        CliResult result = Hprnn.Run("run", Hprnn.Model("rnn_seed_torch"), "-i", inPath, "-o", temp.File("out.safetensors"));

        AssertOneLineError(result, "'input'", "(50,)", "(batch, seq, 5)");
    }

    [Fact]
    public void An_input_of_an_integer_dtype_exits_2_naming_the_tensor_and_the_dtype()
    {
        using var temp = new Hprnn.TempDirectory();
        string inPath = temp.File("in.safetensors");
        const int count = 1 * 10 * 5;
        byte[] header = System.Text.Encoding.UTF8.GetBytes($"{{\"input\":{{\"dtype\":\"I64\",\"shape\":[1,10,5],\"data_offsets\":[0,{count * 8}]}}}}");
        using (var stream = File.Create(inPath))
        {
            stream.Write(BitConverter.GetBytes((ulong)header.Length));
            stream.Write(header);
            stream.Write(new byte[count * 8]);
        }

        CliResult result = Hprnn.Run("run", Hprnn.Model("rnn_seed_torch"), "-i", inPath, "-o", temp.File("out.safetensors"));

        AssertOneLineError(result, "'input'", "I64");
    }

    [Fact]
    public void An_input_file_without_an_input_tensor_exits_2_listing_what_it_holds()
    {
        using var temp = new Hprnn.TempDirectory();

        // The model file given as IN: it holds weights, not 'input'.
        CliResult result = Hprnn.Run("run", Hprnn.Model("rnn_seed_torch"), "-i", Hprnn.Model("rnn_seed_torch"), "-o", temp.File("out.safetensors"));

        AssertOneLineError(result, "no tensor 'input'", "'weight_ih_l0'");
    }

    [Fact]
    public void An_io_file_given_as_the_model_exits_2()
    {
        using var temp = new Hprnn.TempDirectory();

        CliResult result = Hprnn.Run("run", Hprnn.Io("rnn_seed_torch"), "-i", Hprnn.Io("rnn_seed_torch"), "-o", temp.File("out.safetensors"));

        AssertOneLineError(result, "is not a recurrent model", "'weight_ih_l0'");
    }

    [Fact]
    public void An_output_that_cannot_be_written_exits_2()
    {
        using var temp = new Hprnn.TempDirectory();

        CliResult result = Hprnn.Run("run", Hprnn.Model("rnn_seed_torch"), "-i", Hprnn.Io("rnn_seed_torch"), "-o", Path.Combine(temp.Path, "missing-dir", "out.safetensors"));

        AssertOneLineError(result, "cannot write the output file");
    }

    [Fact]
    public void Input_and_output_are_required()
    {
        CliResult result = Hprnn.Run("run", Hprnn.Model("rnn_seed_torch"));

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("--input", result.Error, StringComparison.Ordinal);
    }

    private static void AssertOneLineError(CliResult result, params string[] fragments)
    {
        Assert.True(result.ExitCode == ExitCodes.BadInput, result.ToString());
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("hprnn: error: ", line, StringComparison.Ordinal);
        foreach (string fragment in fragments)
        {
            Assert.Contains(fragment, line, StringComparison.Ordinal);
        }

        Assert.Empty(result.Output);
    }

    private static void AssertClose(SafetensorsFile expectedFile, string expectedName, SafetensorsFile actualFile, string actualName)
    {
        Assert.Equal("F32", actualFile.GetTensor(actualName).DTypeName);
        Assert.Equal(expectedFile.GetTensor(expectedName).GetShape(), actualFile.GetTensor(actualName).GetShape());
        double difference = MaxDifference(expectedFile.ReadFloat64(expectedName), actualFile.ReadFloat32(actualName));
        Assert.True(difference <= Tolerance, $"{actualName}: max |difference| {difference:E2} from {expectedName} exceeds {Tolerance:E0}");
    }

    private static double MaxDifference(double[] expected, float[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        double max = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double difference = Math.Abs(expected[i] - actual[i]);
            max = double.IsNaN(difference) ? double.PositiveInfinity : Math.Max(max, difference);
        }

        return max;
    }

    private static float[] Transpose01(float[] data, int d0, int d1, int d2)
    {
        var result = new float[data.Length];
        for (int i = 0; i < d0; i++)
        {
            for (int j = 0; j < d1; j++)
            {
                Array.Copy(data, ((i * d1) + j) * d2, result, ((j * d0) + i) * d2, d2);
            }
        }

        return result;
    }
}
