using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// The batched grid points on one thread and spread over two with <see cref="RnnParallelRunner"/> (issue 4's
/// multi-core option): batch rows are independent, so the speed-up is bounded by the core count and memory bandwidth.
/// </summary>
[MemoryDiagnoser]
public class ParallelBenchmarks : IDisposable
{
    private RnnModel _model = null!;
    private RnnParallelRunner _runner = null!;
    private readonly RnnWorkspace _workspace = new();
    private float[] _input = null!;
    private float[] _output = null!;
    private float[] _hN = null!;
    private float[] _cN = null!;

    [ParamsSource(nameof(Points))]
    public GridPoint Point { get; set; } = null!;

    public static IEnumerable<GridPoint> Points => GridSelection.Select(GridPoint.All.Where(p => p.Batch > 1));

    [GlobalSetup]
    public void Setup()
    {
        _model = RnnModel.Load(Point.SafetensorsPath);
        _runner = new RnnParallelRunner(2);
        var random = new Random(3);
        _input = new float[Point.Batch * Point.SeqLen * Point.InputSize];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        RnnArchitecture a = _model.Architecture;
        _output = new float[Point.Batch * Point.SeqLen * a.OutputSize];
        _hN = new float[a.StateRows * Point.Batch * a.StateSize];
        _cN = new float[a.Cell == RnnCell.Lstm ? a.StateRows * Point.Batch * a.HiddenSize : 0];
        JitWarmup.RunAll([OneThread, TwoThreads]);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _runner?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "1 thread")]
    public void OneThread()
    {
        if (_cN.Length > 0)
        {
            _model.Forward(_input, _output, _hN, _cN, Point.Batch, Point.SeqLen, SequenceLayout.BatchFirst, workspace: _workspace);
        }
        else
        {
            _model.Forward(_input, _output, _hN, Point.Batch, Point.SeqLen, SequenceLayout.BatchFirst, workspace: _workspace);
        }
    }

    [Benchmark(Description = "2 threads (RnnParallelRunner)")]
    public void TwoThreads()
    {
        if (_cN.Length > 0)
        {
            _runner.Forward(_model, _input, _output, _hN, _cN, Point.Batch, Point.SeqLen, SequenceLayout.BatchFirst);
        }
        else
        {
            _runner.Forward(_model, _input, _output, _hN, Point.Batch, Point.SeqLen, SequenceLayout.BatchFirst);
        }
    }
}
