using System.Runtime.CompilerServices;
using HighPerfRnn.Kernels;
using HighPerfRnn.Packing;
using HighPerfRnn.Planning;

namespace HighPerfRnn.Runtime;

/// <summary>
/// One pass run by a team of threads that split each step's hidden units rather than the batch rows: every member runs
/// this same code over the same buffers; each projects, multiplies and activates only its own units' gate columns (its
/// panels of each gate block), and all meet at a <see cref="StepBarrier"/> after each time step, whose h they all read.
/// For a batch too small to split by rows (each thread's product of a few rows reads all of W_hh for them; here each
/// thread reads its part of W_hh for every row).
/// </summary>
/// <remarks>
/// The same bits as one thread: a unit's sums do not depend on which columns share a product (the depth's chunks fix
/// the order), and its gates are the same per-unit formulas. A member writes only its own units' pre-activation, gate,
/// cell and h columns, so within a step no two members touch the same float; across steps the barrier orders h.
/// </remarks>
internal static partial class RecurrentDriver
{
    /// <summary>
    /// Carves (and clears) the pass's scratch in <paramref name="workspace"/> before a team starts, so that the members,
    /// which carve the same buffers from it, neither grow nor clear it while another reads it.
    /// </summary>
    internal static void PrepareSharingUnits(RnnModel model, SequenceShape shape, RnnWorkspace workspace)
        => _ = Scratch.Carve(workspace, SharedDimensions(model, shape));

