using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// A whole sequence at batch 1 for the small sizes declarations are for (issue 14): one layer, input = hidden, 100
/// steps, runtime-sized against declared (whose whole-model kernel runs every step at constant sizes where W_hh takes
/// at most 16 KB: every row here but GRU and LSTM 64).
/// </summary>
[MemoryDiagnoser]
public class SmallForwardBenchmarks
{
    public const int SeqLen = 100;

    private readonly RnnWorkspace _workspace = new();
    private RnnModel _runtime = null!;
    private Action _declared = null!;
    private float[] _input = null!;
    private float[] _output = null!;
    private float[] _hN = null!;
    private float[] _cN = null!;

    [Params(RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru)]
    public RnnCell Cell { get; set; }

    [Params(8, 16, 32, 64)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _runtime = RnnModel.CreateRandom(new RnnArchitecture(Cell, Hidden, Hidden), seed: 13);
        _input = new float[SeqLen * Hidden];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = MathF.Sin(i * 0.37f);
        }

        _output = new float[SeqLen * Hidden];
        _hN = new float[Hidden];
        _cN = new float[Hidden];
        _declared = Declared();
        JitWarmup.Run(RuntimeSized);
        JitWarmup.Run(_declared);
    }

    [Benchmark(Baseline = true, Description = "runtime-sized Forward")]
    public void RuntimeSized()
    {
        if (Cell == RnnCell.Lstm)
        {
            _runtime.Forward(_input, _output, _hN, _cN, 1, SeqLen, SequenceLayout.BatchFirst, workspace: _workspace);
        }
        else
        {
            _runtime.Forward(_input, _output, _hN, 1, SeqLen, SequenceLayout.BatchFirst, workspace: _workspace);
        }
    }

    [Benchmark(Description = "declared Forward")]
    public void Generated() => _declared();

    private Action Declared() => (Cell, Hidden) switch
    {
        (RnnCell.Rnn, 8) => Plain(StreamRnn8.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Rnn, 16) => Plain(StreamRnn16.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Rnn, 32) => Plain(StreamRnn32.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Rnn, _) => Plain(StreamRnn64.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Gru, 8) => Plain(StreamGru8.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Gru, 16) => Plain(StreamGru16.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Gru, 32) => Plain(StreamGru32.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Gru, _) => Plain(StreamGru64.FromRuntimeModel(_runtime).Forward),
        (_, 8) => WithCells(StreamLstm8.FromRuntimeModel(_runtime).Forward),
        (_, 16) => WithCells(StreamLstm16.FromRuntimeModel(_runtime).Forward),
        (_, 32) => WithCells(StreamLstm32.FromRuntimeModel(_runtime).Forward),
        _ => WithCells(StreamLstm64.FromRuntimeModel(_runtime).Forward),
    };

    private delegate void PlainForward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, RnnWorkspace? workspace);

    private delegate void CellForward(
        ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, RnnWorkspace? workspace);

    private Action Plain(PlainForward forward) => () => forward(_input, _output, _hN, 1, SeqLen, SequenceLayout.BatchFirst, default, _workspace);

    private Action WithCells(CellForward forward) => () => forward(_input, _output, _hN, _cN, 1, SeqLen, SequenceLayout.BatchFirst, default, default, _workspace);
}
