namespace HighPerfRnn;

public sealed partial class RnnStreamSet
{
    /// <summary>
    /// Steps the given streams one time step, together: one batched <see cref="RnnModel.Step(ReadOnlySpan{float}, Span{float}, Span{float}, int, RnnWorkspace?)"/>
    /// over their states, which are updated here. Any subset of the open streams, in any order; each at most once.
    /// </summary>
    /// <param name="streams">The streams to step.</param>
    /// <param name="input">Their inputs, in the order of <paramref name="streams"/>: (streams, input size).</param>
    /// <param name="output">Receives their outputs (the last layer's h), in the same order: (streams, output size).</param>
    /// <exception cref="ArgumentException">
    /// A stream is not open in this set (closed, another set's, <c>default</c>) or is named twice, a span's length does
    /// not fit the number of streams, or <paramref name="input"/> and <paramref name="output"/> overlap. Nothing has
    /// changed then.
    /// </exception>
    public void Step(ReadOnlySpan<RnnStreamHandle> streams, ReadOnlySpan<float> input, Span<float> output)
    {
        int count = streams.Length;
        RequireLength(input, nameof(input), nameof(streams), count, "input size", _inputSize);
        RequireLength(output, nameof(output), nameof(streams), count, "output size", _outputSize);
        RequireDisjoint(input, output);
        if (count == 0)
        {
            return;
        }

        int first = ResolveCall(streams, out bool consecutive);
        RnnArchitecture architecture = Model.Architecture;
        if (consecutive && architecture.NumLayers == 1)
        {
            // One layer: the slots' states are already Step's (streams, state size) rows; step them where they lie.
            StepBatch(input, _hidden.AsSpan(first * _hiddenLength, count * _hiddenLength), _cell.AsSpan(first * _cellLength, count * _cellLength), output, count);
            return;
        }

        Span<float> hidden = _gatheredHidden.AsSpan(0, count * _hiddenLength);
        Span<float> cell = _gatheredCell.AsSpan(0, count * _cellLength);
        MoveStates(count, architecture, hidden, cell, gather: true);
        StepBatch(input, hidden, cell, output, count);
        MoveStates(count, architecture, hidden, cell, gather: false);
    }

    /// <summary>
    /// Advances one stream by a chunk of <paramref name="steps"/> time steps from its state (a <c>Forward</c> whose
    /// initial state is the stream's, updated in place): chunked audio or speech. The same bits as stepping it
    /// <paramref name="steps"/> times.
    /// </summary>
    /// <param name="stream">The stream.</param>
    /// <param name="input">The chunk's inputs: (steps, input size).</param>
    /// <param name="output">Receives the chunk's outputs: (steps, output size).</param>
    /// <param name="steps">Time steps in the chunk.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not open in this set, a span's length does not fit <paramref name="steps"/>, or the spans overlap.</exception>
    public void Forward(RnnStreamHandle stream, ReadOnlySpan<float> input, Span<float> output, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        int slot = Resolve(stream, nameof(stream), -1);
        RequireLength(input, nameof(input), nameof(steps), steps, "input size", _inputSize);
        RequireLength(output, nameof(output), nameof(steps), steps, "output size", _outputSize);
        RequireDisjoint(input, output);
        ForwardChunk(input, output, _hidden.AsSpan(slot * _hiddenLength, _hiddenLength), _cell.AsSpan(slot * _cellLength, _cellLength), steps);
    }

    /// <summary>
    /// Advances several streams by chunks of their own lengths, together: one batched <c>Forward</c> with lengths (a ragged
    /// batch, as PyTorch's packed sequences) from their states, which are updated here. Stream i takes
    /// <paramref name="steps"/>[i] time steps; its state ends after its own last step. The same bits as advancing each alone.
    /// </summary>
    /// <param name="streams">The streams to advance: any subset of the open ones, each at most once.</param>
    /// <param name="input">Their chunks, padded to <paramref name="maxSteps"/>: (streams, maxSteps, input size); rows past a stream's steps are not read.</param>
    /// <param name="output">Receives their outputs: (streams, maxSteps, output size), zeros past each stream's steps.</param>
    /// <param name="steps">Each stream's steps in this call, in [1, maxSteps].</param>
    /// <param name="maxSteps">The padded chunk length.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxSteps"/> is not positive.</exception>
    /// <exception cref="ArgumentException">A stream is not open in this set or is named twice, a count of steps is out of range or their number is not the number of streams, a span's length does not fit, or the spans overlap. Nothing has changed then.</exception>
    public void Forward(ReadOnlySpan<RnnStreamHandle> streams, ReadOnlySpan<float> input, Span<float> output, ReadOnlySpan<int> steps, int maxSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSteps);
        int count = streams.Length;
        if (steps.Length != count)
        {
            throw new ArgumentException(Invariant($"steps must hold one count per stream, {count}, but has {steps.Length}."), nameof(steps));
        }

