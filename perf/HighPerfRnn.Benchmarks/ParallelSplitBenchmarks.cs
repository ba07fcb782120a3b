using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// How <see cref="RnnParallelRunner"/> splits a pass of a few rows between two threads: the batch rows (each thread its
/// rows' whole pass) or every step's hidden units (each thread its panels of every gate block for all the rows, a wait
/// for both after each step), against one thread. The shapes straddle the planner's lines (ExecutionPlanner's
/// ShareUnits constants: one row a thread from W_hh 192 KB, two or three from 384 KB, none from four rows a thread).
/// Not part of the report; <c>--paired</c> also times the three in alternation (<see cref="Reporting.PairedRatios.MeasureSplits"/>).
/// </summary>
[MemoryDiagnoser]
public class ParallelSplitBenchmarks : IDisposable
{
    private RnnModel _model = null!;
    private RnnParallelRunner _runner = null!;
    private readonly RnnWorkspace _workspace = new();
    private float[] _input = null!;
    private float[] _output = null!;
    private float[] _hN = null!;
    private float[] _cN = null!;

    /// <summary>One shape: cell, hidden (= input) size, batch; 50 steps, batch-first, random weights.</summary>
    public sealed record SplitShape(RnnCell Cell, int Hidden, int Batch)
    {
        public const int SeqLen = 50;

        public override string ToString() => $"{Cell} {Hidden} batch {Batch}";
    }

    public static IEnumerable<SplitShape> Shapes =>
    [
        new(RnnCell.Lstm, 96, 2), new(RnnCell.Lstm, 128, 2), new(RnnCell.Lstm, 256, 3),
        new(RnnCell.Lstm, 128, 4), new(RnnCell.Gru, 256, 4), new(RnnCell.Rnn, 512, 4),
        new(RnnCell.Lstm, 128, 8), new(RnnCell.Lstm, 256, 8),
    ];

    [ParamsSource(nameof(Shapes))]
    public SplitShape Shape { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        var architecture = new RnnArchitecture(Shape.Cell, Shape.Hidden, Shape.Hidden);
        _model = RnnModel.CreateRandom(architecture, seed: 1);
        _runner = new RnnParallelRunner(2);
        var random = new Random(3);
        _input = new float[Shape.Batch * SplitShape.SeqLen * Shape.Hidden];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        _output = new float[_input.Length];
        _hN = new float[Shape.Batch * Shape.Hidden];
        _cN = new float[Shape.Cell == RnnCell.Lstm ? _hN.Length : 0];
        JitWarmup.RunAll([OneThread, SplitRows, ShareUnits]);
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
            _model.Forward(_input, _output, _hN, _cN, Shape.Batch, SplitShape.SeqLen, SequenceLayout.BatchFirst, workspace: _workspace);
        }
        else
        {
            _model.Forward(_input, _output, _hN, Shape.Batch, SplitShape.SeqLen, SequenceLayout.BatchFirst, workspace: _workspace);
        }
    }

    [Benchmark(Description = "2 threads, rows split")]
    public void SplitRows() => TwoThreads(team: 1);

    [Benchmark(Description = "2 threads, units shared")]
    public void ShareUnits() => TwoThreads(team: 2);

    private void TwoThreads(int team)
    {
        _runner.ForcedUnitTeam = team;
        if (_cN.Length > 0)
        {
            _runner.Forward(_model, _input, _output, _hN, _cN, Shape.Batch, SplitShape.SeqLen, SequenceLayout.BatchFirst);
        }
        else
        {
            _runner.Forward(_model, _input, _output, _hN, Shape.Batch, SplitShape.SeqLen, SequenceLayout.BatchFirst);
        }
    }
}
