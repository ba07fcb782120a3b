using System.Runtime.CompilerServices;
using HighPerfRnn.Kernels;
using HighPerfRnn.Planning;

namespace HighPerfRnn.Runtime;

/// <summary>
/// One pass run by a team of threads (<see cref="RnnParallelRunner"/>), every member running this same code over the same
/// buffers and doing its own part of each layer:
/// <list type="bullet">
/// <item><see cref="ParallelSplit.Units"/>: each member projects, multiplies and activates only its own hidden units' gate
/// columns (its panels of each gate block) for every row, and all meet at a <see cref="StepBarrier"/> after each time step,
/// whose h they all read. For a batch too small to split by rows: a thread's product of a few rows reads all of W_hh for
/// them, where here each thread reads its part of W_hh for every row.</item>
/// <item><see cref="ParallelSplit.Directions"/>: a bidirectional model's member d runs direction d of each layer on the
/// plan's kernels, exactly as one thread would, and the two meet after each layer, whose output (both halves) the next
/// reads: the directions are independent chains, so one wait per layer.</item>
/// </list>
/// </summary>
/// <remarks>
/// The same bits as one thread: a unit's sums do not depend on which columns share a product (the depth's chunks fix the
/// order), its gates are the same per-unit formulas, and a direction's results do not depend on what runs beside it.
/// Members never write the same float: a unit share writes only its units' columns; apart directions have their own
/// pre-activation rows, cell state and step scratch (<see cref="Dimensions.DirectionsApart"/>) and output columns. Across
/// steps (units) or layers (directions) the barrier orders the writes before the reads.
/// </remarks>
internal static partial class RecurrentDriver
{
    /// <summary>
    /// Carves (and clears) the pass's scratch in <paramref name="workspace"/> before a team starts, so that the members,
    /// which carve the same buffers from it, neither grow nor clear it while another reads it.
    /// </summary>
    internal static void PrepareTeam(RnnModel model, SequenceShape shape, RnnWorkspace workspace, ParallelSplit split)
        => _ = Scratch.Carve(workspace, TeamDimensions(model, shape, split));

    /// <summary>
    /// Member <paramref name="member"/>'s part of a pass its team (<paramref name="barrier"/>'s participants) shares by
    /// <paramref name="split"/>. Every member calls it with the same arguments and the workspace prepared by
    /// <see cref="PrepareTeam"/>; the caller validated them and the plan allows the split (ExecutionPlanner.CanShareUnits,
    /// CanShareDirections).
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardAsTeamMember(
        RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, SequenceShape shape, RnnWorkspace workspace,
        ParallelSplit split, StepBarrier barrier, int member)
    {
        RnnArchitecture architecture = model.Architecture;
        ExecutionPlan plan = model.DriverPlan(RnnCall.Forward, shape.Batch, declared: false);
        Dimensions dims = TeamDimensions(model, shape, split);
        Scratch scratch = Scratch.Carve(workspace, dims, clearZeros: false);
        if (split == ParallelSplit.Directions && member == 1)
        {
            // The step kernels take the step scratch from Scratch.Step: the backward thread's own.
            scratch = scratch with { Step = scratch.BackwardStep };
        }

        UnitRange units = UnitRange.Share(member, barrier.Participants, dims.Hidden, SimdPaths.LaneCount(dims.Path));
        bool batchFirst = shape.Layout == SequenceLayout.BatchFirst && shape.Batch > 1;
        var layer = new TeamLayer(input, architecture.InputSize, batchFirst, h0, c0, hN, cN);
        for (int index = 0; index < architecture.NumLayers; index++)
        {
            bool lastLayer = index == architecture.NumLayers - 1;
            layer = layer.At(index, lastLayer ? output : ((index & 1) == 0 ? scratch.HiddenA : scratch.HiddenB), lastLayer && batchFirst ? shape : dims.Shape);
            if (split == ParallelSplit.Units)
            {
                LayerSharingUnits(model, dims, scratch, layer, units, barrier, fused: plan.Layer(index).Kernel == LayerKernel.FusedGateStep);
            }
            else
            {
                DirectionOfLayer(model, plan, dims, scratch, layer, member);

                // The next layer reads both directions' halves of this one's output.
                barrier.SignalAndWait();
            }

            layer = layer.Next(dims.OutputWidth);
        }
    }

