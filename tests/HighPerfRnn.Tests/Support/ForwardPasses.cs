namespace HighPerfRnn.Tests.Support;

/// <summary>One Forward's results: the output sequence, h_n and (LSTM) c_n.</summary>
internal sealed record ForwardResult(float[] Output, float[] HN, float[] CN);

/// <summary>
/// A Forward pass on one thread or through an <see cref="RnnParallelRunner"/>, with or without lengths, cell states taken
/// where the model is an LSTM: the two sides of the parallel tests' comparisons, called the same way.
/// </summary>
internal static class ForwardPasses
{
    /// <summary>The model's own (one-thread) Forward.</summary>
    public static ForwardResult OneThread(RnnModel model, float[] input, int batch, int seqLen, SequenceLayout layout, float[] h0, float[] c0, int[]? lengths = null)
    {
        ForwardResult result = Buffers(model.Architecture, batch, seqLen, fill: 0f);
        bool lstm = model.Architecture.Cell == RnnCell.Lstm;
        switch (lstm, lengths is null)
        {
            case (true, true): model.Forward(input, result.Output, result.HN, result.CN, batch, seqLen, layout, h0, c0); break;
            case (true, false): model.Forward(input, result.Output, result.HN, result.CN, batch, seqLen, lengths, layout, h0, c0); break;
            case (false, true): model.Forward(input, result.Output, result.HN, batch, seqLen, layout, h0); break;
            default: model.Forward(input, result.Output, result.HN, batch, seqLen, lengths, layout, h0); break;
        }

        return result;
    }

    /// <summary>The runner's Forward, into buffers filled with NaN first, so that a float no thread writes shows.</summary>
    public static ForwardResult Parallel(RnnParallelRunner runner, RnnModel model, float[] input, int batch, int seqLen, SequenceLayout layout, float[] h0, float[] c0, int[]? lengths = null)
    {
        ForwardResult result = Buffers(model.Architecture, batch, seqLen, fill: float.NaN);
        bool lstm = model.Architecture.Cell == RnnCell.Lstm;
        switch (lstm, lengths is null)
        {
            case (true, true): runner.Forward(model, input, result.Output, result.HN, result.CN, batch, seqLen, layout, h0, c0); break;
            case (true, false): runner.Forward(model, input, result.Output, result.HN, result.CN, batch, seqLen, lengths, layout, h0, c0); break;
            case (false, true): runner.Forward(model, input, result.Output, result.HN, batch, seqLen, layout, h0); break;
            default: runner.Forward(model, input, result.Output, result.HN, batch, seqLen, lengths, layout, h0); break;
        }

        return result;
    }

    /// <summary>Asserts the two results are the same bits.</summary>
    public static void AssertSame(ForwardResult expected, ForwardResult actual)
    {
        Assert.Equal(expected.Output, actual.Output);
        Assert.Equal(expected.HN, actual.HN);
        Assert.Equal(expected.CN, actual.CN);
    }

    /// <summary>Random h0 (and c0 for an LSTM), or empty ones.</summary>
    public static (float[] H0, float[] C0) InitialStates(RnnArchitecture architecture, int batch, Random random, bool withInitialState)
    {
        float[] h0 = withInitialState ? RandomModels.Uniform(random, architecture.StateRows * batch * architecture.StateSize, 1f) : [];
        float[] c0 = withInitialState && architecture.Cell == RnnCell.Lstm ? RandomModels.Uniform(random, architecture.StateRows * batch * architecture.HiddenSize, 1f) : [];
        return (h0, c0);
    }

    private static ForwardResult Buffers(RnnArchitecture architecture, int batch, int seqLen, float fill)
    {
        float[] Filled(int length)
        {
            var values = new float[length];
            Array.Fill(values, fill);
            return values;
        }

        return new ForwardResult(
            Filled(batch * seqLen * architecture.OutputSize),
            Filled(architecture.StateRows * batch * architecture.StateSize),
            Filled(architecture.Cell == RnnCell.Lstm ? architecture.StateRows * batch * architecture.HiddenSize : 0));
    }
}
