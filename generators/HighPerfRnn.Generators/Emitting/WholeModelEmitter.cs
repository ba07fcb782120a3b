using System;
using System.Collections.Generic;
using System.Globalization;
using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// Emits the whole-model kernels of a declared unidirectional model: one <c>Step</c> of every layer at batch 1, and
/// <c>Forward</c> at batch 1 with the layers as a wavefront (WholeModelEmitter.Wavefront.cs) or, where a wave's weights
/// outgrow L1, one layer after the other (WholeModelEmitter.LayerByLayer.cs), in code whose sizes are all constants.
/// Where the runtime builds a step's arguments, slices its scratch and calls a kernel per layer and step, this code checks
/// the caller's spans once per call and then runs straight through: per layer, the input product (bias + W_ih·x, a
/// constant-size product, into a stack row or registers), then the layer's step kernel on it (its <c>Row</c> or
/// <c>RowOnSums</c> method). A stacked model's layers are methods of their own (WholeModelEmitter.Layers.cs).
/// </summary>
/// <remarks>
/// The sums are the runtime's: each product in the 4 chunks of docs/numerics.md, the input product onto the bias and the
/// recurrent product onto the input product (as the runtime's step computes them), the gates with <c>RnnMath</c>. So the
/// bits are the runtime-sized model's, at every step and layer (tested for every declared test model). Emitted only where
/// the planner can pick it (<see cref="Applies"/> and <see cref="AppliesToForward"/>, the lines of
/// <c>ExecutionPlanner.WholeModelLimitBytes</c> and <c>WholeModelForwardLimitBytes</c>).
/// </remarks>
internal static partial class WholeModelEmitter
{
    /// <summary>
    /// The largest W_hh (gates × hidden × state floats, unpadded) a gated model's whole-model kernel is emitted for: 4096
    /// floats, 16 KB, the planner's line (ExecutionPlanner.WholeModelLimitBytes): LSTM to hidden 32, GRU to 36. Above it
    /// a step is bound by its arithmetic and by streaming the weights, and the per-call overhead these kernels remove is
    /// a small share of the step.
    /// </summary>
    public const int LimitFloats = 16 * 1024 / sizeof(float);

    /// <summary>The Elman RNN's line, 2048 floats (8 KB, hidden 45: ExecutionPlanner.ElmanWholeModelLimitBytes), where its runtime kernels are already tight loops.</summary>
    public const int ElmanLimitFloats = 8 * 1024 / sizeof(float);

    public const string ClassName = "WholeModelKernel";

    /// <summary>
    /// The most weights a whole-model <c>Forward</c>'s time step of one layer reads (W_ih and W_hh, unpadded; of both
    /// directions for a bidirectional layer) it is emitted for: 8192 floats, 32 KB, the planner's line
    /// (ExecutionPlanner.WholeModelForwardLimitBytes). Each step reads them, where the runtime's pass reads W_ih once per
    /// layer for the whole sequence (one product). A stacked unidirectional model runs its layers as a wavefront while all
    /// of them together take at most this, else one layer after the other (<see cref="ForwardRunsLayerByLayer"/>): as a
    /// wavefront past L1 each wave streamed every layer's weights from L2 (two-layer LSTM 32, 64 KB: 1.09–1.13 of the
    /// runtime's time; GRU 32, 48 KB: 1.02–1.04; bidirectional GRU 33, 78 KB: 1.05).
    /// </summary>
    public const int ForwardLimitFloats = 32 * 1024 / sizeof(float);

    /// <summary>
    /// The Elman RNN's <c>Forward</c> line, half: 4096 floats, 16 KB (ExecutionPlanner.ElmanWholeModelForwardLimitBytes).
    /// Its runtime pass is a product per layer and one tight loop per direction, so per-step input products pay off
    /// later: a two-layer Elman 32 (16 KB) measured 0.63–0.85 of the runtime's time, a bidirectional two-layer Elman 33
    /// (26 KB a step) 1.09–1.10.
    /// </summary>
    public const int ElmanForwardLimitFloats = 16 * 1024 / sizeof(float);

