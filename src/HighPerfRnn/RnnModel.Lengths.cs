using System.ComponentModel;
using HighPerfRnn.Kernels;
using HighPerfRnn.Runtime;

namespace HighPerfRnn;

public sealed partial class RnnModel
{
    /// <summary>
    /// Runs the model over a batch of sequences of different lengths, padded to <paramref name="seqLen"/>, as PyTorch's
    /// <c>pad_packed_sequence(model(pack_padded_sequence(input, lengths, batch_first, enforce_sorted=False), h0), batch_first, total_length=seqLen)</c>:
    /// sequence b runs over its first <c>lengths[b]</c> steps only. Its output rows from lengths[b] on are zeros; the
    /// backward direction starts at its own last step; h_n holds its own final states. Each sequence gets exactly the
    /// bits it would get run alone, and no work is done past its end.
    /// </summary>
    /// <param name="input">(batch, seqLen, input) for <see cref="SequenceLayout.BatchFirst"/>, (seqLen, batch, input) for <see cref="SequenceLayout.SequenceFirst"/>; rows past a sequence's end are not read.</param>
    /// <param name="output">Receives the last layer's hidden states in the input's layout, zeros past each sequence's end.</param>
    /// <param name="hN">Receives each sequence's final hidden states: (layers × directions, batch, hidden).</param>
    /// <param name="batch">Sequences in the batch.</param>
    /// <param name="seqLen">The padded length: the time rows of <paramref name="input"/> and <paramref name="output"/>.</param>
    /// <param name="lengths">Each sequence's length, in [1, seqLen], in any order: PyTorch's <c>lengths</c>.</param>
    /// <param name="layout">PyTorch's <c>batch_first</c>, explicitly (<see cref="SequenceLayout.Unbatched"/> takes no lengths).</param>
    /// <param name="h0">The initial hidden states, shaped as <paramref name="hN"/>; empty for zeros; may be the same span as <paramref name="hN"/>.</param>
    /// <param name="workspace">Scratch memory; null uses one kept per thread.</param>
    /// <exception cref="ArgumentException">A length is out of range, their count is not the batch, or a span does not fit the shape (the message names it).</exception>
    public void Forward(
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        int batch,
        int seqLen,
        ReadOnlySpan<int> lengths,
        SequenceLayout layout,
        ReadOnlySpan<float> h0 = default,
        RnnWorkspace? workspace = null)
        => Forward<RuntimeStepKernel>(input, output, hN, batch, seqLen, lengths, layout, h0, workspace);

    /// <summary>
    /// The LSTM over sequences of different lengths, also returning each sequence's final cell states, as PyTorch's
    /// <c>output, (h_n, c_n) = lstm(pack_padded_sequence(...), (h0, c0))</c>; see the overload without cell states.
    /// </summary>
    /// <param name="input">As in the overload without cell states.</param>
    /// <param name="output">As in the overload without cell states.</param>
    /// <param name="hN">(layers × directions, batch, proj_size or hidden).</param>
    /// <param name="cN">Receives each sequence's final cell states: (layers × directions, batch, hidden).</param>
    /// <param name="batch">Sequences in the batch.</param>
    /// <param name="seqLen">The padded length.</param>
    /// <param name="lengths">Each sequence's length, in [1, seqLen], in any order.</param>
    /// <param name="layout">PyTorch's <c>batch_first</c>, explicitly.</param>
    /// <param name="h0">Initial hidden states shaped as <paramref name="hN"/>, or empty for zeros.</param>
    /// <param name="c0">Initial cell states shaped as <paramref name="cN"/>, or empty for zeros.</param>
    /// <param name="workspace">Scratch memory; null uses one kept per thread.</param>
    /// <exception cref="InvalidOperationException">The model is not an LSTM.</exception>
    public void Forward(
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        Span<float> cN,
        int batch,
        int seqLen,
        ReadOnlySpan<int> lengths,
        SequenceLayout layout,
        ReadOnlySpan<float> h0 = default,
        ReadOnlySpan<float> c0 = default,
        RnnWorkspace? workspace = null)
        => Forward<RuntimeStepKernel>(input, output, hN, cN, batch, seqLen, lengths, layout, h0, c0, workspace);

    /// <summary>Forward with lengths over a given step kernel: the entry point of generated, fixed-size models.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Forward<TKernel>(
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        int batch,
        int seqLen,
        ReadOnlySpan<int> lengths,
        SequenceLayout layout,
        ReadOnlySpan<float> h0,
        RnnWorkspace? workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        SequenceShape shape = ForwardValidation.Validate(Architecture, input, output, hN, h0, batch, seqLen, layout);
        ForwardValidation.ValidateLengths(lengths, batch, seqLen, layout);
        RecurrentDriver.Forward<TKernel>(this, input, output, hN, default, h0, default, shape, lengths, workspace ?? RnnWorkspace.ThreadDefault);
    }

    /// <summary>Forward with lengths and cell states over a given step kernel: the entry point of generated LSTM models.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Forward<TKernel>(
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        Span<float> cN,
        int batch,
        int seqLen,
        ReadOnlySpan<int> lengths,
        SequenceLayout layout,
        ReadOnlySpan<float> h0,
        ReadOnlySpan<float> c0,
        RnnWorkspace? workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        SequenceShape shape = ValidateLstmForward(input, output, hN, cN, batch, seqLen, layout, h0, c0);
        ForwardValidation.ValidateLengths(lengths, batch, seqLen, layout);
        RecurrentDriver.Forward<TKernel>(this, input, output, hN, cN, h0, c0, shape, lengths, workspace ?? RnnWorkspace.ThreadDefault);
    }
}
