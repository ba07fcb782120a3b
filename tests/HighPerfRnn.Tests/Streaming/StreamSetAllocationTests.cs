using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Streaming;

/// <summary>After construction, no call of a set allocates: ticks (in place and gathered), chunks, snapshots, open/close.</summary>
[Collection(AllocationMeter.Collection)]
public sealed class StreamSetAllocationTests
{
    [Theory]
    [InlineData(RnnCell.Lstm, 1)]
    [InlineData(RnnCell.Gru, 2)]
    [InlineData(RnnCell.Rnn, 1)]
    public void Set_calls_allocate_nothing(RnnCell cell, int layers)
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(cell, 8, 32, layers), seed: 1);
        var set = new RnnStreamSet(model, 16, RnnRestState.AfterSilence(model, 4), maxChunkSteps: 4);
        var streams = new RnnStreamHandle[16];
        for (int i = 0; i < streams.Length; i++)
        {
            streams[i] = set.Open();
        }

        RnnStreamHandle[] shuffled = [.. streams.Reverse().Take(9)];
        var input = new float[16 * 8];
        var output = new float[16 * 32];
        var chunkOutput = new float[4 * 32];
        var state = new float[set.StateLength];
        var bytes = new byte[set.SnapshotByteCount];

        AssertAllocatesNothing(() => set.Step(streams, input, output), "Step over all streams in slot order");
        AssertAllocatesNothing(() => set.Step(shuffled, input.AsSpan(0, 9 * 8), output.AsSpan(0, 9 * 32)), "Step over a shuffled subset");
        AssertAllocatesNothing(() => set.Step(streams.AsSpan(3, 1), input.AsSpan(0, 8), output.AsSpan(0, 32)), "Step over one stream");
        set.Forward(streams[2], input.AsSpan(0, 4 * 8), chunkOutput, 4);
        AssertAllocatesNothing(() => set.Forward(streams[2], input.AsSpan(0, 4 * 8), chunkOutput, 4), "Forward of a chunk");
        var chunksInput = new float[16 * 4 * 8];
        var chunksOutput = new float[16 * 4 * 32];
        int[] steps = [.. Enumerable.Range(0, 16).Select(i => 1 + (i % 4))];
        AssertAllocatesNothing(() => set.Forward(streams, chunksInput, chunksOutput, steps, 4), "Forward of chunks of their own lengths, every stream");
        AssertAllocatesNothing(() => set.Forward(shuffled, chunksInput.AsSpan(0, 9 * 4 * 8), chunksOutput.AsSpan(0, 9 * 4 * 32), steps.AsSpan(0, 9), 4), "Forward of chunks, a shuffled subset");
        AssertAllocatesNothing(
            () =>
            {
                set.CopyState(streams[5], state);
                set.SetState(streams[6], state);
                set.WriteSnapshot(streams[7], bytes);
                set.RestoreSnapshot(streams[8], bytes);
                set.Reset(streams[9]);
                set.Close(streams[10]);
                streams[10] = set.Open();
            },
            "state copies, snapshots, reset, close and open");
    }

    [Fact]
    public void Chunks_up_to_the_warmed_length_need_no_more_scratch()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 8, 32, 2), seed: 1);
        var set = new RnnStreamSet(model, capacity: 4, maxChunkSteps: 50);
        RnnStreamHandle stream = set.Open();
        int warmed = set.ScratchCapacity;
        set.Forward(stream, new float[50 * 8], new float[50 * 32], 50);
        set.Step([stream], new float[8], new float[32]);
        Assert.Equal(warmed, set.ScratchCapacity);
        set.Forward(stream, new float[500 * 8], new float[500 * 32], 500);
        Assert.True(set.ScratchCapacity > warmed, "a longer chunk grows the scratch");
        Assert.Throws<ArgumentOutOfRangeException>("maxChunkSteps", () => _ = new RnnStreamSet(model, 4, maxChunkSteps: -1));
        Assert.Throws<ArgumentOutOfRangeException>("maxChunkSteps", () => _ = new RnnStreamSet(model, 4, maxChunkSteps: int.MaxValue));
    }

    private static void AssertAllocatesNothing(Action call, string what) => AllocationMeter.AssertAllocatesNothing(call, what);
}
