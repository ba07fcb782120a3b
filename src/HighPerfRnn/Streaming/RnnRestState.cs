using System.Globalization;

namespace HighPerfRnn;

/// <summary>
/// A model's state at rest: where its streams stand after a while of silence (or of any input you choose), computed
/// once, off the real-time path. An <see cref="RnnStreamSet"/> made with it opens and resets streams to it, so a new or
/// reset stream starts as if it had been listening to silence: no click and no warm-up on the real-time thread.
/// Immutable; one rest state may serve any number of sets of its model.
/// </summary>
public sealed class RnnRestState
{
    private readonly float[] _state;

    private RnnRestState(RnnModel model, float[] state)
    {
        Model = model;
        _state = state;
    }

    /// <summary>The model whose state this is.</summary>
    public RnnModel Model { get; }

    /// <summary>
    /// The state: h of every layer (layers × state size), then, for an LSTM, c of every layer (layers × hidden), as
    /// <see cref="RnnStreamSet.CopyState"/> lays it out.
    /// </summary>
    public ReadOnlySpan<float> State => _state;

    /// <summary>The state after <paramref name="steps"/> steps of zeros from a zero state.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is not positive.</exception>
    /// <exception cref="ArgumentException">The model is bidirectional (it cannot stream).</exception>
    public static RnnRestState AfterSilence(RnnModel model, int steps)
    {
        ArgumentNullException.ThrowIfNull(model);
        return AfterInput(model, new float[model.Architecture.InputSize], steps);
    }

    /// <summary>
    /// The state after <paramref name="steps"/> steps of <paramref name="input"/> from a zero state: either one step's
    /// input (<see cref="RnnArchitecture.InputSize"/> floats, repeated every step: the features of your silence, when they
    /// are not zeros) or the whole sequence (steps × input size floats).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="input"/> has another length, or the model is bidirectional.</exception>
    public static RnnRestState AfterInput(RnnModel model, ReadOnlySpan<float> input, int steps)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        RnnArchitecture architecture = model.Architecture;
        RnnStreamSet.RequireStreamable(architecture, nameof(model));
        int inputSize = architecture.InputSize;
        float[] sequence;
        if (input.Length == inputSize)
        {
            sequence = new float[checked(steps * inputSize)];
            for (int step = 0; step < steps; step++)
            {
                input.CopyTo(sequence.AsSpan(step * inputSize));
            }
        }
        else if (input.Length == (long)steps * inputSize)
        {
            sequence = input.ToArray();
        }
        else
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"input must hold one step (input size {inputSize} floats, repeated) or the whole sequence (steps {steps} × input size {inputSize} = {(long)steps * inputSize} floats), but has {input.Length}."),
                nameof(input));
        }

        int hLength = architecture.NumLayers * architecture.StateSize;
        var state = new float[RnnStreamSet.StateLengthOf(architecture)];
        var output = new float[checked(steps * architecture.OutputSize)];
        if (architecture.Cell == RnnCell.Lstm)
        {
            model.Forward(sequence, output, state.AsSpan(0, hLength), state.AsSpan(hLength), 1, steps, SequenceLayout.BatchFirst);
        }
        else
        {
            model.Forward(sequence, output, state, 1, steps, SequenceLayout.BatchFirst);
        }

        return new RnnRestState(model, state);
    }

    /// <summary>A rest state you computed or saved yourself, laid out as <see cref="State"/>.</summary>
    /// <exception cref="ArgumentException"><paramref name="state"/> has another length, or the model is bidirectional.</exception>
    public static RnnRestState FromState(RnnModel model, ReadOnlySpan<float> state)
    {
        ArgumentNullException.ThrowIfNull(model);
        RnnStreamSet.RequireStreamable(model.Architecture, nameof(model));
        int length = RnnStreamSet.StateLengthOf(model.Architecture);
        if (state.Length != length)
        {
            throw new ArgumentException(RnnStreamSet.StateLengthMessage(nameof(state), model.Architecture, state.Length), nameof(state));
        }

        return new RnnRestState(model, state.ToArray());
    }
}
