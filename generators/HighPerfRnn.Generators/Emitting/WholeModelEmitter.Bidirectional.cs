using System.Collections.Generic;
using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// The whole-model <c>Forward</c> of a bidirectional model at batch 1 (it has no <c>Step</c>: a backward direction needs
/// the whole sequence). Layer by layer, as the runtime: each time step advances the forward direction at t and the
/// backward one at T − 1 − t (two independent chains the CPU overlaps). Small steps are written out, each layer's time
/// loop a method of its own (the Elman one with the input sums in registers, the rows' products added onto them); larger ones
/// call the layer's method per direction and step (an input product onto the bias and the layer's <c>Row</c>:
/// WholeModelEmitter.Layers.cs). A layer's output rows (forward ‖ backward) are the next layer's input, held in the
/// caller's workspace.
/// </summary>
internal static partial class WholeModelEmitter
{
    private static void EmitBidirectional(IndentedWriter writer, RnnModelDeclaration model, string kernel, (string Method, int PanelWidth, SimdFlavor Flavor)[] widths, int gates)
    {
        bool lstm = model.Cell == "Lstm";
        string step = $"the {model.Cell.ToUpperInvariant()} step of <see cref=\"{kernel}\"/>";
        string order = ForwardProjectsInputs(model)
            ? $"both directions' input products of the whole sequence first (pre = bias + W_ih·x_t for every t:\n/// a time step with them would read more weights than L1 holds), then per time step the forward direction at t and the backward one at\n/// T − 1 − t, each {step} on pre."
            : $"per time step the forward direction at t and the\n/// backward one at T − 1 − t, each pre = bias + W_ih·x_t (constant sizes) then {step} on pre.";
        writer.Line();
        writer.Line($$"""
            /// <summary>
            /// Whole-model <c>Forward</c> of {{model.DisplayName}} at batch 1, layer by layer: {{order}}
            /// The caller's spans are checked once per call; a layer's output sequence below the last is held in the workspace.
            /// </summary>
            """);
        using (writer.Block($"file static class {ClassName}"))
        {
            writer.Line($$"""
                private const int InputSize = {{Int(model.InputSize)}};
                private const int HiddenSize = {{Int(model.HiddenSize)}};
                private const int StateSize = {{Int(model.StateSize)}};
                private const int OutputSize = {{Int(model.OutputSize)}};
                private const int NumLayers = {{Int(model.NumLayers)}};

                /// <summary>Rows of h0 and h_n: layers × 2 directions.</summary>
                private const int StateRows = NumLayers * 2;

                """);
            if (ForwardProjectsInputs(model))
            {
                EmitProjectedConstants(writer, model, gates);
            }

            EmitLayerwiseForward(writer, model, kernel, widths, gates);
        }
    }

    /// <summary>
    /// TryForward (layer by layer, every direction per time step), its dispatch over the panel widths and one method per width.
    /// The class holding them declares InputSize, HiddenSize, StateSize, OutputSize, NumLayers and StateRows.
    /// </summary>
    private static void EmitLayerwiseForward(IndentedWriter writer, RnnModelDeclaration model, string kernel, (string Method, int PanelWidth, SimdFlavor Flavor)[] widths, int gates)
    {
        bool projects = ForwardProjectsInputs(model);
        EmitBidirectionalTryForward(writer, model.Cell == "Lstm", model.Cell == "Rnn", projects);
        EmitBidirectionalTryForwardRows(writer, model.Cell == "Lstm", model.Cell == "Rnn", projects);

        EmitForwardDispatch(writer, widths, "layerOutputs");
        foreach ((string method, int panelWidth, SimdFlavor flavor) in widths)
        {
            if (projects)
            {
                EmitProjectedForwardMethod(writer, model, kernel, method, panelWidth, gates);
                continue;
            }

            bool callsLayerMethods = CallsDirectionMethods(model, flavor, gates, panelWidth);
            EmitBidirectionalMethod(writer, model, kernel, method, panelWidth, flavor, gates, callsLayerMethods);
            if (callsLayerMethods)
            {
                EmitLayerMethods(writer, model, kernel, method, panelWidth, flavor, gates);
            }
            else
            {
                EmitTimeLoopMethods(writer, model, kernel, method, panelWidth, flavor, gates);
            }
        }
    }

