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

    /// <summary>A grid point's limit at these rates, its steps' dependency chain included (<see cref="StepLatencyFloor"/>).</summary>
    public PointLimit LimitOf(GridPoint point) => point.LimitAt(PeakGflops, L2BytesPerNs, L1BytesPerNs, L1DataBytes, StepLatencyFloor.Measure(point.Cell, point.HiddenSize));

    /// <summary>
    /// The least time of one batch-1 <c>Step</c> of a one-layer model with input = hidden, from its weights (W_ih and W_hh,
    /// each used once a step): every byte goes through L1 at the L1 rate, and what L1 cannot hold across steps (all but
    /// its size) comes from L2 at the L2 rate; or its flops at the FMA peak, if slower. A lower bound: it leaves out the
    /// activations and the step's latency chain.
    /// </summary>
    public double StepBoundNs(RnnCell cell, int hidden)
    {
        double floats = 2.0 * RnnArchitecture.GateCountOf(cell) * hidden * hidden;
        double bytes = 4 * floats;
        double fromL2 = Math.Max(0, bytes - L1DataBytes);
        return Math.Max(Math.Max(bytes / L1BytesPerNs, fromL2 / L2BytesPerNs), 2 * floats / PeakGflops);
    }

    /// <summary>
    /// The least time of one stream's step of a one-layer gated model with input = hidden (both products, 2 · gates ·
    /// hidden · (hidden + hidden) flops) at the FMA peak, and with its activations added at these costs of one float's tanh
    /// and σ: the fixed activation formula runs on the same pipes, so no step can take less.
    /// </summary>
    public static (double PeakNs, double WithActivationsNs) StreamStepNs(RnnCell cell, int hidden, double gflops, double tanhNsPerFloat, double sigmoidNsPerFloat)
    {
        double peakNs = 2.0 * RnnArchitecture.GateCountOf(cell) * hidden * (hidden + hidden) / gflops;
        (int tanh, int sigmoid) = GridPoint.ActivationsPerUnitOf(cell);
        return (peakNs, peakNs + (hidden * ((tanh * tanhNsPerFloat) + (sigmoid * sigmoidNsPerFloat))));
    }

    /// <summary><see cref="StreamStepNs(RnnCell, int, double, double, double)"/> at the rates measured at the start of the run.</summary>
    public (double PeakNs, double WithActivationsNs) StreamStepNs(RnnCell cell, int hidden) => StreamStepNs(cell, hidden, PeakGflops, TanhNsPerFloat, SigmoidNsPerFloat);

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
