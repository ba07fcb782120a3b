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
    public void Lstm_and_gru_constants_describe_the_declaration()
    {
        Assert.Equal(9, LstmHidden9Proj4.HiddenSize);
        Assert.Equal(4, LstmHidden9Proj4.ProjSize);
        Assert.Equal(4, LstmHidden9Proj4.StateSize);
        Assert.Equal(4, LstmHidden9Proj4.OutputSize);
        Assert.Equal(new RnnArchitecture(RnnCell.Lstm, 13, 9, projSize: 4), LstmHidden9Proj4.Architecture);
        Assert.Equal(0, FixtureLstmBasic.ProjSize);
        Assert.Equal(8, FixtureLstmBasic.StateSize);
        Assert.Equal(14, FixtureLstmProj.OutputSize);
        Assert.Equal(new RnnArchitecture(RnnCell.Lstm, 10, 20, 2, bidirectional: true, projSize: 7), FixtureLstmProj.Architecture);
        Assert.Equal(new RnnArchitecture(RnnCell.Gru, 12, 20, 3, bidirectional: true, bias: false), FixtureGruDeepBidirNoBias.Architecture);
        Assert.Equal(40, FixtureGruDeepBidirNoBias.OutputSize);
        Assert.Equal(20, FixtureGruDeepBidirNoBias.StateSize);
    }

    [Fact]
    public void Loading_a_file_of_another_cell_names_both_architectures()
    {
        string lstm = PyTorchFixture.Load("lstm_basic").ModelPath;
        string gru = PyTorchFixture.Load("gru_basic").ModelPath;

        ModelWeightsException lstmIntoGru = Assert.Throws<ModelWeightsException>(() => FixtureGruBasic.Load(lstm));
        ModelWeightsException gruIntoLstm = Assert.Throws<ModelWeightsException>(() => FixtureLstmBasic.Load(gru));
        ModelWeightsException unprojected = Assert.Throws<ModelWeightsException>(() => LstmHidden9Proj4.FromStateDict(RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 13, 9), seed: 1).StateDict));

        Assert.Contains("nn.LSTM(5, 8)", lstmIntoGru.Message, StringComparison.Ordinal);
        Assert.Contains("nn.GRU(5, 8)", lstmIntoGru.Message, StringComparison.Ordinal);
        Assert.Contains("FixtureGruBasic", lstmIntoGru.Message, StringComparison.Ordinal);
        Assert.Contains("nn.GRU(5, 8)", gruIntoLstm.Message, StringComparison.Ordinal);
        Assert.Contains("nn.LSTM(5, 8)", gruIntoLstm.Message, StringComparison.Ordinal);
        Assert.Contains("nn.LSTM(13, 9, proj_size=4)", unprojected.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lstm_declarations_step_with_cell_states_and_bidirectional_ones_do_not_step()
    {
        Assert.NotNull(typeof(FixtureLstmBasic).GetMethod("Step", [typeof(ReadOnlySpan<float>), typeof(Span<float>), typeof(Span<float>), typeof(Span<float>), typeof(int), typeof(RnnWorkspace)]));
        Assert.Null(typeof(FixtureLstmBasic).GetMethod("Step", [typeof(ReadOnlySpan<float>), typeof(Span<float>), typeof(Span<float>), typeof(int), typeof(RnnWorkspace)]));
        Assert.Null(typeof(FixtureLstmProj).GetMethod("Step"));
        Assert.NotNull(typeof(FixtureGruBasic).GetMethod("Step"));
        Assert.Null(typeof(GruHidden16Bidirectional).GetMethod("Step"));
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
