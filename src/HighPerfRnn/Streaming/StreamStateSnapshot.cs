using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace HighPerfRnn.Streaming;

/// <summary>
/// The byte format of one stream's state, as <see cref="RnnStreamSet.WriteSnapshot"/> writes it: a 48-byte header,
/// then the state's floats. Everything little-endian, so the bytes mean the same on every machine.
/// </summary>
/// <remarks>
/// <code>
/// offset  size  field
///      0     4  magic "HRNS"
///      4     2  format version (1)
///      6     1  cell (0 RNN, 1 LSTM, 2 GRU)
///      7     1  nonlinearity (0 tanh, 1 relu)
///      8     4  input_size
///     12     4  hidden_size
///     16     4  proj_size (0 for none)
///     20     4  num_layers
///     24     1  flags: bit 0 = bias
///     25     3  zero
///     28     4  state floats that follow
///     32    16  weights fingerprint (SHA-256 of the state_dict, first 16 bytes)
///     48   4·n  h of every layer (layers × state size), then c of every layer for an LSTM (layers × hidden)
/// </code>
/// A reader refuses any other magic, a newer version, another shape or other weights, naming what it found and what
/// it expected; an older version would be read by a later library.
/// </remarks>
internal static class StreamStateSnapshot
{
    public const ushort FormatVersion = 1;

    public const int HeaderLength = 48;

    private static ReadOnlySpan<byte> Magic => "HRNS"u8;

    public static int ByteCount(int stateFloats) => HeaderLength + (stateFloats * sizeof(float));

    public static void Write(RnnModel model, ReadOnlySpan<float> hidden, ReadOnlySpan<float> cell, Span<byte> destination)
    {
        RnnArchitecture architecture = model.Architecture;
        destination[..HeaderLength].Clear();
        Magic.CopyTo(destination);
        BinaryPrimitives.WriteUInt16LittleEndian(destination[4..], FormatVersion);
        destination[6] = (byte)architecture.Cell;
        destination[7] = (byte)architecture.Nonlinearity;
        BinaryPrimitives.WriteInt32LittleEndian(destination[8..], architecture.InputSize);
        BinaryPrimitives.WriteInt32LittleEndian(destination[12..], architecture.HiddenSize);
        BinaryPrimitives.WriteInt32LittleEndian(destination[16..], architecture.ProjSize);
        BinaryPrimitives.WriteInt32LittleEndian(destination[20..], architecture.NumLayers);
        destination[24] = architecture.Bias ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteInt32LittleEndian(destination[28..], hidden.Length + cell.Length);
        model.WeightsFingerprint.CopyTo(destination[32..]);
        WriteFloats(hidden, destination.Slice(HeaderLength, hidden.Length * sizeof(float)));
        WriteFloats(cell, destination.Slice(HeaderLength + (hidden.Length * sizeof(float)), cell.Length * sizeof(float)));
    }

    /// <summary>
    /// Reads the floats of a snapshot that <see cref="Validate"/> accepted into <paramref name="hidden"/> and
    /// <paramref name="cell"/> (empty unless an LSTM).
    /// </summary>
    public static void Read(ReadOnlySpan<byte> snapshot, Span<float> hidden, Span<float> cell)
    {
        ReadFloats(snapshot.Slice(HeaderLength, hidden.Length * sizeof(float)), hidden);
        ReadFloats(snapshot.Slice(HeaderLength + (hidden.Length * sizeof(float)), cell.Length * sizeof(float)), cell);
    }

