using HighPerfRnn.Safetensors;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>Loading PyTorch state_dicts: the architecture read off the tensors, and every bad file refused with a clear message.</summary>
public sealed class LoadingTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("hprnn-loading-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Architecture_is_read_off_every_rnn_fixture()
    {
        foreach (string name in PyTorchFixture.NameList("RNN"))
        {
            PyTorchFixture fixture = PyTorchFixture.Load(name);
            RnnArchitecture a = RnnModel.Load(fixture.ModelPath).Architecture;
            IReadOnlyDictionary<string, string> m = fixture.Metadata;
            Assert.Equal(RnnCell.Rnn, a.Cell);
            Assert.Equal(int.Parse(m["input_size"]), a.InputSize);
            Assert.Equal(int.Parse(m["hidden_size"]), a.HiddenSize);
            Assert.Equal(int.Parse(m["num_layers"]), a.NumLayers);
            Assert.Equal(bool.Parse(m["bidirectional"]), a.Bidirectional);
            Assert.Equal(bool.Parse(m["bias"]), a.Bias);
            Assert.Equal(m["nonlinearity"] == "relu" ? RnnNonlinearity.Relu : RnnNonlinearity.Tanh, a.Nonlinearity);
        }
    }

    [Fact]
    public void Nonlinearity_comes_from_the_option_then_the_metadata_then_tanh()
    {
        var architecture = new RnnArchitecture(RnnCell.Rnn, 3, 4);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, new Random(1));
        string withRelu = Write("relu.safetensors", stateDict, new Dictionary<string, string> { ["nonlinearity"] = "relu" });
        string without = Write("plain.safetensors", stateDict, null);

        Assert.Equal(RnnNonlinearity.Relu, RnnModel.Load(withRelu).Architecture.Nonlinearity);
        Assert.Equal(RnnNonlinearity.Tanh, RnnModel.Load(without).Architecture.Nonlinearity);
        Assert.Equal(RnnNonlinearity.Relu, RnnModel.Load(without, new RnnLoadOptions { Nonlinearity = RnnNonlinearity.Relu }).Architecture.Nonlinearity);
        Assert.Equal(RnnNonlinearity.Tanh, RnnModel.Load(withRelu, new RnnLoadOptions { Nonlinearity = RnnNonlinearity.Tanh }).Architecture.Nonlinearity);
    }

    [Fact]
    public void Half_bfloat16_and_double_tensors_load_as_float32()
    {
        // Values exactly representable in every dtype, so each file must give the same model.
        var architecture = new RnnArchitecture(RnnCell.Rnn, 2, 3);
        var stateDict = RandomModels.ExpectedTensors(architecture).ToDictionary(
            t => t.Name,
            t => new FloatTensor(Enumerable.Range(0, t.Shape.Aggregate(1, (a, b) => a * b)).Select(i => (i % 7 - 3) * 0.125f).ToArray(), t.Shape));
        RnnModel reference = RnnModel.FromStateDict(architecture, stateDict);
        foreach (string dtype in new[] { "F16", "BF16", "F64" })
        {
            string path = Path.Combine(_directory, dtype + ".safetensors");
            File.WriteAllBytes(path, SafetensorsBytes.Encode(stateDict, dtype));
            RnnModel model = RnnModel.Load(path);
            Assert.Equal(architecture, model.Architecture);
            foreach ((string name, FloatTensor tensor) in stateDict)
            {
                Assert.Equal(tensor.Data, model.StateDict[name].Data);
            }
        }
    }

    [Fact]
    public void A_prefix_selects_a_submodule()
    {
        var architecture = new RnnArchitecture(RnnCell.Rnn, 3, 4, numLayers: 2);
        var stateDict = RandomModels.StateDict(architecture, new Random(2)).ToDictionary(p => "encoder.rnn." + p.Key, p => p.Value);
        stateDict["head.weight"] = new FloatTensor(new float[8], 2, 4);
        string path = Write("module.safetensors", stateDict, null);

        Assert.Equal(architecture, RnnModel.Load(path, new RnnLoadOptions { TensorPrefix = "encoder.rnn." }).Architecture);
        var error = Assert.Throws<ModelWeightsException>(() => RnnModel.Load(path));
        Assert.Contains("weight_ih_l0", error.Message);
    }

    [Fact]
    public void A_missing_tensor_is_named()
    {
        var architecture = new RnnArchitecture(RnnCell.Rnn, 3, 4, numLayers: 2);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, new Random(3));
        stateDict.Remove("bias_hh_l1");
        var error = Assert.Throws<ModelWeightsException>(() => RnnModel.FromStateDict(stateDict));
        Assert.Contains("'bias_hh_l1' is missing", error.Message);
        Assert.Contains("(4,)", error.Message);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_is_named_with_both_shapes()
    {
        var architecture = new RnnArchitecture(RnnCell.Rnn, 3, 4, numLayers: 2);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, new Random(4));
        stateDict["weight_ih_l1"] = new FloatTensor(new float[12], 4, 3);
        var error = Assert.Throws<ModelWeightsException>(() => RnnModel.FromStateDict(stateDict));
        Assert.Contains("'weight_ih_l1' has shape (4, 3)", error.Message);
        Assert.Contains("needs (4, 4)", error.Message);
    }

    [Fact]
    public void An_unexpected_tensor_is_named()
    {
        var architecture = new RnnArchitecture(RnnCell.Rnn, 3, 4);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, new Random(5));
        stateDict["weight_ih_l0_reverse"] = new FloatTensor(new float[12], 4, 3);
        var error = Assert.Throws<ModelWeightsException>(() => RnnModel.FromStateDict(architecture, stateDict));
        Assert.Contains("'weight_ih_l0_reverse' is not a parameter", error.Message);
    }

    [Fact]
    public void Gate_rows_that_are_not_a_cell_multiple_are_refused()
    {
        var stateDict = new Dictionary<string, FloatTensor>
        {
            ["weight_ih_l0"] = new(new float[20], 10, 2),
            ["weight_hh_l0"] = new(new float[50], 10, 5),
        };
        var error = Assert.Throws<ModelWeightsException>(() => RnnModel.FromStateDict(stateDict));
        Assert.Contains("weight_hh_l0", error.Message);
        Assert.Contains("(10, 5)", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_model_says_so()
    {
        string path = Write("other.safetensors", new Dictionary<string, FloatTensor> { ["embedding.weight"] = new(new float[6], 2, 3) }, null);
        var error = Assert.Throws<ModelWeightsException>(() => RnnModel.Load(path));
        Assert.Contains("'weight_ih_l0' is missing", error.Message);
        Assert.Contains("embedding.weight", error.Message);
    }

    [Fact]
    public void A_file_that_is_not_safetensors_is_refused_by_the_reader()
    {
        string path = Path.Combine(_directory, "text.safetensors");
        File.WriteAllText(path, "this is not a safetensors file at all");
        Assert.Throws<SafetensorsFormatException>(() => RnnModel.Load(path));
    }

    [Fact]
    public void A_truncated_fixture_is_refused_by_the_reader()
    {
        byte[] bytes = File.ReadAllBytes(PyTorchFixture.Load("rnn_seed_torch").ModelPath);
        string path = Path.Combine(_directory, "truncated.safetensors");
        File.WriteAllBytes(path, bytes[..(bytes.Length - 7)]);
        Assert.Throws<SafetensorsFormatException>(() => RnnModel.Load(path));
    }

    [Fact]
    public void A_missing_file_and_an_empty_path_are_argument_errors()
    {
        Assert.Throws<FileNotFoundException>(() => RnnModel.Load(Path.Combine(_directory, "absent.safetensors")));
        Assert.Throws<ArgumentException>(() => RnnModel.Load(""));
        Assert.Throws<ArgumentNullException>(() => RnnModel.Load(null!));
    }

    [Fact]
    public void Metadata_mode_that_contradicts_the_shapes_is_refused()
    {
        var architecture = new RnnArchitecture(RnnCell.Rnn, 3, 4);
        string path = Write("liar.safetensors", RandomModels.StateDict(architecture, new Random(6)), new Dictionary<string, string> { ["mode"] = "LSTM" });
        var error = Assert.Throws<ModelWeightsException>(() => RnnModel.Load(path));
        Assert.Contains("LSTM", error.Message);
    }

    [Fact]
    public void Random_models_are_reproducible_and_within_pytorchs_init_bound()
    {
        var architecture = new RnnArchitecture(RnnCell.Rnn, 5, 16, numLayers: 2, bidirectional: true);
        RnnModel first = RnnModel.CreateRandom(architecture, seed: 42);
        RnnModel second = RnnModel.CreateRandom(architecture, seed: 42);
        RnnModel other = RnnModel.CreateRandom(architecture, seed: 43);
        foreach ((string name, FloatTensor tensor) in first.StateDict)
        {
            Assert.Equal(tensor.Data, second.StateDict[name].Data);
            Assert.NotEqual(tensor.Data, other.StateDict[name].Data);
            Assert.All(tensor.Data, v => Assert.InRange(v, -0.25f, 0.25f));
        }
    }

    private string Write(string name, IReadOnlyDictionary<string, FloatTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        string path = Path.Combine(_directory, name);
        SafetensorsWriter.Write(path, tensors, metadata);
        return path;
    }
}
