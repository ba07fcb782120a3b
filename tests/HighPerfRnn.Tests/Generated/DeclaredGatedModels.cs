namespace HighPerfRnn.Tests.Generated;

// The LSTM and GRU models the tests declare. Between them they cover hidden sizes on both sides of every vector width
// (1, 7, 8, 9, 16, 17, 33, 64: gate passes of single units, of 128-, 256- and 512-bit vectors and of their mixes;
// gate rows that straddle panels; 4, 8 and 16 unidirectional: gate blocks of exactly one vector, whose rows keep the gates in
// registers on the 128-, 256- and 512-bit paths, stepped at batch 1 by the whole-model kernels), both sides of the generator's specialization line (GRU 52 specialized; GRU 64, LSTM 64 and
// hidden 128 decline, so the runtime's kernel runs), inputs 1, 3, 13, stacked and bidirectional layers, no bias, LSTM
// projections (9 → 4, 16 → 8, 20 → 7, 40 → 13 with a looped scalar projection), and the
// shapes of the LSTM and GRU cases made by PyTorch (Fixture*). Each implements the tests' interfaces with the
// generated members, so the RNN's properties serve them too.

/// <summary>The PyTorch case <c>lstm_basic</c>: <c>nn.LSTM(5, 8)</c>.</summary>
[RnnModel(5, 8, Cell = RnnCell.Lstm)]
public sealed partial class FixtureLstmBasic : ILstmModel<FixtureLstmBasic>, IStreamingLstmModel;

/// <summary>The PyTorch case <c>lstm_medium</c>: hidden 128, past the specialization line.</summary>
[RnnModel(64, 128, Cell = RnnCell.Lstm)]
public sealed partial class FixtureLstmMedium : ILstmModel<FixtureLstmMedium>, IStreamingLstmModel;

/// <summary>The PyTorch case <c>lstm_proj</c>: stacked, bidirectional, projected 20 → 7.</summary>
[RnnModel(10, 20, Cell = RnnCell.Lstm, NumLayers = 2, Bidirectional = true, ProjSize = 7)]
public sealed partial class FixtureLstmProj : ILstmModel<FixtureLstmProj>;

/// <summary>The PyTorch case <c>lstm_deep_bidir_h0</c>: hidden 24 (three 256-bit vectors per gate).</summary>
[RnnModel(16, 24, Cell = RnnCell.Lstm, NumLayers = 2, Bidirectional = true)]
public sealed partial class FixtureLstmDeepBidir : ILstmModel<FixtureLstmDeepBidir>;

/// <summary>The smallest LSTM: one input, one unit (all gates in one vector).</summary>
[RnnModel(1, 1, Cell = RnnCell.Lstm)]
public sealed partial class LstmHidden1 : ILstmModel<LstmHidden1>, IStreamingLstmModel;

/// <summary>One 128-bit vector per gate (gates in registers on that path); two layers.</summary>
[RnnModel(3, 4, Cell = RnnCell.Lstm, NumLayers = 2)]
public sealed partial class LstmHidden4Deep : ILstmModel<LstmHidden4Deep>, IStreamingLstmModel;

/// <summary>One 512-bit vector per gate (gates in registers on that path), unidirectional: the whole-model Step; two layers.</summary>
[RnnModel(5, 16, Cell = RnnCell.Lstm, NumLayers = 2)]
public sealed partial class LstmHidden16Deep : ILstmModel<LstmHidden16Deep>, IStreamingLstmModel;

/// <summary>One unit short of a 256-bit vector per gate; two layers.</summary>
[RnnModel(3, 7, Cell = RnnCell.Lstm, NumLayers = 2)]
public sealed partial class LstmHidden7Deep : ILstmModel<LstmHidden7Deep>, IStreamingLstmModel;

/// <summary>One unit past a 256-bit vector, projected to 4 features (a 128-bit projection row).</summary>
[RnnModel(13, 9, Cell = RnnCell.Lstm, ProjSize = 4)]
public sealed partial class LstmHidden9Proj4 : ILstmModel<LstmHidden9Proj4>, IStreamingLstmModel;

