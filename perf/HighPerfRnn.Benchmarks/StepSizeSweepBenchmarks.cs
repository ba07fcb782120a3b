using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// The cliff check of the execution-plan issue: a streaming LSTM and GRU step (batch 1, input = hidden) at every hidden
/// size from 8 to 64 in steps that fall on and between the vector widths (12, 20, 24 and 40 are not whole 512-bit
/// vectors; 12 and 20 not whole 256-bit ones). With gate blocks padded to whole vectors, time should grow smoothly with
/// the size; before, the gates of 8 on AVX-512 and 12, 20 on AVX2 ran in scalar code. Runtime-sized models, on the path
/// the planner picks (the Plan column says which).
/// </summary>
[MemoryDiagnoser]
public class StepSizeSweepBenchmarks
{
    private readonly RnnWorkspace _workspace = new();
    private RnnModel _model = null!;
    private float[] _input = null!;
    private float[] _state = null!;
    private float[] _cell = null!;
    private float[] _output = null!;

    [Params(RnnCell.Lstm, RnnCell.Gru)]
    public RnnCell Cell { get; set; }

    [Params(8, 12, 16, 20, 24, 32, 40, 48, 64)]
    public int Hidden { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = RnnModel.CreateRandom(new RnnArchitecture(Cell, Hidden, Hidden), seed: 11);
        _input = new float[Hidden];
        for (int i = 0; i < Hidden; i++)
        {
            _input[i] = MathF.Sin(i);
        }

        _state = new float[Hidden];
        _cell = new float[Hidden];
        _output = new float[Hidden];
        Console.WriteLine($"// plan: {_model.DescribePlan(RnnCall.Step)}");
    }

    [Benchmark(Description = "runtime-sized Step")]
    public void Step()
    {
        if (Cell == RnnCell.Lstm)
        {
            _model.Step(_input, _state, _cell, _output, 1, _workspace);
        }
        else
        {
            _model.Step(_input, _state, _output, 1, _workspace);
        }
    }
}