    /// <summary>Whether the model gets whole-model kernels: a <c>Step</c> (unidirectional models within the W_hh line), a <c>Forward</c>, or both.</summary>
    public static bool Applies(RnnModelDeclaration model) => AppliesToStep(model) || AppliesToForward(model);

    /// <summary>Whether the whole-model <c>Step</c> is emitted: a unidirectional model with W_hh within the line.</summary>
    public static bool AppliesToStep(RnnModelDeclaration model) => !model.Bidirectional && WithinRecurrentLine(model);

    /// <summary>
    /// Whether the whole-model <c>Forward</c> is emitted: W_hh within the line, and a layer's time step's weights within
    /// <see cref="ForwardLimitFloats"/> (Elman: <see cref="ElmanForwardLimitFloats"/>), or, for a gated model past it, with
    /// each layer's input sequence projected first (<see cref="ForwardProjectsInputs"/>).
    /// </summary>
    public static bool AppliesToForward(RnnModelDeclaration model)
        => WithinRecurrentLine(model) && ((LayerWeightFloats(model) <= ForwardLimit(model) && (model.Cell != "Rnn" || ElmanInputFitsLoop(model))) || ForwardProjectsInputs(model));

    /// <summary>
    /// An Elman model's whole-model <c>Forward</c> also needs every layer's input at most twice its hidden size, or a small
    /// W_ih (<see cref="ElmanForwardAnyInputFloats"/>; ExecutionPlanner.ElmanWholeModelForwardMaxInputPerHidden, and its measurements): its loop reads W_ih every step, where
    /// the runtime's pass projects the whole sequence in one product.
    /// </summary>
    public const int ElmanForwardMaxInputPerHidden = 2;

    /// <summary>The W_ih (a layer's, all directions) up to which an Elman layer keeps the loop whatever its input's width: 1024 floats, 4 KB (ExecutionPlanner.ElmanWholeModelForwardAnyInputBytes).</summary>
    public const int ElmanForwardAnyInputFloats = 4 * 1024 / sizeof(float);

    /// <summary>Whether every layer's input is at most <see cref="ElmanForwardMaxInputPerHidden"/> times the hidden size, or its W_ih within <see cref="ElmanForwardAnyInputFloats"/>.</summary>
    private static bool ElmanInputFitsLoop(RnnModelDeclaration model)
    {
        int widest = model.NumLayers > 1 ? Math.Max(model.InputSize, model.OutputSize) : model.InputSize;
        return widest <= ElmanForwardMaxInputPerHidden * model.HiddenSize || (long)model.HiddenSize * model.NumDirections * widest <= ElmanForwardAnyInputFloats;
    }

    /// <summary>
    /// Whether a stacked unidirectional model's whole-model <c>Forward</c> runs its layers one after the other, each over the
    /// whole sequence in the output rows (WholeModelEmitter.LayerByLayer.cs), rather than as a wavefront: where a time step of
    /// every layer would read more weights than the line (from L2, each step) while one layer's fit (in L1), and for Elman
    /// layers wider than <see cref="ElmanWavefrontMaxHidden"/>.
    /// </summary>
    public static bool ForwardRunsLayerByLayer(RnnModelDeclaration model)
        => AppliesToForward(model) && !model.Bidirectional && model.NumLayers > 1
            && (AllLayersWeightFloats(model) > ForwardLimit(model) || (model.Cell == "Rnn" && model.HiddenSize > ElmanWavefrontMaxHidden));

    /// <summary>
    /// The widest stacked Elman layers that run as a wavefront (ExecutionPlanner.ElmanWavefrontMaxHidden, the same number):
    /// a layer's step is then one vector on the 512-bit path, two on the 256-bit one, and the two layers' chains overlap in a
    /// wave. Wider, one layer after the other (each layer's loop a method with its step written out) measured the faster,
    /// declared ÷ runtime-sized, paired on AMD EPYC Zen 5: two layers of Elman 24 / 32 0.67 / 0.74 against 0.74 / 0.83–0.90
    /// as a wavefront on the 512-bit path, level on the 256-bit one (0.67 / 1.03 against 0.66 / 1.01); of Elman 16 1.00
    /// against 0.76–0.81 (512-bit), of Elman 8 0.97 against 0.59 (256-bit).
    /// </summary>
    public const int ElmanWavefrontMaxHidden = 16;

