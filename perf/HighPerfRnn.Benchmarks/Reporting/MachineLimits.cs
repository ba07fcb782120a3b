using System.Diagnostics;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// This core's limits, measured once at the start of a run: the FMA peak, the rates of reading from L2 and from L1, the
/// L1 data cache's size, and what one float's tanh and σ cost (<see cref="ActivationCost"/>, the best of five bursts each).
/// </summary>
public sealed record MachineLimits(double PeakGflops, double L2BytesPerNs, double L1BytesPerNs, int L1DataBytes, double TanhNsPerFloat, double SigmoidNsPerFloat)
{
    public static MachineLimits Measure() => new(
        PeakFlops.MeasureGflops(), CacheBandwidth.MeasureBytesPerNs(), CacheBandwidth.MeasureL1BytesPerNs(), CacheBandwidth.L1DataBytes,
        BestNsPerFloat(ActivationCost.TanhBurst), BestNsPerFloat(ActivationCost.SigmoidBurst));

    public PointLimit LimitOf(GridPoint point) => point.LimitAt(PeakGflops, L2BytesPerNs, L1BytesPerNs, L1DataBytes);

    /// <summary>
    /// The least time of one batch-1 <c>Step</c> of a one-layer model with input = hidden: its weights (W_ih and W_hh, each
    /// used once) read at the rate of the cache they fit in (L2 past <see cref="GridPoint.StreamingL1Multiple"/> × L1, as
    /// for the grid), or its flops at the FMA peak if that is slower.
    /// </summary>
    public double StepBoundNs(RnnCell cell, int hidden)
    {
        int gates = cell switch { RnnCell.Lstm => 4, RnnCell.Gru => 3, _ => 1 };
        double floats = 2.0 * gates * hidden * hidden;
        double bytes = 4 * floats;
        double rate = bytes > GridPoint.StreamingL1Multiple * L1DataBytes ? L2BytesPerNs : L1BytesPerNs;
        return Math.Max(bytes / rate, 2 * floats / PeakGflops);
    }

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
