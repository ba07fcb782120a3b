using BenchmarkDotNet.Attributes;
using HighPerfRnn.Reference;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// What every grid benchmark shares: the point as a parameter, the model loaded into every engine and checked
/// to agree before anything is timed, and ONNX Runtime (one thread) as the baseline.
/// </summary>
public abstract class GridBenchmark : IDisposable
{
    protected ModelUnderTest Model { get; private set; } = null!;

    [ParamsSource(nameof(SelectedPoints))]
    public GridPoint Point { get; set; } = null!;

    /// <summary>The points this benchmark runs (BenchmarkDotNet reads it through <see cref="SelectedPoints"/>).</summary>
    public IEnumerable<GridPoint> SelectedPoints => GridSelection.Select(GridPoint.All.Where(Includes));

    /// <summary>Loads the point into every engine and checks they agree; then warms the measured call to its steady state.</summary>
    [GlobalSetup(Target = nameof(OnnxRuntime))]
    public void SetupOnnxRuntime() => Setup(() => Model.Onnx.Run());

    protected void Setup(Action measured)
    {
        Model = new ModelUnderTest(Point);
        JitWarmup.Run(measured);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        Model?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Baseline = true, Description = "ONNX Runtime")]
    public void OnnxRuntime() => Model.Onnx.Run();

    protected virtual bool Includes(GridPoint point) => true;
}

/// <summary>
/// The grid of issue 4: one forward pass over a whole sequence, HighPerfRnn against ONNX Runtime on the same
/// PyTorch-exported weights and the same input. Before timing, the outputs are compared and the run stops if they
/// differ by more than 1e-4.
/// </summary>
[MemoryDiagnoser]
public class ForwardBenchmarks : GridBenchmark
{
    [GlobalSetup(Target = nameof(RuntimeSized))]
    public void SetupRuntimeSized() => Setup(() => Model.RunRuntimeSized());

    [GlobalSetup(Target = nameof(Generated))]
    public void SetupGenerated() => Setup(() => Model.RunGenerated());

    [Benchmark(Description = "HighPerfRnn runtime-sized")]
    public void RuntimeSized() => Model.RunRuntimeSized();

    /// <summary>The declared model with generated kernels (for gated cells above the generator's 32 KB line, the same runtime kernels through the declared type).</summary>
    [Benchmark(Description = "HighPerfRnn generated")]
    public void Generated() => Model.RunGenerated();
}

/// <summary>The naive double-precision reference beside ONNX Runtime, on the points where it finishes in reasonable time.</summary>
[MemoryDiagnoser]
public class NaiveReferenceBenchmarks : GridBenchmark
{
    [GlobalSetup(Target = nameof(Naive))]
    public void SetupNaive() => Setup(() => Model.RunNaive());

    [Benchmark(Description = "naive reference (double)")]
    public NaiveRecurrentReference.Result Naive() => Model.RunNaive();

    protected override bool Includes(GridPoint point) => point.Flops < 1e8;
}
