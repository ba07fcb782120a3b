using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// Many live streams (issue 17): 256 open streams of an LSTM 64 or a GRU 64 (input 64), all stepped every tick, three
/// ways: an <see cref="RnnStreamSet"/> (one batched call per tick), one <c>RnnModel.Step</c> per stream (states kept by
/// the caller), and ONNX Runtime with one <c>Run</c> per stream passing the state in and out. One operation = one tick;
/// per stream and tick, divide by <see cref="Streams"/>. An LSTM 64 step is 2·4·64·(64 + 64) = 65,536 flops per stream,
/// a GRU 64 step 49,152.
/// </summary>
[MemoryDiagnoser]
public class StreamSetBenchmarks
{
    public const int Size = 64;

    private RnnModel _model = null!;
    private RnnStreamSet _set = null!;
    private RnnStreamHandle[] _handles = null!;
    private float[] _input = null!;
    private float[] _output = null!;
    private float[] _stepHidden = null!;
    private float[] _stepCell = null!;
    private float[] _stepOutput = null!;
    private float[] _onnxOutput = null!;
    private OnnxStreamRunner _onnx = null!;
    private readonly RnnWorkspace _workspace = new();

    [Params(RnnCell.Lstm, RnnCell.Gru)]
    public RnnCell Cell { get; set; }

    [Params(256)]
    public int Streams { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _model = RnnModel.CreateRandom(new RnnArchitecture(Cell, Size, Size), seed: 11);
        _set = new RnnStreamSet(_model, Streams);
        _handles = new RnnStreamHandle[Streams];
        for (int i = 0; i < Streams; i++)
        {
            _handles[i] = _set.Open();
        }

        var random = new Random(3);
        _input = new float[Streams * Size];
        for (int i = 0; i < _input.Length; i++)
        {
            _input[i] = (float)((random.NextDouble() * 2) - 1);
        }

        _output = new float[Streams * Size];
        _stepHidden = new float[Streams * Size];
        _stepCell = new float[Streams * Size];
        _stepOutput = new float[Streams * Size];
        _onnxOutput = new float[Streams * Size];
        _onnx = new OnnxStreamRunner(_model, Streams, _input, _onnxOutput);
        CheckTheThreeAgree();
    }

    [GlobalCleanup]
    public void Cleanup() => _onnx.Dispose();

    [Benchmark(Baseline = true, Description = "stream set: one call per tick")]
    public void SetTick() => _set.Step(_handles, _input, _output);

    [Benchmark(Description = "one Step per stream")]
    public void StepPerStream()
    {
        for (int s = 0; s < Streams; s++)
        {
            ReadOnlySpan<float> x = _input.AsSpan(s * Size, Size);
            Span<float> h = _stepHidden.AsSpan(s * Size, Size);
            Span<float> y = _stepOutput.AsSpan(s * Size, Size);
            if (Cell == RnnCell.Lstm)
            {
                _model.Step(x, h, _stepCell.AsSpan(s * Size, Size), y, 1, _workspace);
            }
            else
            {
                _model.Step(x, h, y, 1, _workspace);
            }
        }
    }

    [Benchmark(Description = "ONNX Runtime: one Run per stream, state in and out")]
    public void OnnxRunPerStream() => _onnx.Tick();

    /// <summary>
    /// Three ticks from zero state each way: the set and one Step per stream must agree bit for bit (one summation
    /// order), and ONNX Runtime, on the hand-built ONNX graph, within float rounding (else its column would be wrong).
    /// </summary>
    private void CheckTheThreeAgree()
    {
        for (int tick = 0; tick < 3; tick++)
        {
            SetTick();
            StepPerStream();
            OnnxRunPerStream();
        }

        if (!_output.AsSpan().SequenceEqual(_stepOutput))
        {
            throw new InvalidOperationException("The stream set and one Step per stream gave different bits.");
        }

        double worst = 0;
        for (int i = 0; i < _output.Length; i++)
        {
            worst = Math.Max(worst, Math.Abs(_output[i] - _onnxOutput[i]));
        }

        float[] hidden = _onnx.Hidden(Streams - 1).ToArray();
        for (int i = 0; i < Size; i++)
        {
            worst = Math.Max(worst, Math.Abs(hidden[i] - _output[((Streams - 1) * Size) + i]));
        }

        if (worst > 1e-5)
        {
            throw new InvalidOperationException($"ONNX Runtime's outputs differ from HighPerfRnn's by {worst} after 3 ticks: the ONNX graph is wrong.");
        }

        Console.WriteLine($"// {Cell} {Size}: ONNX Runtime within {worst:E1} of HighPerfRnn after 3 ticks; the set equals one Step per stream bit for bit.");
    }
}