    private static long ForwardLimit(RnnModelDeclaration model) => model.Cell == "Rnn" ? ElmanForwardLimitFloats : ForwardLimitFloats;

    /// <summary>W_hh (unpadded) within <see cref="LimitFloats"/> (the Elman RNN's: <see cref="ElmanLimitFloats"/>).</summary>
    private static bool WithinRecurrentLine(RnnModelDeclaration model)
        => (long)Gates(model) * model.HiddenSize * model.StateSize <= (model.Cell == "Rnn" ? ElmanLimitFloats : LimitFloats);

    /// <summary>The weights (W_ih and W_hh; a gated layer's gate rows padded, see <see cref="LayerWeights"/>) one time step of the largest layer reads: of both directions for a bidirectional model.</summary>
    internal static long LayerWeightFloats(RnnModelDeclaration model)
    {
        (long first, long later) = LayerWeights(model);
        return model.NumLayers > 1 ? Math.Max(first, later) : first;
    }

    /// <summary>The weights (W_ih and W_hh, as <see cref="LayerWeights"/> counts them) one time step of every layer reads: what a wavefront's wave reads.</summary>
    internal static long AllLayersWeightFloats(RnnModelDeclaration model)
    {
        (long first, long later) = LayerWeights(model);
        return first + ((model.NumLayers - 1) * later);
    }

    /// <summary>
    /// A time step's weights of layer 0 and of each later layer (all directions): a gated layer's gate rows padded to 16-float
    /// panels, as the widest path packs and reads them (the whole-model Forward's lines are L1's); an Elman layer's unpadded,
    /// as its lines were drawn. A GRU 20 pads to 32 units there: a time step of a bidirectional GRU 20 of input 48 reads 32
    /// KB of weights unpadded but 52 KB padded, and in the loop of both directions ran 0.87–0.98 of the runtime's time
    /// (paired, Zen 5, 512-bit), projecting 0.48–0.50.
    /// </summary>
    private static (long First, long Later) LayerWeights(RnnModelDeclaration model)
    {
        long perLayerGates = (long)Gates(model) * (model.Cell == "Rnn" ? model.HiddenSize : Pad(model.HiddenSize, 16)) * model.NumDirections;
        return (perLayerGates * (model.InputSize + model.StateSize), perLayerGates * (model.OutputSize + model.StateSize));
    }

    internal static int Gates(RnnModelDeclaration model) => model.Cell switch { "Lstm" => 4, "Gru" => 3, _ => 1 };

