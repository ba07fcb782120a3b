using System.Runtime.CompilerServices;
using HighPerfRnn.Kernels;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Runtime;

internal static partial class RecurrentDriver
{
    /// <summary>
    /// The parts of a direction's run that touch one share of the hidden units alone (<see cref="ForwardAsTeamMember"/> with
    /// <see cref="Planning.ParallelSplit.Units"/>): a member projects, multiplies and activates only its units' gate columns (its
    /// panels of each gate block) and copies only their final state, so within a step no two members touch the same float.
    /// </summary>
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
            if (units.Count == 0)
            {
                return;
            }

            PackedMatrix weights = _weights.InputWeights;
            for (int block = 0; block < weights.Blocks; block++)
            {
                ProjectPanels(layerInput, inputWidth, batchFirst, BlockFirstPanel(weights, block, units), units.Panels(weights.PanelWidth));
            }
        }

        /// <summary>
        /// One time step of every batch row (rows from <paramref name="row"/>, h_{t−1} from <paramref name="previousRow"/> or
        /// the initial state) for the units of <paramref name="units"/> alone: the general step's product over the share's
        /// panels of each gate block, then the cell's gate pass over its units (see <see cref="RuntimeStepKernel"/>); at
        /// batch 1 of a layer the plan runs on the fused step (<paramref name="fused"/>), that step over the share's panels.
        /// </summary>
        // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void StepUnits(Span<float> layerOutput, in Scratch scratch, int row, int previousRow, UnitRange units, bool fused)
        {
            if (units.Count == 0)
            {
                return;
            }

            int batch = _d.Shape.Batch;
            var rows = new StepRows(this, layerOutput, row, batch, firstSequence: 0, previousRow);
            if (fused && batch == 1 && !rows.Previous.IsEmpty)
            {
                // The one-thread pass's fused step over the share's panels (its products, then its gates, per vector of units).
                FusedStep(rows, reverse: false, units);
                return;
            }

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
                        PackedGemm.MultiplyAdd(_d.Path, rows.Previous, rows.PreviousStride, batch, weights, BlockFirstPanel(weights, block, units), units.Panels(weights.PanelWidth), recurrentBias[column..], 0, recurrent[column..], stride);
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
                    PackedGemm.MultiplyAdd(_d.Path, rows.Previous, rows.PreviousStride, batch, weights, BlockFirstPanel(weights, block, units), units.Panels(weights.PanelWidth), sums, rows.PreactStride, sums, rows.PreactStride);
                }
            }

            if (_d.Cell == RnnCell.Lstm)
            {
                GateKernels.LstmRows(_d.Path, rows.Preact, rows.PreactStride, batch, rows.Cell, rows.Output, rows.OutputStride, _d.Hidden, units);
                return;
            }

            ActivationKernels.ApplyRows(_d.Path, _d.Nonlinearity, rows.Preact[units.First..], rows.PreactStride, batch, rows.Output[units.First..], rows.OutputStride, units.Count);
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

        /// <summary>The first packed panel of <paramref name="units"/> in gate block <paramref name="block"/> of <paramref name="weights"/> (a block's panels are stored in order: the share's are adjacent).</summary>
        private static int BlockFirstPanel(PackedMatrix weights, int block, UnitRange units)
            => (block * weights.PaddedBlockRows / weights.PanelWidth) + units.FirstPanel(weights.PanelWidth);
    }
}
