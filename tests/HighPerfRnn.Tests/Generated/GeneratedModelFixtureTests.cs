using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Generated;

/// <summary>The seed's cases and the LSTM and GRU cases, made by real PyTorch, load into declared types and match PyTorch's float64 results on every path.</summary>
[Trait("Category", "Kernels")]
public sealed class GeneratedModelFixtureTests
{
    /// <summary>
    /// 2e-5 absolute, the conformance budget of the issue (and of the runtime's fixture tests): PyTorch's own float32
    /// lies up to 2e-6 from its float64 on these cases; the rest covers a different summation order and the
    /// rational tanh (≤ 1e-6).
    /// </summary>
    private const double Tolerance = 2e-5;

    [Fact]
    public void Seed_numpy_cell_matches_pytorch() => AssertMatchesPyTorch<SeedNumpyRnn>("rnn_seed_numpy");

    [Fact]
    public void Seed_torch_rnn_matches_pytorch() => AssertMatchesPyTorch<SeedTorchRnn>("rnn_seed_torch");

    [Fact]
    public void Seed_two_layer_rnn_matches_pytorch() => AssertMatchesPyTorch<SeedDeepRnn>("rnn_seed_deep");

    [Fact]
    public void Seed_bidirectional_two_layer_rnn_matches_pytorch() => AssertMatchesPyTorch<TinyBiRnn>("rnn_seed_bidir");

    [Fact]
    public void Lstm_basic_matches_pytorch() => AssertMatchesPyTorch<FixtureLstmBasic>("lstm_basic");

    [Fact]
    public void Lstm_medium_matches_pytorch() => AssertMatchesPyTorch<FixtureLstmMedium>("lstm_medium");

    [Fact]
    public void Projected_bidirectional_two_layer_lstm_matches_pytorch() => AssertMatchesPyTorch<FixtureLstmProj>("lstm_proj");

    [Fact]
    public void Bidirectional_two_layer_lstm_with_h0_and_c0_matches_pytorch() => AssertMatchesPyTorch<FixtureLstmDeepBidir>("lstm_deep_bidir_h0");

    [Fact]
    public void Gru_basic_matches_pytorch() => AssertMatchesPyTorch<FixtureGruBasic>("gru_basic");

    [Fact]
    public void Gru_medium_matches_pytorch() => AssertMatchesPyTorch<FixtureGruMedium>("gru_medium");

    [Fact]
    public void Bidirectional_three_layer_gru_without_bias_matches_pytorch() => AssertMatchesPyTorch<FixtureGruDeepBidirNoBias>("gru_deep_bidir_nobias");

    private static void AssertMatchesPyTorch<T>(string name)
        where T : IDeclaredModel<T>
    {
        PyTorchFixture fixture = PyTorchFixture.Load(name);
        T loaded = T.Load(fixture.ModelPath, null);
        Assert.Equal(T.Architecture, loaded.Runtime.Architecture);
        float[] input = fixture.Tensor("input");
        double[] expectedOutput = fixture.Float64("output_f64");
        double[] expectedHN = fixture.Float64("h_n_f64");

        foreach (SimdPath path in TestPaths.All)
        {
            T model = T.FromRuntimeModel(RnnModel.FromStateDictOnAnyPath(T.Architecture, loaded.Runtime.StateDict, path));
            var output = new float[expectedOutput.Length];
            var hN = new float[expectedHN.Length];
            if (model is ILstmModel)
            {
                double[] expectedCN = fixture.Float64("c_n_f64");
                var cN = new float[expectedCN.Length];
                model.Forward(input, output, hN, cN, fixture.Batch, fixture.SeqLen, fixture.Layout, fixture.OptionalTensor("h0"), fixture.OptionalTensor("c0"), null);
                Support.Tolerance.AssertClose(cN, expectedCN, Tolerance, 0, $"{name} [{path}] c_n");
            }
            else
            {
                model.Forward(input, output, hN, fixture.Batch, fixture.SeqLen, fixture.Layout, fixture.OptionalTensor("h0"), null);
            }

            Support.Tolerance.AssertClose(output, expectedOutput, Tolerance, 0, $"{name} [{path}] output");
            Support.Tolerance.AssertClose(hN, expectedHN, Tolerance, 0, $"{name} [{path}] h_n");
        }
    }
}
