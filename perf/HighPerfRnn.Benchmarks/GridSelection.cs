namespace HighPerfRnn.Benchmarks;

/// <summary>Which grid points run: all, or those named in HPRNN_BENCH_POINTS (comma-separated).</summary>
public static class GridSelection
{
    public static IEnumerable<GridPoint> Select(IEnumerable<GridPoint> points)
    {
        string? names = Environment.GetEnvironmentVariable("HPRNN_BENCH_POINTS");
        HashSet<string>? wanted = string.IsNullOrWhiteSpace(names) ? null : names.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return points.Where(p => wanted is null || wanted.Contains(p.Name));
    }
}
