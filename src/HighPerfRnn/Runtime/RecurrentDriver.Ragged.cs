using System.Runtime.CompilerServices;
using HighPerfRnn.Kernels;

namespace HighPerfRnn.Runtime;

/// <summary>
/// Batches of sequences with lengths of their own, as PyTorch runs a <c>PackedSequence</c>
/// (<c>pack_padded_sequence(x, lengths, enforce_sorted=False)</c> → RNN → <c>pad_packed_sequence(..., total_length=seqLen)</c>).
/// </summary>
/// <remarks>
/// The pass runs in <see cref="PackedSequenceOrder"/>: sequences sorted longest first, and per time step only the rows of
/// the sequences still running, so the active batch shrinks as sequences end and no work is done past an end. The
/// forward direction of step t reads h_{t−1} from the first rows of step t − 1 (every sequence running at t ran at
/// t − 1). The backward direction starts each sequence at its own last step: at step t, the sequences that also ran at
/// t + 1 continue from there, and those whose last step is t start from h0, as two calls over adjacent rows. Every
/// product sums in the library's one order whatever the batch, so each sequence gets the bits it gets alone.
/// </remarks>
internal static partial class RecurrentDriver
{
    private static bool AllFullLength(ReadOnlySpan<int> lengths, int seqLen)
    {
        foreach (int length in lengths)
        {
            if (length != seqLen)
            {
                return false;
            }
        }

        return true;
    }

    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardRagged<TKernel>(
        RnnModel model,
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        Span<float> cN,
        ReadOnlySpan<float> h0,
        ReadOnlySpan<float> c0,
        SequenceShape shape,
        ReadOnlySpan<int> lengths,
        RnnWorkspace workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        RnnArchitecture architecture = model.Architecture;
        if (shape.Batch == 1)
        {
            // One sequence: its first steps are a contiguous prefix in either layout. Run them as a sequence of that length.
            int length = lengths[0];
            var prefix = new SequenceShape(1, length, shape.Layout);
            Forward<TKernel>(model, input[..(length * architecture.InputSize)], output[..(length * architecture.OutputSize)], hN, cN, h0, c0, prefix, default, workspace);
            output[(length * architecture.OutputSize)..].Clear();
            return;
        }

        if (model.DriverPlan(RnnCall.Forward, shape.Batch, declared: typeof(TKernel) != typeof(RuntimeStepKernel)).AllLayersProjecting)
        {
            // The smallest Elman models run each sequence as its own chain anyway: each for its own length.
            OneVectorElmanForward.Run(model, input, output, hN, h0, shape, lengths, workspace);
            return;
        }

        int totalRows = 0;
        foreach (int length in lengths)
        {
            totalRows += length;
        }

        bool declared = typeof(TKernel) != typeof(RuntimeStepKernel);
        var inner = new SequenceShape(shape.Batch, shape.SeqLen, SequenceLayout.SequenceFirst);
        var dims = new Dimensions(architecture, model.SimdPath, model.Layer(0, 0).PaddedGateRows, inner, outputNeedsCopy: true, totalRows, ragged: true);
        Scratch scratch = Scratch.Carve(workspace, dims);
        PackedSequenceOrder order = PackedSequenceOrder.Build(lengths, shape.SeqLen, scratch.OrderMemory);

        GatherInput(input, shape, order, scratch.PackedInput, architecture.InputSize);
        ReadOnlySpan<float> sortedH0 = h0.IsEmpty ? default : GatherStates(h0, order, dims.StateRows, dims.State, scratch.SortedH0);
        ReadOnlySpan<float> sortedC0 = c0.IsEmpty ? default : GatherStates(c0, order, dims.StateRows, dims.Hidden, scratch.SortedC0);

        ReadOnlySpan<float> layerInput = scratch.PackedInput;
        int layerInputWidth = architecture.InputSize;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            Span<float> layerOutput = (layer & 1) == 0 ? scratch.HiddenA : scratch.HiddenB;
            var forward = new DirectionRun(model.Layer(layer, 0), layer, 0, dims, scratch.ForwardPreact, scratch.ForwardCell, sortedH0, sortedC0);
            forward.ProjectInputs(layerInput, layerInputWidth, batchFirst: false);
            if (dims.Directions == 1)
            {
                for (int step = 0; step < order.Longest; step++)
                {
                    ForwardStep<TKernel>(model, declared, layer, forward, layerOutput, scratch, order, step);
                }

                forward.CopyFinalState(layerOutput, hN, cN, order);
            }
            else
            {
                var backward = new DirectionRun(model.Layer(layer, 1), layer, 1, dims, scratch.BackwardPreact, scratch.BackwardCell, sortedH0, sortedC0);
                backward.ProjectInputs(layerInput, layerInputWidth, batchFirst: false);
                if (model.DriverPlan(RnnCall.Forward, shape.Batch, declared).Layer(layer).InterleaveDirections)
                {
                    for (int step = 0; step < order.Longest; step++)
                    {
                        ForwardStep<TKernel>(model, declared, layer, forward, layerOutput, scratch, order, step);
                        BackwardStep<TKernel>(model, declared, layer, backward, layerOutput, scratch, order, step);
                    }
                }
                else
                {
                    for (int step = 0; step < order.Longest; step++)
                    {
                        ForwardStep<TKernel>(model, declared, layer, forward, layerOutput, scratch, order, step);
                    }

                    for (int step = 0; step < order.Longest; step++)
                    {
                        BackwardStep<TKernel>(model, declared, layer, backward, layerOutput, scratch, order, step);
                    }
                }

                forward.CopyFinalState(layerOutput, hN, cN, order);
                backward.CopyFinalState(layerOutput, hN, cN, order);
            }

            layerInput = layerOutput;
            layerInputWidth = dims.OutputWidth;
        }

