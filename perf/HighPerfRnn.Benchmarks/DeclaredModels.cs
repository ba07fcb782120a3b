namespace HighPerfRnn.Benchmarks;

// The grid's Elman RNN shapes declared for the source generator: each gets kernels specialized for its sizes.

[RnnModel(inputSize: 5, hiddenSize: 8, NumLayers = 2, Bidirectional = true)]
public partial class SeedRnn;

[RnnModel(inputSize: 64, hiddenSize: 64)]
public partial class SmallRnn;

[RnnModel(inputSize: 128, hiddenSize: 128)]
public partial class MediumRnn;

[RnnModel(inputSize: 256, hiddenSize: 256, NumLayers = 2, Bidirectional = true)]
public partial class DeepBiRnn;

[RnnModel(inputSize: 512, hiddenSize: 512)]
public partial class LargeRnn;

// Streaming shapes (input = hidden), for the Step latency benchmark.

[RnnModel(inputSize: 8, hiddenSize: 8)]
public partial class StreamRnn8;

[RnnModel(inputSize: 16, hiddenSize: 16)]
public partial class StreamRnn16;

[RnnModel(inputSize: 32, hiddenSize: 32)]
public partial class StreamRnn32;

[RnnModel(inputSize: 64, hiddenSize: 64)]
public partial class StreamRnn64;

[RnnModel(inputSize: 128, hiddenSize: 128)]
public partial class StreamRnn128;
