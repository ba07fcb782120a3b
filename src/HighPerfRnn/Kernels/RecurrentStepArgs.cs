using System.ComponentModel;

namespace HighPerfRnn.Kernels;

/// <summary>
/// One time step of one layer and direction of an Elman RNN, for <see cref="Batch"/> rows:
/// <code>
/// for b &lt; Batch, j &lt; HiddenSize:
///     pre = Preactivations[b·PreactivationStride + j] + Σₖ Previous[b·PreviousStride + k] · W_hh[j, k]   (no sum when Previous is empty: h = 0)
///     Output[b·OutputStride + j] = act(pre)
/// </code>
/// The driver guarantees every span is long enough for these indices (and Preactivations for whole padded
/// panels of <see cref="PanelWidth"/>), so a kernel may address them unchecked; it may also overwrite
/// Preactivations[b·PreactivationStride + j] for j &lt; padded gate rows (scratch for this step only).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly ref struct RecurrentStepArgs
{
    /// <summary>
    /// Only the driver creates these, after checking every length against the sizes: that is what lets kernels
    /// address the spans unchecked, so the constructor stays internal.
    /// </summary>
    internal RecurrentStepArgs(
        int layer,
        int hiddenSize,
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
        int stepIndex)
    {
        StepIndex = stepIndex;
        Layer = layer;
        HiddenSize = hiddenSize;
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
    }

    /// <summary>The layer index (both directions of a layer have the same sizes).</summary>
    public int Layer { get; }

    /// <summary>Hidden features: the outputs per row and the length of the recurrent sum.</summary>
    public int HiddenSize { get; }

    /// <summary>
    /// Outputs per panel of <see cref="RecurrentWeights"/>: W_hh[j, k] sits at
    /// ((j / PanelWidth)·HiddenSize + k)·PanelWidth + j % PanelWidth, zero-padded to whole panels.
    /// </summary>
    public int PanelWidth { get; }

    /// <summary>The activation.</summary>
    public RnnNonlinearity Nonlinearity { get; }

    /// <summary>W_hh packed in column panels (see <see cref="PanelWidth"/>).</summary>
    public ReadOnlySpan<float> RecurrentWeights { get; }

    /// <summary>W_ih·x_t + b_ih + b_hh for each batch row, padded to whole panels.</summary>
    public Span<float> Preactivations { get; }

    /// <summary>Floats between batch rows of <see cref="Preactivations"/>.</summary>
    public int PreactivationStride { get; }

    /// <summary>h_{t−1} of each batch row, or empty at the first step without h0 (zeros).</summary>
    public ReadOnlySpan<float> Previous { get; }

    /// <summary>Floats between batch rows of <see cref="Previous"/>.</summary>
    public int PreviousStride { get; }

    /// <summary>Receives h_t of each batch row (HiddenSize floats per row, nothing else is written).</summary>
    public Span<float> Output { get; }

    /// <summary>Floats between batch rows of <see cref="Output"/>.</summary>
    public int OutputStride { get; }

    /// <summary>
    /// How many steps of this layer and direction came before this one. Kernels may use it to vary the order in
    /// which they walk the weights (never the arithmetic), e.g. to start on what the previous step left in L1.
    /// </summary>
    public int StepIndex { get; }

    /// <summary>Batch rows in this step.</summary>
    public int Batch { get; }
}
