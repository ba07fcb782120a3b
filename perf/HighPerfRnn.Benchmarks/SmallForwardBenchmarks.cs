using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// A whole sequence at batch 1 for the small sizes declarations are for (issue 14): one layer, input = hidden, 100
/// steps, runtime-sized against declared (whose whole-model kernel runs every step at constant sizes where W_hh takes
/// at most 16 KB: every row here but GRU and LSTM 64).
/// </summary>
public class SmallForwardBenchmarks : DeclaredForwardBenchmarks
{
    [Params(RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru)]
    public override RnnCell Cell { get; set; }

    [Params(8, 16, 32, 64)]
    public override int Hidden { get; set; }

    protected override int Layers => 1;

    protected override Action Declared(RnnModel runtime) => (Cell, Hidden) switch
    {
        (RnnCell.Rnn, 8) => Plain(StreamRnn8.FromRuntimeModel(runtime).Forward),
        (RnnCell.Rnn, 16) => Plain(StreamRnn16.FromRuntimeModel(runtime).Forward),
        (RnnCell.Rnn, 32) => Plain(StreamRnn32.FromRuntimeModel(runtime).Forward),
        (RnnCell.Rnn, _) => Plain(StreamRnn64.FromRuntimeModel(runtime).Forward),
        (RnnCell.Gru, 8) => Plain(StreamGru8.FromRuntimeModel(runtime).Forward),
        (RnnCell.Gru, 16) => Plain(StreamGru16.FromRuntimeModel(runtime).Forward),
        (RnnCell.Gru, 32) => Plain(StreamGru32.FromRuntimeModel(runtime).Forward),
        (RnnCell.Gru, _) => Plain(StreamGru64.FromRuntimeModel(runtime).Forward),
        (_, 8) => WithCells(StreamLstm8.FromRuntimeModel(runtime).Forward),
        (_, 16) => WithCells(StreamLstm16.FromRuntimeModel(runtime).Forward),
        (_, 32) => WithCells(StreamLstm32.FromRuntimeModel(runtime).Forward),
        _ => WithCells(StreamLstm64.FromRuntimeModel(runtime).Forward),
    };
}
