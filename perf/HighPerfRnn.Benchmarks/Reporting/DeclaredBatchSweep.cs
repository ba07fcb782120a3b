using System.Globalization;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// Issue 14's "declared never slower than the runtime-sized model for any shape, cell, batch or call" as a sweep
/// (<c>--paired-declared-batches</c>): the declared model against the runtime-sized one, paired as
/// <see cref="PairedRatios.MeasureDeclared"/> takes batch 1, at batches 2 to 32, a 50-step <c>Forward</c> of one layer
/// (hidden 8, 16, 32: <see cref="DeclaredBatchForwardBenchmarks"/>) and 20 <c>Step</c>s of one or two layers (hidden 16,
/// 32: <see cref="DeclaredBatchStepBenchmarks"/>), every cell. Each shape's line names the fraction and whether both
/// sides run the same kernels (the plan's layer kernels and its row-by-row, wavefront and per-step projection choices):
/// where they do, a difference is the process's and the host's, not the declaration's.
/// </summary>
internal static class DeclaredBatchSweep
{
    private static readonly int[] Batches = [2, 3, 4, 5, 8, 12, 16, 24, 32];

    /// <summary>A declared model's time within this fraction of the runtime-sized one's counts as level.</summary>
    private const double Level = 0.03;

    public static void Run(TimeSpan perShape)
    {
        var lines = new List<(double Fraction, bool SameKernels)>();
        foreach (RnnCell cell in new[] { RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru })
        {
            foreach (int batch in Batches)
            {
                foreach (int hidden in new[] { 8, 16, 32 })
                {
                    var forward = new DeclaredBatchForwardBenchmarks { Cell = cell, Hidden = hidden, Batch = batch };
                    forward.Setup();
                    lines.Add(Measure(forward.RuntimeSized, forward.Generated, new RnnArchitecture(cell, hidden, hidden), RnnCall.Forward, batch, perShape));
                }

                foreach (int hidden in new[] { 16, 32 })
                {
                    foreach (int layers in new[] { 1, 2 })
                    {
                        var step = new DeclaredBatchStepBenchmarks { Cell = cell, Hidden = hidden, Layers = layers, Batch = batch };
                        step.Setup();
                        lines.Add(Measure(step.RuntimeSized, step.Generated, new RnnArchitecture(cell, hidden, hidden, numLayers: layers), RnnCall.Step, batch, perShape));
                    }
                }
            }
        }

        int faster = lines.Count(l => l.Fraction < 1 - Level);
        int slower = lines.Count(l => l.Fraction > 1 + Level);
        int slowerOnOwnKernels = lines.Count(l => l.Fraction > 1 + Level && !l.SameKernels);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// {lines.Count} shapes on {SimdPaths.Resolve(SimdPath.Auto)}: declared faster (below {1 - Level:F2}) in {faster}, level in {lines.Count - faster - slower}, slower (above {1 + Level:F2}) in {slower}, of which {slowerOnOwnKernels} on kernels of its own; fractions {lines.Min(l => l.Fraction):F3} to {lines.Max(l => l.Fraction):F3}"));
    }

    private static (double Fraction, bool SameKernels) Measure(Action runtimeSized, Action declared, RnnArchitecture architecture, RnnCall call, int batch, TimeSpan perShape)
    {
        bool same = SameKernels(architecture, call, batch);
        string what = $"{call} {architecture.Cell} {architecture.HiddenSize} × {architecture.NumLayers} layer(s), batch {batch} ({(same ? "the same kernels on both sides" : "the declared model's own kernels")})";
        return (PairedRatios.DeclaredTimes(runtimeSized, declared, perShape, what).Fraction.Median, same);
    }

    /// <summary>Whether the declared and the runtime-sized model run this call on the same kernels, by their plans.</summary>
    private static bool SameKernels(RnnArchitecture architecture, RnnCall call, int batch)
    {
        RnnModel model = RnnModel.CreateRandom(architecture, seed: 1);
        ExecutionPlan runtime = model.DescribePlan(call, batch, declared: false);
        ExecutionPlan declared = model.DescribePlan(call, batch, declared: true);
        return runtime.Layers.Select(l => l.Kernel).SequenceEqual(declared.Layers.Select(l => l.Kernel))
            && runtime.RunsRowByRow == declared.RunsRowByRow
            && runtime.LayersAsWavefront == declared.LayersAsWavefront
            && runtime.ProjectsEachStep == declared.ProjectsEachStep;
    }
}
