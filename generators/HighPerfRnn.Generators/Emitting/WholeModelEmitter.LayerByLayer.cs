using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// The whole-model <c>Forward</c> of a stacked unidirectional model whose layers together read more weights a time step
/// than L1 holds, while each layer's fit (<see cref="ForwardRunsLayerByLayer"/>): layer 0 over the whole sequence, then
/// each later layer over the one below's output, one layer's weights in L1 at a time. As a wavefront (every layer's step in
/// each wave) such a model streamed all its weights from L2 every wave and lost to the runtime's pass; one layer at a time
/// it keeps the single layer's gain.
/// </summary>
/// <remarks>
/// Every layer's h sequence goes into the caller's output rows, and each later layer runs over them in place: its step t
/// reads its input (the layer below's h_t) from row t, and its h_{t−1} from row t − 1, which already holds its own; the
/// step's input product is done before its state update writes h_t into row t. So no sequence is held on the stack and any
/// length runs here. Each step is the one the runtime computes (the input product onto the bias, the recurrent product onto
/// that, the same gates): the runtime-sized model's bits.
/// </remarks>
internal static partial class WholeModelEmitter
{
    private static void EmitLayerByLayerMethod(IndentedWriter writer, RnnModelDeclaration model, string method, int panelWidth, SimdFlavor flavor, int gates)
    {
        var layers = new LayerProducts(model, flavor, gates, panelWidth);
        writer.Line();
        writer.Line($"/// <summary>{Int(panelWidth)}-float panels: layer 0 over the sequence (<c>{LayerMethod(method, first: true)}</c>) into the output rows, then each later layer over them in place (<c>{LayerMethod(method, first: false)}</c>).</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        using (writer.Block($"private static void Forward{method.Substring("Step".Length)}(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float xi, int inputStride, int seqLen, ref float output, int outputStride, ref float hN, ref float cN, ref float h0, bool hasH0)"))
        {
            EmitScratchLocals(writer, model, gates, panelWidth, layers, zeros: true);
            using (writer.Block("// Layer 0: the input rows in."))
            {
                writer.Line("const int layer = 0;");
                EmitLayerOverSequence(writer, model, method, layers, first: true);
            }

            writer.Line();
            using (writer.Block("for (int layer = 1; layer < NumLayers; layer++)"))
            {
                writer.Line("// Layer l: the layer below's h_t in row t, replaced by this layer's.");
                EmitLayerOverSequence(writer, model, method, layers, first: false);
            }
        }
    }

    /// <summary>
    /// The time loop of the layer in scope (<c>layer</c> declared): its input row t from the input (layer 0) or from the output
    /// rows (a later layer, in place), each step's h_{t−1} from row t − 1 (or h0, or zeros) and h_t to row t; then its h_n.
    /// </summary>
    private static void EmitLayerOverSequence(IndentedWriter writer, RnnModelDeclaration model, string method, LayerProducts layers, bool first)
    {
        using (writer.Block("for (int t = 0; t < seqLen; t++)"))
        {
            writer.Line(first ? "ref float xt = ref Unsafe.Add(ref xi, t * inputStride);" : "ref float xt = ref Unsafe.Add(ref output, t * outputStride);");
            EmitLayerByLayerStep(writer, model, method, layers, first);
        }

        writer.Line();
        EmitLayerFinalState(writer);
    }

    /// <summary>One step of the layer in scope (layer, t and its input row xt declared): h_{t−1} from row t − 1 (or h0, or zeros), h_t to row t.</summary>
    private static void EmitLayerByLayerStep(IndentedWriter writer, RnnModelDeclaration model, string method, LayerProducts layers, bool first)
    {
        writer.Line("""
            bool recurrent = t > 0 || hasH0;
            ref float h = ref (t > 0 ? ref Unsafe.Add(ref output, (t - 1) * outputStride) : ref (hasH0 ? ref Unsafe.Add(ref h0, layer * StateSize) : ref z));
            ref float o = ref Unsafe.Add(ref output, t * outputStride);
            """);
        if (model.Cell == "Lstm")
        {
            writer.Line("ref float c = ref Unsafe.Add(ref cN, layer * HiddenSize);");
        }

        EmitLayerCall(writer, model, method, layers, first, "xt", "h", "c", "o", "recurrent");
    }

    /// <summary>h_n of the layer in scope: its output at the last step, before the next layer replaces it.</summary>
    private static void EmitLayerFinalState(IndentedWriter writer)
        => writer.Line("""
            // h_n: the layer's output at the last step, before the layer above replaces it.
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref output, (seqLen - 1) * outputStride), StateSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref hN, layer * StateSize), StateSize));
            """);
}