    private static void WriteFloats(ReadOnlySpan<float> values, Span<byte> destination)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(destination);
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(destination[(i * sizeof(float))..], values[i]);
        }
    }

    private static void ReadFloats(ReadOnlySpan<byte> source, Span<float> values)
    {
        if (BitConverter.IsLittleEndian)
        {
            source.CopyTo(MemoryMarshal.AsBytes(values));
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(source[(i * sizeof(float))..]);
        }
    }

    /// <summary>
    /// Checks that <paramref name="snapshot"/> is a state of <paramref name="model"/>: header, version, shape, weights,
    /// length. Fails with an <see cref="ArgumentException"/> for <paramref name="parameterName"/> that says what the
    /// bytes are and what was expected.
    /// </summary>
    public static void Validate(RnnModel model, ReadOnlySpan<byte> snapshot, int stateFloats, string parameterName)
    {
        RnnArchitecture expected = model.Architecture;
        if (snapshot.Length < HeaderLength)
        {
            throw new ArgumentException(
                Invariant($"{parameterName} holds {snapshot.Length} bytes, too few for a stream-state snapshot (a {HeaderLength}-byte header, then the state); this set's snapshots are {ByteCount(stateFloats)} bytes."),
                parameterName);
        }

        if (!snapshot[..4].SequenceEqual(Magic))
        {
            throw new ArgumentException(
                Invariant($"{parameterName} is not a HighPerfRnn stream-state snapshot: it starts with {Convert.ToHexString(snapshot[..4])}, expected {Convert.ToHexString(Magic)} (\"HRNS\")."),
                parameterName);
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(snapshot[4..]);
        if (version != FormatVersion)
        {
            string why = version > FormatVersion ? "a newer HighPerfRnn wrote it" : "no HighPerfRnn writes it";
            throw new ArgumentException(
                Invariant($"{parameterName} has snapshot format version {version}, but this library reads version {FormatVersion} ({why})."),
                parameterName);
        }

        byte cell = snapshot[6];
        byte nonlinearity = snapshot[7];
        int inputSize = BinaryPrimitives.ReadInt32LittleEndian(snapshot[8..]);
        int hiddenSize = BinaryPrimitives.ReadInt32LittleEndian(snapshot[12..]);
        int projSize = BinaryPrimitives.ReadInt32LittleEndian(snapshot[16..]);
        int numLayers = BinaryPrimitives.ReadInt32LittleEndian(snapshot[20..]);
        bool bias = (snapshot[24] & 1) != 0;
        if (cell != (byte)expected.Cell || nonlinearity != (byte)expected.Nonlinearity || inputSize != expected.InputSize || hiddenSize != expected.HiddenSize
            || projSize != expected.ProjSize || numLayers != expected.NumLayers || bias != expected.Bias)
        {
            string written = Describe(cell, nonlinearity, inputSize, hiddenSize, projSize, numLayers, bias);
            throw new ArgumentException(
                Invariant($"{parameterName} is the state of {written}, but this set's model is {expected}; restore it into a set of the model that wrote it."),
                parameterName);
        }

        ReadOnlySpan<byte> fingerprint = snapshot.Slice(32, WeightsFingerprint.Length);
        if (!fingerprint.SequenceEqual(model.WeightsFingerprint))
        {
            throw new ArgumentException(
                Invariant($"{parameterName} is the state of a {expected} with other weights: weights fingerprint {Convert.ToHexString(fingerprint)}, but this set's model has {Convert.ToHexString(model.WeightsFingerprint)}; restore it into a set of the model that wrote it."),
                parameterName);
        }

        int floats = BinaryPrimitives.ReadInt32LittleEndian(snapshot[28..]);
        if (floats != stateFloats || snapshot.Length != ByteCount(stateFloats))
        {
            throw new ArgumentException(
                Invariant($"{parameterName} must hold header {HeaderLength} + 4 × {stateFloats} state floats = {ByteCount(stateFloats)} bytes, but its header counts {floats} floats and it holds {snapshot.Length} bytes."),
                parameterName);
        }
    }

    /// <summary>The model a header describes, as PyTorch's constructor when the fields make one, else field by field.</summary>
    private static string Describe(byte cell, byte nonlinearity, int inputSize, int hiddenSize, int projSize, int numLayers, bool bias)
    {
        try
        {
            return new RnnArchitecture((RnnCell)cell, inputSize, hiddenSize, numLayers, bidirectional: false, bias, (RnnNonlinearity)nonlinearity, projSize).ToString();
        }
        catch (ArgumentException)
        {
            return Invariant($"a model of cell {cell}, nonlinearity {nonlinearity}, input {inputSize}, hidden {hiddenSize}, proj {projSize}, layers {numLayers}, bias {bias} (not a valid architecture)");
        }
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
