using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// A unidirectional Elman layer's time loop, software-pipelined with its sums in registers: each step first sums the next
/// step's bias + W_ih·x (which does not wait for h), then the row (<c>RowOnSums</c>: W_hh·h added onto this step's sums,
/// the activation, h_t stored). So no pre-activation row goes through memory, and the next step's input product is in the
/// CPU's window while this step's recurrent chain waits. The bidirectional layers' loop does the same for two directions
/// (<c>EmitElmanTimeLoopOnSums</c>). The same products and activations as the loop it replaces: the same bits.
/// </summary>
/// <remarks>
/// Measured (two layers of Elman 32, 512-bit path, paired against the loop through the pre-activation row, AMD EPYC Zen 5):
/// 0.94 of the time; the sums in registers without the pipelining 0.97; the pipelined sums through memory 0.95–0.97.
/// </remarks>
internal static partial class WholeModelEmitter
{
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
        SimdFlavor flavor = product.Flavor;
        void EmitSums(string name, string x)
        {
            writer.Line($"{flavor.VectorType} {ProductEmitter.EachVector(product, v => $"{name}{Int(v)} = {flavor.Load("b", product.RowOf(v))}")};");
            ProductEmitter.EmitIntoRegisters(writer, product, "wi", x, name);
        }

        writer.Line("""
            ref float wi = ref Unsafe.AsRef(in weights.InputWeights(layer));
            ref float b = ref Unsafe.AsRef(in weights.ProjectionBias(layer));
            ref float wh = ref Unsafe.AsRef(in weights.RecurrentWeights(layer));

            // The first step's sums.
            """);
        writer.Line($"ref float x0 = ref {input};");
        EmitSums("pre", "x0");
        using (writer.Block("for (int t = 0; t < seqLen; t++)"))
        {
            writer.Line($$"""
                bool recurrent = t > 0 || hasH0;
                ref float h = ref (t > 0 ? ref Unsafe.Add(ref output, (t - 1) * outputStride) : ref (hasH0 ? ref Unsafe.Add(ref h0, layer * StateSize) : ref z));
                ref float o = ref Unsafe.Add(ref output, t * outputStride);

                // The next step's sums first (the last step sums its own row again: in bounds, and not used).
                ref float xn = ref Unsafe.Add(ref {{input}}, (t + 1 < seqLen ? t + 1 : t) * {{inputStride}});
                """);
            EmitSums("next", "xn");
            EmitRowCall(writer, model, kernel, method, "layer", p: null, q: null, "h", "c", "o", "recurrent", sums: ProductEmitter.EachVector(product, v => $"pre{Int(v)}"), hoisted: string.Empty);
            for (int v = 0; v < product.Vectors; v++)
            {
                writer.Line($"pre{Int(v)} = next{Int(v)};");
            }
        }
    }
}
