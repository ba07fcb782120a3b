using System.Globalization;
using HighPerfRnn.Streaming;

namespace HighPerfRnn;

/// <summary>
/// Many live streams of one model (a voice service's connections, a sensor fleet, an audio host's channels), each
/// with its state kept here between chunks: open a stream, step any subset of the open streams together in one batched
/// call, advance one stream by a chunk of several steps, copy a stream's state out or restore it (also as bytes, to
/// move it to another process or machine), and close it.
/// </summary>
/// <remarks>
/// <para>
/// The capacity is fixed at construction, where every buffer is allocated: after that, no call allocates (a chunk
/// longer than the <c>maxChunkSteps</c> given at construction grows the set's scratch once, as
/// <see cref="RnnModel.Forward(ReadOnlySpan{float}, Span{float}, Span{float}, int, int, SequenceLayout, ReadOnlySpan{float}, RnnWorkspace?)"/> does).
/// </para>
/// <para>
/// A stream's results do not depend on which streams share its calls: the library sums in one order at every batch
/// size (<see cref="Numerics"/>), so a stream stepped here, alone or with any others, in any order, gives the bits of
/// running it alone through <see cref="RnnModel.Forward(ReadOnlySpan{float}, Span{float}, Span{float}, int, int, SequenceLayout, ReadOnlySpan{float}, RnnWorkspace?)"/>.
/// </para>
/// <para>
/// Use a set from one thread at a time (it owns its scratch); a model may be shared by any number of sets on any
/// threads. A declared (<c>[RnnModel]</c>) model's set is made from its <c>Runtime</c> model. Bidirectional models
/// cannot stream and are refused.
/// </para>
/// </remarks>
public sealed partial class RnnStreamSet
{
    private static int s_lastSetId;

    /// <summary>Tells this set's handles from other sets' (never 0, which is <c>default</c>'s).</summary>
    private readonly int _setId;

    private readonly int _inputSize;
    private readonly int _outputSize;

    /// <summary>Floats of h per stream: layers × state size.</summary>
    private readonly int _hiddenLength;

    /// <summary>Floats of c per stream: layers × hidden for an LSTM, else 0.</summary>
    private readonly int _cellLength;

    /// <summary>
    /// Every slot's h, slot after slot, each (layers, state size): one stream's state is one contiguous run, which a
    /// chunk's Forward (batch 1) and a snapshot use as they are. For one-layer models it is also Step's (batch, state
    /// size) layout, so a call over consecutive slots steps them where they lie.
    /// </summary>
    private readonly float[] _hidden;

    /// <summary>Every slot's c (LSTM), laid out as <see cref="_hidden"/>; empty for other cells.</summary>
    private readonly float[] _cell;

    /// <summary>Step's (layers, streams, state size) h of the streams of one call, gathered from their slots and scattered back.</summary>
    private readonly float[] _gatheredHidden;

    /// <summary>Step's (layers, streams, hidden) c, as <see cref="_gatheredHidden"/>.</summary>
    private readonly float[] _gatheredCell;

    /// <summary>The generation of each slot's current or last stream (0: never opened).</summary>
    private readonly int[] _generation;

    private readonly bool[] _isOpen;

    /// <summary>A stack of the free slots: at first the lowest on top, so a fresh set fills slots 0, 1, 2… in order.</summary>
    private readonly int[] _freeSlots;
    private int _freeCount;

    /// <summary>The slots of the streams of the current Step call, in the caller's order.</summary>
    private readonly int[] _callSlots;

    /// <summary>Per slot, the last call that named it and where in that call's list: finds a stream named twice without clearing anything per call.</summary>
    private readonly int[] _callMark;
    private readonly int[] _callPosition;
    private int _currentCall;

    /// <summary>The state streams open and reset to: the rest state's h and c, or null for zeros.</summary>
    private readonly float[]? _initialState;

    /// <summary>This set's scratch (a set is used by one thread at a time, so it keeps its own).</summary>
    private readonly RnnWorkspace _workspace = new();

