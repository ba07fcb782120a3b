namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>This core's limits, measured once at the start of a run: the FMA peak, the rate of reading from L2, and the L1 data cache's size.</summary>
public sealed record MachineLimits(double PeakGflops, double L2BytesPerNs, int L1DataBytes)
{
    public static MachineLimits Measure() => new(PeakFlops.MeasureGflops(), CacheBandwidth.MeasureBytesPerNs(), CacheBandwidth.L1DataBytes);

    public PointLimit LimitOf(GridPoint point) => point.LimitAt(PeakGflops, L2BytesPerNs, L1DataBytes);
}