/// <summary>One 512-bit vector per gate, projected to 8; bidirectional.</summary>
[RnnModel(3, 16, Cell = RnnCell.Lstm, ProjSize = 8, Bidirectional = true)]
public sealed partial class LstmHidden16Proj8 : ILstmModel<LstmHidden16Proj8>;

/// <summary>One unit past a 512-bit vector; no bias.</summary>
[RnnModel(13, 17, Cell = RnnCell.Lstm, Bias = false)]
public sealed partial class LstmHidden17NoBias : ILstmModel<LstmHidden17NoBias>, IStreamingLstmModel;

/// <summary>Past four 256-bit vectors per gate; stacked and bidirectional.</summary>
[RnnModel(3, 33, Cell = RnnCell.Lstm, NumLayers = 2, Bidirectional = true)]
public sealed partial class LstmHidden33Bidirectional : ILstmModel<LstmHidden33Bidirectional>;

/// <summary>
/// Two layers of 32 on a 24-wide input: a time step of both reads 60 KB of weights, past the whole-model Forward's 32 KB,
/// one layer's 28 and 32 KB: the layers run one after the other in the output rows, not as a wavefront.
/// </summary>
[RnnModel(24, 32, Cell = RnnCell.Lstm, NumLayers = 2)]
public sealed partial class LstmHidden32LayerByLayer : ILstmModel<LstmHidden32LayerByLayer>, IStreamingLstmModel;

/// <summary>
/// Bidirectional LSTM 32 of input 32: a time step of both directions reads 64 KB of weights, so its whole-model Forward
/// projects both directions' input sequences first (until session 34 it ran one direction after the other, 32 KB each).
/// </summary>
[RnnModel(32, 32, Cell = RnnCell.Lstm, Bidirectional = true)]
public sealed partial class LstmHidden32Input32BidirectionalProjecting : ILstmModel<LstmHidden32Input32BidirectionalProjecting>;

/// <summary>Bidirectional LSTM 32 of input 40 projected to 16: 56 KB of weights a step of both directions: projecting, with W_hr.</summary>
[RnnModel(40, 32, Cell = RnnCell.Lstm, Bidirectional = true, ProjSize = 16)]
public sealed partial class LstmHidden32Proj16BidirectionalProjecting : ILstmModel<LstmHidden32Proj16BidirectionalProjecting>;

/// <summary>
/// LSTM 24 of input 100: a time step reads 47.6 KB of weights, past the whole-model Forward's 32 KB, W_hh 9 KB: its Forward
/// projects the whole input sequence first, then loops on W_hh alone.
/// </summary>
[RnnModel(100, 24, Cell = RnnCell.Lstm)]
public sealed partial class LstmHidden24Input100Projecting : ILstmModel<LstmHidden24Input100Projecting>, IStreamingLstmModel;

/// <summary>Two layers of LSTM 32 projected to 16 on a 200-wide input (layer 0's step 108 KB): projecting, the later layer over the output rows in place.</summary>
[RnnModel(200, 32, Cell = RnnCell.Lstm, NumLayers = 2, ProjSize = 16)]
public sealed partial class LstmHidden32Proj16Input200Projecting : ILstmModel<LstmHidden32Proj16Input200Projecting>, IStreamingLstmModel;

/// <summary>
/// Two bidirectional layers of LSTM 32 of input 20: the later layer's step of one direction reads 48 KB (its input is both
/// directions' h), past the line, so its Forward projects every layer's sequence, direction by direction.
/// </summary>
[RnnModel(20, 32, Cell = RnnCell.Lstm, NumLayers = 2, Bidirectional = true)]
public sealed partial class LstmHidden32BidirectionalProjecting : ILstmModel<LstmHidden32BidirectionalProjecting>;