    /// <summary>
    /// Makes a set of up to <paramref name="capacity"/> open streams of <paramref name="model"/>, allocating all its
    /// memory now (and warming the model's step at every batch up to the capacity, so no call allocates later).
    /// </summary>
    /// <param name="model">The model every stream runs; unidirectional. Shared: it may serve other sets on other threads.</param>
    /// <param name="capacity">The most streams open at once.</param>
    /// <param name="restState">
    /// The state streams open and reset to (see <see cref="RnnRestState"/>); null for zeros. It must be a state of
    /// <paramref name="model"/> (the same instance, or one with the same architecture and weights).
    /// </param>
    /// <param name="maxChunkSteps">
    /// The longest chunk the <c>Forward</c> overloads will be given (one stream, or several with their own lengths), whose scratch is allocated now; 0 if chunks are not used.
    /// A longer chunk still runs, growing the scratch once.
    /// </param>
    /// <exception cref="ArgumentException"><paramref name="model"/> is bidirectional, or <paramref name="restState"/> belongs to another model.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is not positive or too large for its state to fit one array, or <paramref name="maxChunkSteps"/> is negative.</exception>
    public RnnStreamSet(RnnModel model, int capacity, RnnRestState? restState = null, int maxChunkSteps = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        ArgumentOutOfRangeException.ThrowIfNegative(maxChunkSteps);
        RnnArchitecture architecture = model.Architecture;
        RequireStreamable(architecture, nameof(model));
        if (restState is not null && !IsSameModel(restState.Model, model))
        {
            throw new ArgumentException(
                Invariant($"restState is a state of {restState.Model.Architecture} with weights fingerprint {Convert.ToHexString(restState.Model.WeightsFingerprint)}, but the set's model is {architecture} with {Convert.ToHexString(model.WeightsFingerprint)}; compute it from this model."),
                nameof(restState));
        }

        Model = model;
        Capacity = capacity;
        RestState = restState;
        _setId = Interlocked.Increment(ref s_lastSetId);
        _inputSize = architecture.InputSize;
        _outputSize = architecture.OutputSize;
        _hiddenLength = architecture.NumLayers * architecture.StateSize;
        _cellLength = architecture.Cell == RnnCell.Lstm ? architecture.NumLayers * architecture.HiddenSize : 0;
        long largest = (long)capacity * Math.Max(Math.Max(_hiddenLength, _inputSize), Math.Max(_outputSize, _cellLength));
        if (largest > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(capacity), capacity, Invariant($"{capacity} streams of {architecture} need {largest} floats in one array, more than .NET allows ({Array.MaxLength}); use several sets."));
        }

