using System.Diagnostics;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// This core's limits, measured once at the start of a run: the FMA peak, the rate of reading from L2, the L1 data
/// cache's size, and what one float's tanh and σ cost (<see cref="ActivationCost"/>, the best of five bursts each).
/// </summary>
public sealed record MachineLimits(double PeakGflops, double L2BytesPerNs, int L1DataBytes, double TanhNsPerFloat, double SigmoidNsPerFloat)
{
    public static MachineLimits Measure() => new(
        PeakFlops.MeasureGflops(), CacheBandwidth.MeasureBytesPerNs(), CacheBandwidth.L1DataBytes, BestNsPerFloat(ActivationCost.TanhBurst), BestNsPerFloat(ActivationCost.SigmoidBurst));

    public PointLimit LimitOf(GridPoint point) => point.LimitAt(PeakGflops, L2BytesPerNs, L1DataBytes);

    /// <summary>An activation's cost in vector FMAs: how many FMAs on vectors of the path the FMA peak does in the time the activation of one such vector takes (the width cancels out).</summary>
    public double InVectorFmas(double nsPerFloat) => nsPerFloat * PeakGflops / 2;

    private static double BestNsPerFloat(Func<int, double> burst)
    {
        burst(200);
        double best = double.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            var watch = Stopwatch.StartNew();
            double floats = burst(500);
            best = Math.Min(best, watch.Elapsed.TotalNanoseconds / floats);
        }

        return best;
    }
}
