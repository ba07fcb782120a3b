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
        _generated = GeneratedStep();
    }

    [Benchmark(Baseline = true, Description = "runtime-sized Step")]
    public void RuntimeSized()
    {
        if (Cell == RnnCell.Lstm)
        {
            _runtime.Step(_input, _state, _cell, _output, 1, _workspace);
        }
        else
        {
            _runtime.Step(_input, _state, _output, 1, _workspace);
        }
    }

    [Benchmark(Description = "generated Step")]
    public void Generated() => _generated();

    /// <summary>The declared model's Step where the shape is declared (RNN); the runtime-sized Step otherwise.</summary>
    private Action GeneratedStep()
    {
        if (Cell != RnnCell.Rnn)
        {
            return RuntimeSized;
        }

        return Hidden switch
        {
            8 => StreamRnn8.FromRuntimeModel(_runtime) is var m ? () => m.Step(_input, _state, _output, 1, _workspace) : RuntimeSized,
            16 => StreamRnn16.FromRuntimeModel(_runtime) is var m ? () => m.Step(_input, _state, _output, 1, _workspace) : RuntimeSized,
            32 => StreamRnn32.FromRuntimeModel(_runtime) is var m ? () => m.Step(_input, _state, _output, 1, _workspace) : RuntimeSized,
            64 => StreamRnn64.FromRuntimeModel(_runtime) is var m ? () => m.Step(_input, _state, _output, 1, _workspace) : RuntimeSized,
            _ => StreamRnn128.FromRuntimeModel(_runtime) is var m ? () => m.Step(_input, _state, _output, 1, _workspace) : RuntimeSized,
        };
    }
}