        for (int i = 0; i < count; i++)
        {
            if (steps[i] < 1 || steps[i] > maxSteps)
            {
                throw new ArgumentException(Invariant($"steps[{i}] is {steps[i]}, but each must be between 1 and maxSteps {maxSteps}."), nameof(steps));
            }
        }

        RequireLength(input, nameof(input), "streams × maxSteps", count * maxSteps, "input size", _inputSize);
        RequireLength(output, nameof(output), "streams × maxSteps", count * maxSteps, "output size", _outputSize);
        RequireDisjoint(input, output);
        if (count == 0)
        {
            return;
        }

        _ = ResolveCall(streams, out _);
        RnnArchitecture architecture = Model.Architecture;
        Span<float> hidden = _gatheredHidden.AsSpan(0, count * _hiddenLength);
        Span<float> cell = _gatheredCell.AsSpan(0, count * _cellLength);
        MoveStates(count, architecture, hidden, cell, gather: true);
        ForwardChunks(input, output, hidden, cell, count, maxSteps, steps);
        MoveStates(count, architecture, hidden, cell, gather: false);
    }

    /// <summary>A ragged Forward of <paramref name="count"/> gathered states, updated in place.</summary>
    private void ForwardChunks(ReadOnlySpan<float> input, Span<float> output, Span<float> hidden, Span<float> cell, int count, int maxSteps, ReadOnlySpan<int> steps)
    {
        if (_cellLength == 0)
        {
            Model.Forward(input, output, hidden, count, maxSteps, steps, SequenceLayout.BatchFirst, hidden, _workspace);
        }
        else
        {
            Model.Forward(input, output, hidden, cell, count, maxSteps, steps, SequenceLayout.BatchFirst, hidden, cell, _workspace);
        }
    }

    /// <summary>A batch-1 Forward whose initial and final states are one stream's (h0 = hN, c0 = cN: updated in place).</summary>
    private void ForwardChunk(ReadOnlySpan<float> input, Span<float> output, Span<float> hidden, Span<float> cell, int steps)
    {
        if (_cellLength == 0)
        {
            Model.Forward(input, output, hidden, 1, steps, SequenceLayout.BatchFirst, hidden, _workspace);
        }
        else
        {
            Model.Forward(input, output, hidden, cell, 1, steps, SequenceLayout.BatchFirst, hidden, cell, _workspace);
        }
    }

    private void StepBatch(ReadOnlySpan<float> input, Span<float> hidden, Span<float> cell, Span<float> output, int count)
    {
        if (_cellLength == 0)
        {
            Model.Step(input, hidden, output, count, _workspace);
        }
        else
        {
            Model.Step(input, hidden, cell, output, count, _workspace);
        }
    }

    /// <summary>
    /// Checks every stream of a call before anything changes (open, this set's, named once) and records their slots in
    /// <see cref="_callSlots"/>. Returns the first slot; <paramref name="consecutive"/> tells whether the slots run
    /// first, first + 1, … in the caller's order.
    /// </summary>
    private int ResolveCall(ReadOnlySpan<RnnStreamHandle> streams, out bool consecutive)
    {
        if (++_currentCall == int.MaxValue)
        {
            // Marks are call numbers: start them over rather than let an old mark match a new call.
            Array.Clear(_callMark);
            _currentCall = 1;
        }

        int first = Resolve(streams[0], nameof(streams), 0);
        consecutive = true;
        for (int i = 0; i < streams.Length; i++)
        {
            int slot = Resolve(streams[i], nameof(streams), i);
            if (_callMark[slot] == _currentCall)
            {
                throw new ArgumentException(
                    Invariant($"streams[{i}] ({streams[i]}) is the same stream as streams[{_callPosition[slot]}]: a call steps each stream once."),
                    nameof(streams));
            }

            _callMark[slot] = _currentCall;
            _callPosition[slot] = i;
            _callSlots[i] = slot;
            consecutive &= slot == first + i;
        }

        return first;
    }

    /// <summary>
    /// Copies the call's streams' states between their slots (layers, state size each) and Step's
    /// (layers, streams, state size) buffers: <paramref name="gather"/> into them, else back.
    /// </summary>
    private void MoveStates(int count, RnnArchitecture architecture, Span<float> hidden, Span<float> cell, bool gather)
    {
        int layers = architecture.NumLayers;
        int stateSize = architecture.StateSize;
        int hiddenSize = architecture.HiddenSize;
        for (int i = 0; i < count; i++)
        {
            int slot = _callSlots[i];
            for (int layer = 0; layer < layers; layer++)
            {
                Move(_hidden.AsSpan((slot * _hiddenLength) + (layer * stateSize), stateSize), hidden.Slice(((layer * count) + i) * stateSize, stateSize), gather);
                if (_cellLength != 0)
                {
                    Move(_cell.AsSpan((slot * _cellLength) + (layer * hiddenSize), hiddenSize), cell.Slice(((layer * count) + i) * hiddenSize, hiddenSize), gather);
                }
            }
        }

        static void Move(Span<float> slotState, Span<float> batchState, bool gather)
        {
            if (gather)
            {
                slotState.CopyTo(batchState);
            }
            else
            {
                batchState.CopyTo(slotState);
            }
        }
    }

    /// <summary>
    /// Runs the model's step once at the capacity and once at one stream, and a chunk of <paramref name="maxChunkSteps"/>,
    /// on scratch states, so the set's scratch is at its largest before the first real call.
    /// </summary>
    private void WarmUp(int maxChunkSteps)
    {
        int rows = Math.Max(Capacity, maxChunkSteps);
        var input = new float[rows * _inputSize];
        var output = new float[rows * _outputSize];
        StepBatch(input.AsSpan(0, Capacity * _inputSize), _gatheredHidden, _gatheredCell, output.AsSpan(0, Capacity * _outputSize), Capacity);
        Span<float> hidden = _gatheredHidden.AsSpan(0, _hiddenLength);
        Span<float> cell = _gatheredCell.AsSpan(0, _cellLength);
        StepBatch(input.AsSpan(0, _inputSize), hidden, cell, output.AsSpan(0, _outputSize), 1);
        if (maxChunkSteps > 0)
        {
            ForwardChunk(input.AsSpan(0, maxChunkSteps * _inputSize), output.AsSpan(0, maxChunkSteps * _outputSize), hidden, cell, maxChunkSteps);
        }

        if (maxChunkSteps > 1 && Capacity > 1)
        {
            // Chunks of several streams: the largest ragged call (all streams, all but one chunk full; all full is a plain Forward).
            var chunkInput = new float[Capacity * maxChunkSteps * _inputSize];
            var chunkOutput = new float[Capacity * maxChunkSteps * _outputSize];
            int[] steps = [.. Enumerable.Repeat(maxChunkSteps, Capacity)];
            ForwardChunks(chunkInput, chunkOutput, _gatheredHidden, _gatheredCell, Capacity, maxChunkSteps, steps);
            steps[0] = maxChunkSteps - 1;
            ForwardChunks(chunkInput, chunkOutput, _gatheredHidden, _gatheredCell, Capacity, maxChunkSteps, steps);
        }
    }

    /// <summary>Requires <paramref name="span"/> to hold <paramref name="rows"/> rows (streams or steps, per <paramref name="rowName"/>) of <paramref name="width"/> floats.</summary>
    private static void RequireLength(ReadOnlySpan<float> span, string name, string rowName, int rows, string widthName, int width)
    {
        long expected = (long)rows * width;
        if (span.Length != expected)
        {
            throw new ArgumentException(Invariant($"{name} must hold {rowName} {rows} × {widthName} {width} = {expected} floats, but has {span.Length}."), name);
        }
    }

    private static void RequireDisjoint(ReadOnlySpan<float> input, ReadOnlySpan<float> output)
    {
        if (input.Overlaps(output))
        {
            throw new ArgumentException("input and output overlap; they must be separate memory.", nameof(input));
        }
    }
}