        long chunkFloats = (long)maxChunkSteps * Math.Max(_inputSize, _outputSize);
        if (chunkFloats > Array.MaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(maxChunkSteps), maxChunkSteps, Invariant($"A chunk of {maxChunkSteps} steps of {architecture} needs {chunkFloats} floats in one array, more than .NET allows ({Array.MaxLength}); use shorter chunks."));
        }

        _hidden = new float[capacity * _hiddenLength];
        _cell = new float[capacity * _cellLength];
        _gatheredHidden = new float[capacity * _hiddenLength];
        _gatheredCell = new float[capacity * _cellLength];
        _generation = new int[capacity];
        _isOpen = new bool[capacity];
        _freeSlots = new int[capacity];
        for (int i = 0; i < capacity; i++)
        {
            _freeSlots[i] = capacity - 1 - i;
        }

        _freeCount = capacity;
        _callSlots = new int[capacity];
        _callMark = new int[capacity];
        _callPosition = new int[capacity];
        _initialState = restState?.State.ToArray();
        WarmUp(maxChunkSteps);
    }

    /// <summary>The model every stream of the set runs.</summary>
    public RnnModel Model { get; }

    /// <summary>The most streams open at once.</summary>
    public int Capacity { get; }

    /// <summary>The streams open now.</summary>
    public int OpenCount => Capacity - _freeCount;

    /// <summary>The state streams open and reset to; null for zeros.</summary>
    public RnnRestState? RestState { get; }

    /// <summary>The floats of scratch the set holds now (for tests: it must not grow in calls the construction warmed).</summary>
    internal int ScratchCapacity => _workspace.Capacity;

    /// <summary>
    /// Opens a stream, its state at the set's <see cref="RestState"/> (or zeros), in a free slot: a fresh set fills
    /// slots 0, 1, 2… in order (so one-layer models step them in place), and the slot closed last is reused first.
    /// </summary>
    /// <exception cref="InvalidOperationException">All <see cref="Capacity"/> streams are open.</exception>
    public RnnStreamHandle Open()
    {
        if (_freeCount == 0)
        {
            throw new InvalidOperationException(Invariant($"All {Capacity} streams of this set are open: close one first, or make a set with a larger capacity."));
        }

        int slot = _freeSlots[--_freeCount];
        // Generations count up from 1 (0 is default's) and skip 0 if they ever wrap.
        int generation = _generation[slot] == int.MaxValue ? 1 : _generation[slot] + 1;
        _generation[slot] = generation;
        _isOpen[slot] = true;
        ResetSlot(slot);
        return new RnnStreamHandle(_setId, slot, generation);
    }

    /// <summary>Closes a stream; its slot is free for another, and its handle is refused from now on.</summary>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not an open stream of this set.</exception>
    public void Close(RnnStreamHandle stream)
    {
        int slot = Resolve(stream, nameof(stream), -1);
        _isOpen[slot] = false;
        _freeSlots[_freeCount++] = slot;
    }

    /// <summary>Puts a stream's state back to the set's <see cref="RestState"/> (or zeros), as if just opened; its handle stays valid.</summary>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not an open stream of this set.</exception>
    public void Reset(RnnStreamHandle stream) => ResetSlot(Resolve(stream, nameof(stream), -1));

    /// <summary>Whether <paramref name="stream"/> is open in this set (false for a closed stream, another set's, or <c>default</c>).</summary>
    public bool IsOpen(RnnStreamHandle stream)
        => stream.SetId == _setId && (uint)stream.Slot < (uint)Capacity && _isOpen[stream.Slot] && _generation[stream.Slot] == stream.Generation;

    /// <summary>The floats of one stream's state (h of every layer, then c of every layer for an LSTM).</summary>
    internal static int StateLengthOf(RnnArchitecture architecture)
        => (architecture.NumLayers * architecture.StateSize) + (architecture.Cell == RnnCell.Lstm ? architecture.NumLayers * architecture.HiddenSize : 0);

    internal static string StateLengthMessage(string name, RnnArchitecture architecture, int actual)
    {
        string cell = architecture.Cell == RnnCell.Lstm ? Invariant($" + c: layers {architecture.NumLayers} × hidden {architecture.HiddenSize}") : string.Empty;
        return Invariant($"{name} must hold h: layers {architecture.NumLayers} × state size {architecture.StateSize}{cell} = {StateLengthOf(architecture)} floats, but has {actual}.");
    }

    /// <summary>Refuses a bidirectional model: its backward direction needs the whole sequence, so it cannot stream.</summary>
    internal static void RequireStreamable(RnnArchitecture architecture, string parameterName)
    {
        if (architecture.Bidirectional)
        {
            throw new ArgumentException(
                $"{parameterName} is {architecture}, which is bidirectional: its backward direction needs the whole sequence, so it cannot stream. Use a unidirectional model, or Forward over whole sequences.",
                parameterName);
        }
    }

    private static bool IsSameModel(RnnModel first, RnnModel second)
        => ReferenceEquals(first, second)
            || (first.Architecture.Equals(second.Architecture) && first.WeightsFingerprint.SequenceEqual(second.WeightsFingerprint));

    private void ResetSlot(int slot)
    {
        Span<float> hidden = _hidden.AsSpan(slot * _hiddenLength, _hiddenLength);
        Span<float> cell = _cell.AsSpan(slot * _cellLength, _cellLength);
        if (_initialState is null)
        {
            hidden.Clear();
            cell.Clear();
            return;
        }

        _initialState.AsSpan(0, _hiddenLength).CopyTo(hidden);
        _initialState.AsSpan(_hiddenLength, _cellLength).CopyTo(cell);
    }

    /// <summary>
    /// The slot of an open stream of this set, or an <see cref="ArgumentException"/> for <paramref name="name"/>
    /// (at <paramref name="position"/> in a list, or -1) saying what the handle is instead.
    /// </summary>
    private int Resolve(RnnStreamHandle stream, string name, int position)
    {
        if (!IsOpen(stream))
        {
            throw NotOpen(stream, name, position);
        }

        return stream.Slot;
    }

    private ArgumentException NotOpen(RnnStreamHandle stream, string name, int position)
    {
        string which = position < 0 ? name : Invariant($"{name}[{position}]");
        string what;
        if (stream.SetId == 0)
        {
            what = "is default: no stream (handles come from Open)";
        }
        else if (stream.SetId != _setId || (uint)stream.Slot >= (uint)Capacity)
        {
            what = Invariant($"({stream}) was opened by another set");
        }
        else if (_generation[stream.Slot] != stream.Generation)
        {
            string now = _isOpen[stream.Slot] ? "holds another stream" : "is free";
            what = Invariant($"({stream}) was closed: slot {stream.Slot} has since been reopened (generation {_generation[stream.Slot]}) and {now}");
        }
        else
        {
            what = Invariant($"({stream}) was closed");
        }

        return new ArgumentException(Invariant($"{which} {what}; expected an open stream of this set."), name);
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