    /// <summary>
    /// Member <paramref name="member"/>'s part of a pass whose units a team of <paramref name="barrier"/>'s participants
    /// shares (see the type's remarks). Every member calls it with the same arguments, the workspace prepared by
    /// <see cref="PrepareSharingUnits"/>; the caller validated them and the plan allows it (ExecutionPlanner.CanShareUnits).
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void ForwardSharingUnits(
        RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, SequenceShape shape, RnnWorkspace workspace, StepBarrier barrier, int member)
    {
        RnnArchitecture architecture = model.Architecture;
        ExecutionPlan plan = model.DriverPlan(RnnCall.Forward, shape.Batch, declared: false);
        Dimensions dims = SharedDimensions(model, shape);
        Scratch scratch = Scratch.Carve(workspace, dims, clearZeros: false);
        UnitRange units = UnitRange.Share(member, barrier.Participants, dims.Hidden, SimdPaths.LaneCount(dims.Path));
        bool batchFirst = shape.Layout == SequenceLayout.BatchFirst && shape.Batch > 1;
        SequenceShape inner = dims.Shape;
        int batch = shape.Batch;
        int seqLen = shape.SeqLen;

        ReadOnlySpan<float> layerInput = input;
        int layerInputWidth = architecture.InputSize;
        bool inputBatchFirst = batchFirst;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            bool lastLayer = layer == architecture.NumLayers - 1;
            Span<float> layerOutput = lastLayer ? output : ((layer & 1) == 0 ? scratch.HiddenA : scratch.HiddenB);
            SequenceShape outputRows = lastLayer && batchFirst ? shape : inner;
            var forward = new DirectionRun(model.Layer(layer, 0), layer, 0, dims, scratch.ForwardPreact, scratch.ForwardCell, h0, c0, outputRows, initializeCell: false);
            forward.InitializeCellUnits(c0, units);
            forward.ProjectInputUnits(layerInput, layerInputWidth, inputBatchFirst, units);
            if (dims.Directions == 2)
            {
                var backward = new DirectionRun(model.Layer(layer, 1), layer, 1, dims, scratch.BackwardPreact, scratch.BackwardCell, h0, c0, outputRows, initializeCell: false);
                backward.InitializeCellUnits(c0, units);
                backward.ProjectInputUnits(layerInput, layerInputWidth, inputBatchFirst, units);

                // Both directions' steps between two waits: they are independent, so one barrier serves the pair.
                for (int step = 0; step < seqLen; step++)
                {
                    int time = seqLen - 1 - step;
                    forward.StepUnits(layerOutput, scratch, step * batch, step == 0 ? -1 : (step - 1) * batch, units);
                    backward.StepUnits(layerOutput, scratch, time * batch, step == 0 ? -1 : (time + 1) * batch, units);
                    barrier.SignalAndWait();
                }

                backward.CopyFinalStateUnits(layerOutput, hN, cN, units);
            }
            else
            {
                for (int step = 0; step < seqLen; step++)
                {
                    forward.StepUnits(layerOutput, scratch, step * batch, step == 0 ? -1 : (step - 1) * batch, units);
                    barrier.SignalAndWait();
                }
            }

            // A member's own units of h_n and c_n: it wrote them itself, so no other member's progress matters here.
            forward.CopyFinalStateUnits(layerOutput, hN, cN, units);
            layerInput = layerOutput;
            layerInputWidth = dims.OutputWidth;
            inputBatchFirst = false;
        }
    }

    private static Dimensions SharedDimensions(RnnModel model, SequenceShape shape)
    {
        var inner = new SequenceShape(shape.Batch, shape.SeqLen, SequenceLayout.SequenceFirst);
        return new Dimensions(model.Architecture, model.SimdPath, model.Layer(0, 0).PaddedGateRows, inner, outputNeedsCopy: false, inner.Rows, ragged: false);
    }

    /// <summary>The unit-share parts of a direction's run (see <see cref="ForwardSharingUnits"/>).</summary>
    private readonly ref partial struct DirectionRun
    {
        /// <summary>The cell state of <paramref name="units"/> in every batch row: c0's, or zeros.</summary>
        public void InitializeCellUnits(ReadOnlySpan<float> c0, UnitRange units)
        {
            if (_d.Cell != RnnCell.Lstm)
            {
                return;
            }

            int batch = _d.Shape.Batch;
            int hidden = _d.Hidden;
            for (int b = 0; b < batch; b++)
            {
                Span<float> cells = _cell.Slice((b * hidden) + units.First, units.Count);
                if (c0.IsEmpty)
                {
                    cells.Clear();
                }
                else
                {
                    c0.Slice((((_stateRow * batch) + b) * hidden) + units.First, units.Count).CopyTo(cells);
                }
            }
        }

        /// <summary>
        /// <see cref="ProjectInputs"/> for the columns of <paramref name="units"/> alone: biases + W_ih·x of every row, into
        /// the share's panels of each gate block (the same sums per column as the whole product).
        /// </summary>
        public void ProjectInputUnits(ReadOnlySpan<float> layerInput, int inputWidth, bool batchFirst, UnitRange units)
        {
            PackedMatrix weights = _weights.InputWeights;
            for (int block = 0; block < weights.Blocks; block++)
            {
                ReadOnlySpan<float> panels = BlockPanels(weights, block, units);
                if (panels.IsEmpty)
                {
                    return;
                }

                int column = (block * weights.PaddedBlockRows) + units.First;
                ReadOnlySpan<float> bias = _weights.ProjectionBias.AsSpan(column);
                if (!batchFirst)
                {
                    PackedGemm.MultiplyAdd(_d.Path, layerInput, inputWidth, _d.Rows, panels, inputWidth, bias, 0, _preact[column..], _d.PaddedGateRows);
                    continue;
                }

                int batch = _d.Shape.Batch;
                int seqLen = _d.Shape.SeqLen;
                for (int b = 0; b < batch; b++)
                {
                    PackedGemm.MultiplyAdd(
                        _d.Path, layerInput.Slice(b * seqLen * inputWidth, seqLen * inputWidth), inputWidth, seqLen, panels, inputWidth, bias, 0, _preact[((b * _d.PaddedGateRows) + column)..], batch * _d.PaddedGateRows);
                }
            }
        }

        /// <summary>
        /// One time step of every batch row (rows from <paramref name="row"/>, h_{t−1} from <paramref name="previousRow"/> or
        /// the initial state) for the units of <paramref name="units"/> alone: the general step's product over the share's
        /// panels of each gate block, then the cell's gate pass over its units (see <see cref="RuntimeStepKernel"/>).
        /// </summary>
        // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void StepUnits(Span<float> layerOutput, in Scratch scratch, int row, int previousRow, UnitRange units)
        {
            if (units.Count == 0)
            {
                return;
            }

            int batch = _d.Shape.Batch;
            var rows = new StepRows(this, layerOutput, row, batch, firstSequence: 0, previousRow);
            PackedMatrix weights = _weights.RecurrentWeights;
            int gateStride = weights.PaddedBlockRows;
            if (_d.Cell == RnnCell.Gru)
            {
                // q = b_hh + W_hh·h_{t−1} into the step scratch (b_hh alone without h0 at the first step), then the gates.
                ReadOnlySpan<float> recurrentBias = _weights.RecurrentBias;
                int stride = recurrentBias.Length;
                Span<float> recurrent = scratch.Step[..(batch * stride)];
                int width = units.Panels(weights.PanelWidth) * weights.PanelWidth;
                for (int block = 0; block < 3; block++)
                {
                    int column = (block * gateStride) + units.First;
                    if (!rows.Previous.IsEmpty)
                    {
                        PackedGemm.MultiplyAdd(_d.Path, rows.Previous, rows.PreviousStride, batch, BlockPanels(weights, block, units), _d.State, recurrentBias[column..], 0, recurrent[column..], stride);
                        continue;
                    }

                    for (int b = 0; b < batch; b++)
                    {
                        recurrentBias.Slice(column, width).CopyTo(recurrent.Slice((b * stride) + column, width));
                    }
                }

                bool first = rows.Previous.IsEmpty;
                GateKernels.GruRows(
                    _d.Path, rows.Preact, rows.PreactStride, recurrent, stride, first ? scratch.Zeros[.._d.Hidden] : rows.Previous, first ? 0 : rows.PreviousStride, rows.Output, rows.OutputStride, batch, _d.Hidden, units);
                return;
            }

            if (!rows.Previous.IsEmpty)
            {
                for (int block = 0; block < weights.Blocks; block++)
                {
                    Span<float> sums = rows.Preact[((block * gateStride) + units.First)..];
                    PackedGemm.MultiplyAdd(_d.Path, rows.Previous, rows.PreviousStride, batch, BlockPanels(weights, block, units), _d.State, sums, rows.PreactStride, sums, rows.PreactStride);
                }
            }

            if (_d.Cell == RnnCell.Lstm)
            {
                GateKernels.LstmRows(_d.Path, rows.Preact, rows.PreactStride, batch, rows.Cell, rows.Output, rows.OutputStride, _d.Hidden, units);
                return;
            }

            int padded = units.Panels(weights.PanelWidth) * weights.PanelWidth;
            for (int b = 0; b < batch; b++)
            {
                ActivationKernels.Apply(_d.Path, _d.Nonlinearity, rows.Preact.Slice((b * rows.PreactStride) + units.First, padded), rows.Output.Slice((b * rows.OutputStride) + units.First, units.Count));
            }
        }

        /// <summary><see cref="CopyFinalState(ReadOnlySpan{float}, Span{float}, Span{float})"/> for the units of <paramref name="units"/> alone.</summary>
        public void CopyFinalStateUnits(ReadOnlySpan<float> layerOutput, Span<float> hN, Span<float> cN, UnitRange units)
        {
            SequenceShape shape = _outputRows;
            int finalTime = _outputColumn == 0 ? shape.SeqLen - 1 : 0;
            for (int batchRow = 0; batchRow < shape.Batch; batchRow++)
            {
                int stateRow = (_stateRow * shape.Batch) + batchRow;
                layerOutput.Slice((shape.Row(finalTime, batchRow) * _d.OutputWidth) + _outputColumn + units.First, units.Count)
                    .CopyTo(hN.Slice((stateRow * _d.State) + units.First, units.Count));
                if (!cN.IsEmpty)
                {
                    _cell.Slice((batchRow * _d.Hidden) + units.First, units.Count).CopyTo(cN.Slice((stateRow * _d.Hidden) + units.First, units.Count));
                }
            }
        }

        /// <summary>The packed panels of <paramref name="units"/> in gate block <paramref name="block"/> of <paramref name="weights"/> (adjacent: a block's panels are stored in order).</summary>
        private static ReadOnlySpan<float> BlockPanels(PackedMatrix weights, int block, UnitRange units)
        {
            int lanes = weights.PanelWidth;
            int firstPanel = (block * weights.PaddedBlockRows / lanes) + units.FirstPanel(lanes);
            return weights.Data.Slice(firstPanel * weights.PanelStride, units.Panels(lanes) * weights.PanelStride);
        }
    }
}
