using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Streaming;

/// <summary>
/// A stream in a set, stepped with any other streams in any order and subset, and advanced by chunks, gives the bits
/// of running it alone through Forward over its whole input: the one summation order makes company irrelevant.
/// </summary>
public sealed class StreamSetBitIdentityTests
{
    public static TheoryData<RnnCell, int, int, int, int, RnnNonlinearity> Models() => new()
    {
        { RnnCell.Rnn, 3, 8, 1, 0, RnnNonlinearity.Tanh },
        { RnnCell.Rnn, 5, 7, 2, 0, RnnNonlinearity.Relu },
        { RnnCell.Rnn, 4, 64, 1, 0, RnnNonlinearity.Tanh },
        { RnnCell.Lstm, 4, 16, 1, 0, RnnNonlinearity.Tanh },
        { RnnCell.Lstm, 3, 8, 2, 5, RnnNonlinearity.Tanh },
        { RnnCell.Lstm, 8, 64, 1, 0, RnnNonlinearity.Tanh },
        { RnnCell.Lstm, 6, 12, 1, 7, RnnNonlinearity.Tanh },
        { RnnCell.Gru, 3, 16, 1, 0, RnnNonlinearity.Tanh },
        { RnnCell.Gru, 6, 9, 2, 0, RnnNonlinearity.Tanh },
        { RnnCell.Gru, 8, 64, 1, 0, RnnNonlinearity.Tanh },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Interleaved_steps_and_chunks_equal_each_stream_run_alone(RnnCell cell, int inputSize, int hidden, int layers, int projSize, RnnNonlinearity nonlinearity)
    {
        var architecture = new RnnArchitecture(cell, inputSize, hidden, layers, nonlinearity: nonlinearity, projSize: projSize);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: hidden * 31 + layers);
        foreach (bool atRest in new[] { false, true })
        {
            RnnRestState? rest = atRest ? RnnRestState.AfterInput(model, RandomModels.Uniform(new Random(5), inputSize, 1f), 7) : null;
            var set = new RnnStreamSet(model, capacity: 6, rest);
            StreamSetDriver.Run(set, new Random(hidden + layers + (atRest ? 100 : 0)), rounds: 60, $"{architecture}, at rest {atRest}");
        }
    }

    [Fact]
    public void A_stream_opened_at_rest_continues_the_input_the_rest_state_was_computed_from()
    {
        var architecture = new RnnArchitecture(RnnCell.Lstm, 4, 16, 2);
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 3);
        const int RestSteps = 9;
        var set = new RnnStreamSet(model, 2, RnnRestState.AfterSilence(model, RestSteps));
        RnnStreamHandle stream = set.Open();
        float[] input = RandomModels.Uniform(new Random(1), 5 * 4, 1f);
        var output = new float[5 * 16];
        set.Forward(stream, input, output, 5);

        // Silence then the input, from zeros, in one Forward.
        float[] whole = [.. new float[RestSteps * 4], .. input];
        (float[] expected, _) = SoloRun.Forward(model, whole, default);
        Bits.AssertEqual(expected.AsSpan(RestSteps * 16), output, "after the rest state");
    }

    [Fact]
    public void Reset_returns_a_stream_to_the_rest_state_and_its_handle_stays_valid()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 3, 8), seed: 1);
        RnnRestState rest = RnnRestState.AfterSilence(model, 4);
        var set = new RnnStreamSet(model, 1, rest);
        RnnStreamHandle stream = set.Open();
        set.Step([stream], [1f, 2f, 3f], new float[8]);
        set.Reset(stream);
        var state = new float[set.StateLength];
        set.CopyState(stream, state);
        Bits.AssertEqual(rest.State, state, "after Reset");
        Assert.True(set.IsOpen(stream));
    }

    [Fact]
    public void One_model_serves_sets_on_several_threads_at_once()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 5, 24, 2), seed: 6);
        Parallel.For(0, 4, new ParallelOptions { MaxDegreeOfParallelism = 4 }, thread =>
            StreamSetDriver.Run(new RnnStreamSet(model, 5), new Random(thread), rounds: 80, $"thread {thread}"));
    }

    [Fact]
    public void A_declared_model_streams_through_its_runtime_model()
    {
        var declared = HighPerfRnn.Tests.Generated.Hidden64.CreateRandom(seed: 4);
        var set = new RnnStreamSet(declared.Runtime, 4);
        StreamSetDriver.Run(set, new Random(9), rounds: 30, "Hidden64");
    }
}
