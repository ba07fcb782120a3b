using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Streaming;

/// <summary>Every argument of a stream set checked, with a message naming it, what was expected and what came; nothing changes on a refused call.</summary>
public sealed class StreamSetValidationTests
{
    private static readonly RnnModel Gru = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 3, 4), seed: 1);

    [Fact]
    public void A_closed_streams_handle_is_refused_even_after_its_slot_is_reused()
    {
        var set = new RnnStreamSet(Gru, 1);
        RnnStreamHandle first = set.Open();
        set.Close(first);
        RnnStreamHandle second = set.Open();
        Assert.Equal(first.Slot, second.Slot);
        Assert.NotEqual(first, second);
        Assert.False(set.IsOpen(first));
        Assert.True(set.IsOpen(second));

        var error = Assert.Throws<ArgumentException>(() => set.Step([first], new float[3], new float[4]));
        Assert.Equal("streams", error.ParamName);
        Assert.Contains("streams[0] (stream 0.1) was closed: slot 0 has since been reopened (generation 2) and holds another stream", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => set.Close(first));
        Assert.Throws<ArgumentException>(() => set.Forward(first, new float[3], new float[4], 1));
        Assert.Throws<ArgumentException>(() => set.CreateSnapshot(first));
    }

    [Fact]
    public void A_closed_stream_is_refused_while_its_slot_is_free()
    {
        var set = new RnnStreamSet(Gru, 2);
        RnnStreamHandle stream = set.Open();
        set.Close(stream);
        var error = Assert.Throws<ArgumentException>(() => set.Reset(stream));
        Assert.Equal("stream", error.ParamName);
        Assert.Contains("stream (stream 0.1) was closed; expected an open stream of this set.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Another_sets_handle_and_default_are_refused()
    {
        var set = new RnnStreamSet(Gru, 2);
        var other = new RnnStreamSet(Gru, 2);
        RnnStreamHandle foreign = other.Open();
        set.Open();
        Assert.False(set.IsOpen(foreign));
        Assert.Contains("was opened by another set", Assert.Throws<ArgumentException>(() => set.Reset(foreign)).Message, StringComparison.Ordinal);
        Assert.Contains("streams[0] is default: no stream", Assert.Throws<ArgumentException>(() => set.Step([default], new float[3], new float[4])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_stream_named_twice_in_one_call_is_refused_and_nothing_steps()
    {
        var set = new RnnStreamSet(Gru, 3);
        RnnStreamHandle a = set.Open(), b = set.Open();
        var error = Assert.Throws<ArgumentException>(() => set.Step([a, b, a], new float[9], new float[12]));
        Assert.Equal("streams", error.ParamName);
        Assert.Contains("streams[2] (stream 0.1) is the same stream as streams[0]", error.Message, StringComparison.Ordinal);
        var state = new float[set.StateLength];
        set.CopyState(a, state);
        Assert.All(state, v => Assert.Equal(0f, v));
        set.Step([a, b], new float[6], new float[8]);
    }

    [Fact]
    public void Opening_past_the_capacity_is_refused()
    {
        var set = new RnnStreamSet(Gru, 2);
        set.Open();
        set.Open();
        var error = Assert.Throws<InvalidOperationException>(() => set.Open());
        Assert.Contains("All 2 streams of this set are open", error.Message, StringComparison.Ordinal);
        Assert.Equal(2, set.OpenCount);
    }

    [Fact]
    public void Span_lengths_that_do_not_fit_are_refused_with_the_arithmetic()
    {
        var set = new RnnStreamSet(Gru, 3);
        RnnStreamHandle a = set.Open(), b = set.Open();
        AssertMessage(() => set.Step([a, b], new float[5], new float[8]), "input", "input must hold streams 2 × input size 3 = 6 floats, but has 5.");
        AssertMessage(() => set.Step([a, b], new float[6], new float[4]), "output", "output must hold streams 2 × output size 4 = 8 floats, but has 4.");
        AssertMessage(() => set.Forward(a, new float[9], new float[8], 3), "output", "output must hold steps 3 × output size 4 = 12 floats, but has 8.");
        AssertMessage(() => set.CopyState(a, new float[3]), "destination", "destination must hold h: layers 1 × state size 4 = 4 floats, but has 3.");
        AssertMessage(() => set.SetState(a, new float[5]), "state", "state must hold h: layers 1 × state size 4 = 4 floats, but has 5.");
        float[] shared = new float[20];
        AssertMessage(() => set.Step([a], shared.AsSpan(0, 3), shared.AsSpan(2, 4)), "input", "input and output overlap");
        Assert.Throws<ArgumentOutOfRangeException>("steps", () => set.Forward(a, [], [], 0));
        set.Step([], [], []);
    }

    [Fact]
    public void An_lstm_states_length_names_h_and_c()
    {
        var set = new RnnStreamSet(RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 2, 6, 2, projSize: 3), 1), 1);
        AssertMessage(() => set.CopyState(set.Open(), new float[1]), "destination", "destination must hold h: layers 2 × state size 3 + c: layers 2 × hidden 6 = 18 floats, but has 1.");
    }

    [Fact]
    public void A_bidirectional_model_is_refused_at_construction()
    {
        RnnModel bidirectional = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 2, 4, bidirectional: true), 1);
        AssertMessage(() => _ = new RnnStreamSet(bidirectional, 4), "model", "model is nn.LSTM(2, 4, bidirectional=True), which is bidirectional: its backward direction needs the whole sequence, so it cannot stream.");
        Assert.Throws<ArgumentException>("model", () => RnnRestState.AfterSilence(bidirectional, 3));
        Assert.Throws<ArgumentOutOfRangeException>("capacity", () => _ = new RnnStreamSet(Gru, 0));
    }

    [Fact]
    public void A_rest_state_of_another_model_is_refused_and_one_of_equal_weights_accepted()
    {
        RnnRestState otherWeights = RnnRestState.AfterSilence(RnnModel.CreateRandom(Gru.Architecture, seed: 2), 3);
        AssertMessage(() => _ = new RnnStreamSet(Gru, 2, otherWeights), "restState", "restState is a state of nn.GRU(3, 4) with weights fingerprint");
        RnnRestState sameWeights = RnnRestState.AfterSilence(RnnModel.CreateRandom(Gru.Architecture, seed: 1), 3);
        Assert.Same(sameWeights, new RnnStreamSet(Gru, 2, sameWeights).RestState);
    }

    [Fact]
    public void Rest_state_inputs_are_checked()
    {
        AssertMessage(() => RnnRestState.AfterInput(Gru, new float[4], 2), "input", "input must hold one step (input size 3 floats, repeated) or the whole sequence (steps 2 × input size 3 = 6 floats), but has 4.");
        Assert.Throws<ArgumentOutOfRangeException>("steps", () => RnnRestState.AfterSilence(Gru, 0));
        AssertMessage(() => RnnRestState.FromState(Gru, new float[3]), "state", "state must hold h: layers 1 × state size 4 = 4 floats, but has 3.");
        Bits.AssertEqual(RnnRestState.AfterInput(Gru, new float[3], 5).State, RnnRestState.AfterSilence(Gru, 5).State, "silence");
        Bits.AssertEqual(RnnRestState.AfterInput(Gru, [1f, 2f, 3f, 1f, 2f, 3f], 2).State, RnnRestState.AfterInput(Gru, [1f, 2f, 3f], 2).State, "one step repeated");
    }

    private static void AssertMessage(Action call, string parameter, string expected)
    {
        var error = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, error.ParamName);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Chunks_of_their_own_lengths_name_bad_steps_and_change_nothing()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 2, 4), seed: 1);
        var set = new RnnStreamSet(model, 3);
        RnnStreamHandle[] streams = [set.Open(), set.Open()];
        var input = new float[2 * 3 * 2];
        var output = new float[2 * 3 * 4];
        var before = new float[set.StateLength];
        set.CopyState(streams[0], before);

        ArgumentException count = Assert.Throws<ArgumentException>(() => set.Forward(streams, input, output, [3], 3));
        Assert.Equal("steps", count.ParamName);
        Assert.Contains("has 1", count.Message);
        ArgumentException range = Assert.Throws<ArgumentException>(() => set.Forward(streams, input, output, [3, 4], 3));
        Assert.Equal("steps", range.ParamName);
        Assert.Contains("steps[1] is 4", range.Message);
        ArgumentException zero = Assert.Throws<ArgumentException>(() => set.Forward(streams, input, output, [0, 1], 3));
        Assert.Contains("steps[0] is 0", zero.Message);
        ArgumentException length = Assert.Throws<ArgumentException>(() => set.Forward(streams, input.AsSpan(1), output, [1, 1], 3));
        Assert.Equal("input", length.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => set.Forward(streams, input, output, [1, 1], 0));
        Assert.Throws<ArgumentException>(() => set.Forward([streams[0], streams[0]], input, output, [1, 1], 3));

        var after = new float[set.StateLength];
        set.CopyState(streams[0], after);
        Assert.Equal(before, after);
    }
}
