namespace HighPerfRnn.Cli.Tests;

public sealed class CodegenCommandTests
{
    [Fact]
    public void Codegen_prints_the_seed_declaration()
    {
        CliResult result = Hprnn.Run("codegen", Hprnn.Model("rnn_seed_bidir"));

        Assert.True(result.ExitCode == 0, result.ToString());
        string[] lines = result.Output.ReplaceLineEndings("\n").Split('\n');
        Assert.Equal("using HighPerfRnn;", lines[0]);
        int attribute = Array.IndexOf(lines, "[RnnModel(inputSize: 5, hiddenSize: 8, NumLayers = 2, Bidirectional = true)]");
        Assert.True(attribute > 0, result.Output);
        Assert.Equal("public partial class MyModel;", lines[attribute + 1]);
        Assert.Contains("// nn.RNN(5, 8, num_layers=2, bidirectional=True), from rnn_seed_bidir.model.safetensors", result.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("rnn_seed_torch", "[RnnModel(inputSize: 5, hiddenSize: 8)]")]
    [InlineData("rnn_relu_h0", "[RnnModel(inputSize: 16, hiddenSize: 32, Nonlinearity = RnnNonlinearity.Relu)]")]
    [InlineData("rnn_nobias_seqfirst", "[RnnModel(inputSize: 7, hiddenSize: 13, NumLayers = 3, Bidirectional = true, Bias = false)]")]
    [InlineData("lstm_proj", "[RnnModel(inputSize: 10, hiddenSize: 20, Cell = RnnCell.Lstm, NumLayers = 2, Bidirectional = true, ProjSize = 7)]")]
    [InlineData("gru_deep_bidir_nobias", "[RnnModel(inputSize: 12, hiddenSize: 20, Cell = RnnCell.Gru, NumLayers = 3, Bidirectional = true, Bias = false)]")]
    public void Codegen_names_every_setting_that_differs_from_the_default(string fixture, string expected)
    {
        CliResult result = Hprnn.Run("codegen", Hprnn.Model(fixture), "--name", "Checkpoint");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains(expected + Environment.NewLine + "public partial class Checkpoint;", result.Output, StringComparison.Ordinal);
    }

    /// <summary>The declaration round-trips: every fixture's attribute, read back, is the architecture the file holds.</summary>
    [Theory]
    [MemberData(nameof(Fixtures))]
    public void Codegen_declares_the_architecture_of_every_fixture(string name)
    {
        RnnArchitecture expected = RnnModel.Load(Hprnn.Model(name)).Architecture;

        CliResult result = Hprnn.Run("codegen", Hprnn.Model(name));

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"// {expected}, from {name}.model.safetensors", result.Output, StringComparison.Ordinal);
        Assert.Contains($"[RnnModel(inputSize: {expected.InputSize}, hiddenSize: {expected.HiddenSize}", result.Output, StringComparison.Ordinal);
        Assert.Equal(expected.NumLayers != 1, result.Output.Contains($"NumLayers = {expected.NumLayers}", StringComparison.Ordinal));
        Assert.Equal(expected.Bidirectional, result.Output.Contains("Bidirectional = true", StringComparison.Ordinal));
        Assert.Equal(!expected.Bias, result.Output.Contains("Bias = false", StringComparison.Ordinal));
        Assert.Equal(expected.Cell != RnnCell.Rnn, result.Output.Contains("Cell = RnnCell.", StringComparison.Ordinal));
    }

    public static TheoryData<string> Fixtures() => Hprnn.AllFixtures();

    [Theory]
    [InlineData("1Model")]
    [InlineData("my-model")]
    [InlineData("class")]
    public void A_name_that_is_not_an_identifier_is_a_usage_error(string name)
    {
        CliResult result = Hprnn.Run("codegen", Hprnn.Model("rnn_seed_torch"), "--name", name);

        Assert.Equal(ExitCodes.Usage, result.ExitCode);
        Assert.Contains("is not a C# identifier", result.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Codegen_of_a_file_that_is_not_a_model_exits_2()
    {
        CliResult result = Hprnn.Run("codegen", Hprnn.Io("lstm_basic"));

        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.Contains("is not a recurrent model", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }
}
