using System.ComponentModel;
using System.Globalization;
using HighPerfRnn.Kernels;
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
        => Forward<RuntimeStepKernel>(input, output, hN, batch, seqLen, layout, h0, workspace);

    /// <summary>
    /// Runs an LSTM over whole sequences and also returns the final cell states, as PyTorch's
    /// <c>output, (h_n, c_n) = lstm(input, (h0, c0))</c>. The other overload runs an LSTM too, without c_n.
    /// </summary>
    /// <param name="input">As in the other overload.</param>
    /// <param name="output">As in the other overload (features: directions × (proj_size or hidden)).</param>
    /// <param name="hN">(layers × directions, batch, proj_size or hidden).</param>
    /// <param name="cN">Receives the final cell states: (layers × directions, batch, hidden).</param>
    /// <param name="batch">Sequences in the batch.</param>
    /// <param name="seqLen">Time steps per sequence.</param>
    /// <param name="layout">PyTorch's <c>batch_first</c>, explicitly.</param>
    /// <param name="h0">Initial hidden states shaped as <paramref name="hN"/>, or empty for zeros.</param>
    /// <param name="c0">Initial cell states shaped as <paramref name="cN"/>, or empty for zeros. May be the same span as <paramref name="cN"/>.</param>
    /// <param name="workspace">Scratch memory; null uses one kept per thread.</param>
    /// <exception cref="InvalidOperationException">The model is not an LSTM.</exception>
    public void Forward(
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        Span<float> cN,
        int batch,
        int seqLen,
        SequenceLayout layout,
        ReadOnlySpan<float> h0 = default,
        ReadOnlySpan<float> c0 = default,
        RnnWorkspace? workspace = null)
        => Forward<RuntimeStepKernel>(input, output, hN, cN, batch, seqLen, layout, h0, c0, workspace);

    /// <summary>
    /// Runs one LSTM time step for a batch of streams whose hidden and cell states the caller keeps.
    /// </summary>
    /// <param name="input">This step's input: (batch, input).</param>
    /// <param name="state">h of every layer: (layers, batch, proj_size or hidden), read and overwritten.</param>
    /// <param name="cellState">c of every layer: (layers, batch, hidden), read and overwritten.</param>
    /// <param name="output">Receives the last layer's h_t: (batch, proj_size or hidden).</param>
    /// <param name="batch">Streams stepped together.</param>
    /// <param name="workspace">Scratch memory; null uses one kept per thread.</param>
    public void Step(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch = 1, RnnWorkspace? workspace = null)
        => Step<RuntimeStepKernel>(input, state, cellState, output, batch, workspace);

    /// <summary>
    /// Runs one time step for a batch of streams whose state the caller keeps, as PyTorch's
    /// <c>output, state = model(x.unsqueeze(1), state)</c>: for audio, sensors, anything that arrives a step at a time.
    /// Only unidirectional models can stream (a backward direction needs the whole sequence).
    /// </summary>
    /// <param name="input">This step's input: (batch, input).</param>
    /// <param name="state">The hidden state of every layer: (layers, batch, hidden). Read as h_{t−1}, overwritten with h_t. Zeros to start.</param>
    /// <param name="output">Receives the last layer's h_t: (batch, hidden).</param>
    /// <param name="batch">Streams stepped together.</param>
    /// <param name="workspace">Scratch memory; null uses one kept per thread.</param>
    /// <exception cref="InvalidOperationException">The model is bidirectional.</exception>
    /// <exception cref="ArgumentException">A span's length does not fit the shape, or the spans overlap.</exception>
    public void Step(ReadOnlySpan<float> input, Span<float> state, Span<float> output, int batch = 1, RnnWorkspace? workspace = null)
        => Step<RuntimeStepKernel>(input, state, output, batch, workspace);

    /// <summary>Forward over a given step kernel: the entry point of generated, fixed-size models.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Forward<TKernel>(
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        int batch,
        int seqLen,
        SequenceLayout layout,
        ReadOnlySpan<float> h0,
        RnnWorkspace? workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        SequenceShape shape = ForwardValidation.Validate(Architecture, input, output, hN, h0, batch, seqLen, layout);
        RecurrentDriver.Forward<TKernel>(this, input, output, hN, default, h0, default, shape, lengths: default, workspace ?? RnnWorkspace.ThreadDefault);
    }

    /// <summary>Forward with cell states over a given step kernel: the entry point of generated LSTM models.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Forward<TKernel>(
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        Span<float> cN,
        int batch,
        int seqLen,
        SequenceLayout layout,
        ReadOnlySpan<float> h0,
        ReadOnlySpan<float> c0,
        RnnWorkspace? workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        SequenceShape shape = ValidateLstmForward(input, output, hN, cN, batch, seqLen, layout, h0, c0);
        RecurrentDriver.Forward<TKernel>(this, input, output, hN, cN, h0, c0, shape, lengths: default, workspace ?? RnnWorkspace.ThreadDefault);
    }

    /// <summary>The checks of an LSTM forward pass with cell states (shared by the overloads with and without lengths).</summary>
    private SequenceShape ValidateLstmForward(
        ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0)
    {
        if (Architecture.Cell != RnnCell.Lstm)
        {
            throw new InvalidOperationException($"Cell states (cN, c0) belong to LSTMs, but this model is {Architecture}. Use the overload without them.");
        }

        SequenceShape shape = ForwardValidation.Validate(Architecture, input, output, hN, h0, batch, seqLen, layout);
        ForwardValidation.ValidateCellState(Architecture, cN, c0, batch, layout, input, output, hN, h0);
        return shape;
    }

    /// <summary>LSTM step over a given step kernel: the entry point of generated LSTM models.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Step<TKernel>(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace? workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        if (_singleLayerStep is { } fast
            && (batch == 1 ? fast.TryStep(input, state, cellState, output) : fast.TryStepRows(input, state, cellState, output, batch, workspace)))
        {
            return;
        }

        RequireStreamable(state, batch);
        if (Architecture.Cell != RnnCell.Lstm)
        {
            throw new InvalidOperationException($"A cell state belongs to LSTMs, but this model is {Architecture}. Use the Step overload without cellState.");
        }

        if (batch > 0 && cellState.Length != (long)Architecture.NumLayers * batch * Architecture.HiddenSize)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"cellState must hold layers {Architecture.NumLayers} × batch {batch} × hidden {Architecture.HiddenSize} = {(long)Architecture.NumLayers * batch * Architecture.HiddenSize} floats, but has {cellState.Length}."),
                nameof(cellState));
        }

        ValidateStep(input, state, output, batch);
        ForwardValidation.ValidateCellState(Architecture, cellState, default, batch, SequenceLayout.BatchFirst, input, output, state, default);
        StreamingStep.Run<TKernel>(this, input, state, cellState, output, batch, workspace ?? RnnWorkspace.ThreadDefault);
    }

    /// <summary>Step over a given step kernel: the entry point of generated, fixed-size models.</summary>
    [EditorBrowsable(EditorBrowsableState.Never)]
    public void Step<TKernel>(ReadOnlySpan<float> input, Span<float> state, Span<float> output, int batch, RnnWorkspace? workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        if (_singleLayerStep is { } fast
            && (batch == 1 ? fast.TryStep(input, state, output, workspace) : fast.TryStepRows(input, state, default, output, batch, workspace)))
        {
            return;
        }

        RequireStreamable(state, batch);
        if (Architecture.Cell == RnnCell.Lstm)
        {
            throw new InvalidOperationException($"{Architecture} is an LSTM: its step carries a cell state too. Use the Step overload with cellState.");
        }

        ValidateStep(input, state, output, batch);
        StreamingStep.Run<TKernel>(this, input, state, default, output, batch, workspace ?? RnnWorkspace.ThreadDefault);
    }

    /// <summary>
    /// Step's checks: those of a forward pass over one time step whose initial and final states are one buffer
    /// (the state, updated in place), with the messages naming Forward's arguments where Step has the same ones.
    /// </summary>
    private void ValidateStep(ReadOnlySpan<float> input, ReadOnlySpan<float> state, ReadOnlySpan<float> output, int batch)
        => _ = ForwardValidation.Validate(Architecture, input, output, state, state, batch, 1, SequenceLayout.BatchFirst);

    private void RequireStreamable(ReadOnlySpan<float> state, int batch)
    {
        if (Architecture.Bidirectional)
        {
            throw new InvalidOperationException($"Step runs one time step of a unidirectional model, but {Architecture} is bidirectional: its backward direction needs the whole sequence. Use Forward.");
        }

        // Name Step's own argument; Forward's checks cover the rest.
        long stateLength = (long)Architecture.NumLayers * batch * Architecture.StateSize;
        if (batch > 0 && state.Length != stateLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"state must hold layers {Architecture.NumLayers} × batch {batch} × hidden {Architecture.StateSize} = {stateLength} floats, but has {state.Length}."),
                nameof(state));
        }
    }
}
