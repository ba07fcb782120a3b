using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Generated;

/// <summary>Declared types build only from weights of their declared architecture, and say what they found when not.</summary>
public sealed class GeneratedModelLoadingTests
{
    [Fact]
    public void Constants_describe_the_declaration()
    {
        Assert.Equal(5, TinyBiRnn.InputSize);
        Assert.Equal(8, TinyBiRnn.HiddenSize);
        Assert.Equal(2, TinyBiRnn.NumLayers);
        Assert.Equal(2, TinyBiRnn.NumDirections);
        Assert.Equal(16, TinyBiRnn.OutputSize);
        Assert.Equal(new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true), TinyBiRnn.Architecture);
        Assert.Equal(new RnnArchitecture(RnnCell.Rnn, 5, 33, 2, true, bias: false, RnnNonlinearity.Relu), Hidden33Everything.Architecture);
        Assert.Equal(66, Hidden33Everything.OutputSize);
    }

    [Fact]
    public void Loading_a_file_of_another_shape_names_both_architectures()
    {
        string path = PyTorchFixture.Load("rnn_seed_torch").ModelPath;

        ModelWeightsException error = Assert.Throws<ModelWeightsException>(() => SeedNumpyRnn.Load(path));

        Assert.Contains("nn.RNN(5, 8)", error.Message, StringComparison.Ordinal);
        Assert.Contains("nn.RNN(4, 8)", error.Message, StringComparison.Ordinal);
        Assert.Contains("SeedNumpyRnn", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_state_dict_or_runtime_model_of_another_shape_is_refused()
    {
        RnnModel deep = RnnModel.CreateRandom(SeedDeepRnn.Architecture, seed: 1);

        ModelWeightsException fromDict = Assert.Throws<ModelWeightsException>(() => SeedTorchRnn.FromStateDict(deep.StateDict));
        ModelWeightsException fromModel = Assert.Throws<ModelWeightsException>(() => SeedTorchRnn.FromRuntimeModel(deep));

        Assert.Contains("nn.RNN(5, 8, num_layers=2)", fromDict.Message, StringComparison.Ordinal);
        Assert.Contains("nn.RNN(5, 8)", fromModel.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void In_memory_weights_take_the_declared_nonlinearity()
    {
        // A state_dict cannot show relu; the declaration does.
        RnnModel relu = RnnModel.CreateRandom(Hidden7Relu.Architecture, seed: 2);

        Hidden7Relu model = Hidden7Relu.FromStateDict(relu.StateDict);

        Assert.Equal(RnnNonlinearity.Relu, model.Runtime.Architecture.Nonlinearity);
    }

    [Fact]
    public void Random_models_are_the_runtime_s_random_models()
    {
        Hidden31 generated = Hidden31.CreateRandom(seed: 7);
        RnnModel runtime = RnnModel.CreateRandom(Hidden31.Architecture, seed: 7);

        Assert.Equal(runtime.StateDict["weight_hh_l0"].Data, generated.Runtime.StateDict["weight_hh_l0"].Data);
    }

    [Fact]
    public void Bidirectional_declarations_have_no_step()
    {
        Assert.Null(typeof(TinyBiRnn).GetMethod("Step"));
        Assert.NotNull(typeof(SeedTorchRnn).GetMethod("Step"));
    }
}
