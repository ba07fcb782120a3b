namespace HighPerfRnn.Benchmarks;

/// <summary>A grid point's declared, generated model as a forward pass over fixed buffers.</summary>
public static class GeneratedForward
{
    public delegate void Run(float[] input, float[] output, float[] hN, float[] cN, int batch, int seqLen, RnnWorkspace workspace);

    public static Run For(GridPoint point, RnnModel runtime) => (point.Cell, point.InputSize, point.NumLayers) switch
    {
        (RnnCell.Rnn, 5, _) => SeedRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, c, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null!,
        (RnnCell.Rnn, 64, _) => SmallRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, c, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null!,
        (RnnCell.Rnn, 128, _) => MediumRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, c, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null!,
        (RnnCell.Rnn, 256, _) => DeepBiRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, c, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null!,
        (RnnCell.Rnn, 512, _) => LargeRnn.FromRuntimeModel(runtime) is var m ? (i, o, h, c, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null!,
        (RnnCell.Lstm, 128, _) => LstmGridModel.FromRuntimeModel(runtime) is var m ? (i, o, h, c, b, s, w) => m.Forward(i, o, h, c, b, s, SequenceLayout.BatchFirst, default, default, w) : null!,
        (RnnCell.Lstm, 256, _) => LstmBigGridModel.FromRuntimeModel(runtime) is var m ? (i, o, h, c, b, s, w) => m.Forward(i, o, h, c, b, s, SequenceLayout.BatchFirst, default, default, w) : null!,
        (RnnCell.Gru, 128, _) => GruGridModel.FromRuntimeModel(runtime) is var m ? (i, o, h, c, b, s, w) => m.Forward(i, o, h, b, s, SequenceLayout.BatchFirst, default, w) : null!,
        _ => throw new InvalidOperationException($"No declared model for grid point {point.Name}."),
    };
}
