using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// Unidirectional Elman layers' time loops, software-pipelined with their sums in registers: each step first sums the next
/// step's bias + W_ih·x (which does not wait for h), then the row (<c>RowOnSums</c>: W_hh·h added onto this step's sums,
/// the activation, h_t stored). So no pre-activation row goes through memory, and the next step's input product is in the
/// CPU's window while this step's recurrent chain waits. A layer over the whole sequence (one after the other) and a
/// stack of small layers as a wavefront each have a form here; the bidirectional layers' loop does the same for two
/// directions (<c>EmitElmanTimeLoopOnSums</c>). The same products and activations as the loops they replace: the same bits.
/// </summary>
/// <remarks>
/// Measured (paired against the loops through the pre-activation row, AMD EPYC Zen 5, 512-bit path): two layers of Elman
/// 32 one after the other 0.89 of the time (the sums in registers without the pipelining 0.97; the pipelined sums through
/// memory 0.95–0.97); two layers of Elman 16 as a wavefront, each wave in one method, 0.85–0.88 of the wavefront that
/// calls a method per layer and step.
/// </remarks>
internal static partial class WholeModelEmitter
{
    /// <summary>
    /// The most vector FMAs a pipelined Elman loop writes out in its method: a layer's loop sums its first step before the
    /// loop and each next step in it (twice its input product), a wave layer 0's twice and a later layer's once, and a row
    /// of at most KernelPlan.InlineRowLimit FMAs is inlined into it (<see cref="ElmanSumsInRegisters"/>,
    /// <see cref="ElmanWaveInRegisters"/>). Past it the JIT ran out of its inlining budget and called what it no longer
    /// inlined (each multiply-add a call): declared ÷ runtime-sized at 100 steps (paired, Zen 5), on the 512-bit path Elman
    /// 32 of input 64 (2 × 128 FMAs and a 64-FMA row: 320) 2.4, Elman 24 of input 128 (512) 12–14, on the 256-bit path Elman
    /// 24 of input 64 (384) 1.9–2.2, two layers of Elman 40 (400) 1.06; within it two layers of Elman 40 on the 512-bit
    /// path (240) 0.83, 0.93 through the pre-activation row. Such layers run the loop through the pre-activation row (one
    /// product a step, its row called), as the whole-model Step does.
    /// </summary>
    private const int PipelinedElmanFmas = 256;

    /// <summary>The zero row z (h_(−1) without h0), the only stack scratch a pipelined Elman layer's loop needs.</summary>
    private static void EmitZeroRow(IndentedWriter writer, RnnModelDeclaration model, int gates, int panelWidth)
        => writer.Line($"""
            WholeModelScratch{Int(ScratchFloats(model, gates, panelWidth))} zeros = default;
            ref float z = ref zeros[0];
            """);

    /// <summary>
    /// The loop over t of one layer: x_t at <paramref name="input"/> + t × <paramref name="inputStride"/>, h_{t−1} from
    /// output row t − 1 (or h0's row of <c>layer</c> where <c>hasH0</c>, or the zero row z), h_t to output row t. For a
    /// later layer the input is the output rows themselves (in place): step t reads row t + 1 for the next sums before it
    /// writes row t, and the last step sums its own row again (in bounds, and not used).
    /// </summary>
    private static void EmitElmanLayerLoopOnSums(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, KernelPlan product, string input, string inputStride)
    {
        writer.Line("""
            ref float wi = ref Unsafe.AsRef(in weights.InputWeights(layer));
            ref float b = ref Unsafe.AsRef(in weights.ProjectionBias(layer));
            ref float wh = ref Unsafe.AsRef(in weights.RecurrentWeights(layer));

            // The first step's sums.
            """);
        writer.Line($"ref float x0 = ref {input};");
        EmitElmanSums(writer, product, "pre", "b", "wi", "x0");
        using (writer.Block("for (int t = 0; t < seqLen; t++)"))
        {
            writer.Line($$"""
                bool recurrent = t > 0 || hasH0;
                ref float h = ref (t > 0 ? ref Unsafe.Add(ref output, (t - 1) * outputStride) : ref (hasH0 ? ref Unsafe.Add(ref h0, layer * StateSize) : ref z));
                ref float o = ref Unsafe.Add(ref output, t * outputStride);

                // The next step's sums first (the last step sums its own row again: in bounds, and not used).
                ref float xn = ref Unsafe.Add(ref {{input}}, (t + 1 < seqLen ? t + 1 : t) * {{inputStride}});
                """);
            EmitElmanSums(writer, product, "next", "b", "wi", "xn");
            EmitRowCall(writer, model, kernel, method, "layer", p: null, q: null, "h", "c", "o", "recurrent", sums: ProductEmitter.EachVector(product, v => $"pre{Int(v)}"), hoisted: string.Empty);
            for (int v = 0; v < product.Vectors; v++)
            {
                writer.Line($"pre{Int(v)} = next{Int(v)};");
            }
        }
    }

