using System.Runtime.CompilerServices;
using HighPerfRnn.Kernels;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Runtime;

/// <summary>
/// One time step of a unidirectional model for streaming callers: per layer, the input product, the step kernel and
/// the state update, with none of the sequence machinery (row maps, direction runs, final-state copies) that a
/// whole-sequence pass needs. For small models that machinery is most of the cost of a step.
/// </summary>
/// <remarks>The arithmetic is the sequence pass's, in the same order: a step equals Forward over one time step bit for bit.</remarks>
internal static class StreamingStep
{
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run<TKernel>(RnnModel model, ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        RnnArchitecture architecture = model.Architecture;
        SimdPath path = model.SimdPath;
        int lanes = SimdPaths.LaneCount(path);

        // The plan made for this call class when the model was built: the kernel of every layer, decided there.
        ExecutionPlan plan = model.DriverPlan(RnnCall.Step, batch, declared: typeof(TKernel) != typeof(RuntimeStepKernel));
        if (plan.RunsRowByRow && model.SingleLayer is { } singleLayer)
        {
            // A few streams of a small one-layer model: each row through the batch-1 step (arguments checked by the caller).
            singleLayer.StepRows(input, state, cellState, output, batch, workspace);
            return;
        }

        if (architecture.NumLayers == 1 && plan.Layer(0).Kernel == LayerKernel.FusedGateStep)
        {
            // The common streaming case, one gated layer: the fused kernel straight from the caller's buffers, no scratch.
            RunFusedLayer(model.Layer(0, 0), path, input, state, cellState, output, architecture.Cell == RnnCell.Lstm, architecture.HiddenSize, plan.Layer(0).AlternatePanelOrder);
            output.CopyTo(state);
            return;
        }

        int hidden = architecture.HiddenSize;
        int stateSize = architecture.StateSize;
        int paddedGateRows = model.Layer(0, 0).PaddedGateRows;
        int paddedHidden = PackedMatrix.PadToPanels(hidden, lanes);
        int paddedState = PackedMatrix.PadToPanels(stateSize, lanes);

        long preactLong = RnnWorkspace.Align((long)batch * paddedGateRows);
        long hiddenLong = RnnWorkspace.Align((long)batch * stateSize);
        long stepLong = RnnWorkspace.Align((long)batch * (paddedGateRows + paddedHidden + paddedState));
        long zeroLong = RnnWorkspace.Align((long)Math.Max(paddedHidden, paddedState));
        Span<float> all = workspace.Rent(RnnWorkspace.RequireScratch(preactLong + hiddenLong + stepLong + zeroLong, nameof(batch), batch));
        int preactFloats = (int)preactLong;
        int hiddenFloats = (int)hiddenLong;
        int stepFloats = (int)stepLong;
        int zeroFloats = (int)zeroLong;
        Span<float> preact = all[..preactFloats];
        Span<float> between = all.Slice(preactFloats, batch * stateSize);
        Span<float> stepScratch = all.Slice(preactFloats + hiddenFloats, stepFloats);
        Span<float> zeros = all.Slice(preactFloats + hiddenFloats + stepFloats, zeroFloats);
        zeros.Clear();

        ReadOnlySpan<float> layerInput = input;
        int layerInputWidth = architecture.InputSize;
        bool lstm = architecture.Cell == RnnCell.Lstm;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            PackedLayerDirection weights = model.Layer(layer, 0);
            LayerPlan layerPlan = plan.Layer(layer);
            if (layerPlan.Kernel == LayerKernel.FusedGateStep)
            {
                // One pass per layer: input and recurrent sums in registers, gates applied there.
                Span<float> state1 = state.Slice(layer * stateSize, stateSize);
                // Between layers, h alternates between two scratch rows: a layer reads its input while it writes h.
                Span<float> out1 = layer == architecture.NumLayers - 1 ? output : ((layer & 1) == 0 ? between : preact[..stateSize]);
                RunFusedLayer(weights, path, layerInput, state1, lstm ? cellState.Slice(layer * hidden, hidden) : default, out1, lstm, hidden, layerPlan.AlternatePanelOrder);

                out1.CopyTo(state1);
                layerInput = out1;
                continue;
            }

            // Batch 1: both products alternate their panel order from call to call where the plan says so (StreamingPanelOrder).
            bool reverse = batch == 1 && layerPlan.AlternatePanelOrder && StreamingPanelOrder.Next();
            if (batch == 1)
            {
                PackedGemm.MultiplyAddRow(path, layerInput, weights.InputWeights, weights.ProjectionBias, preact, reverse);
            }
            else
            {
                PackedGemm.MultiplyAdd(path, layerInput, layerInputWidth, batch, weights.InputWeights, weights.ProjectionBias, 0, preact, paddedGateRows);
            }

            Span<float> layerState = state.Slice(layer * batch * stateSize, batch * stateSize);
            Span<float> layerOutput = layer == architecture.NumLayers - 1 ? output : between;
            if (layerPlan.Kernel is LayerKernel.ElmanSequence or LayerKernel.ElmanSequenceProjecting)
            {
                // The sequence kernel over a sequence of one: the product and the activation in one pass.
                var sequence = new ElmanSequenceKernel.Direction(weights.RecurrentWeights.Data, preact, paddedGateRows, hidden, 1, layerState, backward: false);
                ElmanSequenceKernel.Run(path, architecture.Nonlinearity, sequence, default, hasSecond: false, 1);
                preact[..hidden].CopyTo(layerOutput);
                layerOutput.CopyTo(layerState);
                layerInput = layerOutput;
                layerInputWidth = stateSize;
                continue;
            }

            var args = new RecurrentStepArgs(
                architecture.Cell,
                layer,
                hidden,
                stateSize,
                weights.RecurrentWeights.PanelWidth,
                architecture.Nonlinearity,
                weights.RecurrentWeights.Data,
                preact,
                paddedGateRows,
                layerState,
                stateSize,
                layerOutput,
                stateSize,
                batch,
                reverse ? 1 : 0, // the step's index only sets the panel order
                lstm ? cellState.Slice(layer * batch * hidden, batch * hidden) : default,
                architecture.Cell == RnnCell.Gru ? weights.RecurrentBias : default,
                weights.ProjectionWeights is { } projection ? projection.Data : default,
                stepScratch,
                zeros);
            // The generated kernel where the plan picked it (it may still decline: then the runtime's, with the same sums).
            if (layerPlan.Kernel != LayerKernel.GeneratedStep || !TKernel.TryStep(args))
            {
                RuntimeStepKernel.Step(args);
            }

            layerOutput.CopyTo(layerState);
            layerInput = layerOutput;
            layerInputWidth = stateSize;
        }
    }

    private static void RunFusedLayer(PackedLayerDirection weights, SimdPath path, ReadOnlySpan<float> input, ReadOnlySpan<float> state, Span<float> cellState, Span<float> output, bool lstm, int hidden, bool alternate)
    {
        bool reverse = alternate && StreamingPanelOrder.Next();
        if (lstm)
        {
            FusedGateStep.Lstm(path, input, weights.InputWeights, state, weights.RecurrentWeights, weights.ProjectionBias, cellState, output, hidden, reverse);
        }
        else
        {
            FusedGateStep.Gru(path, input, weights.InputWeights, state, weights.RecurrentWeights, weights.ProjectionBias, weights.RecurrentBias, output, hidden, reverse);
        }
    }
}
