using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// A whole sequence at batch 1, runtime-sized against declared (issue 14): input = hidden, 100 steps. The concrete
/// classes fix the layers and the declared types; both sides share the runtime model's weights.
/// </summary>
[MemoryDiagnoser]
public abstract class DeclaredForwardBenchmarks
{
    public const int SeqLen = 100;

    private readonly RnnWorkspace _workspace = new();
    private RnnModel _runtime = null!;
    private Action _runtimeSized = null!;
    private Action _declared = null!;
    private float[] _input = null!;
    private float[] _output = null!;
    private float[] _hN = null!;
    private float[] _cN = null!;

    public abstract RnnCell Cell { get; set; }

    public abstract int Hidden { get; set; }

    /// <summary>Stacked unidirectional layers.</summary>
    protected abstract int Layers { get; }

    [GlobalSetup]
    public void Setup()
    {
        _runtime = RnnModel.CreateRandom(new RnnArchitecture(Cell, Hidden, Hidden, numLayers: Layers), seed: 13);
        _input = new float[SeqLen * Hidden];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = MathF.Sin(i * 0.37f);
        }

        _output = new float[SeqLen * Hidden];
        _hN = new float[Layers * Hidden];
        _cN = new float[Layers * Hidden];
        // Both sides through the same delegate hops (as StepBenchmarks): the ratio compares the models, not the calls.
        _runtimeSized = Cell == RnnCell.Lstm ? WithCells(_runtime.Forward) : Plain(_runtime.Forward);
        _declared = Declared(_runtime);
        JitWarmup.RunAll([RuntimeSized, _declared]);
    }

    [Benchmark(Baseline = true, Description = "runtime-sized Forward")]
    public void RuntimeSized() => _runtimeSized();

    [Benchmark(Description = "declared Forward")]
    public void Generated() => _declared();

    /// <summary>The declared type's Forward for this cell and size, over <paramref name="runtime"/>'s weights.</summary>
    protected abstract Action Declared(RnnModel runtime);

    protected delegate void PlainForward(ReadOnlySpan<float> input, Span<float> output, Span<float> hN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, RnnWorkspace? workspace);

    protected delegate void CellForward(
        ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, int batch, int seqLen, SequenceLayout layout, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, RnnWorkspace? workspace);

    protected Action Plain(PlainForward forward) => () => forward(_input, _output, _hN, 1, SeqLen, SequenceLayout.BatchFirst, default, _workspace);

    protected Action WithCells(CellForward forward) => () => forward(_input, _output, _hN, _cN, 1, SeqLen, SequenceLayout.BatchFirst, default, default, _workspace);
}