    /// <summary>
    /// Whether a stacked Elman model's waves are written out with every layer's sums in registers: each layer's row one
    /// vector (Elman up to 16 on the 512-bit path, 8 on the 256-bit one and in 512-bit halves). Paired against the
    /// wavefront of calls (Zen 5, 100 steps): one-vector layers 0.73–0.86 (512-bit), 0.81–0.95 (256-bit); two-vector ones
    /// level (two layers of Elman 16 on the 256-bit path 1.00, of Elman 32 written out on the 512-bit path 0.97) or slower
    /// (two and three layers of Elman 8 on the 128-bit path, 16 registers: 1.13–1.16). A wave writes out layer 0's
    /// product twice and a later layer's once, within <see cref="PipelinedElmanFmas"/>.
    /// </summary>
    private static bool ElmanWaveInRegisters(RnnModelDeclaration model, LayerProducts layers)
    {
        var row = new KernelPlan(layers.Later.Flavor, model.HiddenSize, 1, model.StateSize, layers.PanelWidth);
        return ElmanSumsInRegisters(model, layers.Later) && layers.First.Vectors == 1 && layers.Later.Vectors == 1
            && (2 * layers.First.Fmas) + layers.Later.Fmas + row.InlinedRowFmas <= PipelinedElmanFmas;
    }

    /// <summary>
    /// A unidirectional Elman model's <c>Forward</c> as a wavefront with every layer's sums in registers, each wave in the
    /// method: wave w first sums layer 0's next input row (t = w + 1), then runs layer 0's step t = w on the sums of the wave
    /// before, then each later layer's step t = w − l, its input product from the layer below's row of the wave before and
    /// its row on those sums. Layer 0 first: after it the later layers' independent chains (a loop over the layers, one copy
    /// of the step, the weights by index) fill the wave; the later layers first measured slower (0.95 against 0.85–0.88 of
    /// the calls' time, two layers of Elman 16). A single layer runs <see cref="EmitElmanLayerLoopOnSums"/> instead.
    /// </summary>
    private static void EmitElmanWavefrontOnSums(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, LayerProducts layers)
    {
        writer.Line("""
            ref float wi0 = ref Unsafe.AsRef(in weights.InputWeights(0));
            ref float b0 = ref Unsafe.AsRef(in weights.ProjectionBias(0));
            ref float wh0 = ref Unsafe.AsRef(in weights.RecurrentWeights(0));

            // Layer 0's first sums.
            """);
        EmitElmanSums(writer, layers.First, "pre", "b0", "wi0", "xi");
        writer.Line();
        using (writer.Block("for (int wave = 0; wave < seqLen + NumLayers - 1; wave++)"))
        {
            writer.Line("""
                // Layer 0's next sums first: its input row t + 1 does not wait for h (past the last step, the last row again: in bounds, not used).
                ref float xn = ref Unsafe.Add(ref xi, (wave + 1 < seqLen ? wave + 1 : seqLen - 1) * inputStride);
                """);
            EmitElmanSums(writer, layers.First, "next", "b0", "wi0", "xn");
            writer.Line();
            using (writer.Block("if (wave < seqLen)"))
            {
                writer.Line("""
                    // Layer 0 at t = wave, on the sums of the wave before.
                    bool recurrent = wave > 0 || hasH0;
                    ref float h = ref (wave > 0 ? ref LayerRow(ref output, outputStride, ref ring, 0, wave - 1) : ref (hasH0 ? ref h0 : ref z));
                    ref float o = ref LayerRow(ref output, outputStride, ref ring, 0, wave);
                    """);
                EmitRowCall(writer, model, kernel, method, "0", p: null, q: null, "h", "c", "o", "recurrent", sums: ProductEmitter.EachVector(layers.First, v => $"pre{Int(v)}"), hoisted: "0");
            }

            using (writer.Block("for (int layer = 1; layer < NumLayers; layer++)"))
            {
                EmitLaterLayerInWave(writer);
                EmitWaveStepRows(writer);
                writer.Line("""
                    // Its sums, then its row.
                    ref float wi = ref Unsafe.AsRef(in weights.InputWeights(layer));
                    ref float b = ref Unsafe.AsRef(in weights.ProjectionBias(layer));
                    """);
                EmitElmanSums(writer, layers.Later, "sum", "b", "wi", "xt");
                EmitRowCall(writer, model, kernel, method, "layer", p: null, q: null, "h", "c", "o", "recurrent", sums: ProductEmitter.EachVector(layers.Later, v => $"sum{Int(v)}"));
            }

            for (int v = 0; v < layers.First.Vectors; v++)
            {
                writer.Line($"pre{Int(v)} = next{Int(v)};");
            }
        }
    }

    /// <summary>Vector locals <paramref name="name"/>0, 1, … = the bias row + W_ih·x, summed in registers in the one order.</summary>
    private static void EmitElmanSums(IndentedWriter writer, KernelPlan product, string name, string bias, string weights, string x)
    {
        SimdFlavor flavor = product.Flavor;
        writer.Line($"{flavor.VectorType} {ProductEmitter.EachVector(product, v => $"{name}{Int(v)} = {flavor.Load(bias, product.RowOf(v))}")};");
        ProductEmitter.EmitIntoRegisters(writer, product, weights, x, name);
    }
}
