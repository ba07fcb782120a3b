using BenchmarkDotNet.Attributes;
using HighPerfRnn.Reference;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// The grid of issue 4: one forward pass over a whole sequence, HighPerfRnn against ONNX Runtime (the baseline,
/// one thread) on the same PyTorch-exported weights and the same input. Before timing, the outputs are compared
/// and the run stops if they differ by more than 1e-4.
/// </summary>
[MemoryDiagnoser]
public class ForwardBenchmarks : IDisposable
{
    private ModelUnderTest _model = null!;

    [ParamsSource(nameof(Points))]
    public GridPoint Point { get; set; } = null!;

    public static IEnumerable<GridPoint> Points => GridSelection.Select(GridPoint.All);

    [GlobalSetup]
    public void Setup() => _model = new ModelUnderTest(Point);

    [GlobalCleanup]
    public void Dispose()
    {
        _model?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime")]
    public void OnnxRuntime() => _model.Onnx.Run();

    [Benchmark(Description = "HighPerfRnn runtime-sized")]
    public void RuntimeSized() => _model.RunRuntimeSized();

    /// <summary>The declared model with generated kernels (LSTM and GRU points run the runtime-sized model here until the generator specializes them).</summary>
    [Benchmark(Description = "HighPerfRnn generated")]
    public void Generated() => _model.RunGenerated();
}

/// <summary>The naive double-precision reference beside ONNX Runtime, on the points where it finishes in reasonable time.</summary>
[MemoryDiagnoser]
public class NaiveReferenceBenchmarks : IDisposable
{
    private ModelUnderTest _model = null!;

    [ParamsSource(nameof(Points))]
    public GridPoint Point { get; set; } = null!;

    public static IEnumerable<GridPoint> Points => GridSelection.Select(GridPoint.All.Where(p => p.Flops < 1e8));

    [GlobalSetup]
    public void Setup() => _model = new ModelUnderTest(Point);

    [GlobalCleanup]
    public void Dispose()
    {
        _model?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime")]
    public void OnnxRuntime() => _model.Onnx.Run();

    [Benchmark(Description = "naive reference (double)")]
    public NaiveRecurrentReference.Result Naive() => _model.RunNaive();
}
