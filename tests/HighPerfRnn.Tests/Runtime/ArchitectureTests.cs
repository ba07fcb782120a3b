namespace HighPerfRnn.Tests.Runtime;

public sealed class ArchitectureTests
{
    [Theory]
    [InlineData(0, 8, 1, "inputSize")]
    [InlineData(5, 0, 1, "hiddenSize")]
    [InlineData(5, 8, 0, "numLayers")]
    [InlineData(-3, 8, 1, "inputSize")]
    public void Sizes_must_be_positive(int input, int hidden, int layers, string parameter)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RnnArchitecture(RnnCell.Rnn, input, hidden, layers));
        Assert.Equal(parameter, error.ParamName);
    }

    [Fact]
    public void Relu_fits_only_the_elman_cell()
    {
        var error = Assert.Throws<ArgumentException>(() => new RnnArchitecture(RnnCell.Lstm, 5, 8, nonlinearity: RnnNonlinearity.Relu));
        Assert.Equal("nonlinearity", error.ParamName);
    }

    [Fact]
    public void Proj_size_fits_only_the_lstm_cell_and_must_be_below_hidden()
    {
        Assert.Equal("projSize", Assert.Throws<ArgumentException>(() => new RnnArchitecture(RnnCell.Rnn, 5, 8, projSize: 4)).ParamName);
        Assert.Equal("projSize", Assert.Throws<ArgumentOutOfRangeException>(() => new RnnArchitecture(RnnCell.Lstm, 5, 8, projSize: 8)).ParamName);
    }

    [Fact]
    public void Shapes_follow_pytorch()
    {
        var seed = new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true);
        Assert.Equal(16, seed.OutputSize);
        Assert.Equal(4, seed.StateRows);
        Assert.Equal(16, seed.LayerInputSize(1));

        // sum(p.numel() for p in nn.RNN(5, 8, num_layers=2, bidirectional=True).parameters()):
        // layer 0: 2·(8·5 + 8·8 + 8 + 8) = 240; layer 1: 2·(8·16 + 8·8 + 8 + 8) = 416.
        Assert.Equal(656, seed.ParameterCount);
        Assert.Equal("nn.RNN(5, 8, num_layers=2, bidirectional=True)", seed.ToString());
    }

    [Fact]
    public void Architectures_with_equal_options_are_equal()
        => Assert.Equal(new RnnArchitecture(RnnCell.Rnn, 5, 8, 2), new RnnArchitecture(RnnCell.Rnn, 5, 8, 2));
}
