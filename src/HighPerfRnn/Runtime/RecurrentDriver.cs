using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using HighPerfRnn.Kernels;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Runtime;

/// <summary>
/// Runs layers, directions and time steps over the kernels: per layer and direction, one matrix product
/// projects every time step's input at once (biases included); then only W_hh·h remains inside the time loop.
/// The two directions of a bidirectional layer are independent chains, so each loop iteration advances both
/// (forward at t, backward at seq − 1 − t) and the CPU overlaps their latencies.
/// </summary>
/// <remarks>
/// A step reads h_{t−1} straight from the previous time row of the layer's output: no state copies. Scratch rows are
/// time-major; a batch-first caller's input and the last layer's output are addressed in place through their
/// <see cref="SequenceShape"/>, a step's batch rows one stride apart.
/// </remarks>
internal static partial class RecurrentDriver
{
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Forward<TKernel>(
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
        if (!lengths.IsEmpty && !AllFullLength(lengths, shape.SeqLen))
        {
            ForwardRagged<TKernel>(model, input, output, hN, cN, h0, c0, shape, lengths, workspace);
            return;
        }

        // The plan made for this call class when the model was built: the kernel of every layer, decided there.
        ExecutionPlan plan = model.DriverPlan(RnnCall.Forward, shape.Batch, declared: typeof(TKernel) != typeof(RuntimeStepKernel));
        if (plan.AllLayersProjecting)
        {
            // The smallest Elman models: one kernel call per sequence of each layer, none of the bookkeeping below.
            OneVectorElmanForward.Run(model, input, output, hN, h0, shape, lengths: default, workspace);
            return;
        }

        if (plan.LayersAsWavefront && shape.Batch == 1)
        {
            ForwardAsWavefront<TKernel>(model, input, output, hN, cN, h0, c0, shape, plan, workspace);
            return;
        }

        RnnArchitecture architecture = model.Architecture;

        // Inside, every scratch buffer is time-major, (t, b) at row t·batch + b, so a step's batch rows are adjacent.
        // A batch-first caller's rows stay where they are: the first layer reads its input rows in place (seq rows apart)
        // and the last layer writes h into the output's rows, and reads h_{t−1} back from them, in place.
        // Measured against projecting into time-major rows and copying the output back at the end (paired, Zen 4): Elman 128
        // at batch 64 0.91 of the time (seq 100, and seq 128, where the rows lie 64 KB apart, all in the same L1 sets),
        // Elman 512 at batch 64 0.99, lstm-big 0.99, LSTM and GRU 128 at batch 8-16 0.99; and no copy of the whole output.
        bool batchFirst = shape.Layout == SequenceLayout.BatchFirst && shape.Batch > 1;
        var inner = new SequenceShape(shape.Batch, shape.SeqLen, SequenceLayout.SequenceFirst);
        var dims = new Dimensions(architecture, model.SimdPath, model.Layer(0, 0).PaddedGateRows, inner, outputNeedsCopy: false, inner.Rows, ragged: false);
        Scratch scratch = Scratch.Carve(workspace, dims);

        ReadOnlySpan<float> layerInput = input;
        int layerInputWidth = architecture.InputSize;
        bool inputBatchFirst = batchFirst;
        int batch = shape.Batch;

        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            LayerPlan layerPlan = plan.Layer(layer);
            LayerKernel kernel = layerPlan.Kernel;
            bool lastLayer = layer == architecture.NumLayers - 1;
            Span<float> layerOutput = lastLayer ? output : ((layer & 1) == 0 ? scratch.HiddenA : scratch.HiddenB);
            SequenceShape outputRows = lastLayer && batchFirst ? shape : inner;

            var forward = new DirectionRun(model.Layer(layer, 0), layer, 0, dims, scratch.ForwardPreact, scratch.ForwardCell, h0, c0, outputRows);
            var projection = new StepProjection(layerInput, layerInputWidth, inputBatchFirst, plan.ProjectsEachStep);
            forward.ProjectSequence(projection);

            if (kernel is LayerKernel.ElmanSequence or LayerKernel.ElmanSequenceProjecting)
            {
                // An Elman layer whose steps are small runs each sequence's whole time loop in one kernel call.
                RunElmanSequences(model, layer, dims, scratch, forward, projection, h0, layerOutput, hN, layerPlan.InterleaveDirections);
            }
            else if (dims.Directions == 2)
            {
                var backward = new DirectionRun(model.Layer(layer, 1), layer, 1, dims, scratch.BackwardPreact, scratch.BackwardCell, h0, c0, outputRows);
                backward.ProjectSequence(projection);

                if (layerPlan.InterleaveDirections)
                {
                    for (int step = 0; step < shape.SeqLen; step++)
                    {
                        forward.ProjectStep(projection, step);
                        forward.Step<TKernel>(layerOutput, scratch, step * batch, batch, 0, (step - 1) * batch, step, kernel);
                        int time = shape.SeqLen - 1 - step;
                        backward.ProjectStep(projection, time);
                        backward.Step<TKernel>(layerOutput, scratch, time * batch, batch, 0, step == 0 ? -1 : (time + 1) * batch, step, kernel);
                    }
                }
                else
                {
                    forward.RunSteps<TKernel>(layerOutput, scratch, projection, kernel);
                    backward.RunSteps<TKernel>(layerOutput, scratch, projection, kernel);
                }

                backward.CopyFinalState(layerOutput, hN, cN);
            }
            else
            {
                forward.RunSteps<TKernel>(layerOutput, scratch, projection, kernel);
            }

            forward.CopyFinalState(layerOutput, hN, cN);
            layerInput = layerOutput;
            layerInputWidth = dims.OutputWidth;
            inputBatchFirst = false;
        }
    }

    /// <summary>
    /// Two unidirectional layers at batch 1 as a wavefront (<see cref="ExecutionPlan.LayersAsWavefront"/>): wave w runs layer
    /// 0's step w and layer 1's step w − 1, two independent dependency chains the CPU overlaps, where layer by layer each
    /// time step waits for both in turn. Layer 0's inputs are projected for the whole sequence as usual; layer 1's step
    /// t − 1 takes layer 0's output of the wave before through the fused gate step's input and recurrent products in one
    /// pass, the same sums in the same order as a projection then a step, so the bits are the layer-by-layer pass's.
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ForwardAsWavefront<TKernel>(
        RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, Span<float> cN, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, SequenceShape shape, ExecutionPlan plan, RnnWorkspace workspace)
        where TKernel : struct, IRecurrentStepKernel
    {
        RnnArchitecture architecture = model.Architecture;
        var inner = new SequenceShape(1, shape.SeqLen, SequenceLayout.SequenceFirst);
        var dims = new Dimensions(architecture, model.SimdPath, model.Layer(0, 0).PaddedGateRows, inner, outputNeedsCopy: false, inner.Rows, ragged: false, wavefront: true);
        Scratch scratch = Scratch.Carve(workspace, dims);

        // Layer 0 writes its sequence to scratch, layer 1 to the output; each its own pre-activation rows and cell state.
        Span<float> layer0Output = scratch.HiddenA;
        var layer0 = new DirectionRun(model.Layer(0, 0), 0, 0, dims, scratch.ForwardPreact, scratch.ForwardCell, h0, c0);
        var layer1 = new DirectionRun(model.Layer(1, 0), 1, 0, dims, scratch.BackwardPreact, scratch.BackwardCell, h0, c0);
        layer0.ProjectInputs(input, architecture.InputSize, batchFirst: false);
        LayerKernel kernel0 = plan.Layer(0).Kernel;
        LayerKernel kernel1 = plan.Layer(1).Kernel;
        int seqLen = shape.SeqLen;
        for (int wave = 0; wave <= seqLen; wave++)
        {
            if (wave < seqLen)
            {
                layer0.Step<TKernel>(layer0Output, scratch, wave, 1, 0, wave - 1, wave, kernel0);
            }

            if (wave > 0)
            {
                int t = wave - 1;
                layer1.StepFromInput<TKernel>(layer0Output, dims.OutputWidth, output, scratch, t, kernel1);
            }
        }

        layer0.CopyFinalState(layer0Output, hN, cN);
        layer1.CopyFinalState(output, hN, cN);
    }

    /// <summary>
    /// An Elman layer through <see cref="ElmanSequenceKernel"/>: the whole time loop of each batch row and direction in one
    /// kernel call, in place on its pre-activation rows (one row of a time-major batch: batch rows apart), two such
    /// chains per call where the plan says so (a row's two directions; two rows of a unidirectional layer); then h into
    /// the output (and the backward direction's h_n; the caller copies the forward one's, as for every layer).
    /// </summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void RunElmanSequences(
        RnnModel model, int layer, Dimensions dims, in Scratch scratch, DirectionRun forward, in StepProjection projection, ReadOnlySpan<float> h0, Span<float> layerOutput, Span<float> hN, bool interleave)
    {
        int seqLen = dims.Shape.SeqLen;
        int batch = dims.Shape.Batch;
        if (dims.Directions == 1)
        {
            RunElmanRows(dims, forward, layerOutput);
            return;
        }

        var backward = new DirectionRun(model.Layer(layer, 1), layer, 1, dims, scratch.BackwardPreact, scratch.BackwardCell, h0, default, forward.OutputRows);
        backward.ProjectInputs(projection.LayerInput, projection.InputWidth, projection.BatchFirst);
        for (int row = 0; row < batch; row++)
        {
            if (interleave)
            {
                ElmanSequenceKernel.Run(dims.Path, dims.Nonlinearity, forward.AsElmanSequence(row), backward.AsElmanSequence(row), hasSecond: true, seqLen);
            }
            else
            {
                ElmanSequenceKernel.Run(dims.Path, dims.Nonlinearity, forward.AsElmanSequence(row), default, hasSecond: false, seqLen);
                ElmanSequenceKernel.Run(dims.Path, dims.Nonlinearity, backward.AsElmanSequence(row), default, hasSecond: false, seqLen);
            }
        }

        forward.CopyRowsToOutput(layerOutput);
        backward.CopyRowsToOutput(layerOutput);
        backward.CopyFinalState(layerOutput, hN, default);
    }

    /// <summary>
    /// One direction's sequences through <see cref="ElmanSequenceKernel"/>, two rows side by side (their chains are
    /// independent, as a bidirectional layer's directions), then h into the direction's output columns.
    /// </summary>
    private static void RunElmanRows(Dimensions dims, DirectionRun run, Span<float> layerOutput)
    {
        int batch = dims.Shape.Batch;
        for (int row = 0; row < batch; row += 2)
        {
            bool pair = row + 1 < batch;
            ElmanSequenceKernel.Run(dims.Path, dims.Nonlinearity, run.AsElmanSequence(row), pair ? run.AsElmanSequence(row + 1) : default, hasSecond: pair, dims.Shape.SeqLen);
        }

        run.CopyRowsToOutput(layerOutput);
    }

    /// <summary>
    /// A layer's input (time-major, or the caller's batch-first rows for the first layer), and whether each step projects
    /// its own rows just before it runs (else the whole sequence was projected first).
    /// </summary>
    private readonly ref struct StepProjection(ReadOnlySpan<float> layerInput, int inputWidth, bool batchFirst, bool perStep)
    {
        public ReadOnlySpan<float> LayerInput { get; } = layerInput;

        public int InputWidth { get; } = inputWidth;

        public bool BatchFirst { get; } = batchFirst;

        public bool PerStep { get; } = perStep;
    }

    /// <summary>The sizes of one pass, computed once.</summary>
    private readonly struct Dimensions
    {
        public Dimensions(RnnArchitecture architecture, SimdPath path, int paddedGateRows, SequenceShape shape, bool outputNeedsCopy, int rows, bool ragged, bool wavefront = false, bool directionsApart = false)
        {
            Wavefront = wavefront;
            DirectionsApart = directionsApart;
            OutputNeedsCopy = outputNeedsCopy;
            Rows = rows;
            Ragged = ragged;
            InputSize = architecture.InputSize;
            StateRows = architecture.StateRows;
            Cell = architecture.Cell;
            Nonlinearity = architecture.Nonlinearity;
            Path = path;
            Shape = shape;
            Directions = architecture.NumDirections;
            Hidden = architecture.HiddenSize;
            State = architecture.StateSize;
            OutputWidth = architecture.OutputSize;
            PaddedGateRows = paddedGateRows;
            int lanes = SimdPaths.LaneCount(path);
            PaddedHidden = PackedMatrix.PadToPanels(Hidden, lanes);
            PaddedState = PackedMatrix.PadToPanels(State, lanes);
            NumLayers = architecture.NumLayers;
        }

        public RnnCell Cell { get; }

        public RnnNonlinearity Nonlinearity { get; }

        public SimdPath Path { get; }

        public SequenceShape Shape { get; }

        public int NumLayers { get; }

        public int Directions { get; }

        public int Hidden { get; }

        /// <summary>Features of h: proj_size for a projected LSTM, else hidden.</summary>
        public int State { get; }

        public int OutputWidth { get; }

        public int PaddedGateRows { get; }

        public int PaddedHidden { get; }

        public int PaddedState { get; }

        /// <summary>Whether the last layer writes to scratch (then copied to the output: a ragged batch's packed rows) rather than to the output itself.</summary>
        public bool OutputNeedsCopy { get; }

        /// <summary>Rows of every per-row buffer: batch × seqLen, or for a ragged batch the sum of the lengths (no row past a sequence's end).</summary>
        public int Rows { get; }

        /// <summary>Whether two layers run as a wavefront (<see cref="ForwardAsWavefront"/>): then layer 1 takes the second pre-activation rows and cell state.</summary>
        public bool Wavefront { get; }

        /// <summary>Whether the two directions run on threads of their own (<see cref="ForwardAsTeamMember"/>): then each takes its own step scratch.</summary>
        public bool DirectionsApart { get; }

        /// <summary>Whether the sequences have lengths of their own (<see cref="PackedSequenceOrder"/>): then the scratch also holds the order and the packed input and initial states.</summary>
        public bool Ragged { get; }

        public int InputSize { get; }

        /// <summary>Layers × directions: the rows of h0 and h_n.</summary>
        public int StateRows { get; }
    }

    /// <summary>The scratch buffers of one pass, carved from the workspace at 64-byte boundaries.</summary>
    private readonly ref struct Scratch
    {
        public Span<float> ForwardPreact { get; init; }

        public Span<float> BackwardPreact { get; init; }

        /// <summary>Hidden sequences between layers, used alternately.</summary>
        public Span<float> HiddenA { get; init; }

        public Span<float> HiddenB { get; init; }

        /// <summary>LSTM cell states, batch × hidden per direction.</summary>
        public Span<float> ForwardCell { get; init; }

        public Span<float> BackwardCell { get; init; }

        /// <summary>Each step's scratch (RecurrentStepArgs.Scratch): batch × (padded gate rows + padded hidden + padded state).</summary>
        public Span<float> Step { get; init; }

        /// <summary>The backward direction's step scratch where the directions run on threads of their own (<see cref="Dimensions.DirectionsApart"/>).</summary>
        public Span<float> BackwardStep { get; init; }

        /// <summary>Zeros: h_{−1} without h0, and the zero bias of the projection.</summary>
        public ReadOnlySpan<float> Zeros { get; init; }

        /// <summary>Ragged batches: the first layer's input rows in packed order (<see cref="PackedSequenceOrder"/>).</summary>
        public Span<float> PackedInput { get; init; }

        /// <summary>Ragged batches: h0 with its batch rows in sorted order.</summary>
        public Span<float> SortedH0 { get; init; }

        /// <summary>Ragged batches: c0 with its batch rows in sorted order.</summary>
        public Span<float> SortedC0 { get; init; }

        /// <summary>Ragged batches: the memory of the <see cref="PackedSequenceOrder"/>.</summary>
        public Span<int> OrderMemory { get; init; }

        // clearZeros: false for the members of a team sharing one pass, whose scratch the caller carved (and cleared) first.
        public static Scratch Carve(RnnWorkspace workspace, Dimensions d, bool clearZeros = true)
        {
            long rows = d.Rows;
            long batch = d.Shape.Batch;
            bool lstm = d.Cell == RnnCell.Lstm;
            long preactLong = RnnWorkspace.Align(rows * d.PaddedGateRows);
            long hiddenLong = RnnWorkspace.Align(rows * d.OutputWidth);
            int hiddenBuffers = Math.Min(d.OutputNeedsCopy ? d.NumLayers : d.NumLayers - 1, 2);
            long cellLong = lstm ? RnnWorkspace.Align(batch * d.Hidden) : 0;
            long stepLong = RnnWorkspace.Align(batch * (d.PaddedGateRows + d.PaddedHidden + d.PaddedState));
            long zerosLong = RnnWorkspace.Align((long)Math.Max(d.PaddedState, d.PaddedHidden));
            long packedInputLong = d.Ragged ? RnnWorkspace.Align(rows * d.InputSize) : 0;
            long sortedH0Long = d.Ragged ? RnnWorkspace.Align((long)d.StateRows * batch * d.State) : 0;
            long sortedC0Long = d.Ragged && lstm ? RnnWorkspace.Align((long)d.StateRows * batch * d.Hidden) : 0;
            long orderLong = d.Ragged ? RnnWorkspace.Align(PackedSequenceOrder.IntsNeeded(d.Shape.Batch, d.Shape.SeqLen)) : 0; // an int per float
            int runs = d.Wavefront ? 2 : d.Directions; // each direction's, or each wavefront layer's, own rows and cells
            int total = RnnWorkspace.RequireScratch(
                (preactLong * runs) + (hiddenLong * hiddenBuffers) + (cellLong * runs) + (stepLong * (d.DirectionsApart ? 2 : 1)) + zerosLong
                    + packedInputLong + sortedH0Long + sortedC0Long + orderLong,
                "seqLen",
                d.Shape.SeqLen);

            // Each part is at most the total, so the casts below are exact.
            int preact = (int)preactLong;
            int hidden = (int)hiddenLong;
            int cell = (int)cellLong;
            int step = (int)stepLong;
            int zeros = (int)zerosLong;
            Span<float> all = workspace.Rent(total);
            int offset = 0;
            Span<float> Take(Span<float> source, int length)
            {
                Span<float> slice = source.Slice(offset, length);
                offset += length;
                return slice;
            }

            var scratch = new Scratch
            {
                ForwardPreact = Take(all, preact),
                BackwardPreact = runs == 2 ? Take(all, preact) : default,
                HiddenA = hiddenBuffers > 0 ? Take(all, hidden) : default,
                HiddenB = hiddenBuffers > 1 ? Take(all, hidden) : default,
                ForwardCell = Take(all, cell),
                BackwardCell = runs == 2 ? Take(all, cell) : default,
                Step = Take(all, step),
                BackwardStep = d.DirectionsApart ? Take(all, step) : default,
                Zeros = clearZeros ? ClearAndReturn(Take(all, zeros)) : Take(all, zeros),
                PackedInput = Take(all, (int)packedInputLong),
                SortedH0 = Take(all, (int)sortedH0Long),
                SortedC0 = Take(all, (int)sortedC0Long),
                OrderMemory = MemoryMarshal.Cast<float, int>(Take(all, (int)orderLong)),
            };
            return scratch;
        }

        private static Span<float> ClearAndReturn(Span<float> span)
        {
            span.Clear();
            return span;
        }
    }

    /// <summary>One direction of one layer: its weights, pre-activation rows, initial state, output columns and (LSTM) cell state.</summary>
    private readonly ref partial struct DirectionRun
    {
        private readonly PackedLayerDirection _weights;
        private readonly Dimensions _d;
        private readonly Span<float> _preact;
        private readonly Span<float> _cell;
        private readonly ReadOnlySpan<float> _initialState;
        private readonly int _layer;
        private readonly int _stateRow;
        private readonly int _outputColumn;

        /// <summary>The row order of the layer's output: the pass's time-major rows, or the caller's batch-first ones (the last layer's).</summary>
        private readonly SequenceShape _outputRows;

        // outputRows: the row order of the output this direction writes; default: time-major, as every scratch buffer.
        // initializeCell: false where a team of threads shares the step's units, each initializing its own (InitializeCellUnits).
        public DirectionRun(PackedLayerDirection weights, int layer, int direction, Dimensions d, Span<float> preact, Span<float> cell, ReadOnlySpan<float> h0, ReadOnlySpan<float> c0, SequenceShape outputRows = default, bool initializeCell = true)
        {
            _outputRows = outputRows.Batch == 0 ? d.Shape : outputRows;
            _weights = weights;
            _d = d;
            _preact = preact;
            _cell = cell;
            _layer = layer;
            _stateRow = (layer * d.Directions) + direction;
            _outputColumn = direction * d.State;
            int batch = d.Shape.Batch;
            _initialState = h0.IsEmpty ? default : h0.Slice(_stateRow * batch * d.State, batch * d.State);
            if (d.Cell == RnnCell.Lstm && initializeCell)
            {
                if (c0.IsEmpty)
                {
                    cell.Clear();
                }
                else
                {
                    c0.Slice(_stateRow * batch * d.Hidden, batch * d.Hidden).CopyTo(cell);
                }
            }
        }

        /// <summary>
        /// preact[t·batch + b] = biases + W_ih·x[t, b] for every row: the part of each step that does not depend on h.
        /// A batch-first input is projected one sequence at a time, each into every batch-th row.
        /// </summary>
        public void ProjectInputs(ReadOnlySpan<float> layerInput, int inputWidth, bool batchFirst)
            => ProjectPanels(layerInput, inputWidth, batchFirst, 0, _weights.InputWeights.PanelCount);

        /// <summary>
        /// preact[r, column] = bias[column] + W_ih·x for every row r and the columns of W_ih's panels [firstPanel, firstPanel
        /// + panelCount) (all of them, or one unit share's panels of one gate block): one product of the time-major rows, or
        /// for a batch-first input one per sequence, each into every batch-th row.
        /// </summary>
        private void ProjectPanels(ReadOnlySpan<float> layerInput, int inputWidth, bool batchFirst, int firstPanel, int panelCount)
        {
            PackedMatrix weights = _weights.InputWeights;
            int column = firstPanel * weights.PanelWidth;
            ReadOnlySpan<float> bias = _weights.ProjectionBias.AsSpan(column);
            if (!batchFirst)
            {
                PackedGemm.MultiplyAdd(_d.Path, layerInput, inputWidth, _d.Rows, weights, firstPanel, panelCount, bias, 0, _preact[column..], _d.PaddedGateRows);
                return;
            }

            int batch = _d.Shape.Batch;
            int seqLen = _d.Shape.SeqLen;
            for (int b = 0; b < batch; b++)
            {
                PackedGemm.MultiplyAdd(
                    _d.Path,
                    layerInput.Slice(b * seqLen * inputWidth, seqLen * inputWidth),
                    inputWidth,
                    seqLen,
                    weights,
                    firstPanel,
                    panelCount,
                    bias,
                    0,
                    _preact[((b * _d.PaddedGateRows) + column)..],
                    batch * _d.PaddedGateRows);
            }
        }

        /// <summary>The whole sequence's pre-activation rows (<see cref="ProjectInputs"/>), unless each step projects its own (<see cref="ProjectStep"/>).</summary>
        public void ProjectSequence(in StepProjection projection)
        {
            if (!projection.PerStep)
            {
                ProjectInputs(projection.LayerInput, projection.InputWidth, projection.BatchFirst);
            }
        }

        /// <summary>
        /// preact[t·batch + b] = biases + W_ih·x[t, b] for the batch rows of time step <paramref name="t"/> alone, where the
        /// layer projects step by step (<see cref="StepProjection.PerStep"/>): the rows <see cref="ProjectInputs"/> writes for
        /// that step, the same sums (a row's product does not depend on which rows share the call).
        /// </summary>
        public void ProjectStep(in StepProjection projection, int t)
        {
            if (!projection.PerStep)
            {
                return;
            }

            // A batch-first input's rows of step t lie seq rows apart in the caller's buffer; the product reads them in
            // place. Measured against the whole-sequence projection (paired, Zen 4) even at a 64 KB stride, where every
            // row falls in one L1 set: Elman 128 at batch 64 and seq 128 0.91, LSTM 256 at batch 32 and seq 64 0.95.
            int batch = _d.Shape.Batch;
            int width = projection.InputWidth;
            int lda = projection.BatchFirst ? _d.Shape.SeqLen * width : width;
            int first = projection.BatchFirst ? t * width : t * batch * width;
            ReadOnlySpan<float> rows = projection.LayerInput.Slice(first, ((batch - 1) * lda) + width);
            PackedGemm.MultiplyAdd(_d.Path, rows, lda, batch, _weights.InputWeights, _weights.ProjectionBias, 0, _preact[(t * batch * _d.PaddedGateRows)..], _d.PaddedGateRows);
        }

        /// <summary>
        /// Every time step of this direction for all the batch rows, in its order (forward from t = 0, backward from the
        /// last), each step's inputs projected just before it where the layer projects step by step.
        /// </summary>
        // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void RunSteps<TKernel>(Span<float> layerOutput, in Scratch scratch, in StepProjection projection, LayerKernel kernel)
            where TKernel : struct, IRecurrentStepKernel
        {
            int batch = _d.Shape.Batch;
            int seqLen = _d.Shape.SeqLen;
            bool forward = _outputColumn == 0;
            for (int step = 0; step < seqLen; step++)
            {
                int time = forward ? step : seqLen - 1 - step;
                int previousTime = forward ? time - 1 : time + 1;
                ProjectStep(projection, time);
                Step<TKernel>(layerOutput, scratch, time * batch, batch, 0, step == 0 ? -1 : previousTime * batch, step, kernel);
            }
        }

        /// <summary>
        /// Step <paramref name="t"/> of one sequence (batch 1) from its input row rather than a projected one: the fused
        /// gate step's input and recurrent products in one pass (biases + W_ih·x, then + W_hh·h: the sums
        /// <see cref="ProjectInputs"/> and <see cref="Step"/> make). The first step without h0, which has no recurrent product,
        /// projects its row and takes <see cref="Step"/>.
        /// </summary>
        // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void StepFromInput<TKernel>(ReadOnlySpan<float> layerInput, int inputWidth, Span<float> layerOutput, in Scratch scratch, int t, LayerKernel kernel)
            where TKernel : struct, IRecurrentStepKernel
        {
            ReadOnlySpan<float> x = layerInput.Slice(t * inputWidth, inputWidth);
            if (t == 0 && _initialState.IsEmpty)
            {
                PackedGemm.MultiplyAdd(_d.Path, x, inputWidth, 1, _weights.InputWeights, _weights.ProjectionBias, 0, _preact[.._d.PaddedGateRows], _d.PaddedGateRows);
                Step<TKernel>(layerOutput, scratch, 0, 1, 0, -1, 0, kernel);
                return;
            }

            int state = _d.State;
            ReadOnlySpan<float> h = t > 0 ? layerOutput.Slice(((t - 1) * _d.OutputWidth) + _outputColumn, state) : _initialState[..state];
            Span<float> hiddenOut = layerOutput.Slice((t * _d.OutputWidth) + _outputColumn, state);
            bool reverse = (t & 1) == 1;
            if (_d.Cell == RnnCell.Lstm)
            {
                FusedGateStep.Lstm(_d.Path, x, _weights.InputWeights, h, _weights.RecurrentWeights, _weights.ProjectionBias, _cell[.._d.Hidden], hiddenOut, _d.Hidden, reverse);
            }
            else
            {
                FusedGateStep.Gru(_d.Path, x, _weights.InputWeights, h, _weights.RecurrentWeights, _weights.ProjectionBias, _weights.RecurrentBias, hiddenOut, _d.Hidden, reverse);
            }
        }

        /// <summary>
        /// One time step of <paramref name="count"/> adjacent sequences, whose rows start at <paramref name="row"/> (every
        /// per-row buffer is time-major: a step's rows are adjacent); the first of them is sequence
        /// <paramref name="firstSequence"/> of the batch (its cell-state and h0 row). h_{t−1} comes from the rows starting at
        /// <paramref name="previousRow"/>, or from the initial state where it is negative.
        /// </summary>
        // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void Step<TKernel>(Span<float> layerOutput, in Scratch scratch, int row, int count, int firstSequence, int previousRow, int stepIndex, LayerKernel kernel)
            where TKernel : struct, IRecurrentStepKernel
        {
            int batch = count;
            var rows = new StepRows(this, layerOutput, row, count, firstSequence, previousRow);
            if (kernel == LayerKernel.FusedGateStep && batch == 1 && !rows.Previous.IsEmpty)
            {
                FusedStep(rows, reverse: (stepIndex & 1) == 1, new UnitRange(0, _d.Hidden));
                return;
            }

            var args = new RecurrentStepArgs(
                _d.Cell,
                _layer,
                _d.Hidden,
                _d.State,
                _weights.RecurrentWeights.PanelWidth,
                _d.Nonlinearity,
                _weights.RecurrentWeights.Data,
                rows.Preact,
                rows.PreactStride,
                rows.Previous,
                rows.PreviousStride,
                rows.Output,
                rows.OutputStride,
                batch,
                stepIndex,
                rows.Cell,
                _d.Cell == RnnCell.Gru ? _weights.RecurrentBias : default,
                _weights.ProjectionWeights is { } projection ? projection.Data : default,
                scratch.Step,
                scratch.Zeros);

            // The generated kernel where the plan picked it (it may still decline a step: then the runtime's runs; the
            // same sums either way).
            if (kernel != LayerKernel.GeneratedStep || !TKernel.TryStep(args))
            {
                RuntimeStepKernel.Step(args);
            }
        }

        /// <summary>
        /// The buffers of one time step of count adjacent sequences (see <see cref="Step"/>), each span cut
        /// to exactly the extent the step may touch, so the slicing itself proves the bounds that RecurrentStepArgs promises
        /// kernels (which then address them unchecked).
        /// </summary>
        /// <summary>
        /// The fused gate step of one batch row from its pre-activations (<see cref="FusedGateStep.FromPreactivations(RnnCell, SimdPath, ReadOnlySpan{float}, ReadOnlySpan{float}, PackedMatrix, ReadOnlySpan{float}, Span{float}, Span{float}, int, bool, UnitRange)"/>)
        /// for <paramref name="units"/>: all of them in the one-thread pass, a member's share where threads split the units.
        /// </summary>
        private void FusedStep(in StepRows rows, bool reverse, UnitRange units)
            => FusedGateStep.FromPreactivations(
                _d.Cell, _d.Path, rows.Preact, rows.Previous[.._d.State], _weights.RecurrentWeights, _weights.RecurrentBias, rows.Cell, rows.Output[.._d.State], _d.Hidden, reverse, units);

        private readonly ref struct StepRows
        {
            public StepRows(in DirectionRun run, Span<float> layerOutput, int row, int count, int firstSequence, int previousRow)
            {
                Dimensions d = run._d;
                PreactStride = d.PaddedGateRows;
                OutputStride = run._outputRows.BatchStride * d.OutputWidth;
                int rowsExtent = (count - 1) * OutputStride;
                Preact = run._preact.Slice(row * d.PaddedGateRows, ((count - 1) * PreactStride) + d.PaddedGateRows);
                Output = layerOutput.Slice(run.OutputOffset(row) + run._outputColumn, rowsExtent + d.State);
                if (previousRow >= 0)
                {
                    Previous = layerOutput.Slice(run.OutputOffset(previousRow) + run._outputColumn, rowsExtent + d.State);
                    PreviousStride = OutputStride;
                }
                else
                {
                    Previous = run._initialState.IsEmpty ? default : run._initialState.Slice(firstSequence * d.State, count * d.State);
                    PreviousStride = d.State;
                }

                Cell = d.Cell == RnnCell.Lstm ? run._cell.Slice(firstSequence * d.Hidden, count * d.Hidden) : default;
            }

            public Span<float> Preact { get; }

            public int PreactStride { get; }

            public Span<float> Output { get; }

            public int OutputStride { get; }

            /// <summary>h_{t−1}: the previous step's output rows, or the initial state's, or empty (no h0 at the first step).</summary>
            public ReadOnlySpan<float> Previous { get; }

            public int PreviousStride { get; }

            /// <summary>The LSTM's cell-state rows (hidden apart), else empty.</summary>
            public Span<float> Cell { get; }
        }

        /// <summary>
        /// Where time-major row <paramref name="row"/> (t·batch + b; a packed row of a ragged batch) starts in the layer's
        /// output: the same row there, or row (b, t) of the caller's batch-first output.
        /// </summary>
        private int OutputOffset(int row)
        {
            if (_outputRows.Layout == SequenceLayout.SequenceFirst)
            {
                return row * _d.OutputWidth;
            }

            int batch = _outputRows.Batch;
            (int time, int batchRow) = Math.DivRem(row, batch);
            return _outputRows.Row(time, batchRow) * _d.OutputWidth;
        }

        /// <summary>The row order of the output this direction writes.</summary>
        public SequenceShape OutputRows => _outputRows;

        /// <summary>
        /// Batch row <paramref name="batchRow"/> of this direction for <see cref="ElmanSequenceKernel"/>: the pre-activation
        /// rows <see cref="ProjectInputs"/> wrote (time-major: a sequence's rows lie batch rows apart) become h in place.
        /// </summary>
        public ElmanSequenceKernel.Direction AsElmanSequence(int batchRow)
        {
            int batch = _d.Shape.Batch;
            int rowWidth = _d.PaddedGateRows;
            return new(
                _weights.RecurrentWeights.Data,
                _preact[(batchRow * rowWidth)..],
                rowWidth,
                _d.Hidden,
                _d.Shape.SeqLen,
                _initialState.IsEmpty ? default : _initialState.Slice(batchRow * _d.State, _d.State),
                backward: _outputColumn != 0,
                timeStride: batch * rowWidth);
        }

        /// <summary>After <see cref="AsElmanSequence"/> ran: h of every time step from the rows into this direction's output columns.</summary>
        public void CopyRowsToOutput(Span<float> layerOutput)
        {
            int rows = _d.Shape.Rows;
            int state = _d.State;
            for (int row = 0; row < rows; row++)
            {
                ReadOnlySpan<float> source = _preact.Slice(row * _d.PaddedGateRows, state);
                Span<float> destination = layerOutput.Slice(OutputOffset(row) + _outputColumn, state);
                if (state <= 16)
                {
                    // A few floats: a call to memmove per row would cost more than the copy.
                    for (int j = 0; j < source.Length; j++)
                    {
                        destination[j] = source[j];
                    }
                }
                else
                {
                    source.CopyTo(destination);
                }
            }
        }

        /// <summary>h_n (and c_n) rows of this layer and direction: the last step of the direction (t = seq − 1 forward, t = 0 backward).</summary>
        public void CopyFinalState(ReadOnlySpan<float> layerOutput, Span<float> hN, Span<float> cN)
        {
            SequenceShape shape = _outputRows;
            int finalTime = _outputColumn == 0 ? shape.SeqLen - 1 : 0;
            for (int batchRow = 0; batchRow < shape.Batch; batchRow++)
            {
                layerOutput.Slice((shape.Row(finalTime, batchRow) * _d.OutputWidth) + _outputColumn, _d.State)
                    .CopyTo(hN.Slice(((_stateRow * shape.Batch) + batchRow) * _d.State, _d.State));
            }

            if (!cN.IsEmpty)
            {
                _cell[..(shape.Batch * _d.Hidden)].CopyTo(cN.Slice(_stateRow * shape.Batch * _d.Hidden, shape.Batch * _d.Hidden));
            }
        }

        /// <summary>
        /// h_n (and c_n) rows of a ragged batch: each sequence's own last step (t = length − 1 forward, t = 0 backward), from
        /// the sorted rows back into the caller's batch order.
        /// </summary>
        public void CopyFinalState(ReadOnlySpan<float> layerOutput, Span<float> hN, Span<float> cN, in PackedSequenceOrder order)
        {
            int batch = order.Batch;
            bool forward = _outputColumn == 0;
            for (int sorted = 0; sorted < batch; sorted++)
            {
                int original = order.Original(sorted);
                int finalTime = forward ? order.LengthOf(sorted) - 1 : 0;
                int row = order.FirstRow(finalTime) + sorted;
                layerOutput.Slice((row * _d.OutputWidth) + _outputColumn, _d.State).CopyTo(hN.Slice(((_stateRow * batch) + original) * _d.State, _d.State));
                if (!cN.IsEmpty)
                {
                    _cell.Slice(sorted * _d.Hidden, _d.Hidden).CopyTo(cN.Slice(((_stateRow * batch) + original) * _d.Hidden, _d.Hidden));
                }
            }
        }
    }
}
