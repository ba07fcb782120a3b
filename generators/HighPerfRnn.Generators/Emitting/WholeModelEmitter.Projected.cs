using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// The whole-model <c>Forward</c> of a gated model whose time step would read more weights than L1 holds (a wide input, a
/// stacked bidirectional layer's doubled one, or a bidirectional layer's two directions) while W_hh fits: each layer first
/// projects its whole input sequence in one product per direction, as the runtime's pass does
/// (<c>GeneratedKernelWeights.ProjectInputs</c>: W_ih read once for the sequence, the pre-activation rows in the caller's
/// workspace), then runs its time loop of generated rows on them, W_hh alone in L1 through the loop (a bidirectional
/// layer's two, the forward direction at t beside the backward one at T − 1 − t: two chains the CPU overlaps). The rows are
/// what a declaration adds: constant sizes, no step arguments, no call per step.
/// </summary>
/// <remarks>
/// The bits are the runtime-sized model's: its pass makes the same product (the same routine, the same rows) and the same
/// rows on it. A unidirectional model's layers run one after the other in the output rows (a later layer projects the rows
/// below before its loop replaces them); a bidirectional one's in the workspace's layer sequences.
/// </remarks>
internal static partial class WholeModelEmitter
{
    /// <summary>
    /// Whether a gated model's whole-model <c>Forward</c> projects each layer's input sequence first
    /// (WholeModelEmitter.Projected.cs): W_hh within the line, and a time step of its largest layer (all directions, the
    /// gate rows padded to 16-float panels) reading more weights than <see cref="ForwardLimitFloats"/>. Per step it then
    /// reads W_hh alone, where the loops of the other forms read W_ih too (from L2, past the line): the planner's
    /// ExecutionPlanner.DeclaredForwardProjectsInputs, the same rule (and its measurements). Elman layers keep the
    /// runtime's pass, whose sequence kernel is itself a tight loop: projecting, they measured 0.70–0.94 of its time on the
    /// 512- and 256-bit paths but up to 1.20 (Elman 12 of input 200, 256-bit; Elman 16 of input 256, 128-bit).
    /// </summary>
    public static bool ForwardProjectsInputs(RnnModelDeclaration model)
        => model.Cell != "Rnn" && WithinRecurrentLine(model) && LayerWeightFloats(model) > ForwardLimitFloats;

    /// <summary>
    /// The constants of a projecting Forward: the floats of one pre-activation row on the widest panels (every narrower
    /// path's row fits it), and for a bidirectional model the floats its layer sequences take before the rows.
    /// </summary>
    private static void EmitProjectedConstants(IndentedWriter writer, RnnModelDeclaration model, int gates)
    {
        writer.Line($"""
            /// <summary>Floats of a pre-activation row, gates × hidden padded to 16-float panels: room for every path's row.</summary>
            private const int PreactivationRowFloats = {Int(gates * Pad(model.HiddenSize, 16))};

            /// <summary>
            /// The longest sequence whose workspace (its pre-activation rows{(model.Bidirectional ? " of both directions, the layer sequences, a time-major sequence's rows" : string.Empty)}) stays
            /// within half of int.MaxValue floats, every count an int; longer calls go to the runtime.
            /// </summary>
            private const int MaxProjectedSeqLen = int.MaxValue / 2 / ({(model.Bidirectional ? "(2 * PreactivationRowFloats) + (3 * OutputSize) + InputSize + 16" : "PreactivationRowFloats + 16")});

            """);
        if (model.Bidirectional)
        {
            writer.Line($"""
                /// <summary>The workspace's floats before the pre-activation rows: the layer sequences below the last (two used in turn), to a 64-byte boundary.</summary>
                private static int LayerSequenceFloats(int seqLen) => NumLayers > 1 ? (((NumLayers > 2 ? 2 : 1) * seqLen * OutputSize) + 15) & ~15 : 0;

                """);
        }
    }

    /// <summary>The entry points' check of a projecting model's length (<c>MaxProjectedSeqLen</c>), after their others.</summary>
    private const string ProjectedLengthLine = " || seqLen > MaxProjectedSeqLen";

    /// <summary>
    /// A unidirectional projecting model's <c>TryForward</c>, after the checks and the cells: the pre-activation rows from
    /// the workspace, then the width's Forward.
    /// </summary>
    private static void EmitProjectedUnidirectionalCall(IndentedWriter writer, string cells)
        => writer.Line($$"""
                // The pre-activation rows of one layer's whole sequence, in the workspace (a stackalloc here would be zero-filled on every call).
                Span<float> preactivations = global::HighPerfRnn.Generated.WorkspaceScratch.Rent(workspace, seqLen * PreactivationRowFloats);

                // Layer l's h0 row is read by its first step and its h_n row written after its last, so h0 may be h_n itself.
                RunForward(weights, ref MemoryMarshal.GetReference(input), InputSize, seqLen, ref MemoryMarshal.GetReference(output), OutputSize, ref MemoryMarshal.GetReference(hN),
                    ref {{cells}}, ref MemoryMarshal.GetReference(h0), !h0.IsEmpty, ref MemoryMarshal.GetReference(preactivations));
                return true;
            }

            """);

