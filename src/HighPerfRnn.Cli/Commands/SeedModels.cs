namespace HighPerfRnn.Cli.Commands;

// The seed notebook's models, declared: the source generator gives each fixed-size kernels for its shape.

/// <summary>The notebook's hand-stepped tanh cell as <c>nn.RNN(4, 8)</c>.</summary>
[RnnModel(inputSize: 4, hiddenSize: 8)]
internal sealed partial class SeedCell;

/// <summary><c>nn.RNN(5, 8, batch_first=True)</c>.</summary>
[RnnModel(inputSize: 5, hiddenSize: 8)]
internal sealed partial class SeedRnn;

/// <summary><c>nn.RNN(5, 8, num_layers=2, batch_first=True)</c>.</summary>
[RnnModel(inputSize: 5, hiddenSize: 8, NumLayers = 2)]
internal sealed partial class SeedDeepRnn;

/// <summary><c>nn.RNN(5, 8, num_layers=2, bidirectional=True, batch_first=True)</c>.</summary>
[RnnModel(inputSize: 5, hiddenSize: 8, NumLayers = 2, Bidirectional = true)]
internal sealed partial class SeedBiRnn;
