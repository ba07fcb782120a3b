using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// Two stacked unidirectional layers at batch 1 (input = hidden, 100 steps), runtime-sized against declared: the declared
/// model runs its layers as a wavefront (layer 2's step t − 1 beside layer 1's step t) where all its weights fit the
/// generator's line (32 KB: hidden 16 for every cell, Elman 32), else both run the runtime's pass.
/// </summary>
public class DeepForwardBenchmarks : DeclaredForwardBenchmarks
{
    [Params(RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru)]
    public override RnnCell Cell { get; set; }

    [Params(16, 32)]
    public override int Hidden { get; set; }

    protected override int Layers => 2;

    protected override Action Declared(RnnModel runtime) => (Cell, Hidden) switch
    {
        (RnnCell.Rnn, 16) => Plain(DeepRnn16.FromRuntimeModel(runtime).Forward),
        (RnnCell.Rnn, _) => Plain(DeepRnn32.FromRuntimeModel(runtime).Forward),
        (RnnCell.Gru, 16) => Plain(DeepGru16.FromRuntimeModel(runtime).Forward),
        (RnnCell.Gru, _) => Plain(DeepGru32.FromRuntimeModel(runtime).Forward),
        (_, 16) => WithCells(DeepLstm16.FromRuntimeModel(runtime).Forward),
        _ => WithCells(DeepLstm32.FromRuntimeModel(runtime).Forward),
    };
}
