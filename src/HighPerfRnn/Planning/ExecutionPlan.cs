using System.Globalization;
using System.Text;

namespace HighPerfRnn;

/// <summary>
/// What runs when a model is called: for one call class (<see cref="RnnCall"/> and a range of batch sizes), the SIMD
/// path and, per layer, the kernel, panel order and direction interleaving. Made once per model and call class by the
/// planner (<c>ExecutionPlanner</c>, where every threshold lives with the measurement that set it) and cached: the
/// drivers execute it instead of deciding per call. Every route sums in the same order, so the plan changes the
/// time a call takes, never its bits.
/// </summary>
public sealed class ExecutionPlan
{
    private readonly LayerPlan[] _layers;

    internal ExecutionPlan(RnnArchitecture architecture, RnnCall call, int minBatch, int maxBatch, SimdPath simdPath, bool declared, LayerPlan[] layers, string simdReason, string? wavefrontReason = null, string? projectEachStepReason = null, string? rowByRowReason = null)
    {
        RowByRowReason = rowByRowReason;
        WavefrontReason = wavefrontReason;
        ProjectEachStepReason = projectEachStepReason;
        Architecture = architecture;
        Call = call;
        MinBatch = minBatch;
        MaxBatch = maxBatch;
        SimdPath = simdPath;
        Declared = declared;
        _layers = layers;
        SimdReason = simdReason;
        AllLayersProjecting = Array.TrueForAll(layers, layer => layer.Kernel == LayerKernel.ElmanSequenceProjecting);
    }

    /// <summary>The model's architecture.</summary>
    public RnnArchitecture Architecture { get; }

    /// <summary>The call the plan is for.</summary>
    public RnnCall Call { get; }

    /// <summary>The smallest batch this plan serves.</summary>
    public int MinBatch { get; }

    /// <summary>The largest batch this plan serves (<see cref="int.MaxValue"/>: no bound).</summary>
    public int MaxBatch { get; }

    /// <summary>The instruction-set path the weights are packed for.</summary>
    public SimdPath SimdPath { get; }

    /// <summary>Why that path (the model's load options, or the planner's width rule).</summary>
    public string SimdReason { get; }

    /// <summary>Whether this is the plan of a declared (<c>[RnnModel]</c>) model, whose generated kernels are candidates.</summary>
    public bool Declared { get; }

    /// <summary>One entry per layer.</summary>
    public IReadOnlyList<LayerPlan> Layers => _layers;

    internal LayerPlan Layer(int layer) => _layers[layer];

    /// <summary>Whether the generated whole-model kernel runs this call class (then the drivers, reached only when it declined a call, run the runtime's plan).</summary>
    internal bool WholeModel => _layers[0].Kernel == LayerKernel.GeneratedWholeModel;

    /// <summary>
    /// Whether the two layers of a unidirectional model advance as a wavefront (layer 1's step t − 1 beside layer 0's step
    /// t, two independent chains per time step), layer 1's input projected one row at a time just before its step.
    /// </summary>
    public bool LayersAsWavefront => WavefrontReason is not null;

    /// <summary>Why the layers run as a wavefront (the planner's rule), or null where they run one after the other.</summary>
    internal string? WavefrontReason { get; }

    /// <summary>
    /// Whether each time step's inputs are projected (biases + W_ih·x for the step's batch rows) just before the step,
    /// rather than the whole sequence's before the first step. The same sums either way: a row's product does not depend
    /// on which rows share the call.
    /// </summary>
    public bool ProjectsEachStep => ProjectEachStepReason is not null;

    /// <summary>Why each step projects its own inputs (the planner's rule), or null where the sequence is projected first.</summary>
    internal string? ProjectEachStepReason { get; }

    /// <summary>
    /// Whether a call of several rows runs each row through the batch-1 call, one after the other: a <c>Step</c>'s streams
    /// (a one-layer model small enough that the batch-1 kernels beat the blocked product of the rows; a declared model's
    /// through its whole-model step, any number of layers), or a declared model's <c>Forward</c>, each sequence through its
    /// whole-model kernel (a ragged batch's each over its own length). The layers' kernels are then the batch-1 call's.
    /// </summary>
    public bool RunsRowByRow => RowByRowReason is not null;

    /// <summary>Why each row runs through the batch-1 call (the planner's rule), or null.</summary>
    internal string? RowByRowReason { get; }

    /// <summary>Whether every layer runs the one-vector projecting Elman kernel (the whole pass is one kernel call per layer).</summary>
    internal bool AllLayersProjecting { get; }

    /// <summary>The plan as text: what <c>hprnn info --plan</c> prints.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        string batches = MaxBatch == MinBatch ? $"batch {MinBatch}" : MaxBatch == int.MaxValue ? $"batch {MinBatch} and up" : $"batch {MinBatch} to {MaxBatch}";
        text.Append(CultureInfo.InvariantCulture, $"{Call} of {Architecture}{(Declared ? " (declared)" : string.Empty)}, {batches}: {SimdPath} ({SimdReason})");
        foreach (LayerPlan layer in _layers)
        {
            text.AppendLine().Append("  ").Append(layer);
        }

        if (WavefrontReason is not null)
        {
            text.AppendLine().Append("  layers 0 and 1 as a wavefront (").Append(WavefrontReason).Append(')');
        }

        if (RowByRowReason is not null)
        {
            text.AppendLine().Append("  each row through the batch-1 " + (Call == RnnCall.Step ? "step" : "pass") + ", one after the other (").Append(RowByRowReason).Append(')');
        }

        if (ProjectEachStepReason is not null)
        {
            text.AppendLine().Append("  inputs projected step by step, just before each step (").Append(ProjectEachStepReason).Append(')');
        }

        return text.ToString();
    }
}
