using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// A few sequences at once, declared against runtime-sized (issue 14's "never slower for any batch"): one layer, input =
/// hidden, seq 50, batch-first. Below the planner's lines (ExecutionPlanner.DeclaredForwardRowsLimitBytes) the declared
/// model runs each sequence through its whole-model Forward, one after the other; the runtime-sized model runs the
/// blocked product of all the rows per step. Both share the runtime model's weights, so the bits are the same.
/// </summary>
[MemoryDiagnoser]
public class DeclaredBatchForwardBenchmarks
{
    private const int SeqLen = 50;
    private readonly RnnWorkspace _workspace = new();
    private RnnModel _runtime = null!;
    private Action _declared = null!;
    private float[] _input = null!;
    private float[] _output = null!;
    private float[] _hN = null!;
    private float[] _cN = null!;

    [Params(RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru)]
    public RnnCell Cell { get; set; }

    [Params(8, 16, 32)]
    public int Hidden { get; set; }

    [Params(2, 4, 16)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _runtime = RnnModel.CreateRandom(new RnnArchitecture(Cell, Hidden, Hidden), seed: 13);
        _input = new float[Batch * SeqLen * Hidden];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = MathF.Sin(i * 0.37f);
        }

        _output = new float[Batch * SeqLen * Hidden];
        _hN = new float[Batch * Hidden];
        _cN = new float[Batch * Hidden];
        _declared = Declared();
        Console.WriteLine($"// declared plan: {_runtime.DescribePlan(RnnCall.Forward, Batch, declared: true)}");
        JitWarmup.RunAll([RuntimeSized, _declared]);
    }

    [Benchmark(Baseline = true, Description = "runtime-sized Forward")]
    public void RuntimeSized()
    {
        if (Cell == RnnCell.Lstm)
        {
            _runtime.Forward(_input, _output, _hN, _cN, Batch, SeqLen, SequenceLayout.BatchFirst, default, default, _workspace);
        }
        else
        {
            _runtime.Forward(_input, _output, _hN, Batch, SeqLen, SequenceLayout.BatchFirst, default, _workspace);
        }
    }

    [Benchmark(Description = "declared Forward")]
    public void Generated() => _declared();

    private Action Declared() => (Cell, Hidden) switch
    {
        (RnnCell.Rnn, 8) => Plain(StreamRnn8.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Rnn, 16) => Plain(StreamRnn16.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Rnn, _) => Plain(StreamRnn32.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Gru, 8) => Plain(StreamGru8.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Gru, 16) => Plain(StreamGru16.FromRuntimeModel(_runtime).Forward),
        (RnnCell.Gru, _) => Plain(StreamGru32.FromRuntimeModel(_runtime).Forward),
        (_, 8) => WithCells(StreamLstm8.FromRuntimeModel(_runtime).Forward),
        (_, 16) => WithCells(StreamLstm16.FromRuntimeModel(_runtime).Forward),
        _ => WithCells(StreamLstm32.FromRuntimeModel(_runtime).Forward),
    };

    private delegate void PlainForward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, RnnWorkspace? workspace);

    private delegate void CellForward(
        ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, RnnWorkspace? workspace);

    private Action Plain(PlainForward forward) => () => forward(_input, _output, _hN, Batch, SeqLen, SequenceLayout.BatchFirst, default, _workspace);

    private Action WithCells(CellForward forward) => () => forward(_input, _output, _hN, _cN, Batch, SeqLen, SequenceLayout.BatchFirst, default, default, _workspace);
}
