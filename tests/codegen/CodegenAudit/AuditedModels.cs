namespace HighPerfRnn.CodegenAudit;

// Shapes on both sides of the generator's lines where the JIT's inlining budget was seen to run out: stacked and
// bidirectional models (several steps in one method), Elman rows with many activations, projected LSTMs.

[RnnModel(inputSize: 5, hiddenSize: 8, NumLayers = 2, Bidirectional = true)]
public partial class Seed;

[RnnModel(8, 8)]
public partial class Rnn8;

[RnnModel(16, 16, NumLayers = 2)]
public partial class Rnn16Deep;

[RnnModel(32, 32, NumLayers = 2)]
public partial class Rnn32Deep;

[RnnModel(24, 24, Nonlinearity = RnnNonlinearity.Relu)]
public partial class Rnn24Relu;

[RnnModel(5, 33, NumLayers = 2, Bidirectional = true, Nonlinearity = RnnNonlinearity.Relu, Bias = false)]
public partial class Rnn33Bidirectional;

[RnnModel(8, 8, Cell = RnnCell.Lstm)]
public partial class Lstm8;

[RnnModel(16, 16, NumLayers = 2, Cell = RnnCell.Lstm)]
public partial class Lstm16Deep;

[RnnModel(32, 32, NumLayers = 2, Cell = RnnCell.Lstm)]
public partial class Lstm32Deep;

[RnnModel(16, 24, NumLayers = 2, Bidirectional = true, Cell = RnnCell.Lstm)]
public partial class Lstm24Bidirectional;

[RnnModel(10, 20, NumLayers = 2, Bidirectional = true, ProjSize = 7, Cell = RnnCell.Lstm)]
public partial class Lstm20ProjBidirectional;

[RnnModel(3, 40, NumLayers = 2, ProjSize = 13, Cell = RnnCell.Lstm)]
public partial class Lstm40ProjDeep;

[RnnModel(8, 8, Cell = RnnCell.Gru)]
public partial class Gru8;

[RnnModel(16, 16, NumLayers = 2, Cell = RnnCell.Gru)]
public partial class Gru16Deep;

[RnnModel(32, 32, NumLayers = 2, Cell = RnnCell.Gru)]
public partial class Gru32Deep;

[RnnModel(12, 20, NumLayers = 3, Bidirectional = true, Bias = false, Cell = RnnCell.Gru)]
public partial class Gru20Bidirectional;

[RnnModel(1, 16, Bidirectional = true, Cell = RnnCell.Gru)]
public partial class Gru16Bidirectional;
