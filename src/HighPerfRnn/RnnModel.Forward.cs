using HighPerfRnn.Runtime;

namespace HighPerfRnn;

public sealed partial class RnnModel
{
    /// <summary>
    /// Runs the model over whole sequences, as PyTorch's <c>output, h_n = model(input, h0)</c>.
    /// </summary>
    /// <param name="input">(batch, seq, input) for <see cref="SequenceLayout.BatchFirst"/>, (seq, batch, input) for <see cref="SequenceLayout.SequenceFirst"/>, (seq, input) for <see cref="SequenceLayout.Unbatched"/>.</param>
    /// <param name="output">Receives the last layer's hidden states at every step: the input's layout with <see cref="RnnArchitecture.OutputSize"/> features (forward ‖ backward).</param>
    /// <param name="hN">Receives the final hidden state of every layer and direction: (layers × directions, batch, hidden), row = layer × directions + direction.</param>
    /// <param name="batch">Sequences in the batch (1 for <see cref="SequenceLayout.Unbatched"/>).</param>
    /// <param name="seqLen">Time steps per sequence.</param>
    /// <param name="layout">The memory layout of <paramref name="input"/> and <paramref name="output"/>: PyTorch's <c>batch_first</c>. No default, because PyTorch's (sequence first) and the common one (batch first) differ.</param>
    /// <param name="h0">The initial hidden states, shaped as <paramref name="hN"/>; empty for zeros. May be the very same span as <paramref name="hN"/> (the state is then updated in place).</param>
    /// <param name="workspace">Scratch memory; null uses one kept per thread. After the first call of a given size, no call allocates.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="batch"/> or <paramref name="seqLen"/> is not positive, or <paramref name="layout"/> is unknown.</exception>
    /// <exception cref="ArgumentException">A span's length does not fit the shape, or the spans overlap.</exception>
    public void Forward(
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        int batch,
        int seqLen,
        SequenceLayout layout,
        ReadOnlySpan<float> h0 = default,
        RnnWorkspace? workspace = null)
    {
        SequenceShape shape = ForwardValidation.Validate(Architecture, input, output, hN, h0, batch, seqLen, layout);
        RecurrentDriver.Forward(this, input, output, hN, h0, shape, workspace ?? RnnWorkspace.ThreadDefault);
    }
}
