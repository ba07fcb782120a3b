using BenchmarkDotNet.Attributes;
using HighPerfRnn.Planning;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// How <see cref="RnnParallelRunner"/> splits a pass of a few rows between two threads: the batch rows (each thread its
/// rows' whole pass), or for a unidirectional model every step's hidden units (each thread its panels of every gate block
/// for all the rows, a wait for both after each step), for a bidirectional one its directions (a thread each, a wait
/// after each layer); against one thread. The shapes straddle the planner's lines (ExecutionPlanner's ShareUnits and
/// ShareDirections constants). Not part of the report; <c>--paired</c> also times the three in alternation
/// (<see cref="Reporting.PairedRatios.MeasureSplits"/>).
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

    /// <summary>One shape: cell, hidden (= input) size, batch, layers and directions; 50 steps, batch-first, random weights.</summary>
    public sealed record SplitShape(RnnCell Cell, int Hidden, int Batch, int Layers = 1, bool Bidirectional = false)
    {
        public const int SeqLen = 50;

        public override string ToString() => $"{Cell} {Hidden}{(Layers > 1 ? $" x{Layers}" : string.Empty)}{(Bidirectional ? " bi" : string.Empty)} batch {Batch}";
    }

    public static IEnumerable<SplitShape> Shapes =>
    [
        new(RnnCell.Lstm, 128, 1), new(RnnCell.Lstm, 256, 1),
        new(RnnCell.Lstm, 96, 2), new(RnnCell.Lstm, 128, 2), new(RnnCell.Lstm, 256, 3),
        new(RnnCell.Lstm, 128, 4), new(RnnCell.Gru, 256, 4), new(RnnCell.Rnn, 512, 4),
        new(RnnCell.Lstm, 128, 8), new(RnnCell.Lstm, 256, 8),
        new(RnnCell.Gru, 16, 1, Bidirectional: true), new(RnnCell.Lstm, 64, 1, Bidirectional: true), new(RnnCell.Lstm, 128, 1, Bidirectional: true),
        new(RnnCell.Rnn, 256, 1, 2, true), new(RnnCell.Lstm, 256, 8, 2, true), new(RnnCell.Lstm, 256, 16, 2, true),
    ];

    [ParamsSource(nameof(Shapes))]
    public SplitShape Shape { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        var architecture = new RnnArchitecture(Shape.Cell, Shape.Hidden, Shape.Hidden, numLayers: Shape.Layers, bidirectional: Shape.Bidirectional);
        _model = RnnModel.CreateRandom(architecture, seed: 1);
        _runner = new RnnParallelRunner(2);
        var random = new Random(3);
        _input = new float[Shape.Batch * SplitShape.SeqLen * Shape.Hidden];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        _output = new float[_input.Length * architecture.NumDirections];
        _hN = new float[architecture.StateRows * Shape.Batch * Shape.Hidden];
        _cN = new float[Shape.Cell == RnnCell.Lstm ? _hN.Length : 0];
        JitWarmup.RunAll([OneThread, SplitRows, ShareWork]);
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
    public void SplitRows() => TwoThreads(ParallelSplit.Rows);

    [Benchmark(Description = "2 threads, units or directions shared")]
    public void ShareWork() => TwoThreads(Shape.Bidirectional ? ParallelSplit.Directions : ParallelSplit.Units);

    private void TwoThreads(ParallelSplit split)
    {
        _runner.ForcedSplit = split;
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
