using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// Streaming latency (issue 4): one time step, batch 1, input = hidden, state carried by the caller; the time RTNeural's
/// compile-time layers take is the reference (docs/benchmarks.md). Runtime-sized and generated models side by side.
/// </summary>
[MemoryDiagnoser]
public class StepBenchmarks
{
    private readonly RnnWorkspace _workspace = new();
    private RnnModel _runtime = null!;
    private Action _runtimeSized = null!;
    private Action _generated = null!;
    private float[] _input = null!;
    private float[] _state = null!;
    private float[] _cell = null!;
    private float[] _output = null!;

    [Params(RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru)]
    public RnnCell Cell { get; set; }

    [Params(8, 16, 32, 64, 128)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _runtime = RnnModel.CreateRandom(new RnnArchitecture(Cell, Hidden, Hidden), seed: 11);
        _input = new float[Hidden];
        for (int i = 0; i < Hidden; i++)
        {
            _input[i] = MathF.Sin(i);
        }

        _state = new float[Hidden];
        _cell = new float[Hidden];
        _output = new float[Hidden];
        // Both sides through the same two delegate hops, so that the declared ÷ runtime ratio compares the models, not
        // the calls: with the runtime-sized model called directly, the hops cost the declared side 2-3 ns a call (a
        // declared RNN 64 Step measured 1.025 of the runtime-sized one's time that way, 0.997 with both direct).
        _runtimeSized = Cell == RnnCell.Lstm ? Lstm(_runtime.Step) : Rnn(_runtime.Step);
        _generated = GeneratedStep();
    }

    [Benchmark(Baseline = true, Description = "runtime-sized Step")]
    public void RuntimeSized() => _runtimeSized();

    [Benchmark(Description = "generated Step")]
    public void Generated() => _generated();

    /// <summary>The step's output becomes the next input (<see cref="FeedbackStepLoop"/>: as RTNeural's layers were timed).</summary>
    public void FeedBack() => _output.AsSpan().CopyTo(_input);

    /// <summary>The declared model's Step for this cell and size (its generated kernel, or the runtime's where it declines).</summary>
    private Action GeneratedStep() => (Cell, Hidden) switch
    {
        (RnnCell.Rnn, 8) => Rnn(StreamRnn8.FromRuntimeModel(_runtime).Step),
        (RnnCell.Rnn, 16) => Rnn(StreamRnn16.FromRuntimeModel(_runtime).Step),
        (RnnCell.Rnn, 32) => Rnn(StreamRnn32.FromRuntimeModel(_runtime).Step),
        (RnnCell.Rnn, 64) => Rnn(StreamRnn64.FromRuntimeModel(_runtime).Step),
        (RnnCell.Rnn, _) => Rnn(StreamRnn128.FromRuntimeModel(_runtime).Step),
        (RnnCell.Gru, 8) => Rnn(StreamGru8.FromRuntimeModel(_runtime).Step),
        (RnnCell.Gru, 16) => Rnn(StreamGru16.FromRuntimeModel(_runtime).Step),
        (RnnCell.Gru, 32) => Rnn(StreamGru32.FromRuntimeModel(_runtime).Step),
        (RnnCell.Gru, 64) => Rnn(StreamGru64.FromRuntimeModel(_runtime).Step),
        (RnnCell.Gru, _) => Rnn(StreamGru128.FromRuntimeModel(_runtime).Step),
        (_, 8) => Lstm(StreamLstm8.FromRuntimeModel(_runtime).Step),
        (_, 16) => Lstm(StreamLstm16.FromRuntimeModel(_runtime).Step),
        (_, 32) => Lstm(StreamLstm32.FromRuntimeModel(_runtime).Step),
        (_, 64) => Lstm(StreamLstm64.FromRuntimeModel(_runtime).Step),
        _ => Lstm(StreamLstm128.FromRuntimeModel(_runtime).Step),
    };

    private delegate void StateStep(ReadOnlySpan<float> input, Span<float> state, Span<float> output, int batch, RnnWorkspace? workspace);

    private delegate void CellStep(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace? workspace);

    private Action Rnn(StateStep step) => () => step(_input, _state, _output, 1, _workspace);

    private Action Lstm(CellStep step) => () => step(_input, _state, _cell, _output, 1, _workspace);
}