    /// <summary>Every direction of a layer for the units of <paramref name="units"/>, a wait for the team after each step.</summary>
    private static void LayerSharingUnits(RnnModel model, Dimensions dims, in Scratch scratch, in TeamLayer layer, UnitRange units, StepBarrier barrier, bool fused)
    {
        int batch = dims.Shape.Batch;
        int seqLen = dims.Shape.SeqLen;
        var forward = new DirectionRun(model.Layer(layer.Index, 0), layer.Index, 0, dims, scratch.ForwardPreact, scratch.ForwardCell, layer.H0, layer.C0, layer.OutputRows, initializeCell: false);
        forward.InitializeCellUnits(layer.C0, units);
        forward.ProjectInputUnits(layer.Input, layer.InputWidth, layer.InputBatchFirst, units);
        if (dims.Directions == 2)
        {
            var backward = new DirectionRun(model.Layer(layer.Index, 1), layer.Index, 1, dims, scratch.BackwardPreact, scratch.BackwardCell, layer.H0, layer.C0, layer.OutputRows, initializeCell: false);
            backward.InitializeCellUnits(layer.C0, units);
            backward.ProjectInputUnits(layer.Input, layer.InputWidth, layer.InputBatchFirst, units);

            // Both directions' steps between two waits: they are independent, so one barrier serves the pair.
            for (int step = 0; step < seqLen; step++)
            {
                int time = seqLen - 1 - step;
                forward.StepUnits(layer.Output, scratch, step * batch, step == 0 ? -1 : (step - 1) * batch, units, fused);
                backward.StepUnits(layer.Output, scratch, time * batch, step == 0 ? -1 : (time + 1) * batch, units, fused);
                barrier.SignalAndWait();
            }

            backward.CopyFinalStateUnits(layer.Output, layer.HN, layer.CN, units);
        }
        else
        {
            for (int step = 0; step < seqLen; step++)
            {
                forward.StepUnits(layer.Output, scratch, step * batch, step == 0 ? -1 : (step - 1) * batch, units, fused);
                barrier.SignalAndWait();
            }
        }

        // A member's own units of h_n and c_n: it wrote them itself, so no other member's progress matters here.
        forward.CopyFinalStateUnits(layer.Output, layer.HN, layer.CN, units);
    }

    /// <summary>Direction <paramref name="direction"/> of a layer, whole, on the plan's kernel (as the one-thread pass runs it).</summary>
    private static void DirectionOfLayer(RnnModel model, ExecutionPlan plan, Dimensions dims, in Scratch scratch, in TeamLayer layer, int direction)
    {
        bool forward = direction == 0;
        var run = new DirectionRun(
            model.Layer(layer.Index, direction), layer.Index, direction, dims, forward ? scratch.ForwardPreact : scratch.BackwardPreact, forward ? scratch.ForwardCell : scratch.BackwardCell, layer.H0, layer.C0, layer.OutputRows);
        var projection = new StepProjection(layer.Input, layer.InputWidth, layer.InputBatchFirst, plan.ProjectsEachStep);
        run.ProjectSequence(projection);
        LayerKernel kernel = plan.Layer(layer.Index).Kernel;
        if (kernel is LayerKernel.ElmanSequence or LayerKernel.ElmanSequenceProjecting)
        {
            RunElmanRows(dims, run, layer.Output);
        }
        else
        {
            run.RunSteps<RuntimeStepKernel>(layer.Output, scratch, projection, kernel);
        }

        run.CopyFinalState(layer.Output, layer.HN, layer.CN);
    }

    private static Dimensions TeamDimensions(RnnModel model, SequenceShape shape, ParallelSplit split)
    {
        var inner = new SequenceShape(shape.Batch, shape.SeqLen, SequenceLayout.SequenceFirst);
        return new Dimensions(model.Architecture, model.SimdPath, model.Layer(0, 0).PaddedGateRows, inner, outputNeedsCopy: false, inner.Rows, ragged: false, directionsApart: split == ParallelSplit.Directions);
    }

    /// <summary>
    /// One layer of a team's pass: its input (the caller's, or the layer before's time-major output), its output and that
    /// output's row order, and the pass's initial and final states.
    /// </summary>
    private readonly ref struct TeamLayer(ReadOnlySpan<float> input, int inputWidth, bool inputBatchFirst, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, Span<float> hN, Span<float> cN)
    {
        public int Index { get; init; }

        public ReadOnlySpan<float> Input { get; } = input;

        public int InputWidth { get; } = inputWidth;

        public bool InputBatchFirst { get; } = inputBatchFirst;

        public Span<float> Output { get; init; }

        public SequenceShape OutputRows { get; init; }

        public ReadOnlySpan<float> H0 { get; } = h0;

        public ReadOnlySpan<float> C0 { get; } = c0;

        public Span<float> HN { get; } = hN;

        public Span<float> CN { get; } = cN;

        /// <summary>Layer <paramref name="index"/>, writing <paramref name="output"/> in <paramref name="outputRows"/>' order.</summary>
        public TeamLayer At(int index, Span<float> output, SequenceShape outputRows) => this with { Index = index, Output = output, OutputRows = outputRows };

        /// <summary>The next layer, which reads this one's output (time-major, <paramref name="outputWidth"/> wide).</summary>
        public TeamLayer Next(int outputWidth) => new(Output, outputWidth, false, H0, C0, HN, CN);
    }
}
