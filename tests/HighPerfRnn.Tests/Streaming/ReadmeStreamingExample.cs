namespace HighPerfRnn.Tests.Streaming;

/// <summary>
/// The README's "Many live streams" example, compiled and run here. The code between the README markers is the
/// README's code block, character for character (checked by <see cref="ReadmeStreamingExampleTests"/>).
/// </summary>
internal static class ReadmeStreamingExample
{
    public static (float[] Outputs, RnnStreamSet Other, RnnStreamHandle AliceThere) Run()
    {
        // README begin
        // One model, shared by every set and thread: here random, in practice RnnModel.Load("vad.safetensors").
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, inputSize: 16, hiddenSize: 64), seed: 0);

        // Streams open at the model's rest state: where it stands after 100 frames of silence (computed once, here).
        RnnRestState rest = RnnRestState.AfterSilence(model, steps: 100);
        var set = new RnnStreamSet(model, capacity: 256, rest);      // every buffer is allocated here

        RnnStreamHandle alice = set.Open();
        RnnStreamHandle bob = set.Open();

        // A tick: the streams whose frames arrived, stepped together as one batched call (0 bytes allocated).
        RnnStreamHandle[] ready = [alice, bob];
        float[] frames = new float[ready.Length * 16];               // (streams, input), in the order of `ready`
        float[] outputs = new float[ready.Length * 64];              // (streams, hidden)
        set.Step(ready, frames, outputs);

        // A chunk of 10 frames for one stream: a Forward from its state, which it updates.
        float[] chunk = new float[10 * 16], chunkOutputs = new float[10 * 64];
        set.Forward(bob, chunk, chunkOutputs, steps: 10);

        // Move alice to another process or machine: her state as bytes, with a header (format version, the
        // model's shape, a fingerprint of its weights) so that only a set of the same model accepts them.
        Span<byte> snapshot = stackalloc byte[set.SnapshotByteCount];     // 48 + 4 × (64 + 64) = 560 bytes
        set.WriteSnapshot(alice, snapshot);
        set.Close(alice);                                            // her handle is refused from now on

        // Elsewhere: a set of the same model (loaded from the same file) takes her over, bit for bit.
        var other = new RnnStreamSet(model, capacity: 256, rest);
        RnnStreamHandle aliceThere = other.OpenFromSnapshot(snapshot);
        other.Step([aliceThere], frames.AsSpan(0, 16), outputs.AsSpan(0, 64));
        // README end
        return (outputs, other, aliceThere);
    }
}