    public static void Emit(IndentedWriter writer, RnnModelDeclaration model, string kernel)
    {
        string cell = model.Cell;
        bool lstm = cell == "Lstm";
        bool gru = cell == "Gru";
        int hidden = model.HiddenSize;
        int gates = Gates(model);
        var widths = new (string Method, int PanelWidth, SimdFlavor Flavor)[]
        {
            (cell == "Rnn" && hidden <= 8 ? "StepHalvesOf512" : "Step512", 16, hidden <= 8 ? SimdFlavor.Vector256 : SimdFlavor.Vector512),
            ("Step256", 8, SimdFlavor.Vector256),
            ("Step128", 4, SimdFlavor.Vector128),
            ("StepScalar", 1, SimdFlavor.Scalar),
        };

        if (model.Bidirectional)
        {
            EmitBidirectional(writer, model, kernel, widths, gates);
            EmitScratchTypes(writer, model, gates, widths);
            return;
        }

        writer.Line();
        writer.Line($$"""
            /// <summary>
            /// Whole-model kernels of {{model.DisplayName}} at batch 1: a <c>Step</c> of all {{Int(model.NumLayers)}} layer{{(model.NumLayers == 1 ? string.Empty : "s")}} (per layer, pre = bias + W_ih·x, then
            /// the {{cell.ToUpperInvariant()}} step of <see cref="{{kernel}}"/> on pre, h{{(lstm ? " and c" : string.Empty)}} updated in place), and <c>Forward</c> as that step over
            /// the time steps. The caller's spans are checked once per call; everything below runs at constant sizes.
            /// </summary>
            """);
        using (writer.Block($"file static class {ClassName}"))
        {
            writer.Line($$"""
                private const int InputSize = {{Int(model.InputSize)}};
                private const int HiddenSize = {{Int(hidden)}};
                private const int StateSize = {{Int(model.StateSize)}};
                private const int NumLayers = {{Int(model.NumLayers)}};
                private const int OutputSize = StateSize;

                /// <summary>Rows of h0 and h_n: one per layer.</summary>
                private const int StateRows = NumLayers;

                """);
            EmitTryStep(writer, lstm);
            if (StepsRows(model))
            {
                EmitTryStepRows(writer, lstm, model.NumLayers);
            }

            if (AppliesToForward(model))
            {
                EmitUnidirectionalForward(writer, model, kernel, widths, gates);
            }

            EmitDispatch(writer, widths);
            foreach ((string method, int panelWidth, SimdFlavor flavor) in widths)
            {
                EmitStepMethod(writer, model, kernel, method, panelWidth, flavor, gates);
                if (model.NumLayers > 1)
                {
                    EmitLayerMethods(writer, model, kernel, method, panelWidth, flavor, gates);
                }
            }
        }

        EmitScratchTypes(writer, model, gates, widths);
    }

    /// <summary>The stack scratch types the kernels use, one per size.</summary>
    private static void EmitScratchTypes(IndentedWriter writer, RnnModelDeclaration model, int gates, (string Method, int PanelWidth, SimdFlavor Flavor)[] widths)
    {
        bool lstm = model.Cell == "Lstm";
        bool gru = model.Cell == "Gru";
        var sizes = new SortedSet<int>();
        foreach ((_, int panelWidth, _) in widths)
        {
            sizes.Add(ScratchFloats(model, gates, panelWidth));
        }

        foreach (int size in sizes)
        {
            writer.Line();
            writer.Line($$"""
                /// <summary>{{Int(size)}} floats of stack scratch for a whole-model step: the pre-activation row{{(gru ? " and the recurrent product" : lstm && model.ProjSize > 0 ? " and h before the projection" : string.Empty)}}; with the slack to start them on a 64-byte boundary (StackScratch.Aligned).</summary>
                [InlineArray({{Int(size)}} + global::HighPerfRnn.Generated.StackScratch.SlackFloats)]
                file struct WholeModelScratch{{Int(size)}}
                {
                    private float _first;
                }
                """);
        }
    }

    /// <summary>Gate rows padded to whole panels, and for the GRU the product's as many again, for the LSTM with a projection h_full's.</summary>
    internal static int ScratchFloats(RnnModelDeclaration model, int gates, int panelWidth)
    {
        int paddedHidden = Pad(model.HiddenSize, panelWidth);
        int pre = gates * paddedHidden;
        return model.Cell switch
        {
            "Gru" => 2 * pre,
            "Lstm" when model.ProjSize > 0 => pre + paddedHidden,
            _ => pre,
        };
    }

    /// <summary>
    /// The first float of a scratch local on a 64-byte boundary: the stack keeps 16 bytes' alignment only, and a declared
    /// LSTM 32's step whose scratch sat 16 bytes off took 1.03–1.04× the time (512-bit loads and stores across two lines).
    /// </summary>
    internal static string AlignedScratch(string local) => $"global::HighPerfRnn.Generated.StackScratch.Aligned(ref {local}[0])";

    /// <summary>A stack buffer of <paramref name="floats"/> floats (a constant expression) starting on a 64-byte boundary (see <see cref="AlignedScratch"/>).</summary>
    internal static string AlignedStackalloc(string floats)
        => $"global::HighPerfRnn.Generated.StackScratch.Aligned(stackalloc float[({floats}) + global::HighPerfRnn.Generated.StackScratch.SlackFloats], {floats})";

    internal static int Pad(int count, int panelWidth) => (count + panelWidth - 1) / panelWidth * panelWidth;

