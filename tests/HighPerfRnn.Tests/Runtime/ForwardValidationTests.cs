namespace HighPerfRnn.Tests.Runtime;

/// <summary>DESIGN.md §5: every bad argument gets an exception naming the argument, the expected and the actual value.</summary>
public sealed class ForwardValidationTests
{
    private static readonly RnnArchitecture Seed = new(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true);
    private static readonly RnnModel Model = RnnModel.CreateRandom(Seed, seed: 7);

    // batch 2, seq 3: input 2·3·5 = 30, output 2·3·16 = 96, h 4·2·8 = 64
    private static ArgumentException Call(int input = 30, int output = 96, int hN = 64, int h0 = 0, int batch = 2, int seqLen = 3, SequenceLayout layout = SequenceLayout.BatchFirst)
    {
        var exception = Record.Exception(() => Model.Forward(new float[input], new float[output], new float[hN], batch, seqLen, layout, new float[h0]));
        return Assert.IsAssignableFrom<ArgumentException>(exception);
    }

    [Fact]
    public void A_valid_call_throws_nothing()
        => Model.Forward(new float[30], new float[96], new float[64], 2, 3, SequenceLayout.BatchFirst, new float[64]);

    [Fact]
    public void Input_of_the_wrong_length_names_input_and_both_lengths()
    {
        ArgumentException error = Call(input: 29);
        Assert.Equal("input", error.ParamName);
        Assert.Contains("batch 2 × seqLen 3 × inputSize 5 = 30", error.Message);
        Assert.Contains("has 29", error.Message);
    }

    [Fact]
    public void Output_of_the_wrong_length_names_output()
    {
        ArgumentException error = Call(output: 48);
        Assert.Equal("output", error.ParamName);
        Assert.Contains("outputSize 16 = 96", error.Message);
        Assert.Contains("has 48", error.Message);
    }

    [Fact]
    public void HN_of_the_wrong_length_names_hN()
    {
        ArgumentException error = Call(hN: 32);
        Assert.Equal("hN", error.ParamName);
        Assert.Contains("layers × directions 4 × batch 2 × hidden 8 = 64", error.Message);
        Assert.Contains("has 32", error.Message);
    }

    [Fact]
    public void H0_of_the_wrong_length_names_h0()
    {
        ArgumentException error = Call(h0: 63);
        Assert.Equal("h0", error.ParamName);
        Assert.Contains("= 64", error.Message);
        Assert.Contains("has 63", error.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void Batch_not_positive_is_rejected(int batch)
    {
        var error = Assert.IsType<ArgumentOutOfRangeException>(Call(batch: batch));
        Assert.Equal("batch", error.ParamName);
        Assert.Equal(batch, error.ActualValue);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void SeqLen_not_positive_is_rejected(int seqLen)
    {
        var error = Assert.IsType<ArgumentOutOfRangeException>(Call(seqLen: seqLen));
        Assert.Equal("seqLen", error.ParamName);
    }

    [Fact]
    public void Unbatched_with_a_batch_above_one_is_rejected()
    {
        var error = Assert.IsType<ArgumentOutOfRangeException>(Call(layout: SequenceLayout.Unbatched));
        Assert.Equal("batch", error.ParamName);
    }

    [Fact]
    public void Unknown_layout_is_rejected()
    {
        var error = Assert.IsType<ArgumentOutOfRangeException>(Call(layout: (SequenceLayout)9));
        Assert.Equal("layout", error.ParamName);
    }

    [Fact]
    public void Overlapping_input_and_output_are_rejected()
    {
        var buffer = new float[200];
        var error = Assert.Throws<ArgumentException>(() => Model.Forward(buffer.AsSpan(0, 30), buffer.AsSpan(10, 96), new float[64], 2, 3, SequenceLayout.BatchFirst));
        Assert.Equal("input", error.ParamName);
        Assert.Contains("overlap", error.Message);
    }

    [Fact]
    public void H0_may_be_the_same_span_as_hN_but_not_partly_overlap_it()
    {
        var state = new float[128];
        Model.Forward(new float[30], new float[96], state.AsSpan(0, 64), 2, 3, SequenceLayout.BatchFirst, state.AsSpan(0, 64));
        var error = Assert.Throws<ArgumentException>(() => Model.Forward(new float[30], new float[96], state.AsSpan(0, 64), 2, 3, SequenceLayout.BatchFirst, state.AsSpan(8, 64)));
        Assert.Equal("h0", error.ParamName);
    }

    [Fact]
    public void Step_on_a_bidirectional_model_says_why_not()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Model.Step(new float[5], new float[32], new float[8]));
        Assert.Contains("bidirectional", error.Message);
    }

    [Fact]
    public void Step_with_a_state_of_the_wrong_length_is_rejected()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2), seed: 1);
        var error = Assert.Throws<ArgumentException>(() => model.Step(new float[5], new float[8], new float[8]));
        Assert.Equal("state", error.ParamName);
        Assert.Contains("layers 2 × batch 1 × hidden 8 = 16", error.Message);
        Assert.Contains("has 8", error.Message);
    }

    [Fact]
    public void Workspace_grows_for_a_larger_call_and_gives_the_same_results()
    {
        var workspace = new RnnWorkspace();
        var small = new float[96];
        var hN = new float[64];
        var input = Enumerable.Range(0, 30).Select(i => (float)Math.Sin(i)).ToArray();
        Model.Forward(input, small, hN, 2, 3, SequenceLayout.BatchFirst, workspace: workspace);
        int capacity = workspace.Capacity;

        var bigInput = new float[8 * 40 * 5];
        Model.Forward(bigInput, new float[8 * 40 * 16], new float[4 * 8 * 8], 8, 40, SequenceLayout.BatchFirst, workspace: workspace);
        Assert.True(workspace.Capacity > capacity);

        var again = new float[96];
        Model.Forward(input, again, hN, 2, 3, SequenceLayout.BatchFirst, workspace: workspace);
        Assert.Equal(small, again);
    }

    [Fact]
    public void Scratch_beyond_one_array_is_refused_with_the_argument_to_shrink()
    {
        Assert.Equal(1000, RnnWorkspace.RequireScratch(1000, "seqLen", 10));
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => RnnWorkspace.RequireScratch(RnnWorkspace.MaxFloats + 1, "seqLen", 123_456));
        Assert.Equal("seqLen", error.ParamName);
        Assert.Equal(123_456, error.ActualValue);
        Assert.Contains("split the batch or the sequence", error.Message);
    }
}
