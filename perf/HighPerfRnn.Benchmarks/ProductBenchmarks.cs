using System.Globalization;
using BenchmarkDotNet.Attributes;
using HighPerfRnn.Kernels;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// The packed product alone (issue 15): C = bias + A·Wᵀ at the shapes the grid's passes run, the input projections
/// (all time steps' rows at once) and one time step's recurrent product (the batch's rows). Whole passes add the
/// activations and the state update to these; the difference between a product's fraction of the FMA peak here and
/// its pass's in the grid is what those cost.
/// </summary>
[MemoryDiagnoser]
public class ProductBenchmarks
{
    /// <summary>Rows × gate rows (W's rows) × depth, and which pass runs it.</summary>
    public sealed record Shape(string Use, int Rows, int Columns, int Depth)
    {
        public double Flops => 2.0 * Rows * Columns * Depth;

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Rows}x{Columns}x{Depth}");
    }

    public static IReadOnlyList<Shape> Shapes { get; } =
    [
        new("lstm-big: layer 1 input projection", 3200, 1024, 256),
        new("lstm-big: layer 2 input projection", 3200, 1024, 512),
        new("large: input projection", 6400, 512, 512),
        new("batch: input projection", 6400, 128, 128),
        new("lstm-big: recurrent step", 32, 1024, 256),
        new("large: recurrent step", 64, 512, 512),
        new("batch: recurrent step", 64, 128, 128),
        new("gru-batch16: recurrent step", 16, 384, 128),
        new("lstm-batch8: recurrent step", 8, 512, 128),
    ];

    private Action _product = null!;

    [ParamsSource(nameof(Shapes))]
    public Shape Product { get; set; } = null!;

    [GlobalSetup]
    public void Setup()
    {
        _product = Prepare(Product);
        JitWarmup.Run(_product);
    }

    [Benchmark(Description = "packed product")]
    public void Multiply() => _product();

    /// <summary>The product on random data, packed for the widest path this machine runs, as a call to time.</summary>
    public static Action Prepare(Shape shape)
    {
        SimdPath path = SimdPaths.Best;
        var random = new Random(15);
        float[] weights = Enumerable.Range(0, shape.Columns * shape.Depth).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        PackedMatrix w = PackedMatrix.Pack(weights, shape.Columns, shape.Depth, SimdPaths.LaneCount(path));
        float[] a = Enumerable.Range(0, shape.Rows * shape.Depth).Select(_ => (float)random.NextDouble() - 0.5f).ToArray();
        float[] bias = new float[w.PaddedRows];
        float[] c = new float[shape.Rows * w.PaddedRows];
        return () => PackedGemm.MultiplyAdd(path, a, shape.Depth, shape.Rows, w, bias, 0, c, w.PaddedRows);
    }
}
