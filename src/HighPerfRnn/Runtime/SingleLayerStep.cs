using HighPerfRnn.Kernels;

namespace HighPerfRnn.Runtime;

/// <summary>
/// The streaming step of a one-layer, unidirectional model at batch 1: the call a real-time caller (audio, sensors)
/// makes millions of times, where the step itself is a few dozen nanoseconds of arithmetic. Its checks are a handful
/// of compares, and it goes straight to the kernel: no general validation, no scratch layout, no per-layer loop.
/// </summary>
/// <remarks>
/// It accepts a call only when every check of the general path would pass (lengths exact, no overlaps); anything
/// else returns false and the general path runs, which names the argument at fault. It runs the same kernels as
/// <see cref="StreamingStep"/> on the same layer, so results are the same bit for bit.
/// </remarks>
internal sealed class SingleLayerStep
{
    private readonly PackedLayerDirection _weights;
    private readonly SimdPath _path;
    private readonly RnnCell _cell;
    private readonly RnnNonlinearity _nonlinearity;
    private readonly int _inputSize;
    private readonly int _hidden;
    private readonly bool _fusedGates;
    private readonly bool _alternatePanelOrder;
    private readonly bool _oneVector;

    /// <summary>
    /// The largest batch whose Step the plan runs row by row through this step (1: none). A declared model's driver plan
    /// says the same: where its own plan runs rows through its whole-model step, the driver's is the runtime-sized one.
    /// </summary>
    private readonly int _rowsUpToBatch;

    private SingleLayerStep(RnnModel model)
    {
        RnnArchitecture architecture = model.Architecture;
        _weights = model.Layer(0, 0);
        _path = model.SimdPath;
        _cell = architecture.Cell;
        _nonlinearity = architecture.Nonlinearity;
        _inputSize = architecture.InputSize;
        _hidden = architecture.HiddenSize;

        // The route is the plan's (made when the model was built); this class only skips the general checks.
        LayerPlan plan = model.Plan(RnnCall.Step, 1, declared: false).Layer(0);
        _fusedGates = plan.Kernel == LayerKernel.FusedGateStep;
        _alternatePanelOrder = plan.AlternatePanelOrder;
        _oneVector = plan.Kernel == LayerKernel.ElmanSequenceProjecting;
        _rowsUpToBatch = model.RowByRowUpToBatch(RnnCall.Step, declared: false);
    }

    /// <summary>The fast step for <paramref name="model"/>, or null where it has none (several layers, both directions, an LSTM projection).</summary>
    public static SingleLayerStep? For(RnnModel model)
    {
        RnnArchitecture architecture = model.Architecture;
        bool serves = architecture.NumLayers == 1 && !architecture.Bidirectional && architecture.ProjSize == 0;
        return serves ? new SingleLayerStep(model) : null;
    }

    /// <summary>An RNN or GRU step; false (nothing touched) where the general path must run or report.</summary>
    public bool TryStep(ReadOnlySpan<float> input, Span<float> state, Span<float> output, RnnWorkspace? workspace)
    {
        if (_cell == RnnCell.Lstm || (_cell == RnnCell.Gru && !_fusedGates) || !Accepts(input, state, output))
        {
            return false;
        }

        StepUngated(input, state, output, workspace);
        return true;
    }

    /// <summary>An LSTM step; false (nothing touched) where the general path must run or report.</summary>
    public bool TryStep(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output)
    {
        if (_cell != RnnCell.Lstm || !_fusedGates || !Accepts(input, state, output)
            || cellState.Length != _hidden || cellState.Overlaps(input) || cellState.Overlaps(state) || cellState.Overlaps(output))
        {
            return false;
        }

        StepLstm(input, state, cellState, output);
        return true;
    }