/// <summary>Two bidirectional layers of LSTM 32 projected to 24 (the later layer's direction 36 KB a step): projecting, with W_hr.</summary>
[RnnModel(8, 32, Cell = RnnCell.Lstm, NumLayers = 2, Bidirectional = true, ProjSize = 24)]
public sealed partial class LstmHidden32Proj24BidirectionalProjecting : ILstmModel<LstmHidden32Proj24BidirectionalProjecting>;

/// <summary>Three projected layers (32 → 20), 20 KB of weights a layer's step: one layer after the other.</summary>
[RnnModel(20, 32, Cell = RnnCell.Lstm, NumLayers = 3, ProjSize = 20)]
public sealed partial class LstmHidden32Proj20LayerByLayer : ILstmModel<LstmHidden32Proj20LayerByLayer>, IStreamingLstmModel;

/// <summary>Looped scalar projection (13 × 40); two layers.</summary>
[RnnModel(3, 40, Cell = RnnCell.Lstm, ProjSize = 13, NumLayers = 2)]
public sealed partial class LstmHidden40Proj13 : ILstmModel<LstmHidden40Proj13>, IStreamingLstmModel;

/// <summary>The streaming shape (one input per sample) at hidden 64: past the specialization line (64 KB of W_hh), the runtime kernel runs.</summary>
[RnnModel(1, 64, Cell = RnnCell.Lstm)]
public sealed partial class LstmHidden64 : ILstmModel<LstmHidden64>, IStreamingLstmModel;

/// <summary>The PyTorch case <c>gru_basic</c>: <c>nn.GRU(5, 8)</c>.</summary>
[RnnModel(5, 8, Cell = RnnCell.Gru)]
public sealed partial class FixtureGruBasic : IDeclaredModel<FixtureGruBasic>, IStreamingModel;

/// <summary>The PyTorch case <c>gru_medium</c>: hidden 128, past the specialization line.</summary>
[RnnModel(64, 128, Cell = RnnCell.Gru)]
public sealed partial class FixtureGruMedium : IDeclaredModel<FixtureGruMedium>, IStreamingModel;

/// <summary>The PyTorch case <c>gru_deep_bidir_nobias</c>: three bidirectional layers without bias.</summary>
[RnnModel(12, 20, Cell = RnnCell.Gru, NumLayers = 3, Bidirectional = true, Bias = false)]
public sealed partial class FixtureGruDeepBidirNoBias : IDeclaredModel<FixtureGruDeepBidirNoBias>;

/// <summary>The smallest GRU.</summary>
[RnnModel(1, 1, Cell = RnnCell.Gru)]
public sealed partial class GruHidden1 : IDeclaredModel<GruHidden1>, IStreamingModel;

/// <summary>One unit short of a 256-bit vector per gate; no bias.</summary>
[RnnModel(3, 7, Cell = RnnCell.Gru, Bias = false)]
public sealed partial class GruHidden7NoBias : IDeclaredModel<GruHidden7NoBias>, IStreamingModel;

/// <summary>One unit past a 256-bit vector; three layers.</summary>
[RnnModel(13, 9, Cell = RnnCell.Gru, NumLayers = 3)]
public sealed partial class GruHidden9Deep : IDeclaredModel<GruHidden9Deep>, IStreamingModel;

/// <summary>One 512-bit vector per gate; the streaming shape; bidirectional.</summary>
[RnnModel(1, 16, Cell = RnnCell.Gru, Bidirectional = true)]
public sealed partial class GruHidden16Bidirectional : IDeclaredModel<GruHidden16Bidirectional>;

/// <summary>One 128-bit vector per gate (gates in registers on that path), no bias.</summary>
[RnnModel(2, 4, Cell = RnnCell.Gru, Bias = false)]
public sealed partial class GruHidden4NoBias : IDeclaredModel<GruHidden4NoBias>, IStreamingModel;

