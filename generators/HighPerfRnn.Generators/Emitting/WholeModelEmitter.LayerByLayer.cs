using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// The whole-model <c>Forward</c> of a stacked unidirectional model whose layers together read more weights a time step
/// than L1 holds, while each layer's fit (<see cref="ForwardRunsLayerByLayer"/>): layer 0 over the whole sequence, then
/// each later layer over the one below's output, one layer's weights in L1 at a time. As a wavefront (every layer's step in
/// each wave) such a model streamed all its weights from L2 every wave and lost to the runtime's pass; one layer at a time
/// it keeps the single layer's gain. Stacked Elman layers wider than <see cref="ElmanWavefrontMaxHidden"/> run this way
/// within the wave's line too, where it measured faster than the wavefront.
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
    private static void EmitLayerByLayerMethod(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int panelWidth, SimdFlavor flavor, int gates)
    {
        var layers = new LayerProducts(model, flavor, gates, panelWidth);
        string forward = "Forward" + method.Substring("Step".Length);
        writer.Line();
        writer.Line($"/// <summary>{Int(panelWidth)}-float panels: layer 0 over the sequence (<c>{forward}Layer0</c>) into the output rows, then each later layer over them in place (<c>{forward}LaterLayer</c>).</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        using (writer.Block($"private static void {forward}(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float xi, int inputStride, int seqLen, ref float output, int outputStride, ref float hN, ref float cN, ref float h0, bool hasH0)"))
        {
            writer.Line($$"""
                {{forward}}Layer0(weights, ref xi, inputStride, seqLen, ref output, outputStride, ref hN, ref cN, ref h0, hasH0);
                for (int layer = 1; layer < NumLayers; layer++)
                {
                    {{forward}}LaterLayer(weights, layer, seqLen, ref output, outputStride, ref hN, ref cN, ref h0, hasH0);
                }
                """);
        }

        EmitLayerSequenceMethod(writer, model, kernel, method, forward, panelWidth, gates, layers, first: true);
        EmitLayerSequenceMethod(writer, model, kernel, method, forward, panelWidth, gates, layers, first: false);
    }

    /// <summary>
    /// One layer over the whole sequence, a method of its own with the step written out in its time loop, as a single-layer
    /// model's Forward (no call per step; a method per layer keeps each within the JIT's inlining budget): its input row t
    /// from the input (layer 0) or from the output rows (a later layer, in place), h_{t−1} from row t − 1 (or h0, or zeros),
    /// h_t to row t; then its h_n.
    /// </summary>
    private static void EmitLayerSequenceMethod(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, string forward, int panelWidth, int gates, LayerProducts layers, bool first)
    {
        KernelPlan product = first ? layers.First : layers.Later;
        bool pipelined = ElmanSumsInRegisters(model, product);
        string row = pipelined ? "the next step's sums first, then " : "then ";
        writer.Line();
        writer.Line(first
            ? $"/// <summary>Layer 0 over the sequence: the input rows in, h_t to output row t ({ProductEmitter.Describe(product)}, {row}<c>{method}Row{(layers.FirstOnSums || pipelined ? "OnSums" : string.Empty)}</c>).</summary>"
            : $"/// <summary>A later layer over the sequence, in place: the layer below's h_t in output row t, replaced by this layer's ({ProductEmitter.Describe(product)}, {row}<c>{method}Row{(layers.LaterOnSums || pipelined ? "OnSums" : string.Empty)}</c>).</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        string signature = first
            ? $"private static void {forward}Layer0(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, ref float xi, int inputStride, int seqLen, ref float output, int outputStride, ref float hN, ref float cN, ref float h0, bool hasH0)"
            : $"private static void {forward}LaterLayer(global::HighPerfRnn.Generated.GeneratedKernelWeights weights, int layer, int seqLen, ref float output, int outputStride, ref float hN, ref float cN, ref float h0, bool hasH0)";
        using (writer.Block(signature))
        {
            if (pipelined)
            {
                EmitZeroRow(writer, model, gates, panelWidth);
                if (first)
                {
                    writer.Line("const int layer = 0;");
                }

                EmitElmanLayerLoopOnSums(writer, model, kernel, method, product, first ? "xi" : "output", first ? "inputStride" : "outputStride");
                writer.Line();
                EmitLayerFinalState(writer);
                return;
            }

            bool hasQ = EmitScratchLocals(writer, model, gates, panelWidth, layers, zeros: true);
            if (first)
            {
                writer.Line("const int layer = 0;");
            }

            using (writer.Block("for (int t = 0; t < seqLen; t++)"))
            {
                writer.Line(first ? "ref float xt = ref Unsafe.Add(ref xi, t * inputStride);" : "ref float xt = ref Unsafe.Add(ref output, t * outputStride);");
                writer.Line("""
                    bool recurrent = t > 0 || hasH0;
                    ref float h = ref (t > 0 ? ref Unsafe.Add(ref output, (t - 1) * outputStride) : ref (hasH0 ? ref Unsafe.Add(ref h0, layer * StateSize) : ref z));
                    ref float o = ref Unsafe.Add(ref output, t * outputStride);
                    """);
                if (model.Cell == "Lstm")
                {
                    writer.Line("ref float c = ref Unsafe.Add(ref cN, layer * HiddenSize);");
                }

                EmitInputProductAndRow(writer, model, kernel, method, first ? layers.First : layers.Later, first ? layers.FirstOnSums : layers.LaterOnSums, "xt", "layer", "h", "c", "o", "recurrent", hasQ);
            }

            writer.Line();
            EmitLayerFinalState(writer);
        }
    }

    /// <summary>h_n of the layer in scope: its output at the last step, before the next layer replaces it.</summary>
    private static void EmitLayerFinalState(IndentedWriter writer)
        => writer.Line("""
            // h_n: the layer's output at the last step, before the layer above replaces it.
            MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref output, (seqLen - 1) * outputStride), StateSize).CopyTo(MemoryMarshal.CreateSpan(ref Unsafe.Add(ref hN, layer * StateSize), StateSize));
            """);
}
