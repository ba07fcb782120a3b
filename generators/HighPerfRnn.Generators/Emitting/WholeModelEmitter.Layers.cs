using System.Collections.Generic;
using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// One layer's step as a method of its own (layer 0's, and one for every later layer; a bidirectional model's take the
/// direction): the input product, then the layer's row. The whole-model <c>Step</c> of a stacked model, the wavefront
/// <c>Forward</c> of a stacked one and the <c>Forward</c> of a bidirectional one call them.
/// </summary>
/// <remarks>
/// Why a method per layer rather than every layer written out in one: the JIT's inlining budget grows with the IL of the
/// method it compiles, and a row inlined into it (its product and five activations) costs more than the call that
/// replaces it adds. With two layers written out in one method, the JIT ran out of budget part way and called the
/// rest (the multiply-adds and activations of the second layer, one call each): a two-layer LSTM 32's Forward took 2 to 4
/// times the runtime's time, an Elman 32's 2.5 times; the seed's bidirectional Forward, four steps written out, called
/// 18 of them on the 128-bit path (Arm64's) and 76 on the scalar one. One step per method is what a single-layer model's
/// kernels are, which the JIT compiles whole. Single-layer unidirectional models keep the layer written out.
/// </remarks>
internal static partial class WholeModelEmitter
{
    /// <summary>The name of a width's layer method: <c>Step512Layer0</c>, <c>Step512LaterLayer</c>.</summary>
    private static string LayerMethod(string method, bool first) => method + (first ? "Layer0" : "LaterLayer");

    /// <summary>Layer 0's method and (stacked models) the later layers' one, at one width.</summary>
    private static void EmitLayerMethods(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int panelWidth, SimdFlavor flavor, int gates)
    {
        var layers = new LayerProducts(model, flavor, gates, panelWidth);
        EmitLayerMethod(writer, model, kernel, method, panelWidth, gates, layers.First, layers.FirstOnSums, first: true);
        if (model.NumLayers > 1)
        {
            EmitLayerMethod(writer, model, kernel, method, panelWidth, gates, layers.Later, layers.LaterOnSums, first: false);
        }
    }

    private static void EmitLayerMethod(IndentedWriter writer, RnnModelDeclaration model, string kernel, string method, int panelWidth, int gates, KernelPlan product, bool onSums, bool first)
    {
        LayerScratch scratch = LayerScratch.Of(model, gates, panelWidth, onSums);
        var parameters = new List<string> { "global::HighPerfRnn.Generated.GeneratedKernelWeights weights" };
        if (!first)
        {
            parameters.Add("int layer");
        }

        if (model.Bidirectional)
        {
            parameters.Add("int direction");
        }

        parameters.AddRange(LayerArguments(model, scratch, "float xl", "float h", "float c", "float o", "float p", "float q"));
        parameters.Add("bool recurrent");
        writer.Line();
        writer.Line($$"""
            /// <summary>
            /// {{(first ? "Layer 0's" : "A later layer's")}} step on {{Int(panelWidth)}}-float panels: pre = bias + W_ih·xl ({{ProductEmitter.Describe(product)}}), then
            /// <c>{{method}}Row{{(onSums ? "OnSums" : string.Empty)}}</c>{{(onSums ? " on its sums in registers" : " on the pre-activation row p")}}. h_{t−1} from h, h_t to o (which may be h){{(model.Cell == "Lstm" ? ", c in place" : string.Empty)}}.
            /// </summary>
            """);
        // A root of its own, compiled optimized at once (see the class's remarks).
        writer.Line(KernelPlan.KernelAttribute);
        using (writer.Block($"private static void {LayerMethod(method, first)}({string.Join(", ", parameters)})"))
        {
            if (first)
            {
                writer.Line("const int layer = 0;");
            }

            EmitInputProductAndRow(writer, model, kernel, method, product, onSums, "xl", model.Bidirectional ? "layer, direction" : "layer", "h", "c", "o", "recurrent", scratch.Q);
        }
    }

    /// <summary>
    /// A call of layer 0's method or the later layers' one (then <c>layer</c> is in scope), with the caller's p and q where
    /// it takes them; a bidirectional model's with the <paramref name="direction"/> and that direction's scratch rows.
    /// </summary>
    private static void EmitLayerCall(IndentedWriter writer, RnnModelDeclaration model, string method, LayerProducts layers, bool first, string x, string h, string c, string o, string recurrent, string? direction = null, string p = "p", string q = "q")
    {
        LayerScratch scratch = LayerScratch.Of(model, layers.Gates, layers.PanelWidth, first ? layers.FirstOnSums : layers.LaterOnSums);
        var arguments = new List<string> { "weights" };
        if (!first)
        {
            arguments.Add("layer");
        }

        if (direction is not null)
        {
            arguments.Add(direction);
        }

        arguments.AddRange(LayerArguments(model, scratch, x, h, c, o, p, q));
        arguments.Add(recurrent);
        writer.Line($"{LayerMethod(method, first)}({string.Join(", ", arguments)});");
    }

    /// <summary>The by-reference part of a layer method's parameter or argument list: x (xl), h, (c), o, (p), (q).</summary>
    private static IEnumerable<string> LayerArguments(RnnModelDeclaration model, LayerScratch scratch, string x, string h, string c, string o, string p, string q)
    {
        yield return $"ref {x}";
        yield return $"ref {h}";
        if (model.Cell == "Lstm")
        {
            yield return $"ref {c}";
        }

        yield return $"ref {o}";
        if (scratch.P)
        {
            yield return $"ref {p}";
        }

        if (scratch.Q)
        {
            yield return $"ref {q}";
        }
    }

    /// <summary>
    /// The scratch rows one layer's step uses: p, the pre-activation row, unless its sums go to the row in registers; q,
    /// the LSTM's h_full (projection) or the GRU's product scratch, which only the GRU's rows reading p use.
    /// </summary>
    private readonly record struct LayerScratch(bool P, bool Q)
    {
        public static LayerScratch Of(RnnModelDeclaration model, int gates, int panelWidth, bool onSums)
            => new(!onSums, model.Cell != "Rnn" && ScratchFloats(model, gates, panelWidth) > gates * Pad(model.HiddenSize, panelWidth) && (model.Cell == "Lstm" || !onSums));
    }

    /// <summary>
    /// The two input products of a unidirectional model's kernels (layer 0's from the input, the later layers' from the
    /// layer below) and whether each hands its sums to the row in registers: where the row keeps its gates in registers
    /// (RowOnSums), there is no pre-activation row in memory, one store-to-load delay fewer on the step's chain.
    /// </summary>
    private readonly struct LayerProducts
    {
        public LayerProducts(RnnModelDeclaration model, SimdFlavor flavor, int gates, int panelWidth)
        {
            Gates = gates;
            PanelWidth = panelWidth;
            First = new KernelPlan(flavor, model.HiddenSize, gates, model.InputSize, panelWidth);
            Later = new KernelPlan(flavor, model.HiddenSize, gates, model.OutputSize, panelWidth);
            LaterOnSums = model.Cell != "Rnn" && GateKernelEmitter.KeepsGatesInRegisters(Later);
            FirstOnSums = LaterOnSums && First.Unrolled;
        }

        public int Gates { get; }

        public int PanelWidth { get; }

        public KernelPlan First { get; }

        public KernelPlan Later { get; }

        public bool FirstOnSums { get; }

        public bool LaterOnSums { get; }
    }
}