/// <summary>One 512-bit vector per gate (gates in registers on that path), unidirectional: the whole-model Step; two layers.</summary>
[RnnModel(7, 16, Cell = RnnCell.Gru, NumLayers = 2)]
public sealed partial class GruHidden16Deep : IDeclaredModel<GruHidden16Deep>, IStreamingModel;

/// <summary>One unit past a 512-bit vector.</summary>
[RnnModel(3, 17, Cell = RnnCell.Gru)]
public sealed partial class GruHidden17 : IDeclaredModel<GruHidden17>, IStreamingModel;

/// <summary>Past four 256-bit vectors per gate; stacked, bidirectional, no bias.</summary>
[RnnModel(13, 33, Cell = RnnCell.Gru, NumLayers = 2, Bidirectional = true, Bias = false)]
public sealed partial class GruHidden33Everything : IDeclaredModel<GruHidden33Everything>;

/// <summary>Bidirectional GRU 32 of input 40, no bias: 54 KB of weights a time step of both directions: projecting.</summary>
[RnnModel(40, 32, Cell = RnnCell.Gru, Bidirectional = true, Bias = false)]
public sealed partial class GruHidden32BidirectionalNoBiasProjecting : IDeclaredModel<GruHidden32BidirectionalNoBiasProjecting>;

/// <summary>
/// Two whole 512-bit vectors per gate, two layers (13.9 and 24 KB a layer's step: one layer after the other); the row's
/// product one group of 24 accumulators on that path, its gates in registers (the row on its sums, not inlined into the
/// layer loops).
/// </summary>
[RnnModel(5, 32, Cell = RnnCell.Gru, NumLayers = 2)]
public sealed partial class GruHidden32Deep : IDeclaredModel<GruHidden32Deep>, IStreamingModel;

/// <summary>Two whole 512-bit vectors per gate, one layer: the row on its sums inlined into the whole-model Step and Forward.</summary>
[RnnModel(20, 32, Cell = RnnCell.Gru)]
public sealed partial class GruHidden32 : IDeclaredModel<GruHidden32>, IStreamingModel;

/// <summary>
/// Two layers of GRU 36 (no bias) on a 64-wide input: W_hh 15.2 KB, within the whole-model line, but layer 0's step 42 KB:
/// projecting; 36 units fill no path's panels.
/// </summary>
[RnnModel(64, 36, Cell = RnnCell.Gru, NumLayers = 2, Bias = false)]
public sealed partial class GruHidden36Input64Projecting : IDeclaredModel<GruHidden36Input64Projecting>, IStreamingModel;

/// <summary>Three bidirectional layers of GRU 24 on a 96-wide input (layer 0's direction 34.6 KB a step): projecting, the layer sequences used in turn.</summary>
[RnnModel(96, 24, Cell = RnnCell.Gru, NumLayers = 3, Bidirectional = true)]
public sealed partial class GruHidden24BidirectionalProjecting : IDeclaredModel<GruHidden24BidirectionalProjecting>;

/// <summary>Three layers of 30, 21.6 KB of weights a layer's step and 65 KB together: one layer after the other.</summary>
[RnnModel(30, 30, Cell = RnnCell.Gru, NumLayers = 3)]
public sealed partial class GruHidden30LayerByLayer : IDeclaredModel<GruHidden30LayerByLayer>, IStreamingModel;

/// <summary>Hidden 52, two layers: the largest specialized GRU (8112 weights of W_hh, within 32 KB), looped products.</summary>
[RnnModel(3, 52, Cell = RnnCell.Gru, NumLayers = 2)]
public sealed partial class GruHidden52Deep : IDeclaredModel<GruHidden52Deep>, IStreamingModel;

/// <summary>Hidden 64, two layers: past the specialization line (48 KB of W_hh), so the runtime's kernels run.</summary>
[RnnModel(3, 64, Cell = RnnCell.Gru, NumLayers = 2)]
public sealed partial class GruHidden64Deep : IDeclaredModel<GruHidden64Deep>, IStreamingModel;