    private static void EmitTryStep(IndentedWriter writer, bool lstm)
    {
        string cells = lstm ? " Span<float> cellState," : string.Empty;
        writer.Line($$"""
            /// <summary>
            /// One step at batch 1 when <paramref name="weights"/> is given (the plan picked these kernels) and the spans are what the
            /// runtime's Step accepts (exact lengths, no overlaps); false, with nothing touched, otherwise: then the runtime's Step
            /// runs, and names any argument at fault.
            /// </summary>
            public static bool TryStep(global::HighPerfRnn.Generated.GeneratedKernelWeights? weights, ReadOnlySpan<float> input, Span<float> state,{{cells}} Span<float> output)
            {
                if (weights is null || input.Length != InputSize || state.Length != NumLayers * StateSize || output.Length != StateSize
                    || input.Overlaps(state) || input.Overlaps(output) || output.Overlaps(state){{(lstm ? "\n        || cellState.Length != NumLayers * HiddenSize || cellState.Overlaps(input) || cellState.Overlaps(state) || cellState.Overlaps(output)" : string.Empty)}})
                {
                    return false;
                }

                Run(weights, ref MemoryMarshal.GetReference(input), ref MemoryMarshal.GetReference(state), ref {{(lstm ? "MemoryMarshal.GetReference(cellState)" : "Unsafe.NullRef<float>()")}}, recurrent: true);
                state.Slice((NumLayers - 1) * StateSize, StateSize).CopyTo(output);
                return true;
            }

            """);
    }

    /// <summary>
    /// Whether the whole-model class also steps a few streams row by row (<c>TryStepRows</c>): every model with a
    /// whole-model step. One layer's state rows lie one after the other, so each stream's row is the batch-1 step's spans;
    /// a stacked model's rows (layer-major: layer l of stream r at row l·batch + r) go through rows on the stack.
    /// </summary>
    public static bool StepsRows(RnnModelDeclaration model) => AppliesToStep(model);

    /// <summary>
    /// Whether the whole-model class also runs a Forward of several sequences row by row (<c>TryForwardRows</c>): every
    /// model with a whole-model Forward (a bidirectional one's since session 32, its layer sequences in the workspace).
    /// </summary>
    public static bool ForwardsRows(RnnModelDeclaration model) => AppliesToForward(model);

    /// <summary>Whether the whole-model <c>Forward</c> takes the caller's workspace: a bidirectional model's layer sequences, a projecting one's pre-activation rows.</summary>
    public static bool ForwardTakesWorkspace(RnnModelDeclaration model) => model.Bidirectional || ForwardProjectsInputs(model);

