using BenchmarkDotNet.Attributes;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// Controls for the Allocated column, in the grid's own process state (the point's models and ONNX Runtime session
/// loaded, the forward pass warmed up): a call that does nothing, and one that only sleeps as long as a large point's
/// forward pass, so the extra iteration that measures allocation holds one or two of them, as it does for large and
/// lstm-big. Neither allocates: whatever they report is the measurement's own.
/// </summary>
/// <remarks>
/// MemoryDiagnoser counts the whole process's allocations (GC.GetTotalAllocatedBytes(precise: true)) over one extra
/// iteration that starts right after a forced full collection. After every full collection the runtime's finalizer
/// thread trims each ArrayPool&lt;T&gt;.Shared in use (SharedArrayPool.Trim, run by Gen2GcCallback: it calls
/// GC.GetGCMemoryInfo and enumerates a ConditionalWeakTable, 336 bytes a pool), and that trim races the start of the
/// measurement. Divided by one or two operations it reads as hundreds of bytes per call (1008 B, three pools, was seen
/// on lstm-big); a short call divides it by thousands and rounds it away. Program.cs has BenchmarkDotNet hold the
/// finalizer thread during that iteration; to see the race without it (it does not land every time):
/// dotnet run -c Release --project perf/HighPerfRnn.Benchmarks -- --quick --finalizer-free-running --filter *AllocationControl*
/// </remarks>
[MemoryDiagnoser]
public class AllocationControlBenchmarks : IDisposable
{
    private ModelUnderTest _model = null!;

    [ParamsSource(nameof(Points))]
    public GridPoint Point { get; set; } = null!;

    public static IEnumerable<GridPoint> Points => GridSelection.Select(GridPoint.All.Where(p => p.Batch > 1));

    [GlobalSetup]
    public void Setup()
    {
        _model = new ModelUnderTest(Point);
        JitWarmup.Run(_model.RunRuntimeSized);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _model?.Dispose();
        GC.SuppressFinalize(this);
    }

    [Benchmark(Description = "control: nothing")]
    public void Nothing()
    {
    }

    [Benchmark(Description = "control: Thread.Sleep(100)")]
    public void Sleep() => Thread.Sleep(100);
}
