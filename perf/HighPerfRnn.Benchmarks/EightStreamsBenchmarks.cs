using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// Eight streams stepped together (issue 14): one <c>Step</c> of 8 rows of a declared LSTM 64 or GRU 64 (input 64),
/// against the runtime-sized model built from the same weights (the same bits). One operation = one such step; per
/// stream, divide by <see cref="Streams"/>. An LSTM 64 stream-step is 2·4·64·(64 + 64) = 65,536 flops, a GRU 64's
/// 49,152 (<see cref="Reporting.MachineLimits.StreamStepNs(RnnCell, int, double, double, double)"/>): issue 14 asks 80% of the FMA peak. Each step's output becomes the next step's
/// input, as a streaming caller's would.
/// </summary>
[MemoryDiagnoser]
public class EightStreamsBenchmarks
{
    public const int Hidden = 64;

    private readonly RnnWorkspace _workspace = new();
    private RnnModel _runtime = null!;
    private Action _runtimeSized = null!;
    private Action _declared = null!;
    private float[] _input = null!;
    private float[] _state = null!;
    private float[] _cells = null!;
    private float[] _output = null!;

    [Params(RnnCell.Lstm, RnnCell.Gru)]
    public RnnCell Cell { get; set; }

    [Params(8)]
    public int Streams { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _runtime = RnnModel.CreateRandom(new RnnArchitecture(Cell, Hidden, Hidden), seed: 23);
        _input = new float[Streams * Hidden];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = MathF.Sin(i * 0.37f);
        }

        _state = new float[Streams * Hidden];
        _cells = new float[Streams * Hidden];
        _output = new float[Streams * Hidden];
        _runtimeSized = Cell == RnnCell.Lstm ? Lstm(_runtime.Step) : Gated(_runtime.Step);
        _declared = Cell == RnnCell.Lstm ? Lstm(StreamLstm64.FromRuntimeModel(_runtime).Step) : Gated(StreamGru64.FromRuntimeModel(_runtime).Step);
        CheckSameBits();
        JitWarmup.RunAll([RuntimeSized, Declared]);
    }

    [Benchmark(Baseline = true, Description = "runtime-sized Step of 8 streams")]
    public void RuntimeSized() => _runtimeSized();

    [Benchmark(Description = "declared Step of 8 streams")]
    public void Declared() => _declared();

    private delegate void StateStep(ReadOnlySpan<float> input, Span<float> state, Span<float> output, int batch, RnnWorkspace? workspace);

    private delegate void CellStep(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace? workspace);

    private Action Gated(StateStep step) => () =>
    {
        step(_input, _state, _output, Streams, _workspace);
        _output.AsSpan().CopyTo(_input);
    };

    private Action Lstm(CellStep step) => () =>
    {
        step(_input, _state, _cells, _output, Streams, _workspace);
        _output.AsSpan().CopyTo(_input);
    };

    /// <summary>Three steps from the same start each way: the declared and runtime-sized models must give the same bits.</summary>
    private void CheckSameBits()
    {
        float[] start = (float[])_input.Clone();
        float[] Run(Action step)
        {
            start.CopyTo(_input, 0);
            Array.Clear(_state);
            Array.Clear(_cells);
            for (int i = 0; i < 3; i++)
            {
                step();
            }

            return [.. _output, .. _state, .. _cells];
        }

        float[] runtime = Run(_runtimeSized);
        float[] declared = Run(_declared);
        if (!runtime.AsSpan().SequenceEqual(declared))
        {
            throw new InvalidOperationException($"The declared {Cell} {Hidden} and the runtime-sized one gave different bits for a Step of {Streams} streams.");
        }

        start.CopyTo(_input, 0);
    }
}