        ScatterOutput(layerInput, output, shape, order, lengths, dims.OutputWidth);
    }

    /// <summary>Forward direction, step t: the sequences running at t, each from its own row of step t − 1 (or h0 at t = 0).</summary>
    private static void ForwardStep<TKernel>(RnnModel model, bool declared, int layer, in DirectionRun direction, Span<float> layerOutput, in Scratch scratch, in PackedSequenceOrder order, int time)
        where TKernel : struct, IRecurrentStepKernel
    {
        int count = order.ActiveAt(time);
        int previousRow = time == 0 ? -1 : order.FirstRow(time - 1);
        direction.Step<TKernel>(layerOutput, scratch, order.FirstRow(time), count, 0, previousRow, time, StepKernel(model, declared, layer, count));
    }

    /// <summary>
    /// Backward direction, the <paramref name="stepIndex"/>-th step from the longest sequence's end (t = longest − 1 − index):
    /// the sequences that ran at t + 1 continue from there; those whose last step is t start from h0.
    /// </summary>
    private static void BackwardStep<TKernel>(RnnModel model, bool declared, int layer, in DirectionRun direction, Span<float> layerOutput, in Scratch scratch, in PackedSequenceOrder order, int stepIndex)
        where TKernel : struct, IRecurrentStepKernel
    {
        int time = order.Longest - 1 - stepIndex;
        int count = order.ActiveAt(time);
        int continuing = order.ActiveAt(time + 1);
        int row = order.FirstRow(time);
        if (continuing > 0)
        {
            direction.Step<TKernel>(layerOutput, scratch, row, continuing, 0, order.FirstRow(time + 1), stepIndex, StepKernel(model, declared, layer, continuing));
        }

        if (count > continuing)
        {
            int starting = count - continuing;
            direction.Step<TKernel>(layerOutput, scratch, row + continuing, starting, continuing, -1, stepIndex, StepKernel(model, declared, layer, starting));
        }
    }

    /// <summary>
    /// The kernel the plan gives a step of <paramref name="count"/> rows. The batch-1 Elman kernels run whole sequences,
    /// not steps: a ragged step of one row takes the general step instead (same sums).
    /// </summary>
    private static LayerKernel StepKernel(RnnModel model, bool declared, int layer, int count)
    {
        LayerKernel kernel = model.DriverPlan(RnnCall.Forward, count, declared).Layer(layer).Kernel;
        return kernel is LayerKernel.ElmanSequence or LayerKernel.ElmanSequenceProjecting ? LayerKernel.GeneralStep : kernel;
    }

    /// <summary>The caller's input rows (either layout) into packed order: sorted sequence j's step t at row FirstRow(t) + j.</summary>
    private static void GatherInput(ReadOnlySpan<float> input, SequenceShape shape, in PackedSequenceOrder order, Span<float> packed, int width)
    {
        for (int time = 0; time < order.Longest; time++)
        {
            int firstRow = order.FirstRow(time);
            int count = order.ActiveAt(time);
            for (int sorted = 0; sorted < count; sorted++)
            {
                input.Slice(shape.Row(time, order.Original(sorted)) * width, width).CopyTo(packed.Slice((firstRow + sorted) * width, width));
            }
        }
    }

    /// <summary>A (layers × directions, batch, width) state with its batch rows in sorted order.</summary>
    private static ReadOnlySpan<float> GatherStates(ReadOnlySpan<float> states, in PackedSequenceOrder order, int stateRows, int width, Span<float> sorted)
    {
        int batch = order.Batch;
        for (int stateRow = 0; stateRow < stateRows; stateRow++)
        {
            for (int j = 0; j < batch; j++)
            {
                states.Slice(((stateRow * batch) + order.Original(j)) * width, width).CopyTo(sorted.Slice(((stateRow * batch) + j) * width, width));
            }
        }

        return sorted[..(stateRows * batch * width)];
    }

    /// <summary>The last layer's packed rows into the caller's output, in its layout, with zeros from each sequence's end on.</summary>
    private static void ScatterOutput(ReadOnlySpan<float> packed, Span<float> output, SequenceShape shape, in PackedSequenceOrder order, ReadOnlySpan<int> lengths, int width)
    {
        for (int time = 0; time < order.Longest; time++)
        {
            int firstRow = order.FirstRow(time);
            int count = order.ActiveAt(time);
            for (int sorted = 0; sorted < count; sorted++)
            {
                packed.Slice((firstRow + sorted) * width, width).CopyTo(output.Slice(shape.Row(time, order.Original(sorted)) * width, width));
            }
        }

        // pad_packed_sequence's padding_value = 0 past each end.
        for (int b = 0; b < shape.Batch; b++)
        {
            if (shape.Layout == SequenceLayout.BatchFirst)
            {
                output.Slice(((b * shape.SeqLen) + lengths[b]) * width, (shape.SeqLen - lengths[b]) * width).Clear();
                continue;
            }

            for (int time = lengths[b]; time < shape.SeqLen; time++)
            {
                output.Slice(shape.Row(time, b) * width, width).Clear();
            }
        }
    }
}
