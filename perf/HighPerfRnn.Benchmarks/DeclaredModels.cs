namespace HighPerfRnn.Benchmarks;

// The grid's shapes declared for the source generator: each gets kernels specialized for its sizes (or, above the
// generator's line for gated cells, the runtime's kernels through the declared type).

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

[RnnModel(inputSize: 128, hiddenSize: 128, Cell = RnnCell.Lstm)]
public partial class LstmGridModel;

[RnnModel(inputSize: 256, hiddenSize: 256, NumLayers = 2, Bidirectional = true, Cell = RnnCell.Lstm)]
public partial class LstmBigGridModel;

[RnnModel(inputSize: 128, hiddenSize: 128, Cell = RnnCell.Gru)]
public partial class GruGridModel;

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

[RnnModel(inputSize: 8, hiddenSize: 8, Cell = RnnCell.Lstm)]
public partial class StreamLstm8;

[RnnModel(inputSize: 16, hiddenSize: 16, Cell = RnnCell.Lstm)]
public partial class StreamLstm16;

[RnnModel(inputSize: 32, hiddenSize: 32, Cell = RnnCell.Lstm)]
public partial class StreamLstm32;

[RnnModel(inputSize: 64, hiddenSize: 64, Cell = RnnCell.Lstm)]
public partial class StreamLstm64;

[RnnModel(inputSize: 128, hiddenSize: 128, Cell = RnnCell.Lstm)]
public partial class StreamLstm128;

[RnnModel(inputSize: 8, hiddenSize: 8, Cell = RnnCell.Gru)]
public partial class StreamGru8;

[RnnModel(inputSize: 16, hiddenSize: 16, Cell = RnnCell.Gru)]
public partial class StreamGru16;

[RnnModel(inputSize: 32, hiddenSize: 32, Cell = RnnCell.Gru)]
public partial class StreamGru32;

[RnnModel(inputSize: 64, hiddenSize: 64, Cell = RnnCell.Gru)]
public partial class StreamGru64;

[RnnModel(inputSize: 128, hiddenSize: 128, Cell = RnnCell.Gru)]
public partial class StreamGru128;

// Two stacked unidirectional layers (input = hidden), for the deep Forward benchmark: the layers' wavefront.

[RnnModel(inputSize: 16, hiddenSize: 16, NumLayers = 2)]
public partial class DeepRnn16;

[RnnModel(inputSize: 32, hiddenSize: 32, NumLayers = 2)]
public partial class DeepRnn32;

[RnnModel(inputSize: 16, hiddenSize: 16, NumLayers = 2, Cell = RnnCell.Lstm)]
public partial class DeepLstm16;

[RnnModel(inputSize: 32, hiddenSize: 32, NumLayers = 2, Cell = RnnCell.Lstm)]
public partial class DeepLstm32;

[RnnModel(inputSize: 16, hiddenSize: 16, NumLayers = 2, Cell = RnnCell.Gru)]
public partial class DeepGru16;

[RnnModel(inputSize: 32, hiddenSize: 32, NumLayers = 2, Cell = RnnCell.Gru)]
public partial class DeepGru32;

// Bidirectional layers (input = hidden), for the declared batch sweep (Reporting/DeclaredBatchSweep.cs).

[RnnModel(inputSize: 32, hiddenSize: 32, Bidirectional = true)]
public partial class BiRnn32;

[RnnModel(inputSize: 16, hiddenSize: 16, Bidirectional = true, Cell = RnnCell.Lstm)]
public partial class BiLstm16;

[RnnModel(inputSize: 16, hiddenSize: 16, Bidirectional = true, Cell = RnnCell.Gru)]
public partial class BiGru16;

// A time step of both directions past the whole-model Forward's 32 KB, one direction's within it: the directions one
// after the other.

[RnnModel(inputSize: 32, hiddenSize: 32, Bidirectional = true, Cell = RnnCell.Lstm)]
public partial class BiLstm32;

[RnnModel(inputSize: 32, hiddenSize: 32, Bidirectional = true, Cell = RnnCell.Gru)]
public partial class BiGru32;
