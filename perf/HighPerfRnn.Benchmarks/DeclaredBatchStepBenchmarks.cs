using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// A Step of several streams, declared against runtime-sized (issue 14's "never slower for any batch"): input = hidden,
/// one or two layers. To ExecutionPlanner.DeclaredStepRowsMaxBatch streams (8) the declared model runs each stream's row
/// through its whole-model step, one after the other; from 9 its generated step; from 32 the runtime's kernels, like the
/// runtime-sized model (the batched step: the input product of all the rows, the recurrent product, the gate pass). Both
/// share the runtime model's weights, so the bits are the same. Each call is 20 Steps.
/// </summary>
[MemoryDiagnoser]
public class DeclaredBatchStepBenchmarks
{
    private const int StepsPerCall = 20;
    private readonly RnnWorkspace _workspace = new();
    private RnnModel _runtime = null!;
    private Action _declared = null!;
    private float[] _input = null!;
    private float[] _state = null!;
    private float[] _cells = null!;
    private float[] _output = null!;

    [Params(RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru)]
    public RnnCell Cell { get; set; }

    [Params(16, 32)]
    public int Hidden { get; set; }

    [Params(1, 2)]
    public int Layers { get; set; }

    [Params(4, 8, 16, 64)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _runtime = RnnModel.CreateRandom(new RnnArchitecture(Cell, Hidden, Hidden, numLayers: Layers), seed: 17);
        _input = new float[Batch * Hidden];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = MathF.Sin(i * 0.37f);
        }

        _state = new float[Layers * Batch * Hidden];
        _cells = new float[Layers * Batch * Hidden];
        _output = new float[Batch * Hidden];
        _declared = Declared();
        Console.WriteLine($"// declared plan: {_runtime.DescribePlan(RnnCall.Step, Batch, declared: true)}");
        JitWarmup.RunAll([RuntimeSized, _declared]);
    }

    [Benchmark(Baseline = true, Description = "runtime-sized Step ×20")]
    public void RuntimeSized()
    {
        for (int step = 0; step < StepsPerCall; step++)
        {
            if (Cell == RnnCell.Lstm)
            {
                _runtime.Step(_input, _state, _cells, _output, Batch, _workspace);
            }
            else
            {
                _runtime.Step(_input, _state, _output, Batch, _workspace);
            }
        }
    }

    [Benchmark(Description = "declared Step ×20")]
    public void Generated() => _declared();

    private Action Declared() => (Cell, Hidden, Layers) switch
    {
        (RnnCell.Rnn, 16, 1) => Plain(StreamRnn16.FromRuntimeModel(_runtime).Step),
        (RnnCell.Rnn, _, 1) => Plain(StreamRnn32.FromRuntimeModel(_runtime).Step),
        (RnnCell.Rnn, 16, _) => Plain(DeepRnn16.FromRuntimeModel(_runtime).Step),
        (RnnCell.Rnn, _, _) => Plain(DeepRnn32.FromRuntimeModel(_runtime).Step),
        (RnnCell.Gru, 16, 1) => Plain(StreamGru16.FromRuntimeModel(_runtime).Step),
        (RnnCell.Gru, _, 1) => Plain(StreamGru32.FromRuntimeModel(_runtime).Step),
        (RnnCell.Gru, 16, _) => Plain(DeepGru16.FromRuntimeModel(_runtime).Step),
        (RnnCell.Gru, _, _) => Plain(DeepGru32.FromRuntimeModel(_runtime).Step),
        (_, 16, 1) => WithCells(StreamLstm16.FromRuntimeModel(_runtime).Step),
        (_, _, 1) => WithCells(StreamLstm32.FromRuntimeModel(_runtime).Step),
        (_, 16, _) => WithCells(DeepLstm16.FromRuntimeModel(_runtime).Step),
        _ => WithCells(DeepLstm32.FromRuntimeModel(_runtime).Step),
    };

    private delegate void PlainStep(ReadOnlySpan<float> input, Span<float> state, Span<float> output, int batch, RnnWorkspace? workspace);

    private delegate void CellStep(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace? workspace);

    private Action Plain(PlainStep step) => () =>
    {
        for (int i = 0; i < StepsPerCall; i++)
        {
            step(_input, _state, _output, Batch, _workspace);
        }
    };

    private Action WithCells(CellStep step) => () =>
    {
        for (int i = 0; i < StepsPerCall; i++)
        {
            step(_input, _state, _cells, _output, Batch, _workspace);
        }
    };
}