    /// <summary>
    /// One width's projecting Forward: per layer (and direction) the product of the whole input sequence into the
    /// pre-activation rows, then the time loop of the width's row on them.
    /// </summary>
    private static void EmitProjectedForwardMethod(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int panelWidth, int gates)
    {
        LayerScratch scratch = LayerScratch.Of(model, gates, panelWidth, onSums: false);
        int rowFloats = gates * Pad(model.HiddenSize, panelWidth);
        string forward = "Forward" + method.Substring("Step".Length);
        string signature = model.Bidirectional
            ? $"private static void {forward}(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float xi, int seqLen, ref float output, ref float hN, ref float cN, ref float h0, bool hasH0, ref float layerOutputs)"
            : $"private static void {forward}(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float xi, int inputStride, int seqLen, ref float output, int outputStride, ref float hN, ref float cN, ref float h0, bool hasH0, ref float preactivations)";
        writer.Line();
        writer.Line(model.Bidirectional
            ? $"/// <summary>{Int(panelWidth)}-float panels: every layer, both directions' products of its input sequence, then one loop of both directions' <c>{method}Row</c>.</summary>"
            : $"/// <summary>{Int(panelWidth)}-float panels: every layer, the product of its input sequence, then its loop of <c>{method}Row</c>; a later layer over the output rows in place.</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        using (writer.Block(signature))
        {
            string scratchType = $"WholeModelScratch{Int(ScratchFloats(model, gates, panelWidth))}";
            string scratchUse = model.Cell == "Lstm" ? "h before the projection" : "the recurrent product";
            if (!scratch.Q)
            {
                writer.Line($"// Zeros: h_(-1) without h0.\n{scratchType} zeros = default;");
            }
            else if (model.Bidirectional)
            {
                writer.Line($"// Each direction's row scratch ({scratchUse}), so the two chains never wait on each other; zeros: h_(-1) without h0.\n{scratchType} forwardScratch = default, backwardScratch = default, zeros = default;");
                writer.Line($"ref float qf = ref {AlignedScratch("forwardScratch")};\nref float qb = ref {AlignedScratch("backwardScratch")};");
            }
            else
            {
                writer.Line($"// q: the row's scratch ({scratchUse}); zeros: h_(-1) without h0.\n{scratchType} scratch = default, zeros = default;\nref float q = ref {AlignedScratch("scratch")};");
            }

            writer.Line("ref float z = ref zeros[0];");
            if (model.Bidirectional)
            {
                writer.Line($"""

                    // The pre-activation rows after the layer sequences, on a 64-byte boundary: the forward direction's, then the backward one's.
                    ref float preactivations = ref Unsafe.Add(ref layerOutputs, LayerSequenceFloats(seqLen));
                    Span<float> forwardRows = MemoryMarshal.CreateSpan(ref preactivations, seqLen * {Int(rowFloats)});
                    Span<float> backwardRows = MemoryMarshal.CreateSpan(ref Unsafe.Add(ref preactivations, seqLen * {Int(rowFloats)}), seqLen * {Int(rowFloats)});
                    """);
            }
            else
            {
                writer.Line($"Span<float> preactivationRows = MemoryMarshal.CreateSpan(ref preactivations, seqLen * {Int(rowFloats)});");
            }

            using (writer.Block("for (int layer = 0; layer < NumLayers; layer++)"))
            {
                if (model.Bidirectional)
                {
                    EmitProjectedBidirectionalLayer(writer, model, kernel, method, rowFloats, scratch.Q);
                }
                else
                {
                    EmitProjectedUnidirectionalLayer(writer, model, kernel, method, rowFloats, scratch.Q);
                }
            }
        }
    }

    /// <summary>A unidirectional layer: its input rows (the input, or the layer below's h in the output rows) projected, then its loop over them in place, then its h_n.</summary>
    private static void EmitProjectedUnidirectionalLayer(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int rowFloats, bool hasQ)
    {
        writer.Line("""
            // The layer's input: the input rows, or the layer below's h in the output rows, all projected before this layer's loop replaces them.
            ref float layerIn = ref (layer == 0 ? ref xi : ref output);
            int layerInStride = layer == 0 ? inputStride : outputStride;
            int layerInWidth = layer == 0 ? InputSize : OutputSize;
            weights.ProjectInputs(layer, 0, MemoryMarshal.CreateReadOnlySpan(ref layerIn, ((seqLen - 1) * layerInStride) + layerInWidth), layerInStride, seqLen, preactivationRows);
            """);
        EmitHoistedRowWeights(writer, model, "0", string.Empty);
        if (model.Cell == "Lstm")
        {
            writer.Line("ref float c = ref Unsafe.Add(ref cN, layer * HiddenSize);");
        }

        using (writer.Block("for (int t = 0; t < seqLen; t++)"))
        {
            writer.Line($"""
                bool recurrent = t > 0 || hasH0;
                ref float h = ref (t > 0 ? ref Unsafe.Add(ref output, (t - 1) * outputStride) : ref (hasH0 ? ref Unsafe.Add(ref h0, layer * StateSize) : ref z));
                ref float o = ref Unsafe.Add(ref output, t * outputStride);
                ref float p = ref Unsafe.Add(ref preactivations, t * {Int(rowFloats)});
                """);
            EmitRowCall(writer, model, kernel, method, "layer", "p", hasQ ? "q" : null, "h", "c", "o", "recurrent", hoisted: string.Empty);
        }

        writer.Line();
        EmitLayerFinalState(writer);
    }

    /// <summary>
    /// A bidirectional layer: both directions' products (the backward one's rows after the forward one's), then one loop of
    /// both, the forward direction at t = step beside the backward one at T − 1 − step, each from its own scratch; then its
    /// h_n rows. Paired against the directions one after the other (each its product, then its loop), interleaved took 0.91–0.97
    /// of the time (Zen 5, 512-bit, 10–1000 steps).
    /// </summary>
    private static void EmitProjectedBidirectionalLayer(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int rowFloats, bool hasQ)
    {
        writer.Line($"""
            // Layer 0 reads the input; layer l the sequence layer l − 1 wrote (stack sequence (l − 1) % 2) and writes its own, or the output.
            ref float layerIn = ref (layer == 0 ? ref xi : ref Unsafe.Add(ref layerOutputs, ((layer - 1) & 1) * seqLen * OutputSize));
            int width = layer == 0 ? InputSize : OutputSize;
            ReadOnlySpan<float> inputRows = MemoryMarshal.CreateReadOnlySpan(ref layerIn, seqLen * width);
            ref float layerOut = ref (layer == NumLayers - 1 ? ref output : ref Unsafe.Add(ref layerOutputs, (layer & 1) * seqLen * OutputSize));

            // Both directions' products of every input row, each with its own W_ih: the forward rows, then the backward ones.
            weights.ProjectInputs(layer, 0, inputRows, width, seqLen, forwardRows);
            weights.ProjectInputs(layer, 1, inputRows, width, seqLen, backwardRows);
            """);
        EmitDirectionStateRows(writer, model);

        EmitHoistedRowWeights(writer, model, "0", "f");
        EmitHoistedRowWeights(writer, model, "1", "b");
        using (writer.Block("for (int step = 0; step < seqLen; step++)"))
        {
            writer.Line($"""
                // Forward at t = step, from row t − 1 (or h0, or nothing); backward at t = seqLen − 1 − step, from row t + 1.
                bool recurrent = step > 0 || hasH0;
                int tf = step;
                ref float hf = ref (step > 0 ? ref Unsafe.Add(ref layerOut, (tf - 1) * OutputSize) : ref (hasH0 ? ref h0f : ref z));
                ref float of = ref Unsafe.Add(ref layerOut, tf * OutputSize);
                ref float pf = ref Unsafe.Add(ref preactivations, tf * {Int(rowFloats)});
                int tb = seqLen - 1 - step;
                ref float hb = ref (step > 0 ? ref Unsafe.Add(ref layerOut, ((tb + 1) * OutputSize) + StateSize) : ref (hasH0 ? ref h0b : ref z));
                ref float ob = ref Unsafe.Add(ref layerOut, (tb * OutputSize) + StateSize);
                ref float pb = ref Unsafe.Add(ref preactivations, (seqLen + tb) * {Int(rowFloats)});
                """);
            EmitRowCall(writer, model, kernel, method, "layer, 0", "pf", hasQ ? "qf" : null, "hf", "cf", "of", "recurrent", hoisted: "f");
            EmitRowCall(writer, model, kernel, method, "layer, 1", "pb", hasQ ? "qb" : null, "hb", "cb", "ob", "recurrent", hoisted: "b");
        }

        writer.Line();
        EmitBidirectionalFinalStates(writer);
    }
}
