using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// The batch cliff check: a runtime-sized Elman <c>Forward</c> (seq 50, input = hidden, batch-first) of small hidden
/// sizes at batches 1 to 64. A row should never cost more in a batch than alone; before session 15 Elman 8–48 at batch
/// 2–3 cost 1.3–6× a batch-1 row (the blocked product per step, on one panel a few floats deep), and a one-vector Elman
/// more than alone at every batch. docs/batch-sweep.md divides these times by batch × seq.
/// </summary>
[MemoryDiagnoser]
public class BatchSweepBenchmarks
{
    private const int SeqLen = 50;
    private readonly RnnWorkspace _workspace = new();
    private RnnModel _model = null!;
    private float[] _input = null!;
    private float[] _output = null!;
    private float[] _hN = null!;

    [Params(8, 16, 32, 48)]
    public int Hidden { get; set; }

    [Params(1, 2, 3, 8, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Rnn, Hidden, Hidden), seed: 11);
        _input = new float[Batch * SeqLen * Hidden];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = MathF.Sin(i);
        }

        _output = new float[Batch * SeqLen * Hidden];
        _hN = new float[Batch * Hidden];
        Console.WriteLine($"// plan: {_model.DescribePlan(RnnCall.Forward, Batch)}");
    }

    [Benchmark(Description = "runtime-sized Forward")]
    public void Forward() => _model.Forward(_input, _output, _hN, Batch, SeqLen, SequenceLayout.BatchFirst, default, _workspace);
}
