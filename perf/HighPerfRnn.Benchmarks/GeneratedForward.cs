namespace HighPerfRnn.Benchmarks;

/// <summary>
/// A grid point's declared, generated model as a forward pass over fixed buffers, or null where the grid point's
/// shape has no declaration (LSTM and GRU, until the generator specializes them).
/// </summary>
public static class GeneratedForward
{
    public delegate void Run(float[] input, float[] output, float[] hN, int batch, int seqLen, RnnWorkspace workspace);

    public static Run? For(GridPoint point, RnnModel runtime)
    {
        if (point.Cell != RnnCell.Rnn)
        {
            return null;
        }

        return (point.InputSize, point.HiddenSize) switch
        {
            (5, 8) => SeedRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null,
            (64, 64) => SmallRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null,
            (128, 128) => MediumRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null,
            (256, 256) => DeepBiRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null,
            (512, 512) => LargeRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null,
            _ => null,
        };
    }
}
