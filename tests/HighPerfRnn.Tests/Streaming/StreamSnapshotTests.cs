using HighPerfRnn.Safetensors;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Streaming;

/// <summary>A stream's state out and back in: as floats, as bytes, into another set, through a file; the wrong model's bytes refused.</summary>
public sealed class StreamSnapshotTests
{
    public static TheoryData<RnnCell, int, int, int> Models() => new()
    {
        { RnnCell.Rnn, 3, 8, 2 },
        { RnnCell.Lstm, 4, 16, 2 },
        { RnnCell.Gru, 5, 64, 1 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void A_snapshot_restored_into_another_set_continues_bit_identically(RnnCell cell, int inputSize, int hidden, int layers)
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(cell, inputSize, hidden, layers), seed: 11);
        var random = new Random(2);
        float[] first = RandomModels.Uniform(random, 6 * inputSize, 1f);
        float[] second = RandomModels.Uniform(random, 5 * inputSize, 1f);
        (float[] expected, float[] expectedState) = SoloRun.Forward(model, [.. first, .. second], default);

        var source = new RnnStreamSet(model, 3);
        source.Open();
        RnnStreamHandle stream = source.Open();
        source.Forward(stream, first, new float[6 * hidden], 6);
        byte[] bytes = source.CreateSnapshot(stream);
        Assert.Equal(source.SnapshotByteCount, bytes.Length);

        // Another set, another slot, other streams stepping beside it.
        var target = new RnnStreamSet(model, 5);
        RnnStreamHandle other = target.Open();
        RnnStreamHandle moved = target.OpenFromSnapshot(bytes);
        var output = new float[5 * hidden];
        for (int t = 0; t < 5; t++)
        {
            var x = new float[2 * inputSize];
            second.AsSpan(t * inputSize, inputSize).CopyTo(x.AsSpan(inputSize));
            var y = new float[2 * hidden];
            target.Step([other, moved], x, y);
            y.AsSpan(hidden, hidden).CopyTo(output.AsSpan(t * hidden));
        }

        Bits.AssertEqual(expected.AsSpan(6 * hidden), output, "after restore");
        var state = new float[target.StateLength];
        target.CopyState(moved, state);
        Bits.AssertEqual(expectedState, state, "final state");
    }

