using HighPerfRnn.Streaming;

namespace HighPerfRnn;

public sealed partial class RnnStreamSet
{
    /// <summary>
    /// The floats of one stream's state as <see cref="CopyState"/> lays it out: h of every layer (layers × state size),
    /// then, for an LSTM, c of every layer (layers × hidden).
    /// </summary>
    public int StateLength => _hiddenLength + _cellLength;

    /// <summary>
    /// The bytes of one stream's snapshot (<see cref="WriteSnapshot"/>): a 48-byte header (format version, the model's
    /// shape, a fingerprint of its weights), then the state's floats. Small enough for <c>stackalloc</c> in most models.
    /// </summary>
    public int SnapshotByteCount => StreamStateSnapshot.ByteCount(StateLength);

    /// <summary>Copies a stream's state (h, and c for an LSTM, of every layer) to <paramref name="destination"/>.</summary>
    /// <param name="stream">An open stream of this set.</param>
    /// <param name="destination"><see cref="StateLength"/> floats, laid out as <see cref="StateLength"/> says.</param>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not open in this set, or <paramref name="destination"/> has another length.</exception>
    public void CopyState(RnnStreamHandle stream, Span<float> destination)
    {
        int slot = Resolve(stream, nameof(stream), -1);
        RequireStateLength(destination, nameof(destination));
        _hidden.AsSpan(slot * _hiddenLength, _hiddenLength).CopyTo(destination);
        _cell.AsSpan(slot * _cellLength, _cellLength).CopyTo(destination[_hiddenLength..]);
    }

    /// <summary>Sets a stream's state (h, and c for an LSTM, of every layer), as <see cref="CopyState"/> gave it, from this set or another of the same model.</summary>
    /// <param name="stream">An open stream of this set.</param>
    /// <param name="state"><see cref="StateLength"/> floats.</param>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not open in this set, or <paramref name="state"/> has another length.</exception>
    public void SetState(RnnStreamHandle stream, ReadOnlySpan<float> state)
    {
        int slot = Resolve(stream, nameof(stream), -1);
        RequireStateLength(state, nameof(state));
        state[.._hiddenLength].CopyTo(_hidden.AsSpan(slot * _hiddenLength, _hiddenLength));
        state[_hiddenLength..].CopyTo(_cell.AsSpan(slot * _cellLength, _cellLength));
    }

    /// <summary>
    /// Writes a stream's state as bytes that any set of the same model (same architecture and weights), in this process
    /// or another, on this machine or another, can restore with <see cref="RestoreSnapshot"/> or
    /// <see cref="OpenFromSnapshot"/>: to move a stream behind a load balancer or between actors, or to keep it.
    /// </summary>
    /// <param name="stream">An open stream of this set.</param>
    /// <param name="destination">At least <see cref="SnapshotByteCount"/> bytes.</param>
    /// <returns>The bytes written: <see cref="SnapshotByteCount"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not open in this set, or <paramref name="destination"/> is too short.</exception>
    public int WriteSnapshot(RnnStreamHandle stream, Span<byte> destination)
    {
        int slot = Resolve(stream, nameof(stream), -1);
        int length = SnapshotByteCount;
        if (destination.Length < length)
        {
            throw new ArgumentException(Invariant($"destination must hold at least SnapshotByteCount = {length} bytes, but has {destination.Length}."), nameof(destination));
        }

        StreamStateSnapshot.Write(Model, _hidden.AsSpan(slot * _hiddenLength, _hiddenLength), _cell.AsSpan(slot * _cellLength, _cellLength), destination);
        return length;
    }

    /// <summary>A stream's snapshot in a new array (which allocates; <see cref="WriteSnapshot"/> writes into yours).</summary>
    /// <exception cref="ArgumentException"><paramref name="stream"/> is not open in this set.</exception>
    public byte[] CreateSnapshot(RnnStreamHandle stream)
    {
        var bytes = new byte[SnapshotByteCount];
        WriteSnapshot(stream, bytes);
        return bytes;
    }

    /// <summary>Sets a stream's state from a snapshot written by a set of the same model (see <see cref="WriteSnapshot"/>).</summary>
    /// <param name="stream">An open stream of this set.</param>
    /// <param name="snapshot">Exactly the bytes <see cref="WriteSnapshot"/> wrote.</param>
    /// <exception cref="ArgumentException">
    /// <paramref name="stream"/> is not open in this set, or <paramref name="snapshot"/> is not a snapshot of this set's
    /// model: not a snapshot, a newer format version, another architecture, other weights, or another length (the
    /// message shows what it holds and what was expected). The stream's state is then unchanged.
    /// </exception>
    public void RestoreSnapshot(RnnStreamHandle stream, ReadOnlySpan<byte> snapshot)
    {
        int slot = Resolve(stream, nameof(stream), -1);
        StreamStateSnapshot.Validate(Model, snapshot, StateLength, nameof(snapshot));
        StreamStateSnapshot.Read(snapshot, _hidden.AsSpan(slot * _hiddenLength, _hiddenLength), _cell.AsSpan(slot * _cellLength, _cellLength));
    }

    /// <summary>Opens a stream whose state is a snapshot's: a stream moved here from another set, process or machine.</summary>
    /// <param name="snapshot">Exactly the bytes <see cref="WriteSnapshot"/> wrote.</param>
    /// <exception cref="ArgumentException"><paramref name="snapshot"/> is not a snapshot of this set's model (nothing is opened then).</exception>
    /// <exception cref="InvalidOperationException">All <see cref="Capacity"/> streams are open.</exception>
    public RnnStreamHandle OpenFromSnapshot(ReadOnlySpan<byte> snapshot)
    {
        StreamStateSnapshot.Validate(Model, snapshot, StateLength, nameof(snapshot));
        RnnStreamHandle stream = Open();
        StreamStateSnapshot.Read(snapshot, _hidden.AsSpan(stream.Slot * _hiddenLength, _hiddenLength), _cell.AsSpan(stream.Slot * _cellLength, _cellLength));
        return stream;
    }

    private void RequireStateLength(ReadOnlySpan<float> span, string name)
    {
        if (span.Length != StateLength)
        {
            throw new ArgumentException(StateLengthMessage(name, Model.Architecture, span.Length), name);
        }
    }
}
