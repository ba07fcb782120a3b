using System.ComponentModel;

namespace HighPerfRnn.Kernels;

/// <summary>
/// One time step of one layer and direction, for <see cref="Batch"/> rows. With g = W_hh·h_{t−1} (no product, g = 0,
/// when <see cref="Previous"/> is empty) and P = the row's <see cref="Preactivations"/> (W_ih·x_t plus biases):
/// <code>
/// RNN:  h = act(P + g)
/// LSTM: i, f, c̃, o = σ(P + g)[0..H), σ(P + g)[Hp..Hp+H), tanh(P + g)[2Hp..2Hp+H), σ(P + g)[3Hp..3Hp+H)
///       CellState ← f⊙CellState + i⊙c̃;  h = o⊙tanh(CellState);  with projection, h = W_hr·h
/// GRU:  g is W_hh·h_{t−1} + RecurrentBias (b_hn on the n rows, zeros elsewhere; RecurrentBias alone without Previous)
///       r = σ(P + g)[0..H), z = σ(P + g)[Hp..Hp+H), n = tanh(P[2Hp..) + r⊙g[2Hp..)), h = (1 − z)⊙n + z⊙h_{t−1}
/// Output[b·OutputStride + j] = h[j] for j &lt; StateSize
/// </code>
/// Each gate block is padded to Hp = H rounded up to whole panels of <see cref="PanelWidth"/> (packed layout version 2,
/// docs/numerics.md), and every product is summed in the library's one order, so a kernel's results are bit-identical
/// to the runtime kernel's.
/// The driver guarantees every span is long enough for these indices (Preactivations for whole padded panels of
/// <see cref="PanelWidth"/>), so a kernel may address them unchecked. A kernel may overwrite Preactivations rows
/// and <see cref="Scratch"/> (both scratch for this step only); it writes nothing else but Output and CellState.
/// For the Elman cell at batch 1, Output may be the Preactivations row itself (the sequence loop runs in place):
/// a kernel reads the pre-activations of an output vector before it stores that vector.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct RecurrentStepArgs
{
    /// <summary>
    /// Only the driver creates these, after checking every length against the sizes: that is what lets kernels
    /// address the spans unchecked, so the constructor stays internal.
    /// </summary>
    internal RecurrentStepArgs(
        RnnCell cell,
        int layer,
        int hiddenSize,
        int stateSize,
        int panelWidth,
        RnnNonlinearity nonlinearity,
        ReadOnlySpan<float> recurrentWeights,
        Span<float> preactivations,
        int preactivationStride,
        ReadOnlySpan<float> previous,
        int previousStride,
        Span<float> output,
        int outputStride,
        int batch,
        int stepIndex,
        Span<float> cellState,
        ReadOnlySpan<float> recurrentBias,
        ReadOnlySpan<float> projectionWeights,
        Span<float> scratch,
        ReadOnlySpan<float> zeros)
    {
        Cell = cell;
        Layer = layer;
        HiddenSize = hiddenSize;
        StateSize = stateSize;
        PanelWidth = panelWidth;
        Nonlinearity = nonlinearity;
        RecurrentWeights = recurrentWeights;
        Preactivations = preactivations;
        PreactivationStride = preactivationStride;
        Previous = previous;
        PreviousStride = previousStride;
        Output = output;
        OutputStride = outputStride;
        Batch = batch;
        StepIndex = stepIndex;
        CellState = cellState;
        RecurrentBias = recurrentBias;
        ProjectionWeights = projectionWeights;
        Scratch = scratch;
        Zeros = zeros;
    }

    /// <summary>The cell of the step.</summary>
    public RnnCell Cell { get; }

    /// <summary>The layer index (both directions of a layer have the same sizes).</summary>
    public int Layer { get; }

    /// <summary>Hidden features H: the gate blocks are H rows each.</summary>
    public int HiddenSize { get; }

    /// <summary>Features of h (and of Previous and Output rows): proj_size for a projected LSTM, else <see cref="HiddenSize"/>. Also the depth of W_hh.</summary>
    public int StateSize { get; }

    /// <summary>
    /// Outputs per panel of the packed matrices: packed row j (gate g's unit u is j = g·Hp + u) of a matrix of depth K
    /// sits at ((j / PanelWidth)·K + k)·PanelWidth + j % PanelWidth; padding rows are zeros.
    /// </summary>
    public int PanelWidth { get; }

    /// <summary>The Elman RNN's activation (tanh for the other cells).</summary>
    public RnnNonlinearity Nonlinearity { get; }

    /// <summary>W_hh, gates × H rows by <see cref="StateSize"/> columns, packed in column panels.</summary>
    public ReadOnlySpan<float> RecurrentWeights { get; }

    /// <summary>W_ih·x_t plus the input-side biases for each batch row, gates × Hp floats (each gate block padded to whole panels).</summary>
    public Span<float> Preactivations { get; }

    /// <summary>Floats between batch rows of <see cref="Preactivations"/>.</summary>
    public int PreactivationStride { get; }

    /// <summary>h_{t−1} of each batch row (StateSize floats), or empty at the first step without h0 (zeros).</summary>
    public ReadOnlySpan<float> Previous { get; }

    /// <summary>Floats between batch rows of <see cref="Previous"/>.</summary>
    public int PreviousStride { get; }

    /// <summary>Receives h_t of each batch row (StateSize floats per row, nothing else is written).</summary>
    public Span<float> Output { get; }

    /// <summary>Floats between batch rows of <see cref="Output"/>.</summary>
    public int OutputStride { get; }

    /// <summary>Batch rows in this step.</summary>
    public int Batch { get; }

    /// <summary>
    /// How many steps of this layer and direction came before this one. Kernels may use it to vary the order in
    /// which they walk the weights (never the arithmetic), e.g. to start on what the previous step left in L1.
    /// </summary>
    public int StepIndex { get; }

    /// <summary>LSTM: c of each batch row, H floats per row, rows adjacent; read and overwritten. Empty for other cells.</summary>
    public Span<float> CellState { get; }

    /// <summary>GRU: the initial value of g, gates × Hp floats (b_hn on the n rows, gate blocks padded). Empty for other cells.</summary>
    public ReadOnlySpan<float> RecurrentBias { get; }

    /// <summary>LSTM with projection: W_hr, StateSize rows by HiddenSize columns, packed. Empty otherwise.</summary>
    public ReadOnlySpan<float> ProjectionWeights { get; }

    /// <summary>
    /// Scratch for this step: at least Batch × (padded gate rows + padded hidden + padded state) floats,
    /// 64-byte aligned, contents undefined on entry.
    /// </summary>
    public Span<float> Scratch { get; }

    /// <summary>At least max(padded hidden, padded state) zeros; read only.</summary>
    public ReadOnlySpan<float> Zeros { get; }
}