    private static void EmitTryStepRows(IndentedWriter writer, bool lstm, int numLayers)
    {
        string cells = lstm ? " Span<float> cellState," : string.Empty;
        string cellChecks = lstm
            ? "\n    || cellState.Length != (long)batch * NumLayers * HiddenSize || cellState.Overlaps(input) || cellState.Overlaps(state) || cellState.Overlaps(output)"
            : string.Empty;
        writer.Line("""
            /// <summary>
            /// A Step of <paramref name="batch"/> streams, each stream's row through the step above in turn, where the plan runs
            /// such a Step row by row (ExecutionPlan.RunsRowByRow: a few streams of a model this small). The spans are checked
            /// once for all rows (exact lengths, no overlaps); false, with nothing touched, otherwise.
            /// </summary>
            """);
        using (writer.Block($"public static bool TryStepRows(global::HighPerfRnn.Generated.GeneratedKernelWeights? weights, ReadOnlySpan<float> input, Span<float> state,{cells} Span<float> output, int batch)"))
        {
            writer.Line($$"""
                if (weights is null || batch < 2 || input.Length != (long)batch * InputSize || state.Length != (long)batch * NumLayers * StateSize || output.Length != (long)batch * StateSize
                    || input.Overlaps(state) || input.Overlaps(output) || output.Overlaps(state){{cellChecks}})
                {
                    return false;
                }

                """);
            if (numLayers == 1)
            {
                string cellRow = lstm ? "ref Unsafe.Add(ref MemoryMarshal.GetReference(cellState), row * HiddenSize)" : "ref Unsafe.NullRef<float>()";
                writer.Line($$"""
                    for (int row = 0; row < batch; row++)
                    {
                        Run(weights, ref Unsafe.Add(ref MemoryMarshal.GetReference(input), row * InputSize), ref Unsafe.Add(ref MemoryMarshal.GetReference(state), row * StateSize), {{cellRow}}, recurrent: true);
                    }

                    // One layer: the state rows are the output rows.
                    state.CopyTo(output);
                    return true;
                    """);
            }
            else
            {
                string cellRows = lstm ? $"\nSpan<float> rowCells = {AlignedStackalloc("NumLayers * HiddenSize")};" : string.Empty;
                string gatherCells = lstm ? "\n        cellState.Slice((layer * batch + row) * HiddenSize, HiddenSize).CopyTo(rowCells.Slice(layer * HiddenSize, HiddenSize));" : string.Empty;
                string scatterCells = lstm ? "\n        rowCells.Slice(layer * HiddenSize, HiddenSize).CopyTo(cellState.Slice((layer * batch + row) * HiddenSize, HiddenSize));" : string.Empty;
                writer.Line($$"""
                    // The state is layer-major (layer l of stream r at row l·batch + r): each stream's rows of every layer are
                    // gathered into one stack row for the step and written back after it; the last layer's h is the output row.
                    Span<float> rowStates = {{AlignedStackalloc("NumLayers * StateSize")}};{{cellRows}}
                    for (int row = 0; row < batch; row++)
                    {
                        for (int layer = 0; layer < NumLayers; layer++)
                        {
                            state.Slice((layer * batch + row) * StateSize, StateSize).CopyTo(rowStates.Slice(layer * StateSize, StateSize));{{gatherCells}}
                        }

                        Run(weights, ref Unsafe.Add(ref MemoryMarshal.GetReference(input), row * InputSize), ref MemoryMarshal.GetReference(rowStates), ref {{(lstm ? "MemoryMarshal.GetReference(rowCells)" : "Unsafe.NullRef<float>()")}}, recurrent: true);
                        for (int layer = 0; layer < NumLayers; layer++)
                        {
                            rowStates.Slice(layer * StateSize, StateSize).CopyTo(state.Slice((layer * batch + row) * StateSize, StateSize));{{scatterCells}}
                        }

                        rowStates.Slice((NumLayers - 1) * StateSize, StateSize).CopyTo(output.Slice(row * StateSize, StateSize));
                    }

                    return true;
                    """);
            }
        }

        writer.Line();
    }

    private static void EmitDispatch(IndentedWriter writer, (string Method, int PanelWidth, SimdFlavor Flavor)[] widths)
    {
        writer.Line("/// <summary>One step of every layer, on the path the weights were packed for (chosen once, when the model was built).</summary>");
        using (writer.Block("private static void Run(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float x, ref float h, ref float c, bool recurrent)"))
        {
            using (writer.Block("switch (weights.PanelWidth)"))
            {
                foreach ((string method, int panelWidth, _) in widths)
                {
                    writer.Line($"""
                        case {Int(panelWidth)}:
                            {method}(weights, ref x, ref h, ref c, recurrent);
                            return;
                        """);
                }

                writer.Line("""
                    default:
                        throw new InvalidOperationException("Weights packed for an unknown panel width.");
                    """);
            }
        }
    }

