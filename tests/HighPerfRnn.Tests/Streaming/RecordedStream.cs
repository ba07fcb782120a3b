using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Streaming;

/// <summary>One stream of a set under test, with everything it was fed and gave since its initial state, to check against <see cref="SoloRun"/>.</summary>
internal sealed class RecordedStream(RnnStreamHandle handle, float[] initialState)
{
    private readonly List<float> _inputs = [];
    private readonly List<float> _outputs = [];

    public RnnStreamHandle Handle { get; } = handle;

    /// <summary>The state it started from (the set's rest state, zeros, or a restored snapshot).</summary>
    public float[] InitialState { get; } = initialState;

    public int Steps { get; private set; }

    public void Record(ReadOnlySpan<float> input, ReadOnlySpan<float> output, int steps)
    {
        _inputs.AddRange(input);
        _outputs.AddRange(output);
        Steps += steps;
    }

    /// <summary>Asserts that the set gave this stream, bit for bit, the outputs and the state of running it alone.</summary>
    public void AssertMatchesSoloRun(RnnStreamSet set, string what)
    {
        var state = new float[set.StateLength];
        set.CopyState(Handle, state);
        if (Steps == 0)
        {
            Bits.AssertEqual(InitialState, state, $"{what}: state of an unstepped stream");
            return;
        }

        (float[] output, float[] finalState) = SoloRun.Forward(set.Model, [.. _inputs], InitialState);
        Bits.AssertEqual(output, _outputs.ToArray(), $"{what}: outputs over {Steps} steps");
        Bits.AssertEqual(finalState, state, $"{what}: state after {Steps} steps");
    }
}