    /// <summary>
    /// A Step of a few streams that the plan runs row by row (<see cref="ExecutionPlan.RunsRowByRow"/>), with the checks
    /// of the batch-1 step over the whole spans (exact lengths, apart); false (nothing touched) where the general path
    /// must run or report. Those checks cost as much as a small row's step: the general path's for a batch of two took
    /// 40 ns more than two batch-1 calls (Elman 8, Zen 4).
    /// </summary>
    public bool TryStepRows(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace? workspace)
    {
        bool lstm = _cell == RnnCell.Lstm;
        if (batch < 2 || batch > _rowsUpToBatch
            || input.Length != (long)batch * _inputSize || state.Length != (long)batch * _hidden || output.Length != (long)batch * _hidden
            || input.Overlaps(state) || input.Overlaps(output) || output.Overlaps(state)
            || (lstm && (cellState.Length != (long)batch * _hidden || cellState.Overlaps(input) || cellState.Overlaps(state) || cellState.Overlaps(output)))
            || (!lstm && !cellState.IsEmpty))
        {
            return false;
        }

        StepRows(input, state, cellState, output, batch, workspace);
        return true;
    }

    /// <summary>
    /// A Step of <paramref name="batch"/> streams whose arguments the general path has checked, each stream's row
    /// through the batch-1 step in turn (<see cref="ExecutionPlan.RunsRowByRow"/>): rows are independent, and each gets
    /// the sums it gets alone.
    /// </summary>
    public void StepRows(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output, int batch, RnnWorkspace? workspace)
    {
        if (_cell != RnnCell.Rnn && !_fusedGates)
        {
            throw new InvalidOperationException($"The plan runs rows one by one, but the batch-1 step of this {_cell} is not fused.");
        }

        for (int row = 0; row < batch; row++)
        {
            ReadOnlySpan<float> x = input.Slice(row * _inputSize, _inputSize);
            Span<float> h = state.Slice(row * _hidden, _hidden);
            Span<float> o = output.Slice(row * _hidden, _hidden);
            if (_cell == RnnCell.Lstm)
            {
                StepLstm(x, h, cellState.Slice(row * _hidden, _hidden), o);
            }
            else
            {
                StepUngated(x, h, o, workspace);
            }
        }
    }

    private void StepUngated(ReadOnlySpan<float> input, Span<float> state, Span<float> output, RnnWorkspace? workspace)
    {
        if (_cell == RnnCell.Gru)
        {
            FusedGateStep.Gru(_path, input, _weights.InputWeights, state, _weights.RecurrentWeights, _weights.ProjectionBias, _weights.RecurrentBias, output, _hidden, _alternatePanelOrder && StreamingPanelOrder.Next());
        }
        else if (_oneVector)
        {
            // One vector: the sequence kernel projects the input itself, and its one row of h is the output.
            var oneVector = ElmanSequenceKernel.Direction.ProjectingInput(
                _weights.RecurrentWeights.Data, output, _hidden, _hidden, 1, state, backward: false, input, _inputSize, _inputSize, _weights.InputWeights.Data, _weights.ProjectionBias);
            ElmanSequenceKernel.Run(_path, _nonlinearity, oneVector, default, hasSecond: false, 1);
        }
        else
        {
            // The pre-activation row (bias + W_ih·x), then the recurrent chain and the activation on it, in place.
            int rowStride = _weights.PaddedGateRows;
            Span<float> row = (workspace ?? RnnWorkspace.ThreadDefault).Rent(rowStride);
            PackedGemm.MultiplyAddRow(_path, input, _weights.InputWeights, _weights.ProjectionBias, row);
            var direction = new ElmanSequenceKernel.Direction(_weights.RecurrentWeights.Data, row, rowStride, _hidden, 1, state, backward: false);
            ElmanSequenceKernel.Run(_path, _nonlinearity, direction, default, hasSecond: false, 1);
            row[.._hidden].CopyTo(output);
        }

        output.CopyTo(state);
    }

    private void StepLstm(ReadOnlySpan<float> input, Span<float> state, Span<float> cellState, Span<float> output)
    {
        FusedGateStep.Lstm(_path, input, _weights.InputWeights, state, _weights.RecurrentWeights, _weights.ProjectionBias, cellState, output, _hidden, _alternatePanelOrder && StreamingPanelOrder.Next());
        output.CopyTo(state);
    }

    /// <summary>The general path's checks for batch 1 and one layer: exact lengths, and input, state and output apart.</summary>
    private bool Accepts(ReadOnlySpan<float> input, ReadOnlySpan<float> state, ReadOnlySpan<float> output)
        => input.Length == _inputSize && state.Length == _hidden && output.Length == _hidden
            && !input.Overlaps(state) && !input.Overlaps(output) && !output.Overlaps(state);
}