    /// <summary>
    /// RunForward: the Forward method of the path the weights were packed for; <paramref name="sequenceScratch"/> names its
    /// last argument, the stack memory the layers pass their outputs through (sequences, or the wavefront's ring), or is
    /// null where they pass none (a unidirectional model's layers run one after the other in the output rows).
    /// </summary>
    /// <remarks>
    /// With <paramref name="timeStrides"/> (the unidirectional Forward), the input's and the output's time steps lie
    /// <c>inputStride</c> and <c>outputStride</c> floats apart: a whole sequence's rows at batch 1, one sequence of a
    /// time-major batch when the rows run one by one.
    /// </remarks>
    private static void EmitForwardDispatch(IndentedWriter writer, (string Method, int PanelWidth, SimdFlavor Flavor)[] widths, string? sequenceScratch, bool timeStrides = false)
    {
        string inputStride = timeStrides ? " int inputStride," : string.Empty;
        string outputStride = timeStrides ? " int outputStride," : string.Empty;
        string inputStrideArgument = timeStrides ? " inputStride," : string.Empty;
        string outputStrideArgument = timeStrides ? " outputStride," : string.Empty;
        string scratchParameter = sequenceScratch is null ? string.Empty : $", ref float {sequenceScratch}";
        string scratchArgument = sequenceScratch is null ? string.Empty : $", ref {sequenceScratch}";
        using (writer.Block($"private static void RunForward(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float xi,{inputStride} int seqLen, ref float output,{outputStride} ref float hN, ref float cN, ref float h0, bool hasH0{scratchParameter})"))
        {
            using (writer.Block("switch (weights.PanelWidth)"))
            {
                foreach ((string method, int panelWidth, _) in widths)
                {
                    writer.Line($"""
                        case {Int(panelWidth)}:
                            Forward{method.Substring("Step".Length)}(weights, ref xi,{inputStrideArgument} seqLen, ref output,{outputStrideArgument} ref hN, ref cN, ref h0, hasH0{scratchArgument});
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

    /// <summary>
    /// The most time steps an Elman model whose hidden state is one vector of the path its weights are packed for runs in
    /// this Forward; longer sequences go to the runtime's one-vector kernel, the faster per step (the planner's
    /// ExecutionPlanner.OneVectorBidirectionalWholeModelMaxSteps, the same number, and its measurements).
    /// </summary>
    public const int OneVectorBidirectionalMaxSteps = 32;

    /// <summary>
    /// The bidirectional entry points' check of the sequence's length, after their others: a one-vector Elman model's
    /// <see cref="OneVectorBidirectionalMaxSteps"/> steps, a projecting model's <c>MaxProjectedSeqLen</c>; none otherwise.
    /// </summary>
    private static string BidirectionalLengthLine(bool elman, bool projects)
        => elman ? $" || (weights.PanelWidth == HiddenSize && seqLen > {Int(OneVectorBidirectionalMaxSteps)})" : projects ? ProjectedLengthLine : string.Empty;

    private static void EmitBidirectionalTryForward(IndentedWriter writer, bool lstm, bool elman, bool projects)
    {
        string lengthLine = BidirectionalLengthLine(elman, projects);
        string oneVectorComment = elman
            ? "\n    // Hidden one vector of the path: past the planner's OneVectorBidirectionalWholeModelMaxSteps the runtime's one-vector kernel is the faster."
            : string.Empty;
        string cellParameters = ForwardCellParameters(lstm);
        writer.Line($$"""
            /// <summary>
            /// Forward at batch 1 (any layout: one sequence's rows are the same memory in each) when <paramref name="weights"/> is given and the
            /// spans are what the runtime's Forward accepts; false, with nothing touched, otherwise. A layer's output sequence below the last
            /// {{(projects ? "and both directions' pre-activation rows are" : "is")}} held in <paramref name="workspace"/> (the thread's when null). h0 may be h_n itself{{(lstm ? " (c0 may be c_n)" : string.Empty)}}; without h0 each direction's first step has no recurrent product, as the runtime's.
            /// </summary>
            public static bool TryForward(
                global::HighPerfRnn.Generated.GeneratedKernelWeights? weights, ReadOnlySpan<float> input, Span<float> output, Span<float> hN,{{cellParameters}} int seqLen, global::HighPerfRnn.SequenceLayout layout, ReadOnlySpan<float> h0, global::HighPerfRnn.RnnWorkspace? workspace)
            {{{oneVectorComment}}
                if (weights is null || !AcceptsForward(input, output, hN, batch: 1, seqLen, layout, h0){{lengthLine}})
                {
                    return false;
                }

            """);
        if (lstm)
        {
            EmitForwardCells(writer);
        }

        writer.Line(projects
            ? """
                // Layer outputs below the last: two sequences used in turn (a layer reads the one below while it writes its own), then
                // both directions' pre-activation rows, in the workspace (a stackalloc here would be zero-filled on every call).
                Span<float> layerOutputs = global::HighPerfRnn.Generated.WorkspaceScratch.Rent(workspace, LayerSequenceFloats(seqLen) + (2 * seqLen * PreactivationRowFloats));
            """
            : """
                // Layer outputs below the last: two sequences used in turn (a layer reads the one below while it writes its own), in
                // the workspace (a stackalloc here would be zero-filled on every call).
                Span<float> layerOutputs = NumLayers > 1 ? global::HighPerfRnn.Generated.WorkspaceScratch.Rent(workspace, (NumLayers > 2 ? 2 : 1) * seqLen * OutputSize) : default;
            """);
        writer.Line($$"""

                // h0's rows are read before h_n's are written (layer by layer), so h0 may be h_n itself.
                RunForward(weights, ref MemoryMarshal.GetReference(input), seqLen, ref MemoryMarshal.GetReference(output), ref MemoryMarshal.GetReference(hN),
                    ref {{(lstm ? "MemoryMarshal.GetReference(cells)" : "Unsafe.NullRef<float>()")}}, ref MemoryMarshal.GetReference(h0), !h0.IsEmpty, ref MemoryMarshal.GetReference(layerOutputs));
                return true;
            }

            """);
        EmitForwardChecks(writer, lstm);
    }

    /// <summary>
    /// The most vector FMAs a bidirectional Forward writes out in one method (the input products of both directions of
    /// layer 0 and of a later layer, and their rows where those are inlined); above it each step is a call of the layer's
    /// method (WholeModelEmitter.Layers.cs). Written out, many steps in one method run out of the JIT's inlining budget,
    /// which then calls what it no longer inlines: on the 512-bit path a three-layer bidirectional GRU left 335 calls of
    /// RnnMath, an Elman 33 122; the seed on the 128-bit and scalar paths (148 FMAs and more) 18 and 76, whose calls made
    /// it 0.69 and 0.48 of the time. Where the steps are small enough to inline whole (the seed on the 256-bit path: 74
    /// FMAs) the calls cost 1.29× the time (paired, Zen 5), so there they stay written out.
    /// </summary>
    private const int WrittenOutBidirectionalFmas = 128;

    /// <summary>Whether a bidirectional Forward calls a method per direction and step rather than writing the steps out (see <see cref="WrittenOutBidirectionalFmas"/>).</summary>
    private static bool CallsDirectionMethods(RnnModelDeclaration model, SimdFlavor flavor, int gates, int panelWidth)
    {
        var layers = new LayerProducts(model, flavor, gates, panelWidth);
        var row = new KernelPlan(flavor, model.HiddenSize, gates, model.StateSize, panelWidth);
        long first = layers.First.Fmas + row.InlinedRowFmas;
        long later = model.NumLayers > 1 ? layers.Later.Fmas + row.InlinedRowFmas : 0;
        return 2 * (first + later) > WrittenOutBidirectionalFmas;
    }

    private static void EmitBidirectionalMethod(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int panelWidth, SimdFlavor flavor, int gates, bool callsLayerMethods)
    {
        var layers = new LayerProducts(model, flavor, gates, panelWidth);
        LayerScratch first = callsLayerMethods ? LayerScratch.Of(model, gates, panelWidth, layers.FirstOnSums) : LayerScratch.Of(model, gates, panelWidth, onSums: false);
        LayerScratch later = callsLayerMethods && model.NumLayers > 1 ? LayerScratch.Of(model, gates, panelWidth, layers.LaterOnSums) : first;
        bool hasP = first.P || later.P;
        bool hasQ = first.Q || later.Q;
        int pre = gates * Pad(model.HiddenSize, panelWidth);
        writer.Line();
        writer.Line(callsLayerMethods
            ? $"/// <summary>{Int(panelWidth)}-float panels: every layer, both directions per time step (<c>{LayerMethod(method, first: true)}</c>{(model.NumLayers > 1 ? $", <c>{LayerMethod(method, first: false)}</c>" : string.Empty)}).</summary>"
            : $"/// <summary>{Int(panelWidth)}-float panels: every layer, both directions per time step (layer 0's input product: {ProductEmitter.Describe(layers.First)}).</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        using (writer.Block($"private static void Forward{method.Substring("Step".Length)}(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float xi, int seqLen, ref float output, ref float hN, ref float cN, ref float h0, bool hasH0, ref float layerOutputs)"))
        {
            string scratchType = $"WholeModelScratch{Int(ScratchFloats(model, gates, panelWidth))}";
            if (hasP || hasQ)
            {
                writer.Line($"// Each direction its own scratch, so the two chains never wait on each other; zeros: h_(-1) without h0.");
                writer.Line($"{scratchType} forwardScratch = default, backwardScratch = default, zeros = default;");
            }
            else
            {
                writer.Line("// Zeros: h_(-1) without h0.");
                writer.Line($"{scratchType} zeros = default;");
            }

            if (hasP)
            {
                writer.Line($"""
                    ref float pf = ref {AlignedScratch("forwardScratch")};
                    ref float pb = ref {AlignedScratch("backwardScratch")};
                    """);
            }

            if (hasQ)
            {
                writer.Line($"""
                    ref float qf = ref Unsafe.Add(ref {(hasP ? "pf" : AlignedScratch("forwardScratch"))}, {Int(pre)});
                    ref float qb = ref Unsafe.Add(ref {(hasP ? "pb" : AlignedScratch("backwardScratch"))}, {Int(pre)});
                    """);
            }

            // Read at the first step only (h_(-1) without h0): left where the frame puts it, addressed from the frame.
            writer.Line("ref float z = ref zeros[0];");
            EmitBidirectionalLayer(writer, model, kernel, method, layers, first: true, callsLayerMethods, hasQ);
            if (model.NumLayers > 1)
            {
                using (writer.Block("for (int layer = 1; layer < NumLayers; layer++)"))
                {
                    EmitBidirectionalLayer(writer, model, kernel, method, layers, first: false, callsLayerMethods, hasQ);
                }
            }
        }
    }

    /// <summary>One layer: the time loop over both directions (a call of the layer's loop method where the steps are written out, else the loop with a call of the layer's method per direction), then its h_n rows.</summary>
    private static void EmitBidirectionalLayer(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, LayerProducts layers, bool first, bool callsLayerMethods, bool hasQ)
    {
        IndentedWriter.Scope? scope = first ? writer.Block("// Layer 0: the input sequence in, the last layer's output or the first stack sequence out.") : null;
        if (first)
        {
            writer.Line("""
                const int layer = 0;
                ref float layerIn = ref xi;
                """);
        }
        else
        {
            writer.Line("""
                // Layer l reads the sequence layer l − 1 wrote: stack sequence (l − 1) % 2.
                ref float layerIn = ref Unsafe.Add(ref layerOutputs, ((layer - 1) & 1) * seqLen * OutputSize);
                """);
        }

        writer.Line("ref float layerOut = ref (layer == NumLayers - 1 ? ref output : ref Unsafe.Add(ref layerOutputs, (layer & 1) * seqLen * OutputSize));");
        EmitDirectionStateRows(writer, model);

        if (callsLayerMethods)
        {
            EmitBidirectionalTimeLoop(writer, model, kernel, method, layers, first, callsLayerMethods: true, hasQ);
        }
        else
        {
            writer.Line($"{TimeLoopMethod(method, first)}({string.Join(", ", TimeLoopArguments(model, first, hasQ))});");
        }

        writer.Line();
        EmitBidirectionalFinalStates(writer);

        scope?.Dispose();
    }

    /// <summary>A bidirectional layer's h0 rows of its two directions (h0f, h0b) and, for an LSTM, its cell rows (cf, cb), <c>layer</c> in scope.</summary>
    private static void EmitDirectionStateRows(IndentedWriter writer, RnnModelDeclaration model)
    {
        writer.Line("""
            ref float h0f = ref Unsafe.Add(ref h0, (2 * layer) * StateSize);
            ref float h0b = ref Unsafe.Add(ref h0, ((2 * layer) + 1) * StateSize);
            """);
        if (model.Cell == "Lstm")
        {
            writer.Line("""
                ref float cf = ref Unsafe.Add(ref cN, (2 * layer) * HiddenSize);
                ref float cb = ref Unsafe.Add(ref cN, ((2 * layer) + 1) * HiddenSize);
                """);
        }
    }

    /// <summary>A bidirectional layer's h_n rows (layer in scope, its output sequence in layerOut): the forward direction's last row, the backward one's first.</summary>
    private static void EmitBidirectionalFinalStates(IndentedWriter writer)
        => writer.Line("""
            // h_n of this layer: the forward direction's last row, the backward direction's first.
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref layerOut, (seqLen - 1) * OutputSize), StateSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref hN, (2 * layer) * StateSize), StateSize));
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref layerOut, StateSize), StateSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref hN, ((2 * layer) + 1) * StateSize), StateSize));
            """);

    /// <summary>The name of a width's time-loop method: <c>Step256Layer0Steps</c>, <c>Step256LaterLayerSteps</c>.</summary>
    private static string TimeLoopMethod(string method, bool first) => LayerMethod(method, first) + "Steps";

    /// <summary>What a time-loop method takes: the layer (later layers), its sequences, h0 and c rows, the scratch rows and the zeros, as the Forward method names them.</summary>
    private static List<string> TimeLoopArguments(RnnModelDeclaration model, bool first, bool hasQ, bool declare = false)
    {
        string Ref(string name) => declare ? $"ref float {name}" : $"ref {name}";
        var arguments = new List<string> { declare ? "global::HighPerfRnn.Generated.GeneratedKernelWeights weights" : "weights" };
        if (!first)
        {
            arguments.Add(declare ? "int layer" : "layer");
        }

        arguments.AddRange(new[] { Ref("layerIn"), Ref("layerOut"), Ref("h0f"), Ref("h0b") });
        if (model.Cell == "Lstm")
        {
            arguments.AddRange(new[] { Ref("cf"), Ref("cb") });
        }

        arguments.AddRange(new[] { Ref("pf"), Ref("pb") });
        if (hasQ)
        {
            arguments.AddRange(new[] { Ref("qf"), Ref("qb") });
        }

        arguments.AddRange(new[] { Ref("z"), declare ? "int seqLen" : "seqLen", declare ? "bool hasH0" : "hasH0" });
        return arguments;
    }

    /// <summary>
    /// Where the steps are written out (<see cref="CallsDirectionMethods"/> false), each layer's time loop is a method of
    /// its own, called once per layer: written into the Forward method, the JIT kept the activations' constants of the
    /// four steps (two directions, two layers) live across them and spilled the chain's values to the stack, and the
    /// seed's Forward took 1.46–1.60 of the runtime's time at 50–200 steps (paired, AMD EPYC Zen 3); as methods of their own,
    /// with the Elman row's single activation (RnnKernelEmitter.EmitRowInRegisters), 1.10–1.20, and 0.81 at 10 steps.
    /// </summary>
    private static void EmitTimeLoopMethods(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int panelWidth, SimdFlavor flavor, int gates)
    {
        var layers = new LayerProducts(model, flavor, gates, panelWidth);
        LayerScratch scratch = LayerScratch.Of(model, gates, panelWidth, onSums: false);
        foreach (bool first in model.NumLayers > 1 ? new[] { true, false } : new[] { true })
        {
            writer.Line();
            writer.Line($"/// <summary>{(first ? "Layer 0's" : "A later layer's")} time loop on {Int(panelWidth)}-float panels: both directions per time step (input product: {ProductEmitter.Describe(first ? layers.First : layers.Later)}).</summary>");
            writer.Line(KernelPlan.KernelAttribute); // a root of its own: see EmitTimeLoopMethods
            using (writer.Block($"private static void {TimeLoopMethod(method, first)}({string.Join(", ", TimeLoopArguments(model, first, scratch.Q, declare: true))})"))
            {
                if (first)
                {
                    writer.Line("const int layer = 0;");
                }

                EmitBidirectionalTimeLoop(writer, model, kernel, method, layers, first, callsLayerMethods: false, scratch.Q);
            }
        }
    }

    /// <summary>
    /// Whether an Elman layer's written-out steps hand the input product's sums to the row in registers (its
    /// <c>RowOnSums</c>): the row keeps its sums in registers, the input product, unrolled, has as many vectors, and a
    /// loop of them (the product twice, before the loop and in it, and the row if inlined) stays within
    /// <see cref="PipelinedElmanFmas"/>. (A bidirectional loop writes each direction's product twice, but it is written out
    /// only within <see cref="WrittenOutBidirectionalFmas"/>, far inside that.)
    /// </summary>
    private static bool ElmanSumsInRegisters(RnnModelDeclaration model, KernelPlan product)
    {
        var row = new KernelPlan(product.Flavor, model.HiddenSize, 1, model.StateSize, product.PanelWidth);
        return model.Cell == "Rnn" && RnnKernelEmitter.KeepsRowInRegisters(row) && product.Unrolled && product.Vectors == row.Vectors
            && (2 * product.Fmas) + row.InlinedRowFmas <= PipelinedElmanFmas;
    }

    /// <summary>The time loop of one layer, both directions per step: each step written out (the weights' references taken once, before the loop), or a call of the layer's method per direction.</summary>
    private static void EmitBidirectionalTimeLoop(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, LayerProducts layers, bool first, bool callsLayerMethods, bool hasQ)
    {
        string width = first ? "InputSize" : "OutputSize";
        if (!callsLayerMethods)
        {
            writer.Line("""
                ref float wif = ref Unsafe.AsRef(in weights.InputWeights(layer, 0));
                ref float bf = ref Unsafe.AsRef(in weights.ProjectionBias(layer, 0));
                ref float wib = ref Unsafe.AsRef(in weights.InputWeights(layer, 1));
                ref float bb = ref Unsafe.AsRef(in weights.ProjectionBias(layer, 1));
                """);
            EmitHoistedRowWeights(writer, model, "0", "f");
            EmitHoistedRowWeights(writer, model, "1", "b");
        }

        if (!callsLayerMethods && ElmanSumsInRegisters(model, first ? layers.First : layers.Later))
        {
            EmitElmanTimeLoopOnSums(writer, model, kernel, method, first ? layers.First : layers.Later, width);
            return;
        }

        using (writer.Block("for (int step = 0; step < seqLen; step++)"))
        {
            writer.Line($$"""
                // Forward at t = step, from row t − 1 (or h0, or nothing); backward at t = seqLen − 1 − step, from row t + 1.
                bool recurrent = step > 0 || hasH0;
                int tf = step;
                ref float xf = ref Unsafe.Add(ref layerIn, tf * {{width}});
                ref float hf = ref (step > 0 ? ref Unsafe.Add(ref layerOut, (tf - 1) * OutputSize) : ref (hasH0 ? ref h0f : ref z));
                ref float of = ref Unsafe.Add(ref layerOut, tf * OutputSize);
                int tb = seqLen - 1 - step;
                ref float xb = ref Unsafe.Add(ref layerIn, tb * {{width}});
                ref float hb = ref (step > 0 ? ref Unsafe.Add(ref layerOut, ((tb + 1) * OutputSize) + StateSize) : ref (hasH0 ? ref h0b : ref z));
                ref float ob = ref Unsafe.Add(ref layerOut, (tb * OutputSize) + StateSize);
                """);
            if (callsLayerMethods)
            {
                EmitLayerCall(writer, model, method, layers, first, "xf", "hf", "cf", "of", "recurrent", direction: "0", p: "pf", q: "qf");
                EmitLayerCall(writer, model, method, layers, first, "xb", "hb", "cb", "ob", "recurrent", direction: "1", p: "pb", q: "qb");
            }
            else
            {
                // Both input products first, then both rows: the products do not wait on h, so they fill the chains' latency.
                KernelPlan product = first ? layers.First : layers.Later;
                ProductEmitter.Emit(writer, product, "wif", "xf", "bf", "pf", exactOutputs: false);
                ProductEmitter.Emit(writer, product, "wib", "xb", "bb", "pb", exactOutputs: false);
                EmitRowCall(writer, model, kernel, method, "layer, 0", "pf", hasQ ? "qf" : null, "hf", "cf", "of", "recurrent", hoisted: "f");
                EmitRowCall(writer, model, kernel, method, "layer, 1", "pb", hasQ ? "qb" : null, "hb", "cb", "ob", "recurrent", hoisted: "b");
            }
        }
    }

    /// <summary>
    /// An Elman layer's time loop with the input products' sums in registers (no pre-activation row in memory; the row's
    /// product added onto them by <c>AddRecurrent</c>), software-pipelined as the runtime's one-vector kernel: each step
    /// first sums the next step's bias + W_ih·x (which does not wait for h), then adds both directions' recurrent
    /// products and activates both, so the next sums are in the CPU's window while the recurrent chains wait.
    /// </summary>
    private static void EmitElmanTimeLoopOnSums(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, KernelPlan product, string width)
    {
        SimdFlavor flavor = product.Flavor;
        void EmitSums(string name, string bias, string weights, string x)
        {
            writer.Line($"{flavor.VectorType} {ProductEmitter.EachVector(product, v => $"{name}{Int(v)} = {flavor.Load(bias, product.RowOf(v))}")};");
            ProductEmitter.EmitIntoRegisters(writer, product, weights, x, name);
        }

        writer.Line("// The first step's sums: forward at t = 0, backward at t = seqLen − 1.");
        writer.Line("ref float xf = ref layerIn;");
        writer.Line($"ref float xb = ref Unsafe.Add(ref layerIn, (seqLen - 1) * {width});");
        EmitSums("pref", "bf", "wif", "xf");
        EmitSums("preb", "bb", "wib", "xb");
        using (writer.Block("for (int step = 0; step < seqLen; step++)"))
        {
            writer.Line($$"""
                // Forward at t = step, from row t − 1 (or h0, or nothing); backward at t = seqLen − 1 − step, from row t + 1.
                bool recurrent = step > 0 || hasH0;
                int tf = step;
                ref float hf = ref (step > 0 ? ref Unsafe.Add(ref layerOut, (tf - 1) * OutputSize) : ref (hasH0 ? ref h0f : ref z));
                ref float of = ref Unsafe.Add(ref layerOut, tf * OutputSize);
                int tb = seqLen - 1 - step;
                ref float hb = ref (step > 0 ? ref Unsafe.Add(ref layerOut, ((tb + 1) * OutputSize) + StateSize) : ref (hasH0 ? ref h0b : ref z));
                ref float ob = ref Unsafe.Add(ref layerOut, (tb * OutputSize) + StateSize);

                // The next step's sums first (the last step sums its own rows again: in bounds, and not used).
                int next = step + 1 < seqLen ? step + 1 : step;
                ref float xfn = ref Unsafe.Add(ref layerIn, next * {{width}});
                ref float xbn = ref Unsafe.Add(ref layerIn, (seqLen - 1 - next) * {{width}});
                """);
            EmitSums("nextf", "bf", "wif", "xfn");
            EmitSums("nextb", "bb", "wib", "xbn");

            // Both directions' recurrent products, then both activations one after the other: written as two rows (each
            // its product and activation), the JIT kept the first activation's constants for the second through the stack,
            // with the first chain's values (0.94–0.95 of that form's time, paired).
            string RefSums(string name) => ProductEmitter.EachVector(product, v => $"ref {name}{Int(v)}");
            using (writer.Block("if (recurrent)"))
            {
                writer.Line($"{kernel}.{method}AddRecurrent({RefSums("pref")}, ref hf, ref whf);");
                writer.Line($"{kernel}.{method}AddRecurrent({RefSums("preb")}, ref hb, ref whb);");
            }

            var row = new KernelPlan(flavor, model.HiddenSize, 1, model.StateSize, product.PanelWidth);
            RnnKernelEmitter.EmitActivateAndStore(writer, row, RnnKernelEmitter.Activation(model), "pref", "of");
            RnnKernelEmitter.EmitActivateAndStore(writer, row, RnnKernelEmitter.Activation(model), "preb", "ob");
            for (int v = 0; v < product.Vectors; v++)
            {
                writer.Line($"pref{Int(v)} = nextf{Int(v)};");
                writer.Line($"preb{Int(v)} = nextb{Int(v)};");
            }
        }
    }

    /// <summary>
    /// TryForwardRows: a Forward of several sequences (or a ragged batch, of one sequence too), each through the batch-1
    /// Forward in turn, where the plan runs such a Forward row by row (ExecutionPlan.RunsRowByRow). A batch-first sequence's
    /// rows are the batch-1 Forward's spans; a time-major one's (a batch apart) pass through rows gathered in the workspace,
    /// after the layer sequences. Its h0, h_n, c0 and c_n rows lie a batch apart per layer and direction, so they pass
    /// through rows of their own on the stack. With lengths each sequence runs its own length (its backward direction from
    /// its own last step, as PyTorch's packed sequences) and its output rows past it are cleared.
    /// </summary>
    private static void EmitBidirectionalTryForwardRows(IndentedWriter writer, bool lstm, bool elman, bool projects)
    {
        string lengthLine = BidirectionalLengthLine(elman, projects);
        string cellParameters = ForwardCellParameters(lstm);
        writer.Line($$"""
            /// <summary>
            /// Forward of <paramref name="batch"/> sequences, each through the Forward above in turn, where the plan runs a Forward of
            /// this batch row by row (a small model, whose two chains of one sequence beat the runtime's products of all the rows per step).
            /// The spans are checked once for all rows, as the runtime's Forward checks them; false, with nothing touched, otherwise.
            /// With <paramref name="lengths"/> (one per sequence, each in [1, seqLen]; a batch of one too) sequence b runs its first
            /// lengths[b] steps, its output rows past them are zeros and its h_n is its own (the backward direction's from its last step).
            /// h0 may be h_n itself{{(lstm ? " (c0 may be c_n)" : string.Empty)}}: a sequence's rows of them are read before they are written, and no other's are touched.
            /// </summary>
            public static bool TryForwardRows(
                global::HighPerfRnn.Generated.GeneratedKernelWeights? weights, ReadOnlySpan<float> input, Span<float> output, Span<float> hN,{{cellParameters}} int batch, int seqLen, ReadOnlySpan<int> lengths, global::HighPerfRnn.SequenceLayout layout, ReadOnlySpan<float> h0, global::HighPerfRnn.RnnWorkspace? workspace)
            {
                if ({{RowsRejected(lstm)}}{{lengthLine}})
                {
                    return false;
                }

                // One sequence's states: its row of each layer and direction, gathered from h0{{(lstm ? " and c0" : string.Empty)}} and put back into
                // h_n{{(lstm ? " and c_n" : string.Empty)}} (one buffer for h0 and h_n: the Forward above reads a layer's h0 rows before it writes its h_n rows).
                Span<float> rowStates = {{AlignedStackalloc("StateRows * StateSize")}};{{(lstm ? $"\n    Span<float> rowCells = {AlignedStackalloc("StateRows * HiddenSize")};" : string.Empty)}}

                // The workspace: the layer sequences below the last{{(projects ? " and both directions' pre-activation rows" : string.Empty)}}, then (time-major only) one sequence's input and output rows.
                bool batchFirst = layout == global::HighPerfRnn.SequenceLayout.BatchFirst;
                int layerFloats = {{(projects ? "LayerSequenceFloats(seqLen) + (2 * seqLen * PreactivationRowFloats)" : "NumLayers > 1 ? (NumLayers > 2 ? 2 : 1) * seqLen * OutputSize : 0")}};
                int scratchFloats = layerFloats + (batchFirst ? 0 : seqLen * (InputSize + OutputSize));
                Span<float> scratch = scratchFloats > 0 ? global::HighPerfRnn.Generated.WorkspaceScratch.Rent(workspace, scratchFloats) : default;
                Span<float> rowInput = batchFirst ? default : scratch.Slice(layerFloats, seqLen * InputSize);
                Span<float> rowOutput = batchFirst ? default : scratch.Slice(layerFloats + (seqLen * InputSize), seqLen * OutputSize);
                int inputStride = batchFirst ? InputSize : batch * InputSize;
                int outputStride = batchFirst ? OutputSize : batch * OutputSize;
                for (int row = 0; row < batch; row++)
                {
            """);
        EmitGatherRowStates(writer, lstm);
        writer.Line($$"""

                    int length = lengths.IsEmpty ? seqLen : lengths[row];
                    int inputStart = batchFirst ? row * seqLen * InputSize : row * InputSize;
                    int outputStart = batchFirst ? row * seqLen * OutputSize : row * OutputSize;
                    if (!batchFirst)
                    {
                        for (int t = 0; t < length; t++)
                        {
                            input.Slice(inputStart + (t * inputStride), InputSize).CopyTo(rowInput.Slice(t * InputSize, InputSize));
                        }
                    }

                    ref float x = ref batchFirst ? ref Unsafe.Add(ref MemoryMarshal.GetReference(input), inputStart) : ref MemoryMarshal.GetReference(rowInput);
                    ref float y = ref batchFirst ? ref Unsafe.Add(ref MemoryMarshal.GetReference(output), outputStart) : ref MemoryMarshal.GetReference(rowOutput);
                    RunForward(weights, ref x, length, ref y, ref MemoryMarshal.GetReference(rowStates),
                        ref {{(lstm ? "MemoryMarshal.GetReference(rowCells)" : "Unsafe.NullRef<float>()")}}, ref MemoryMarshal.GetReference(rowStates), !h0.IsEmpty, ref MemoryMarshal.GetReference(scratch));
            """);
        EmitScatterRowStates(writer, lstm);
        writer.Line("""

                    // A time-major sequence's output rows back to their places; a ragged sequence's rows past its end: zeros.
                    for (int t = batchFirst ? length : 0; t < seqLen; t++)
                    {
                        Span<float> outputRow = output.Slice(outputStart + (t * outputStride), OutputSize);
                        if (t >= length)
                        {
                            outputRow.Clear();
                        }
                        else if (!batchFirst)
                        {
                            rowOutput.Slice(t * OutputSize, OutputSize).CopyTo(outputRow);
                        }
                    }
                }

                return true;
            }

            """);
        EmitLengthsFit(writer);
    }

    /// <summary>
    /// A Forward's cell states, in TryForward after the other checks: c_n, or the stack's when c_n is not asked for, checked
    /// and set to c0 (or zeros).
    /// </summary>
    private static void EmitForwardCells(IndentedWriter writer)
        => writer.Line($$"""
                // Without cell states asked for (the Forward overload without cN and c0), c lives on the stack.
                Span<float> cells = returnsCells ? cN : {{AlignedStackalloc("StateRows * HiddenSize")}};
                if (!AcceptsCells(cells, c0, input, output, hN, h0, batch: 1))
                {
                    return false;
                }

                InitialState(c0, cells);
            """);

    /// <summary>
    /// The runtime Forward's checks, once per generated class: AcceptsForward (exact lengths, no overlaps, h0 either
    /// h_n itself or apart), for an LSTM AcceptsCells (c_n or the stack's cells, and c0, likewise), MaxSeqLen, InitialState and SameSpan.
    /// </summary>
    private static void EmitForwardChecks(IndentedWriter writer, bool lstm)
    {
        writer.Line($$"""
            /// <summary>The runtime's bound on one call (rows × features within half of int.MaxValue); longer calls go to the runtime, which reports them.</summary>
            private const int MaxSeqLen = int.MaxValue / 2 / ({{(lstm ? "4" : "3")}} * HiddenSize + 16 + OutputSize + InputSize);

            /// <summary>
            /// Whether the runtime's Forward would accept these spans for <paramref name="batch"/> sequences (else it runs, and names
            /// the one at fault): exact lengths, a layout of the batch (unbatched only at batch 1), no overlaps, h0 either h_n or apart.
            /// </summary>
            private static bool AcceptsForward(ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> hN, int batch, int seqLen, global::HighPerfRnn.SequenceLayout layout, ReadOnlySpan<float> h0)
            {
                long stateLength = (long)StateRows * batch * StateSize;
                return seqLen > 0 && seqLen <= MaxSeqLen / batch
                    && (layout is global::HighPerfRnn.SequenceLayout.BatchFirst or global::HighPerfRnn.SequenceLayout.SequenceFirst || (layout == global::HighPerfRnn.SequenceLayout.Unbatched && batch == 1))
                    && input.Length == (long)batch * seqLen * InputSize && output.Length == (long)batch * seqLen * OutputSize && hN.Length == stateLength && (h0.IsEmpty || h0.Length == stateLength)
                    && !input.Overlaps(output) && !input.Overlaps(hN) && !output.Overlaps(hN) && !h0.Overlaps(output) && !h0.Overlaps(input) && (!h0.Overlaps(hN) || SameSpan(h0, hN));
            }

            """);
        if (lstm)
        {
            writer.Line("""
                /// <summary>The same for the cell states of <paramref name="batch"/> sequences: <paramref name="cells"/> (c_n, or the stack's when c_n is not asked for) and c0.</summary>
                private static bool AcceptsCells(ReadOnlySpan<float> cells, ReadOnlySpan<float> c0, ReadOnlySpan<float> input, ReadOnlySpan<float> output, ReadOnlySpan<float> hN, ReadOnlySpan<float> h0, int batch)
                {
                    long cellLength = (long)StateRows * batch * HiddenSize;
                    return cells.Length == cellLength && (c0.IsEmpty || c0.Length == cellLength)
                        && !cells.Overlaps(input) && !cells.Overlaps(output) && !cells.Overlaps(hN) && !cells.Overlaps(h0)
                        && !c0.Overlaps(input) && !c0.Overlaps(output) && !c0.Overlaps(hN) && !c0.Overlaps(h0) && (!c0.Overlaps(cells) || SameSpan(c0, cells));
                }

                """);
        }

        writer.Line("""
            private static void InitialState(ReadOnlySpan<float> initial, Span<float> state)
            {
                if (initial.IsEmpty)
                {
                    state.Clear();
                }
                else if (!SameSpan(initial, state))
                {
                    initial.CopyTo(state);
                }
            }

            private static bool SameSpan(ReadOnlySpan<float> first, ReadOnlySpan<float> second)
                => first.Length == second.Length && first.Overlaps(second, out int offset) && offset == 0;

            """);
    }
}
