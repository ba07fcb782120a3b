using HighPerfRnn.Kernels;

namespace HighPerfRnn.Runtime;

/// <summary>
/// Runs layers, directions and time steps over the kernels: per layer and direction, one matrix product
/// projects every time step's input at once (biases included); then only W_hh·h remains inside the time loop.
/// The two directions of a bidirectional layer are independent chains, so each loop iteration advances both
/// (forward at t, backward at seq − 1 − t) and the CPU overlaps their latencies.
/// </summary>
internal static class RecurrentDriver
{
    public static void Forward<TKernel>(
        RnnModel model,
        ReadOnlySpan<float> input,
        Span<float> output,
        Span<float> hN,
        ReadOnlySpan<float> h0,
        SequenceShape shape,
        RnnWorkspace workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        RnnArchitecture architecture = model.Architecture;
        SimdPath path = model.SimdPath;
        int directions = architecture.NumDirections;
        int hidden = architecture.HiddenSize;
        int outputWidth = architecture.OutputSize;
        int rows = shape.Rows;
        int paddedGateRows = model.Layer(0, 0).PaddedGateRows;

        // Scratch: the pre-activations of each direction, then (for stacked models) the hidden sequences
        // between layers, ping-ponging between two buffers.
        int preactFloats = RnnWorkspace.Align(checked(rows * paddedGateRows));
        int layerFloats = RnnWorkspace.Align(checked(rows * outputWidth));
        int layerBuffers = Math.Min(architecture.NumLayers - 1, 2);
        Span<float> scratch = workspace.Rent(checked((preactFloats * directions) + (layerFloats * layerBuffers)));
        Span<float> forwardPreact = scratch[..preactFloats];
        Span<float> backwardPreact = directions == 2 ? scratch.Slice(preactFloats, preactFloats) : default;
        Span<float> hiddenA = layerBuffers > 0 ? scratch.Slice(preactFloats * directions, layerFloats) : default;
        Span<float> hiddenB = layerBuffers > 1 ? scratch.Slice((preactFloats * directions) + layerFloats, layerFloats) : default;

        ReadOnlySpan<float> layerInput = input;
        int layerInputWidth = architecture.InputSize;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            bool lastLayer = layer == architecture.NumLayers - 1;
            Span<float> layerOutput = lastLayer ? output : ((layer & 1) == 0 ? hiddenA : hiddenB);

            var forward = new DirectionRun(model.Layer(layer, 0), layer, forwardPreact, paddedGateRows, InitialState(h0, layer, 0, directions, shape.Batch, hidden), 0);
            forward.ProjectInputs(path, layerInput, layerInputWidth, rows);
            if (directions == 2)
            {
                var backward = new DirectionRun(model.Layer(layer, 1), layer, backwardPreact, paddedGateRows, InitialState(h0, layer, 1, directions, shape.Batch, hidden), hidden);
                backward.ProjectInputs(path, layerInput, layerInputWidth, rows);
                for (int step = 0; step < shape.SeqLen; step++)
                {
                    forward.Step<TKernel>(architecture.Nonlinearity, layerOutput, outputWidth, hidden, shape, step, step - 1);
                    int time = shape.SeqLen - 1 - step;
                    backward.Step<TKernel>(architecture.Nonlinearity, layerOutput, outputWidth, hidden, shape, time, step == 0 ? -1 : time + 1);
                }
            }
            else
            {
                for (int step = 0; step < shape.SeqLen; step++)
                {
                    forward.Step<TKernel>(architecture.Nonlinearity, layerOutput, outputWidth, hidden, shape, step, step - 1);
                }
            }

            CopyFinalStates(layerOutput, outputWidth, hN, layer, directions, hidden, shape);
            layerInput = layerOutput;
            layerInputWidth = outputWidth;
        }
    }

    /// <summary>h0 rows of (layer, direction): batch × hidden, or empty for zeros.</summary>
    private static ReadOnlySpan<float> InitialState(ReadOnlySpan<float> h0, int layer, int direction, int directions, int batch, int hidden)
        => h0.IsEmpty ? default : h0.Slice(((layer * directions) + direction) * batch * hidden, batch * hidden);

    /// <summary>h_n[layer × directions + d, b] = the direction's last output: t = seq − 1 forward, t = 0 backward.</summary>
    private static void CopyFinalStates(ReadOnlySpan<float> layerOutput, int outputWidth, Span<float> hN, int layer, int directions, int hidden, SequenceShape shape)
    {
        for (int direction = 0; direction < directions; direction++)
        {
            int finalTime = direction == 0 ? shape.SeqLen - 1 : 0;
            for (int batchRow = 0; batchRow < shape.Batch; batchRow++)
            {
                layerOutput.Slice((shape.Row(finalTime, batchRow) * outputWidth) + (direction * hidden), hidden)
                    .CopyTo(hN.Slice((((layer * directions) + direction) * shape.Batch + batchRow) * hidden, hidden));
            }
        }
    }

    /// <summary>One direction of one layer: its weights, its pre-activation rows, its initial state, its output columns.</summary>
    private readonly ref struct DirectionRun
    {
        private readonly PackedLayerDirection _weights;
        private readonly Span<float> _preact;
        private readonly int _preactStride;
        private readonly ReadOnlySpan<float> _initialState;
        private readonly int _outputColumn;
        private readonly int _layer;

        public DirectionRun(PackedLayerDirection weights, int layer, Span<float> preact, int preactStride, ReadOnlySpan<float> initialState, int outputColumn)
        {
            _weights = weights;
            _preact = preact;
            _preactStride = preactStride;
            _initialState = initialState;
            _outputColumn = outputColumn;
            _layer = layer;
        }

        /// <summary>preact[r] = b_ih + b_hh + W_ih·x[r] for every row: the part of each step that does not depend on h.</summary>
        public void ProjectInputs(SimdPath path, ReadOnlySpan<float> layerInput, int inputWidth, int rows)
            => PackedGemm.MultiplyAdd(path, layerInput, inputWidth, rows, _weights.InputWeights, _weights.ProjectionBias, 0, _preact, _preactStride);

        /// <summary>h_t = act(preact_t + W_hh·h_prev) for every batch row, written into the direction's output columns.</summary>
        public void Step<TKernel>(RnnNonlinearity nonlinearity, Span<float> layerOutput, int outputWidth, int hidden, SequenceShape shape, int time, int previousTime)
            where TKernel : struct, IRecurrentStepKernel
        {
            // Each span is cut to exactly the extent the step may touch, so the slicing itself proves the
            // bounds that RecurrentStepArgs promises kernels (which then address them unchecked).
            int batch = shape.Batch;
            int rowStep = shape.BatchStride;
            int preactRowStride = rowStep * _preactStride;
            int outputRowStride = rowStep * outputWidth;
            Span<float> preact = _preact.Slice(shape.Row(time, 0) * _preactStride, ((batch - 1) * preactRowStride) + _preactStride);
            Span<float> output = layerOutput.Slice((shape.Row(time, 0) * outputWidth) + _outputColumn, ((batch - 1) * outputRowStride) + hidden);
            ReadOnlySpan<float> previous;
            int previousStride;
            if (previousTime >= 0)
            {
                previous = layerOutput.Slice((shape.Row(previousTime, 0) * outputWidth) + _outputColumn, ((batch - 1) * outputRowStride) + hidden);
                previousStride = outputRowStride;
            }
            else
            {
                previous = _initialState;
                previousStride = hidden;
            }

            var args = new RecurrentStepArgs(
                _layer, hidden, _weights.RecurrentWeights.PanelWidth, nonlinearity, _weights.RecurrentWeights.Data,
                preact, preactRowStride, previous, previousStride, output, outputRowStride, batch);
            if (!TKernel.TryStep(args))
            {
                RuntimeStepKernel.Step(args);
            }
        }
    }
}
