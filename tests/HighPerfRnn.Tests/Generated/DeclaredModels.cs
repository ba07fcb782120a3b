namespace HighPerfRnn.Tests.Generated;

// The models the tests declare: the generator gives each its constants, loading, Forward, Step (unidirectional)
// and a step kernel for its hidden size. Between them they cover hidden sizes on both sides of every vector width
// (1, 7, 8, 9, 15, 16, 17, 31, 33, 64) and past the unrolling line (100, 128: looped kernels, with a remainder
// group at 100), inputs 1, 3, 5, 13, the seed's four shapes, stacked and bidirectional layers, relu and no bias.
// Each implements the tests' interfaces with the generated members, so one property serves them all.

/// <summary>The seed's numpy cell: 4 → 8.</summary>
[RnnModel(4, 8)]
public sealed partial class SeedNumpyRnn : IDeclaredModel<SeedNumpyRnn>, IStreamingModel;

/// <summary>The seed's <c>nn.RNN(5, 8, batch_first=True)</c>.</summary>
[RnnModel(5, 8)]
public sealed partial class SeedTorchRnn : IDeclaredModel<SeedTorchRnn>, IStreamingModel;

/// <summary>The seed's <c>num_layers=2</c>.</summary>
[RnnModel(5, 8, NumLayers = 2)]
public sealed partial class SeedDeepRnn : IDeclaredModel<SeedDeepRnn>, IStreamingModel;

/// <summary>The seed's <c>num_layers=2, bidirectional=True</c>.</summary>
[RnnModel(inputSize: 5, hiddenSize: 8, NumLayers = 2, Bidirectional = true)]
public sealed partial class TinyBiRnn : IDeclaredModel<TinyBiRnn>;

/// <summary>The smallest: one input, one hidden unit.</summary>
[RnnModel(1, 1)]
public sealed partial class Hidden1 : IDeclaredModel<Hidden1>, IStreamingModel;

/// <summary>One lane short of a 256-bit vector; relu.</summary>
[RnnModel(3, 7, Nonlinearity = RnnNonlinearity.Relu)]
public sealed partial class Hidden7Relu : IDeclaredModel<Hidden7Relu>, IStreamingModel;

/// <summary>One lane past a 256-bit vector; no bias.</summary>
[RnnModel(13, 9, Bias = false)]
public sealed partial class Hidden9NoBias : IDeclaredModel<Hidden9NoBias>, IStreamingModel;

/// <summary>One short of a 512-bit vector; bidirectional.</summary>
[RnnModel(5, 15, Bidirectional = true)]
public sealed partial class Hidden15Bidirectional : IDeclaredModel<Hidden15Bidirectional>;

/// <summary>Exactly one 512-bit vector: the streaming shape of the design (one input per sample); relu.</summary>
[RnnModel(1, 16, Nonlinearity = RnnNonlinearity.Relu)]
public sealed partial class Hidden16Streaming : IDeclaredModel<Hidden16Streaming>, IStreamingModel;

/// <summary>
/// Exactly one 512-bit (and two 256-bit) vectors, two layers: on the 512-bit path the generated wavefront, where a single
/// such layer keeps the runtime's one-vector kernel.
/// </summary>
[RnnModel(3, 16, NumLayers = 2)]
public sealed partial class Hidden16Deep : IDeclaredModel<Hidden16Deep>, IStreamingModel;

/// <summary>Exactly one 128-bit vector, two layers: on the 128-bit path the generated wavefront.</summary>
[RnnModel(2, 4, NumLayers = 2)]
public sealed partial class Hidden4Deep : IDeclaredModel<Hidden4Deep>, IStreamingModel;

/// <summary>One past a 512-bit vector; three layers.</summary>
[RnnModel(3, 17, NumLayers = 3)]
public sealed partial class Hidden17Deep : IDeclaredModel<Hidden17Deep>, IStreamingModel;

/// <summary>
/// Two relu layers of 24 (one and a half 512-bit vectors, three 256-bit ones): the layers one after the other, each loop
/// software-pipelined with its sums in registers (the next step's input product first) on the 512- and 256-bit paths.
/// </summary>
[RnnModel(24, 24, NumLayers = 2, Nonlinearity = RnnNonlinearity.Relu)]
public sealed partial class Hidden24DeepRelu : IDeclaredModel<Hidden24DeepRelu>, IStreamingModel;

/// <summary>Four 256-bit vectors less one lane.</summary>
[RnnModel(13, 31)]
public sealed partial class Hidden31 : IDeclaredModel<Hidden31>, IStreamingModel;

/// <summary>Past four 256-bit vectors; stacked, bidirectional, relu, no bias.</summary>
[RnnModel(5, 33, NumLayers = 2, Bidirectional = true, Nonlinearity = RnnNonlinearity.Relu, Bias = false)]
public sealed partial class Hidden33Everything : IDeclaredModel<Hidden33Everything>;

/// <summary>
/// Two layers of 40, whose time steps read 12.8 KB of weights each and 25.6 KB together, past the Elman whole-model
/// Forward's 16 KB: the layers run one after the other in the output rows, not as a wavefront.
/// </summary>
[RnnModel(40, 40, NumLayers = 2)]
public sealed partial class Hidden40LayerByLayer : IDeclaredModel<Hidden40LayerByLayer>, IStreamingModel;

/// <summary>The last fully unrolled 256-bit size (8 vectors × 64 = 512 FMAs per row); two layers.</summary>
[RnnModel(3, 64, NumLayers = 2)]
public sealed partial class Hidden64 : IDeclaredModel<Hidden64>, IStreamingModel;

/// <summary>Looped kernels with a remainder group on every path (13 × 256-bit, 7 × 512-bit vectors); bidirectional.</summary>
[RnnModel(7, 100, Bidirectional = true)]
public sealed partial class Hidden100Bidirectional : IDeclaredModel<Hidden100Bidirectional>;

/// <summary>Looped kernels: 16 × 256-bit vectors × 128.</summary>
[RnnModel(13, 128)]
public sealed partial class Hidden128 : IDeclaredModel<Hidden128>, IStreamingModel;