    [Fact]
    public void Float_state_round_trips_through_CopyState_and_SetState()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 3, 10, 2, projSize: 4), seed: 5);
        var set = new RnnStreamSet(model, 2);
        Assert.Equal((2 * 4) + (2 * 10), set.StateLength);
        RnnStreamHandle a = set.Open(), b = set.Open();
        set.Forward(a, RandomModels.Uniform(new Random(1), 4 * 3, 1f), new float[4 * 4], 4);
        var state = new float[set.StateLength];
        set.CopyState(a, state);
        set.SetState(b, state);
        var x = new float[] { 0.5f, -0.25f, 1f, 0.5f, -0.25f, 1f };
        var y = new float[2 * 4];
        set.Step([a, b], x, y);
        Bits.AssertEqual(y.AsSpan(0, 4), y.AsSpan(4, 4), "two streams from one state");
    }

    [Fact]
    public void A_snapshot_written_to_a_file_restores_into_a_model_loaded_afresh_from_the_same_weights()
    {
        // The proxy for another process: the bytes and the weights go through files; nothing is shared in memory.
        var architecture = new RnnArchitecture(RnnCell.Gru, 4, 12, 2);
        RnnModel writer = RnnModel.CreateRandom(architecture, seed: 8);
        string directory = Directory.CreateTempSubdirectory("hprnn-streams").FullName;
        try
        {
            string weights = Path.Combine(directory, "gru.safetensors");
            string snapshot = Path.Combine(directory, "stream.bin");
            SafetensorsWriter.Write(weights, writer.StateDict);
            float[] first = RandomModels.Uniform(new Random(3), 7 * 4, 1f);
            float[] second = RandomModels.Uniform(new Random(4), 3 * 4, 1f);
            var source = new RnnStreamSet(writer, 1);
            RnnStreamHandle stream = source.Open();
            source.Forward(stream, first, new float[7 * 12], 7);
            Span<byte> bytes = stackalloc byte[source.SnapshotByteCount];
            source.WriteSnapshot(stream, bytes);
            File.WriteAllBytes(snapshot, bytes.ToArray());

            RnnModel reader = RnnModel.Load(weights);
            var target = new RnnStreamSet(reader, 1);
            RnnStreamHandle restored = target.OpenFromSnapshot(File.ReadAllBytes(snapshot));
            var output = new float[3 * 12];
            target.Forward(restored, second, output, 3);
            (float[] expected, _) = SoloRun.Forward(writer, [.. first, .. second], default);
            Bits.AssertEqual(expected.AsSpan(7 * 12), output, "after the file round trip");
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void A_snapshot_moves_to_a_model_on_another_simd_path_and_continues_bit_identically()
    {
        // Another machine, as far as one machine can play it: the same weights packed for every other SIMD path.
        var architecture = new RnnArchitecture(RnnCell.Lstm, 6, 20, 2, projSize: 9);
        RnnModel writer = RnnModel.CreateRandom(architecture, seed: 12);
        float[] first = RandomModels.Uniform(new Random(5), 4 * 6, 1f);
        float[] second = RandomModels.Uniform(new Random(6), 6 * 6, 1f);
        (float[] expected, _) = SoloRun.Forward(writer, [.. first, .. second], default);
        var source = new RnnStreamSet(writer, 1);
        RnnStreamHandle stream = source.Open();
        source.Forward(stream, first, new float[4 * 9], 4);
        byte[] bytes = source.CreateSnapshot(stream);
        foreach (SimdPath path in TestPaths.All)
        {
            var target = new RnnStreamSet(RnnModel.FromStateDictOnAnyPath(architecture, writer.StateDict, path), 2);
            target.Open();
            RnnStreamHandle moved = target.OpenFromSnapshot(bytes);
            var output = new float[6 * 9];
            target.Forward(moved, second, output, 6);
            Bits.AssertEqual(expected.AsSpan(4 * 9), output, $"restored on {path}");
        }
    }

    [Fact]
    public void Bytes_of_another_architecture_are_refused_naming_both()
    {
        var gru = new RnnStreamSet(RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 4, 8), 1), 1);
        var lstm = new RnnStreamSet(RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 4, 8), 1), 1);
        byte[] bytes = gru.CreateSnapshot(gru.Open());
        RnnStreamHandle stream = lstm.Open();
        var error = Assert.Throws<ArgumentException>(() => lstm.RestoreSnapshot(stream, bytes));
        Assert.Equal("snapshot", error.ParamName);
        Assert.Contains("nn.GRU(4, 8)", error.Message, StringComparison.Ordinal);
        Assert.Contains("nn.LSTM(4, 8)", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => lstm.OpenFromSnapshot(bytes));
        Assert.Equal(1, lstm.OpenCount);
    }

    [Fact]
    public void Bytes_of_the_same_shape_with_other_weights_are_refused_naming_both_fingerprints()
    {
        var architecture = new RnnArchitecture(RnnCell.Lstm, 4, 8);
        var a = new RnnStreamSet(RnnModel.CreateRandom(architecture, 1), 1);
        var b = new RnnStreamSet(RnnModel.CreateRandom(architecture, 2), 1);
        RnnStreamHandle stream = b.Open();
        var before = new float[b.StateLength];
        b.CopyState(stream, before);
        var error = Assert.Throws<ArgumentException>(() => b.RestoreSnapshot(stream, a.CreateSnapshot(a.Open())));
        Assert.Equal("snapshot", error.ParamName);
        Assert.Contains("other weights", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(error.Message, "[0-9A-F]{32}"));
        var after = new float[b.StateLength];
        b.CopyState(stream, after);
        Assert.Equal(before, after);
    }

    [Fact]
    public void Malformed_bytes_are_refused_saying_what_is_wrong()
    {
        var set = new RnnStreamSet(RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Rnn, 2, 4), 1), 1);
        RnnStreamHandle stream = set.Open();
        byte[] good = set.CreateSnapshot(stream);

        AssertRefused(good[..20], "holds 20 bytes");
        byte[] magic = (byte[])good.Clone();
        magic[0] = (byte)'X';
        AssertRefused(magic, "is not a HighPerfRnn stream-state snapshot");
        byte[] newer = (byte[])good.Clone();
        newer[4] = 2;
        AssertRefused(newer, "format version 2, but this library reads version 1 (a newer HighPerfRnn wrote it)");
        AssertRefused([.. good, 0], $"= {good.Length} bytes, but its header counts 4 floats and it holds {good.Length + 1} bytes");
        set.RestoreSnapshot(stream, good);

        void AssertRefused(byte[] bytes, string expected)
        {
            var error = Assert.Throws<ArgumentException>(() => set.RestoreSnapshot(stream, bytes));
            Assert.Equal("snapshot", error.ParamName);
            Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void A_destination_too_short_for_the_snapshot_is_refused()
    {
        var set = new RnnStreamSet(RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Rnn, 2, 4), 1), 1);
        RnnStreamHandle stream = set.Open();
        Assert.Equal(48 + 16, set.SnapshotByteCount);
        var error = Assert.Throws<ArgumentException>(() => set.WriteSnapshot(stream, new byte[63]));
        Assert.Equal("destination", error.ParamName);
        Assert.Contains("at least SnapshotByteCount = 64 bytes, but has 63", error.Message, StringComparison.Ordinal);
    }
}