    private static void EmitStepMethod(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int panelWidth, SimdFlavor flavor, int gates)
    {
        var layers = new LayerProducts(model, flavor, gates, panelWidth);
        bool stacked = model.NumLayers > 1;
        writer.Line();
        writer.Line(stacked
            ? $"/// <summary>{Int(panelWidth)}-float panels: layer 0's step (<c>{LayerMethod(method, first: true)}</c>), then each later layer's (<c>{LayerMethod(method, first: false)}</c>) on the new h below it.</summary>"
            : $"/// <summary>{Int(panelWidth)}-float panels: the input product ({ProductEmitter.Describe(layers.First)}), then <c>{method}Row{(layers.FirstOnSums ? "OnSums" : string.Empty)}</c>{(layers.FirstOnSums ? " on its sums in registers" : string.Empty)}.</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        using (writer.Block($"private static void {method}(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float xi, ref float h, ref float c, bool recurrent)"))
        {
            bool hasQ = EmitScratchLocals(writer, model, gates, panelWidth, layers, zeros: false);
            if (!stacked)
            {
                writer.Line("const int layer = 0;");
                EmitInputProductAndRow(writer, model, kernel, method, layers.First, layers.FirstOnSums, "xi", "layer", "h", "c", "h", "recurrent", hasQ);
                return;
            }

            writer.Line("// Layer 0: xi is the input; h and c updated in place.");
            EmitLayerCall(writer, model, method, layers, first: true, "xi", "h", "c", "h", "recurrent");
            using (writer.Block("for (int layer = 1; layer < NumLayers; layer++)"))
            {
                writer.Line("""
                    // Layer l: x is layer l − 1's new h.
                    ref float hl = ref Unsafe.Add(ref h, layer * StateSize);
                    """);
                EmitLayerCall(writer, model, method, layers, first: false, "Unsafe.Add(ref h, (layer - 1) * StateSize)", "hl", "Unsafe.Add(ref c, layer * HiddenSize)", "hl", "recurrent");
            }
        }
    }

    /// <summary>
    /// The stack scratch a unidirectional kernel's layers need, as locals: p, the pre-activation row, for the layers whose
    /// sums go through memory; q, the LSTM's h_full scratch (projection) or the GRU's product scratch, which only the rows
    /// reading p use; with <paramref name="zeros"/>, z, a row of zeros (h_(-1) without h0). Returns whether q is declared.
    /// </summary>
    private static bool EmitScratchLocals(IndentedWriter writer, RnnModelDeclaration model, int gates, int panelWidth, LayerProducts layers, bool zeros)
    {
        int scratch = ScratchFloats(model, gates, panelWidth);
        int pre = gates * Pad(model.HiddenSize, panelWidth);
        bool needsPreactivationRow = !layers.FirstOnSums || (model.NumLayers > 1 && !layers.LaterOnSums);
        bool needsQ = LayerScratch.Of(model, gates, panelWidth, layers.FirstOnSums).Q || (model.NumLayers > 1 && LayerScratch.Of(model, gates, panelWidth, layers.LaterOnSums).Q);
        var declared = new List<string>();
        if (needsPreactivationRow || needsQ)
        {
            declared.Add("scratch = default");
        }

        if (zeros)
        {
            declared.Add("zeros = default");
        }

        if (declared.Count > 0)
        {
            writer.Line($"WholeModelScratch{Int(scratch)} {string.Join(", ", declared)};");
        }

        if (needsPreactivationRow)
        {
            writer.Line($"ref float p = ref {AlignedScratch("scratch")};");
        }

        if (needsQ)
        {
            writer.Line($"ref float q = ref Unsafe.Add(ref {(needsPreactivationRow ? "p" : AlignedScratch("scratch"))}, {Int(pre)});");
        }

        if (zeros)
        {
            // Read at the first step only (h_(-1) without h0): left where the frame puts it, addressed from the frame.
            writer.Line("ref float z = ref zeros[0];");
        }

        return needsQ;
    }

    /// <summary>
    /// A layer's input product pre = b + W_ih·x and its step, the weights (wi, b) those of <paramref name="layer"/> (the
    /// weight index: "layer", or "layer, direction"): through the pre-activation row p, or, with <paramref name="onSums"/>,
    /// in registers straight into the row's <c>RowOnSums</c>. h_{t−1} from <paramref name="h"/>, h_t to <paramref name="o"/>
    /// (which may be h), c in place.
    /// </summary>
    private static void EmitInputProductAndRow(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, KernelPlan product, bool onSums, string x, string layer, string h, string c, string o, string recurrent, bool hasQ)
    {
        writer.Line($"""
            ref float wi = ref Unsafe.AsRef(in weights.InputWeights({layer}));
            ref float b = ref Unsafe.AsRef(in weights.ProjectionBias({layer}));
            """);
        if (!onSums)
        {
            ProductEmitter.Emit(writer, product, "wi", x, "b", "p", exactOutputs: false);
            EmitRowCall(writer, model, kernel, method, layer, "p", hasQ ? "q" : null, h, c, o, recurrent);
            return;
        }

        writer.Line($"{product.Flavor.VectorType} {ProductEmitter.EachVector(product, v => $"pre{Int(v)} = {product.Flavor.Load("b", product.RowOf(v))}")};");
        ProductEmitter.EmitIntoRegisters(writer, product, "wi", x, "pre");
        EmitRowCall(writer, model, kernel, method, layer, p: null, hasQ ? "q" : null, h, c, o, recurrent, sums: ProductEmitter.EachVector(product, v => $"pre{Int(v)}"));
    }

    /// <summary>
    /// A layer's step: <paramref name="p"/> the pre-activation row (q its scratch), or, with <paramref name="sums"/>, the
    /// pre-activation vectors in registers (<c>RowOnSums</c>; the GRU's then needs no scratch); h_{t−1} from
    /// <paramref name="h"/>, h_t to <paramref name="o"/>, c in place; <paramref name="weightIndex"/> the layer (and
    /// direction) of the weights.
    /// </summary>
    /// <remarks>
    /// With <paramref name="hoisted"/> (a direction's suffix: <c>f</c>, <c>b</c>), the row's weights are the references
    /// <see cref="EmitHoistedRowWeights"/> took before the loop (<c>whf</c>, and <c>wpf</c> or <c>brf</c>) instead of
    /// lookups at every step.
    /// </remarks>
    private static void EmitRowCall(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, string weightIndex, string? p, string? q, string h, string c, string o, string recurrent, string? sums = null, string? hoisted = null)
    {
        string row = sums is null ? $"{kernel}.{method}Row(ref {p}" : $"{kernel}.{method}RowOnSums({sums}";
        string recurrentWeights = hoisted is null ? $"ref Unsafe.AsRef(in weights.RecurrentWeights({weightIndex}))" : $"ref wh{hoisted}";
        switch (model.Cell)
        {
            case "Lstm":
                string projection = model.ProjSize > 0 ? (hoisted is null ? $"ref Unsafe.AsRef(in weights.ProjectionWeights({weightIndex}))" : $"ref wp{hoisted}") : "ref Unsafe.NullRef<float>()";
                writer.Line($"{row}, ref {h}, ref {c}, ref {o}, {recurrentWeights}, {projection}, ref {q ?? "Unsafe.NullRef<float>()"}, {recurrent});");
                break;
            case "Gru":
                string bias = hoisted is null ? $"ref Unsafe.AsRef(in weights.RecurrentBias({weightIndex}))" : $"ref br{hoisted}";
                writer.Line(sums is null ? $"{row}, ref {h}, ref {o}, {recurrentWeights}, {bias}, ref {q}, {recurrent});" : $"{row}, ref {h}, ref {o}, {recurrentWeights}, {bias}, {recurrent});");
                break;
            default:
                writer.Line($"{row}, ref {h}, ref {o}, {recurrentWeights}, {recurrent});");
                break;
        }
    }

    /// <summary>The row weights of direction <paramref name="direction"/> of <c>layer</c> as references named with <paramref name="suffix"/>, for <see cref="EmitRowCall"/>'s <c>hoisted</c>.</summary>
    private static void EmitHoistedRowWeights(IndentedWriter writer, RnnModelDeclaration model, string direction, string suffix)
    {
        writer.Line($"ref float wh{suffix} = ref Unsafe.AsRef(in weights.RecurrentWeights(layer, {direction}));");
        if (model.Cell == "Lstm" && model.ProjSize > 0)
        {
            writer.Line($"ref float wp{suffix} = ref Unsafe.AsRef(in weights.ProjectionWeights(layer, {direction}));");
        }
        else if (model.Cell == "Gru")
        {
            writer.Line($"ref float br{suffix} = ref Unsafe.AsRef(in weights.RecurrentBias(layer, {direction}));");
        }
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
