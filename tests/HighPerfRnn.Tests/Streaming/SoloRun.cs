namespace HighPerfRnn.Tests.Streaming;

/// <summary>
/// The oracle of the stream-set tests: a stream run alone, its whole input in one <see cref="RnnModel.Forward(ReadOnlySpan{float}, Span{float}, Span{float}, int, int, SequenceLayout, ReadOnlySpan{float}, RnnWorkspace?)"/>
/// at batch 1 from its initial state. A stream stepped in a set, in any company and any order, must give these bits.
/// </summary>
internal static class SoloRun
{
    /// <summary>Outputs (steps × output size) and the final state (h of every layer, then c for an LSTM).</summary>
    public static (float[] Output, float[] State) Forward(RnnModel model, float[] input, ReadOnlySpan<float> initialState)
    {
        RnnArchitecture a = model.Architecture;
        int steps = input.Length / a.InputSize;
        int hLength = a.NumLayers * a.StateSize;
        int stateLength = hLength + (a.Cell == RnnCell.Lstm ? a.NumLayers * a.HiddenSize : 0);
        var output = new float[steps * a.OutputSize];
        var state = new float[stateLength];
        ReadOnlySpan<float> h0 = initialState.IsEmpty ? default : initialState[..hLength];
        if (a.Cell == RnnCell.Lstm)
        {
            ReadOnlySpan<float> c0 = initialState.IsEmpty ? default : initialState[hLength..];
            model.Forward(input, output, state.AsSpan(0, hLength), state.AsSpan(hLength), 1, steps, SequenceLayout.BatchFirst, h0, c0);
        }
        else
        {
            model.Forward(input, output, state, 1, steps, SequenceLayout.BatchFirst, h0);
        }

        return (output, state);
    }
}
