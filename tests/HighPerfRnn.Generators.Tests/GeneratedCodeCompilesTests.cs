using Microsoft.CodeAnalysis;

namespace HighPerfRnn.Generators.Tests;

/// <summary>The generated code of representative declarations compiles with no errors and no warnings.</summary>
public sealed class GeneratedCodeCompilesTests
{
    /// <summary>
    /// Declarations covering every emitter branch: the seed's shapes, global namespace, nested types, records,
    /// keyword names, relu, no bias, sizes around the unrolling lines (64/65 at 256-bit, 22/23 scalar, 80/96 at
    /// 512-bit), partial last vectors, and the largest supported size; LSTMs (projected or not) and GRUs on both
    /// sides of the unrolling and specialization lines.
    /// </summary>
    private const string Declarations = """
        using HighPerfRnn;

        /// <summary>In the global namespace.</summary>
        [RnnModel(1, 1)]
        public partial class GlobalTiny;

        namespace Demo
        {
            /// <summary>The seed's bidirectional model.</summary>
            [RnnModel(inputSize: 5, hiddenSize: 8, NumLayers = 2, Bidirectional = true)]
            public partial class TinyBiRnn;

            /// <summary>The seed's numpy cell.</summary>
            [RnnModel(4, 8)]
            public sealed partial class SeedNumpy;

            /// <summary>A record class.</summary>
            [RnnModel(3, 9, Nonlinearity = RnnNonlinearity.Relu, Bias = false)]
            public partial record RecordModel;

            /// <summary>Containers.</summary>
            public static partial class Outer
            {
                /// <summary>A nested struct container.</summary>
                internal partial struct Middle
                {
                    /// <summary>Nested twice.</summary>
                    [RnnModel(13, 17, NumLayers = 3)]
                    internal partial class Inner;
                }
            }

            /// <summary>Sizes around the lines.</summary>
            [RnnModel(2, 16)] public partial class H16;
            /// <summary>Stacked one-vector layers on the 512-bit path: the wave written out.</summary>
            [RnnModel(3, 16, NumLayers = 2)] public partial class H16Deep;
            /// <summary>Sizes around the lines.</summary>
            [RnnModel(2, 17)] public partial class H17;
            /// <summary>Sizes around the lines.</summary>
            [RnnModel(2, 42)] public partial class H42;
            /// <summary>Sizes around the lines.</summary>
            [RnnModel(2, 43)] public partial class H43;
            /// <summary>Sizes around the lines.</summary>
            [RnnModel(2, 64, Bidirectional = true)] public partial class H64;
            /// <summary>Sizes around the lines.</summary>
            [RnnModel(2, 65)] public partial class H65;
            /// <summary>Sizes around the lines.</summary>
            [RnnModel(2, 96)] public partial class H96;
            /// <summary>Sizes around the lines.</summary>
            [RnnModel(7, 130, Nonlinearity = RnnNonlinearity.Relu)] public partial class H130;
            /// <summary>The largest size.</summary>
            [RnnModel(4096, 4096)] public partial class Largest;
        }

        namespace Gated
        {
            /// <summary>The smallest LSTM: all gates in one vector.</summary>
            [RnnModel(1, 1, Cell = RnnCell.Lstm)] public partial class Lstm1;
            /// <summary>Gate blocks straddling vectors; stacked, bidirectional, no bias.</summary>
            [RnnModel(3, 9, Cell = RnnCell.Lstm, NumLayers = 2, Bidirectional = true, Bias = false)] public partial class Lstm9;
            /// <summary>Projected, with a partial last projection vector.</summary>
            [RnnModel(13, 9, Cell = RnnCell.Lstm, ProjSize = 4)] public partial class Lstm9Proj4;
            /// <summary>One 128-bit vector per gate (gates kept in registers on that path), projected (into scratch, then W_hr).</summary>
            [RnnModel(3, 4, Cell = RnnCell.Lstm, ProjSize = 2)] public partial class Lstm4Proj2;
            /// <summary>One 512-bit vector per gate, two layers: the gates in registers on the 512-bit path, the whole-model Step.</summary>
            [RnnModel(5, 16, Cell = RnnCell.Lstm, NumLayers = 2)] public partial class Lstm16Deep;
            /// <summary>The largest two-layer LSTM 16 with a whole-model Forward: 4·16·(80 + 16) + 4·16·(16 + 16) = 8192 weights, 32 KB.</summary>
            [RnnModel(80, 16, Cell = RnnCell.Lstm, NumLayers = 2)] public partial class Lstm16DeepInput80;
            /// <summary>One input past it (8256 weights a wave): the whole-model Forward one layer after the other (6208 weights a layer's step).</summary>
            [RnnModel(81, 16, Cell = RnnCell.Lstm, NumLayers = 2)] public partial class Lstm16DeepInput81;
            /// <summary>Looped gate product (4·33 rows × 33).</summary>
            [RnnModel(5, 33, Cell = RnnCell.Lstm)] public partial class Lstm33;
            /// <summary>Looped scalar projection (13 × 40), unrolled vector ones.</summary>
            [RnnModel(3, 40, Cell = RnnCell.Lstm, ProjSize = 13)] public partial class Lstm40Proj13;
            /// <summary>A looped 256-bit projection of one partial vector (3 × 680), just under the line (8160 weights).</summary>
            [RnnModel(2, 680, Cell = RnnCell.Lstm, ProjSize = 3)] public partial class Lstm680Proj3;
            /// <summary>The last specialized LSTM without projection: 4·45·45 = 8100 weights.</summary>
            [RnnModel(3, 45, Cell = RnnCell.Lstm)] public partial class Lstm45;
            /// <summary>The first LSTM past the specialization line: 4·46·46 = 8464 weights.</summary>
            [RnnModel(3, 46, Cell = RnnCell.Lstm)] public partial class Lstm46;
            /// <summary>Past the specialization line: a kernel that declines.</summary>
            [RnnModel(64, 128, Cell = RnnCell.Lstm)] public partial class Lstm128;
            /// <summary>The largest LSTM.</summary>
            [RnnModel(4096, 4096, Cell = RnnCell.Lstm, ProjSize = 4095)] public partial class LargestLstm;
            /// <summary>The smallest GRU.</summary>
            [RnnModel(1, 1, Cell = RnnCell.Gru)] public partial class Gru1;
            /// <summary>A GRU with 16-float gate blocks.</summary>
            [RnnModel(1, 16, Cell = RnnCell.Gru, Bidirectional = true)] public partial class Gru16;
            /// <summary>The largest bidirectional GRU 16 whose Forward keeps the input products in its loop: 2·3·16·(69 + 16) = 8160 weights a step, within 8192.</summary>
            [RnnModel(69, 16, Cell = RnnCell.Gru, Bidirectional = true)] public partial class Gru16BiInput69;
            /// <summary>One input past it (8256): each direction's input sequence projected first.</summary>
            [RnnModel(70, 16, Cell = RnnCell.Gru, Bidirectional = true)] public partial class Gru16BiInput70;
            /// <summary>8160 weights a step unpadded, but a GRU 20's gate rows pad to 32 on the widest panels (13056): projecting.</summary>
            [RnnModel(48, 20, Cell = RnnCell.Gru, Bidirectional = true)] public partial class Gru20BiInput48;
            /// <summary>One 128-bit vector per gate, no bias (b_hn zeros in registers).</summary>
            [RnnModel(2, 4, Cell = RnnCell.Gru, Bias = false)] public partial class Gru4NoBias;
            /// <summary>One 256-bit vector per gate (on the 256-bit path and, padded, the 512-bit one), two layers.</summary>
            [RnnModel(3, 8, Cell = RnnCell.Gru, NumLayers = 2)] public partial class Gru8Deep;
            /// <summary>Two whole 512-bit vectors per gate block: the gates in registers on that path.</summary>
            [RnnModel(3, 32, Cell = RnnCell.Gru)] public partial class Gru32;
            /// <summary>A looped GRU.</summary>
            [RnnModel(7, 45, Cell = RnnCell.Gru, Bias = false)] public partial class Gru45;
            /// <summary>The last specialized GRU: 3·52·52 = 8112 weights, within 32 KB.</summary>
            [RnnModel(7, 52, Cell = RnnCell.Gru)] public partial class Gru52;
            /// <summary>The first GRU past the line: 3·53·53 = 8427 weights.</summary>
            [RnnModel(7, 53, Cell = RnnCell.Gru)] public partial class Gru53;
            /// <summary>Past the line.</summary>
            [RnnModel(7, 128, Cell = RnnCell.Gru)] public partial class Gru128;
            /// <summary>The largest stacked LSTM with whole-model kernels: 4·32·32 = 4096 weights of W_hh, 16 KB; a later layer's step 8192 weights: layer by layer.</summary>
            [RnnModel(5, 32, Cell = RnnCell.Lstm, NumLayers = 3)] public partial class Lstm32Deep;
            /// <summary>Layer 0's step past the Forward's line (4·32·(40 + 32) = 9216 weights): projecting.</summary>
            [RnnModel(40, 32, Cell = RnnCell.Lstm, NumLayers = 2)] public partial class Lstm32DeepInput40;
            /// <summary>The largest GRU with whole-model kernels: 3·36·36 = 3888 weights; a later layer's step padded to 48 rows a gate, 3·48·72 = 10368 weights: projecting.</summary>
            [RnnModel(6, 36, Cell = RnnCell.Gru, NumLayers = 2)] public partial class Gru36Deep;
            /// <summary>The first GRU past the whole-model line: 3·37·37 = 4107 weights.</summary>
            [RnnModel(6, 37, Cell = RnnCell.Gru)] public partial class Gru37;
            /// <summary>Layer 0's step past the Forward's line (3·48·(50 + 36) = 12384 weights padded): projecting.</summary>
            [RnnModel(50, 36, Cell = RnnCell.Gru, NumLayers = 2)] public partial class Gru36DeepInput50;
            /// <summary>The largest stacked Elman RNN with whole-model kernels: 45·45 = 2025 weights (the Elman line is 2048).</summary>
            [RnnModel(3, 45, NumLayers = 2, Nonlinearity = RnnNonlinearity.Relu)] public partial class Rnn45Deep;
            /// <summary>The first Elman RNN past its whole-model line: 46·46 = 2116 weights.</summary>
            [RnnModel(3, 46)] public partial class Rnn46;
            /// <summary>An Elman layer 0's step past its Forward's line (40·(70 + 40) = 4400 weights, the line 4096): the whole-model Step only.</summary>
            [RnnModel(70, 40, NumLayers = 2)] public partial class Rnn40DeepInput70;
            /// <summary>An Elman layer whose pipelined loop would write 2 × 128 FMAs and inline a 64-FMA row (320, past 256): through the pre-activation row.</summary>
            [RnnModel(64, 32)] public partial class Rnn32Input64;
        }

        namespace @event
        {
            /// <summary>Keyword names.</summary>
            [RnnModel(2, 3)]
            public partial class @class;
        }
        """;

    [Fact]
    public void Representative_declarations_compile_without_errors_or_warnings()
    {
        (_, GeneratorDriverRunResult result, Compilation output) = GeneratorHarness.Run(GeneratorHarness.Compile(Declarations));

        Assert.Empty(result.Diagnostics);
        Assert.Equal(51, result.GeneratedTrees.Length);
        Assert.Empty(GeneratorHarness.WarningsAndErrors(output));

        using var assembly = new MemoryStream();
        Microsoft.CodeAnalysis.Emit.EmitResult emitted = output.Emit(assembly);
        Assert.True(emitted.Success, string.Join(Environment.NewLine, emitted.Diagnostics));
    }

    [Fact]
    public void Hint_names_are_the_fully_qualified_metadata_names()
    {
        (_, GeneratorDriverRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Declarations));

        string[] hintNames = [.. result.Results.Single().GeneratedSources.Select(s => s.HintName).Order(StringComparer.Ordinal)];
        Assert.Contains("GlobalTiny.g.cs", hintNames);
        Assert.Contains("Demo.TinyBiRnn.g.cs", hintNames);
        Assert.Contains("Demo.Outer+Middle+Inner.g.cs", hintNames);
        Assert.Contains("event.class.g.cs", hintNames);
    }

    [Fact]
    public void Generated_file_has_header_constants_and_one_kernel_with_every_path()
    {
        (_, GeneratorDriverRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Declarations));
        string text = result.Results.Single().GeneratedSources.Single(s => s.HintName == "Demo.TinyBiRnn.g.cs").SourceText.ToString();

        Assert.StartsWith("// <auto-generated/>", text, StringComparison.Ordinal);
        Assert.Contains("#nullable enable", text, StringComparison.Ordinal);
        Assert.Contains("public const int InputSize = 5;", text, StringComparison.Ordinal);
        Assert.Contains("public const int HiddenSize = 8;", text, StringComparison.Ordinal);
        Assert.Contains("public const int NumLayers = 2;", text, StringComparison.Ordinal);
        Assert.Contains("public const int NumDirections = 2;", text, StringComparison.Ordinal);
        Assert.Contains("public const int OutputSize = 16;", text, StringComparison.Ordinal);
        Assert.Contains("nn.RNN(5, 8, num_layers=2, bidirectional=True)", text, StringComparison.Ordinal);
        Assert.Contains("file readonly struct RnnStepKernelH8 : IRecurrentStepKernel", text, StringComparison.Ordinal);
        Assert.Contains("private static void StepHalvesOf512(in RecurrentStepArgs args)", text, StringComparison.Ordinal);
        Assert.Contains("private static void Step256(in RecurrentStepArgs args)", text, StringComparison.Ordinal);
        Assert.Contains("private static void Step128(in RecurrentStepArgs args)", text, StringComparison.Ordinal);
        Assert.Contains("private static void StepScalar(in RecurrentStepArgs args)", text, StringComparison.Ordinal);
        foreach ((int width, string method) in new[] { (16, "StepHalvesOf512"), (8, "Step256"), (4, "Step128"), (1, "StepScalar") })
        {
            Assert.Contains($"case {width}:\n                    {method}(in args);\n                    return true;", text, StringComparison.Ordinal);
        }

        // Bidirectional models cannot stream: no Step.
        Assert.DoesNotContain("public void Step(", text, StringComparison.Ordinal);
        string unidirectional = result.Results.Single().GeneratedSources.Single(s => s.HintName == "Demo.SeedNumpy.g.cs").SourceText.ToString();
        Assert.Contains("public void Step(", unidirectional, StringComparison.Ordinal);
    }

    [Fact]
    public void Whole_model_kernels_are_emitted_for_unidirectional_models_within_the_line()
    {
        // Step and Forward: W_hh within the line, and a layer's step's weights within the Forward's line (32 KB; Elman 16 KB):
        // as a wavefront where all the layers' fit it, else one layer after the other (LSTM 32 × 3 layers: 84 KB a wave;
        // 8256 weights; Elman 45 × 2: 6210 weights, 24 KB).
        string[] wavefronts = ["Gated.Lstm9Proj4.g.cs", "Demo.SeedNumpy.g.cs", "Gated.Lstm1.g.cs", "Gated.Lstm16Deep.g.cs", "Gated.Lstm16DeepInput80.g.cs"];
        string[] layerByLayer = ["Gated.Lstm32Deep.g.cs", "Gated.Lstm16DeepInput81.g.cs", "Gated.Rnn45Deep.g.cs"];
        string[] stepAndForward = [.. wavefronts, .. layerByLayer];

        // Gated layers past the Forward's line with W_hh within its own: a Forward that projects each layer's input sequence
        // first (one product, in the workspace), then loops on W_hh alone; no rows.
        string[] projecting = ["Gated.Lstm32DeepInput40.g.cs", "Gated.Gru36DeepInput50.g.cs", "Gated.Gru36Deep.g.cs"];

        // Step only: an Elman model's W_hh within the line, a layer's step's weights past the Forward's line.
        string[] stepOnly = ["Gated.Rnn40DeepInput70.g.cs"];
        foreach (string hint in stepAndForward.Concat(projecting).Concat(stepOnly))
        {
            string text = Source(hint);
            Assert.Contains("file static class WholeModelKernel", text, StringComparison.Ordinal);
            Assert.Contains("public const bool HasWholeModelKernels = true;", text, StringComparison.Ordinal);
            Assert.Contains("WholeModelKernel.TryStep(_wholeModelStep, input, state, ", text, StringComparison.Ordinal);
            foreach (int width in new[] { 16, 8, 4, 1 })
            {
                Assert.Contains($"case {width}:", Section(text, "Run(global::"), StringComparison.Ordinal);
            }
        }

        foreach (string hint in stepAndForward)
        {
            Assert.Contains("WholeModelKernel.TryForward(_wholeModelForward, input, output, hN, ", Source(hint), StringComparison.Ordinal);
        }

        foreach (string hint in projecting)
        {
            string text = Source(hint);
            Assert.Contains("WholeModelKernel.TryForward(_wholeModelForward, input, output, hN, ", text, StringComparison.Ordinal);
            Assert.Contains("h0, workspace)", text, StringComparison.Ordinal);
            Assert.Contains("weights.ProjectInputs(layer, 0, ", Section(text, "Forward512("), StringComparison.Ordinal);
            Assert.Contains("h0, workspace))", text, StringComparison.Ordinal); // its rows (2-3 sequences) take the workspace too

            // A length whose workspace would pass half of int.MaxValue floats goes to the runtime (every count stays an int).
            Assert.Contains("private const int MaxProjectedSeqLen = int.MaxValue / 2 / (PreactivationRowFloats + 16);", text, StringComparison.Ordinal);
            Assert.Contains("AcceptsForward(input, output, hN, batch: 1, seqLen, layout, h0) || seqLen > MaxProjectedSeqLen)", text, StringComparison.Ordinal);
        }

        foreach (string hint in stepOnly)
        {
            string text = Source(hint);
            Assert.DoesNotContain("TryForward", text, StringComparison.Ordinal);
            Assert.Contains("// Every batch through the driver: the layers' weights pass the generator's line for a whole-model Forward", text, StringComparison.Ordinal);
        }

        // Stacked: the Step calls layer 0's method, then the later layers' one in a loop on the new h below; each is a
        // method of its own (a root for the JIT's inlining budget), a product onto the bias, then the layer's Row.
        string lstm32 = Source("Gated.Lstm32Deep.g.cs");
        string deep = Section(lstm32, "Step256(global::");
        Assert.Contains("Step256Layer0(weights, ref xi, ref h, ref c, ref h, ref p, recurrent);", deep, StringComparison.Ordinal);
        Assert.Contains("for (int layer = 1; layer < NumLayers; layer++)", deep, StringComparison.Ordinal);
        Assert.Contains("Step256LaterLayer(weights, layer, ref Unsafe.Add(ref h, (layer - 1) * StateSize), ref hl, ref Unsafe.Add(ref c, layer * HiddenSize), ref hl, ref p, recurrent);", deep, StringComparison.Ordinal);
        Assert.Contains("[MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]\n        private static void Step256LaterLayer(", lstm32.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        string later = Section(lstm32, "Step256LaterLayer(global::");
        Assert.Contains("ref float b = ref Unsafe.AsRef(in weights.ProjectionBias(layer));", later, StringComparison.Ordinal);
        Assert.Contains("LstmStepKernelH32.Step256Row(ref p, ref h, ref c, ref o,", later, StringComparison.Ordinal);
        Assert.Contains("GruStepKernelH36.Step512Row(ref p, ref h, ref o, ref Unsafe.AsRef(in weights.RecurrentWeights(layer)), ref Unsafe.AsRef(in weights.RecurrentBias(layer)), ref q, recurrent);", Section(Source("Gated.Gru36Deep.g.cs"), "Step512Layer0(global::"), StringComparison.Ordinal);
        Assert.Contains("ref Unsafe.AsRef(in weights.ProjectionWeights(layer))", Source("Gated.Lstm9Proj4.g.cs"), StringComparison.Ordinal);

        // The stacked Forward: the layers as a wavefront (layer l's step wave − l, its input the row the layer below
        // wrote in the wave before), through the same layer methods.
        string wavefront = Section(Source("Gated.Lstm16Deep.g.cs"), "Forward512(global::");
        Assert.Contains("for (int wave = 0; wave < seqLen + NumLayers - 1; wave++)", wavefront, StringComparison.Ordinal);
        Assert.Contains("Step512Layer0(weights, ref xt, ref h, ref c, ref o, recurrent);", wavefront, StringComparison.Ordinal);
        Assert.Contains("int t = wave - layer;", wavefront, StringComparison.Ordinal);
        Assert.Contains("ref float xt = ref LayerRow(ref output, outputStride, ref ring, layer - 1, t);", wavefront, StringComparison.Ordinal);
        Assert.Contains("Step512LaterLayer(weights, layer, ref xt, ref h, ref c, ref o, recurrent);", wavefront, StringComparison.Ordinal);

        // Past a wave's line, one layer after the other: layer 0 over the input rows, each later layer over the output rows
        // in place (its input h_t in row t, its own h_{t-1} in row t - 1), h_n after each layer; no ring, no wave. Each
        // layer's sequence is a method of its own with the step written out, as a single-layer model's Forward.
        foreach (string hint in layerByLayer)
        {
            string text = Source(hint);
            string forward = Section(text, "Forward512(global::");
            Assert.Contains("Forward512Layer0(weights, ref xi, inputStride, seqLen, ref output, outputStride, ref hN, ref cN, ref h0, hasH0);", forward, StringComparison.Ordinal);
            Assert.Contains("for (int layer = 1; layer < NumLayers; layer++)", forward, StringComparison.Ordinal);
            Assert.Contains("Forward512LaterLayer(weights, layer, seqLen, ref output, outputStride, ref hN, ref cN, ref h0, hasH0);", forward, StringComparison.Ordinal);
            string laterSequence = Section(text, "Forward512LaterLayer(global::");
            if (hint.StartsWith("Gated.Rnn", StringComparison.Ordinal))
            {
                // Elman layers whose sums fit the registers: each loop software-pipelined, the next step's input product
                // (of the next input row) into registers before this step's row (layer 0: 2 × 9 FMAs); past the pipelined
                // loop's budget (a later layer's 2 × 135 FMAs: WholeModelEmitter.PipelinedElmanFmas) through the pre-activation row.
                string firstSequence = Section(text, "Forward512Layer0(global::");
                Assert.Contains("ref float xn = ref Unsafe.Add(ref xi, (t + 1 < seqLen ? t + 1 : t) * inputStride);", firstSequence, StringComparison.Ordinal);
                Assert.Contains("RnnStepKernelH45.Step512RowOnSums(pre0, pre1, pre2, ref h, ref o, ref wh, recurrent);", firstSequence, StringComparison.Ordinal);
                Assert.Contains("pre2 = next2;", firstSequence, StringComparison.Ordinal);
                Assert.DoesNotContain("ref float p ", firstSequence, StringComparison.Ordinal);
                Assert.Contains("ref float xt = ref Unsafe.Add(ref output, t * outputStride);", laterSequence, StringComparison.Ordinal);
                Assert.Contains("RnnStepKernelH45.Step512Row(ref p, ref h, ref o, ", laterSequence, StringComparison.Ordinal);
            }
            else
            {
                Assert.Contains("ref float xt = ref Unsafe.Add(ref xi, t * inputStride);", Section(text, "Forward512Layer0(global::"), StringComparison.Ordinal);
                Assert.Contains("ref float xt = ref Unsafe.Add(ref output, t * outputStride);", laterSequence, StringComparison.Ordinal);
            }

            Assert.Contains("ref float h = ref (t > 0 ? ref Unsafe.Add(ref output, (t - 1) * outputStride)", laterSequence, StringComparison.Ordinal);
            Assert.DoesNotContain("LaterLayer(weights, layer, ref", laterSequence, StringComparison.Ordinal);
            Assert.DoesNotContain("wave", forward + laterSequence, StringComparison.Ordinal);
            Assert.DoesNotContain("RingFloats", text, StringComparison.Ordinal);
        }

        Assert.Contains("LstmStepKernelH32.Step512Row(ref p, ref h, ref c, ref o,", Section(Source("Gated.Lstm32Deep.g.cs"), "Forward512LaterLayer(global::"), StringComparison.Ordinal);

        // An Elman layer past the pipelined loop's budget (WholeModelEmitter.PipelinedElmanFmas): its loop through the
        // pre-activation row on the 512-bit path, pipelined on the 128-bit one (8 vectors: the row not in registers either way).
        string wideElman = Section(Source("Gated.Rnn32Input64.g.cs"), "Forward512(global::");
        Assert.Contains("RnnStepKernelH32.Step512Row(ref p, ref h, ref o, ", wideElman, StringComparison.Ordinal);
        Assert.DoesNotContain("RowOnSums", wideElman, StringComparison.Ordinal);

        // One Elman layer whose sums fit the registers (42: three 512-bit vectors): software-pipelined, layer 0's next input
        // product into registers first, then the row on this step's sums.
        string single = Section(Source("Demo.H42.g.cs"), "Forward512(global::");
        Assert.Contains("ref float xn = ref Unsafe.Add(ref xi, (t + 1 < seqLen ? t + 1 : t) * inputStride);", single, StringComparison.Ordinal);
        Assert.Contains("RnnStepKernelH42.Step512RowOnSums(pre0, pre1, pre2, ref h, ref o, ref wh, recurrent);", single, StringComparison.Ordinal);
        Assert.DoesNotContain("for (int layer = 1;", single, StringComparison.Ordinal);
        Assert.DoesNotContain("wave", single, StringComparison.Ordinal);

        // Stacked one-vector Elman layers (16 on the 512-bit path): every layer's step written out in the wave, the later
        // layers' in a loop over them; two vectors a row (the 256-bit path) keep the wavefront of calls.
        // A GRU with two whole vectors per gate block on the 512-bit path keeps its gates in registers (its row's sums,
        // six vectors, one group); with more (36: three vectors, a partial last) its row goes through memory.
        string gru32 = Source("Gated.Gru32.g.cs");
        Assert.Contains("internal static void Step512RowOnSums(Vector512<float> p0, Vector512<float> p1, Vector512<float> p2, Vector512<float> p3, Vector512<float> p4, Vector512<float> p5, ref float h, ref float o, ref float w, ref float bias, bool recurrent)", gru32, StringComparison.Ordinal);
        Assert.Contains("Vector512<float> updateGate1 = RnnMath.Sigmoid(p3 + q3);", gru32, StringComparison.Ordinal);
        Assert.Contains("RnnMath.MultiplyAdd(updateGate1, Vector512.LoadUnsafe(ref h, 16) - newGate1, newGate1).StoreUnsafe(ref o, 16);", gru32, StringComparison.Ordinal);
        Assert.DoesNotContain("Step256RowOnSums", gru32, StringComparison.Ordinal);

        string deepElman = Source("Demo.H16Deep.g.cs");
        string wave512 = Section(deepElman, "Forward512(global::");
        Assert.Contains("RnnStepKernelH16.Step512RowOnSums(pre0, ref h, ref o, ref wh0, recurrent);", wave512, StringComparison.Ordinal);
        Assert.Contains("RnnStepKernelH16.Step512RowOnSums(sum0, ref h, ref o, ref Unsafe.AsRef(in weights.RecurrentWeights(layer)), recurrent);", wave512, StringComparison.Ordinal);
        Assert.Contains("pre0 = next0;", wave512, StringComparison.Ordinal);
        Assert.DoesNotContain("Step512Layer0(", wave512, StringComparison.Ordinal);
        Assert.Contains("Step256Layer0(weights, ref xt, ref h, ref o, ref p, recurrent);", Section(deepElman, "Forward256(global::"), StringComparison.Ordinal);

        // A few sequences row by row through that Forward, where the plan says so: a sequence's time steps a row (batch
        // first) or a batch (time-major) apart, its states through rows of their own.
        string deepLstm = Source("Gated.Lstm16Deep.g.cs");
        Assert.Contains("batch <= _forwardRowsUpToBatch && global::HighPerfRnn.Generated.Kernels.WholeModelKernel.TryForwardRows(_wholeModelForward, input, output, hN, cN, c0, returnsCells: true, batch, seqLen, default, layout, h0)", deepLstm, StringComparison.Ordinal);

        // A ragged batch (of one sequence too) through the same rows, each sequence over its own length; and a Step of a
        // few streams of the stacked model, each stream's layer rows gathered into one stack row.
        Assert.Contains("if (batch <= _forwardRowsUpToBatch && global::HighPerfRnn.Generated.Kernels.WholeModelKernel.TryForwardRows(_wholeModelForward, input, output, hN, cN, c0, returnsCells: true, batch, seqLen, lengths, layout, h0)) { return; }", deepLstm, StringComparison.Ordinal);
        Assert.Contains("state.Slice((layer * batch + row) * StateSize, StateSize).CopyTo(rowStates.Slice(layer * StateSize, StateSize));", deepLstm, StringComparison.Ordinal);
        Assert.Contains("_forwardRowsUpToBatch = _wholeModelForward is null ? 1 : global::HighPerfRnn.Generated.GeneratedModels.RowByRowUpToBatch(model, global::HighPerfRnn.RnnCall.Forward);", deepLstm, StringComparison.Ordinal);
        int rowsStart = deepLstm.IndexOf("public static bool TryForwardRows(", StringComparison.Ordinal);
        Assert.True(rowsStart >= 0, "No TryForwardRows");
        string rows = deepLstm[rowsStart..deepLstm.IndexOf("private const int MaxSeqLen", rowsStart, StringComparison.Ordinal)];
        Assert.Contains("int inputStride = batchFirst ? InputSize : batch * InputSize;", rows, StringComparison.Ordinal);
        Assert.Contains("int stateRow = (state * batch) + row;", rows, StringComparison.Ordinal);
        Assert.Contains("ref MemoryMarshal.GetReference(rowStates), ref MemoryMarshal.GetReference(rowCells), ref MemoryMarshal.GetReference(rowStates), !h0.IsEmpty,", rows, StringComparison.Ordinal);
        Assert.Contains("int length = lengths.IsEmpty ? seqLen : lengths[row];", rows, StringComparison.Ordinal);

        // Bidirectional: Forward only, layer by layer, both directions per time step; the layer sequences in the workspace;
        // a few sequences (or a ragged batch) row by row, a time-major one's rows gathered in the workspace (session 32).
        foreach (string hint in new[] { "Demo.TinyBiRnn.g.cs", "Gated.Lstm9.g.cs", "Gated.Gru16.g.cs" })
        {
            string text = Source(hint);
            Assert.Contains("file static class WholeModelKernel", text, StringComparison.Ordinal);
            Assert.Contains("WholeModelKernel.TryForward(_wholeModelForward, input, output, hN, ", text, StringComparison.Ordinal);
            Assert.DoesNotContain("WholeModelKernel.TryStep", text, StringComparison.Ordinal);
            Assert.Contains("batch <= _forwardRowsUpToBatch && global::HighPerfRnn.Generated.Kernels.WholeModelKernel.TryForwardRows(_wholeModelForward, input, output, hN, ", text, StringComparison.Ordinal);
            Assert.Contains("seqLen, lengths, layout, h0, workspace)) { return; }", text, StringComparison.Ordinal);
            Assert.Contains("input.Slice(inputStart + (t * inputStride), InputSize).CopyTo(rowInput.Slice(t * InputSize, InputSize));", text, StringComparison.Ordinal);
            Assert.Contains("ref float ob = ref Unsafe.Add(ref layerOut, (tb * OutputSize) + StateSize);", text, StringComparison.Ordinal);
            Assert.DoesNotContain("stackalloc float[(NumLayers > 1", text, StringComparison.Ordinal);
        }

        // Bidirectional steps written out where they are small (the seed on 256-bit panels: 74 FMAs), each layer's time loop
        // a method of its own (the Elman one with the input sums in registers, the next step's summed first, both directions'
        // products and then both activations), else a method
        // per direction and step (the seed on 128-bit panels: 148 FMAs; LSTM 9, two layers, on 512-bit: 312).
        string tiny = Source("Demo.TinyBiRnn.g.cs");
        Assert.Contains("Step256Layer0Steps(weights, ref layerIn, ref layerOut, ref h0f, ref h0b, ref pf, ref pb, ref z, seqLen, hasH0);", Section(tiny, "Forward256(global::"), StringComparison.Ordinal);
        Assert.Contains("Step256LaterLayerSteps(weights, layer, ref layerIn, ref layerOut, ", Section(tiny, "Forward256(global::"), StringComparison.Ordinal);
        Assert.DoesNotContain("Layer0(", Section(tiny, "Forward256(global::"), StringComparison.Ordinal);
        string tinyLoop = Section(tiny, "Step256Layer0Steps(global::");
        Assert.Contains("ref float whf = ref Unsafe.AsRef(in weights.RecurrentWeights(layer, 0));", tinyLoop, StringComparison.Ordinal);
        Assert.Contains("int next = step + 1 < seqLen ? step + 1 : step;", tinyLoop, StringComparison.Ordinal);
        Assert.Contains("RnnStepKernelH8.Step256AddRecurrent(ref pref0, ref hf, ref whf);", tinyLoop, StringComparison.Ordinal);
        Assert.Contains("RnnStepKernelH8.Step256AddRecurrent(ref preb0, ref hb, ref whb);", tinyLoop, StringComparison.Ordinal);
        Assert.Contains("RnnMath.Tanh(pref0).StoreUnsafe(ref of, 0);\n", tinyLoop.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains("RnnMath.Tanh(preb0).StoreUnsafe(ref ob, 0);", tinyLoop, StringComparison.Ordinal);
        Assert.DoesNotContain("StoreUnsafe(ref pf", tinyLoop, StringComparison.Ordinal);

        // Its hidden state one vector of the path: past the planner's line of steps the runtime's one-vector kernel runs.
        Assert.Contains("|| (weights.PanelWidth == HiddenSize && seqLen > 32))", tiny, StringComparison.Ordinal);
        // (The planner's OneVectorBidirectionalWholeModelMaxSteps, pinned to the same 32 in tests/HighPerfRnn.Tests' ExecutionPlanTests.)
        Assert.DoesNotContain("seqLen > 32", Source("Gated.Lstm9.g.cs"), StringComparison.Ordinal);
        Assert.Contains("Step128Layer0(weights, 0, ref xf, ref hf, ref of, ref pf, recurrent);", Section(tiny, "Forward128(global::"), StringComparison.Ordinal);
        Assert.Contains("Step128LaterLayer(weights, layer, 1, ref xb, ref hb, ref ob, ref pb, recurrent);", Section(tiny, "Forward128(global::"), StringComparison.Ordinal);
        Assert.Contains("Step512LaterLayer(weights, layer, 1, ref xb, ref hb, ref cb, ref ob, ref pb, recurrent);", Section(Source("Gated.Lstm9.g.cs"), "Forward512(global::"), StringComparison.Ordinal);
        Assert.Contains("ref float wi = ref Unsafe.AsRef(in weights.InputWeights(layer, direction));", Section(Source("Gated.Lstm9.g.cs"), "Step512LaterLayer(global::"), StringComparison.Ordinal);

        // A bidirectional model's Forward lines: the largest layer's two directions within 32 KB (the gate rows padded to
        // 16-float panels), both directions' input products in each time step; past that both directions' input sequences
        // projected first, then the two directions' rows side by side.
        const string Projects = "weights.ProjectInputs(layer, 1, inputRows, width, seqLen, backwardRows);";
        Assert.Contains("WholeModelKernel.TryForward(_wholeModelForward, input, output, hN, ", Source("Gated.Gru16BiInput69.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain(Projects, Source("Gated.Gru16BiInput69.g.cs"), StringComparison.Ordinal);
        foreach (string hint in new[] { "Gated.Gru16BiInput70.g.cs", "Gated.Gru20BiInput48.g.cs" })
        {
            string text = Source(hint);
            Assert.Contains("public const bool HasWholeModelKernels = true;", text, StringComparison.Ordinal);
            Assert.Contains(Projects, Section(text, "Forward256("), StringComparison.Ordinal);
            Assert.Contains("Step256Row(ref pb, ref hb, ref ob, ref whb, ref brb, ref qb, recurrent);", Section(text, "Forward256("), StringComparison.Ordinal);
        }

        // Past the line: none, and the driver runs every call.
        foreach (string hint in new[] { "Gated.Lstm33.g.cs", "Gated.Gru37.g.cs", "Gated.Rnn46.g.cs", "Demo.H64.g.cs", "Gated.Lstm46.g.cs" })
        {
            string text = Source(hint);
            Assert.DoesNotContain("class WholeModelKernel", text, StringComparison.Ordinal);
            Assert.DoesNotContain("WholeModelKernel.Try", text, StringComparison.Ordinal);
            Assert.Contains("public const bool HasWholeModelKernels = false;", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Gate_rows_keep_their_sums_in_registers_only_where_each_gate_block_is_one_vector()
    {
        // One vector per gate block (LSTM 16 on 512-bit, GRU 8 on 256-bit, LSTM 4 on 128-bit): the row forwards p's vectors
        // to RowOnSums, which the whole-model Step calls with the input product's sums.
        foreach ((string hint, string method) in new[] { ("Gated.Lstm16Deep.g.cs", "Step512"), ("Gated.Gru8Deep.g.cs", "Step256"), ("Gated.Lstm4Proj2.g.cs", "Step128"), ("Gated.Gru4NoBias.g.cs", "Step128") })
        {
            string text = Source(hint);
            Assert.Contains($"=> {method}RowOnSums(", Section(text, method + "Row("), StringComparison.Ordinal);
            Assert.Contains($"internal static void {method}RowOnSums(", text, StringComparison.Ordinal);
        }

        Assert.Contains("Step512RowOnSums(pre0, pre1, pre2, pre3, ref h, ref c, ref o,", Section(Source("Gated.Lstm16Deep.g.cs"), "Step512LaterLayer(global::"), StringComparison.Ordinal);

        // Two or more vectors per gate block (LSTM 32 on 512-bit: the activations twice over passed the JIT's tracked
        // locals), padding lanes (LSTM 9), scalar code, and looped products keep the passes over memory.
        Assert.DoesNotContain("RowOnSums", Source("Gated.Lstm32Deep.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain("RowOnSums", Source("Gated.Lstm9.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain("StepScalarRowOnSums", Source("Gated.Gru4NoBias.g.cs"), StringComparison.Ordinal);
        Assert.DoesNotContain("RowOnSums", Source("Gated.Gru45.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void Elman_rows_loop_their_activations_above_four_vectors()
    {
        // Each inlined tanh is a large share of the JIT's inlining budget: H42 on 128-bit panels (11 vectors) and on scalar
        // code loop their activation pass, as they loop the cold pass (the first step without h0): two loops each. H42 on
        // 512-bit panels (3 vectors, one group) keeps its sums in registers (RowOnSums) and activates each vector once, on
        // either path: three activations, no loop.
        string text = Source("Demo.H42.g.cs");
        Assert.Equal(2, Occurrences(Section(text, "Step128Row("), "for (int j = 0; j < 40; j += 4)"));
        Assert.Equal(2, Occurrences(Section(text, "StepScalarRow("), "for (int j = 0; j < 42; j += 1)"));
        Assert.Contains("=> Step512RowOnSums(Vector512.LoadUnsafe(ref p, 0), Vector512.LoadUnsafe(ref p, 16), Vector512.LoadUnsafe(ref p, 32), ref h, ref o, ref w, recurrent);", Section(text, "Step512Row("), StringComparison.Ordinal);
        string onSums = Section(text, "Step512RowOnSums(");
        Assert.Equal(0, Occurrences(onSums, "for (int j"));
        Assert.Equal(3, Occurrences(onSums, "RnnMath.Tanh(sum"));
        Assert.Contains("Step512AddRecurrent(ref sum0, ref sum1, ref sum2, ref h, ref w);", onSums, StringComparison.Ordinal);
        Assert.Contains("a0_0 = sum0,", Section(text, "Step512AddRecurrent("), StringComparison.Ordinal);
    }

    private static int Occurrences(string text, string value)
    {
        int count = 0;
        for (int at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public void Every_generated_method_is_compiled_optimized_at_once_and_inlined_only_where_meant()
    {
        // AggressiveOptimization alone does not stop inlining: a tiered caller recompiled with profile data (the declared
        // type's Step) inlined a whole-model kernel, ran out of budget for its activations, which became calls, and a
        // declared RNN 16 Step took 70–380 ns instead of 40. So every method compiled at once is a call of its own, unless
        // it is meant to be inlined (AggressiveInlining). And every generated method is compiled at once: a method meant to
        // be inlined whose caller's budget refused it (a GRU 32's row on its sums in a stacked model's layer loop) otherwise
        // ran as tier-0 code, 20× slower, for the first ~0.15 s of a process.
        int kernels = 0, inlined = 0;
        foreach ((string hint, string text) in Files.Value)
        {
            foreach (string line in text.Split('\n').Where(l => l.Contains("[MethodImpl(", StringComparison.Ordinal)))
            {
                Assert.True(line.Contains("MethodImplOptions.AggressiveOptimization", StringComparison.Ordinal), $"{hint}: {line.Trim()}");
                bool inlines = line.Contains("MethodImplOptions.AggressiveInlining", StringComparison.Ordinal);
                Assert.True(inlines || line.Contains("MethodImplOptions.NoInlining", StringComparison.Ordinal), $"{hint}: {line.Trim()}");
                kernels++;
                inlined += inlines ? 1 : 0;
            }
        }

        Assert.True(kernels > 100, $"only {kernels} kernels seen");
        Assert.True(inlined > 20, $"only {inlined} methods meant to be inlined seen");
    }

    [Fact]
    public void Kernels_unroll_below_the_line_and_loop_above_it()
    {
        // 256-bit: hidden 42 is 6 vectors × 42 = 252 FMAs (unrolled); hidden 43 is 6 × 43 = 258 (looped over the 10 positions of its chunks).
        Assert.DoesNotContain(ProductLoop, Section(Source("Demo.H42.g.cs"), "Step256Row("), StringComparison.Ordinal);
        Assert.Contains("for (int j = 0; j < 10; j++)", Section(Source("Demo.H43.g.cs"), "Step256Row("), StringComparison.Ordinal);

        // Scalar: 16 × 16 = 256 unrolled, 17 × 17 = 289 looped.
        Assert.DoesNotContain(ProductLoop, Section(Source("Demo.H16.g.cs"), "StepScalarRow("), StringComparison.Ordinal);
        Assert.Contains("for (int j = 0; j < 4; j++)", Section(Source("Demo.H17.g.cs"), "StepScalarRow("), StringComparison.Ordinal);
    }

    [Fact]
    public void Generated_models_record_and_check_the_packed_layout_version()
    {
        foreach ((string hint, string text) in Files.Value)
        {
            // The generator's own constant (not the library's, which a stale generated file must not pick up), checked in the
            // constructor every Load, FromStateDict, FromRuntimeModel and CreateRandom goes through.
            Assert.Contains("private const int GeneratedForPackedLayout = 2;", text, StringComparison.Ordinal);
            Assert.DoesNotContain("GeneratedForPackedLayout = global::", text, StringComparison.Ordinal);
            int check = text.IndexOf("global::HighPerfRnn.Packing.PackedLayout.Require(GeneratedForPackedLayout, DeclaredName);", StringComparison.Ordinal);
            int assignment = text.IndexOf("_model = model;", StringComparison.Ordinal);
            Assert.True(check >= 0 && assignment > check && !text[check..assignment].Contains('}', StringComparison.Ordinal), hint);
            foreach (string factory in new[] { "Load(string path", "FromStateDict(", "FromRuntimeModel(", "CreateRandom(int seed" })
            {
                int start = text.IndexOf(factory, StringComparison.Ordinal);
                Assert.True(start >= 0, $"{hint}: no {factory}");
                Assert.Contains("=> new(", text[start..text.IndexOf(';', start)], StringComparison.Ordinal);
            }
        }

        Assert.Equal(2, global::HighPerfRnn.Packing.PackedLayout.Version);
    }

    [Fact]
    public void Every_multiply_add_is_the_runtimes_and_every_product_joins_four_chunks()
    {
        foreach ((string hint, string text) in Files.Value)
        {
            // One multiply-add policy for generated and runtime kernels: the library's RnnMath.MultiplyAdd.
            Assert.DoesNotContain("MultiplyAddEstimate", text, StringComparison.Ordinal);
            Assert.DoesNotContain(".FusedMultiplyAdd(", text, StringComparison.Ordinal);
            Assert.DoesNotContain(" x * ", text, StringComparison.Ordinal);
            // The four chunks joined at once, or in pairs (s0 + s1 held in a register or in the destination, then + (s2 + s3)).
            Assert.True(
                text.Contains("=> false;", StringComparison.Ordinal)
                    || text.Contains("a0_0 = (a0_0 + a0_1) + (a0_2 + a0_3);", StringComparison.Ordinal)
                    || (text.Contains("a0_0 += a0_1;", StringComparison.Ordinal) && text.Contains("a0_0 += a0_2 + a0_3;", StringComparison.Ordinal))
                    || (text.Contains("(a0_0 + a0_1).StoreUnsafe(", StringComparison.Ordinal) && text.Contains(" + (a0_2 + a0_3);", StringComparison.Ordinal)),
                hint);
        }
    }

    [Fact]
    public void Unrolled_products_interleave_the_four_chunks_in_order()
    {
        // Depth 8: q = 2, r = 0; chunks [0, 2), [2, 4), [4, 6), [6, 8), their j-th terms side by side.
        Assert.Equal([0, 2, 4, 6, 1, 3, 5, 7], Broadcasts(Section(Source("Demo.TinyBiRnn.g.cs"), "Step256AddRecurrent("), "Vector256"));

        // Depth 9: q = 2, r = 1; chunk 0 is [0, 3): its first term alone, then [1, 3) beside [3, 5), [5, 7), [7, 9).
        Assert.Equal([0, 1, 3, 5, 7, 2, 4, 6, 8], Broadcasts(Section(Source("Demo.RecordModel.g.cs"), "Step256AddRecurrent("), "Vector256"));

        // Depth 1 (the smallest LSTM): chunks 1 to 3 are empty, but their +0 sums are still added.
        string smallest = Section(Source("Gated.Lstm1.g.cs"), "Step256Row(");
        Assert.Equal([0], Broadcasts(smallest, "Vector256"));
        Assert.Contains("a0_1 = Vector256<float>.Zero, a0_2 = Vector256<float>.Zero, a0_3 = Vector256<float>.Zero;", smallest, StringComparison.Ordinal);
        Assert.Contains("a0_0 = (a0_0 + a0_1) + (a0_2 + a0_3);", smallest, StringComparison.Ordinal);
    }

    [Fact]
    public void Products_that_four_chunks_would_split_into_groups_pair_their_chunks_in_the_library_order()
    {
        // LSTM 32 on 512-bit vectors: 8 output vectors × 32 deep (q = 8). Four chunks at a time take groups of 6 and 2, each
        // broadcasting every h[k]; in pairs each h[k] is broadcast once: chunks 0 and 1 side by side, then 2 and 3.
        string paired = Section(Source("Gated.Lstm32Deep.g.cs"), "Step512Row(");
        int[] firstPair = [.. Enumerable.Range(0, 8).SelectMany(j => new[] { j, 8 + j })];
        int[] secondPair = [.. Enumerable.Range(0, 8).SelectMany(j => new[] { 16 + j, 24 + j })];
        Assert.Equal([.. firstPair, .. secondPair], Broadcasts(paired, "Vector512"));
        Assert.Contains("a7_0 = Vector512.LoadUnsafe(ref p, 112), a7_1 = Vector512<float>.Zero;", paired, StringComparison.Ordinal);
        AssertInOrder(paired, "a7_0 += a7_1;", "a7_0 += a7_2 + a7_3;", "s0 + s1 first, then + (s2 + s3)");
        Assert.DoesNotContain("a0_0 = (a0_0 + a0_1) + (a0_2 + a0_3);", paired, StringComparison.Ordinal);

        // GRU 37 on 512-bit vectors, looped (9 vectors × 37 deep): one group of 9 vectors × 2 chunks (four chunks at a time:
        // groups of 6 and 3), s0 + s1 held in the product row, then (s0 + s1) + (s2 + s3) from it.
        string looped = Section(Source("Gated.Gru37.g.cs"), "Step512Row(");
        Assert.Contains("groups of 9 vectors × 2 chunk sums at a time", looped, StringComparison.Ordinal);
        AssertInOrder(looped, "(a8_0 + a8_1).StoreUnsafe(ref product, 128);", "a8_0 = Vector512.LoadUnsafe(ref product, 128) + (a8_2 + a8_3);", "s0 + s1 stored, then (s0 + s1) + (s2 + s3)");
        Assert.DoesNotContain("a0_0 = (a0_0 + a0_1) + (a0_2 + a0_3);", looped, StringComparison.Ordinal);

        // LSTM 4 with proj_size 2 on 256-bit vectors: 4 output vectors, but W_hh·h is 2 deep (chunks of no terms): not paired.
        string shallow = Section(Source("Gated.Lstm4Proj2.g.cs"), "Step256Row(");
        Assert.Contains("a0_0 = (a0_0 + a0_1) + (a0_2 + a0_3);", shallow, StringComparison.Ordinal);
        Assert.DoesNotContain("+= a0_1;", shallow, StringComparison.Ordinal);
    }

    [Fact]
    public void Lstm_gates_on_the_16_register_paths_loop_to_a_count_passed_in()
    {
        // LSTM 33 on 8-float panels: gate blocks of 40 floats (5 vectors); the row calls its gate method with that count,
        // whose loops run to it (a constant there let the JIT spill the activations' working values: LstmGatesApart).
        string lstm = Source("Gated.Lstm33.g.cs");
        Assert.Contains("Step256Gates(ref p, ref c, ref o, 40);", Section(lstm, "Step256Row("), StringComparison.Ordinal);
        string gates = Section(lstm, "Step256Gates(");
        Assert.Contains("for (int j = 0; j < blockFloats; j += 8)", gates, StringComparison.Ordinal);
        Assert.Contains("RnnMath.Sigmoid(", gates, StringComparison.Ordinal);
        Assert.Contains("Step128Gates(ref p, ref c, ref o, 36);", Section(lstm, "Step128Row("), StringComparison.Ordinal);

        // The scalar row too (one float per vector: blocks of 33): inline, its last activation's operations became calls.
        Assert.Contains("StepScalarGates(ref p, ref c, ref o, 33);", Section(lstm, "StepScalarRow("), StringComparison.Ordinal);
        Assert.Contains("for (int j = 0; j < blockFloats; j += 1)", Section(lstm, "StepScalarGates("), StringComparison.Ordinal);

        // The 512-bit row (32 registers) keeps its passes inline, as do rows whose gate block is one vector.
        Assert.DoesNotContain("void Step512Gates(", lstm, StringComparison.Ordinal);
        Assert.Contains("RnnMath.Sigmoid(", Section(lstm, "Step512Row("), StringComparison.Ordinal);
        Assert.DoesNotContain("Gates(ref p", Source("Gated.Lstm1.g.cs"), StringComparison.Ordinal);
    }

    [Fact]
    public void Gate_kernels_read_gate_blocks_padded_to_whole_panels()
    {
        // LSTM hidden 9: Hp = 16 on 16- and 8-float panels (gate g of unit j at 16g + j), 9 on 1-float ones.
        string lstm = Source("Gated.Lstm9.g.cs");
        foreach (string method in new[] { "Step512Row(", "Step256Row(" })
        {
            string body = RowAndGates(lstm, method);
            Assert.Contains("RnnMath.Tanh(Vector", body, StringComparison.Ordinal);
            Assert.Contains("LoadUnsafe(ref p, 48)", body, StringComparison.Ordinal);
            Assert.DoesNotContain("LoadUnsafe(ref p, 27)", body, StringComparison.Ordinal);
        }

        // The last unit (8) is updated on its own, never past HiddenSize in c and h: its output gate at 3·16 + 8.
        Assert.Contains("float outputGate = Unsafe.Add(ref p, 56);", Section(lstm, "Step512Row("), StringComparison.Ordinal);
        Assert.Contains("Unsafe.Add(ref c, 8) = cell;", Section(lstm, "Step512Row("), StringComparison.Ordinal);
        Assert.Contains("float outputGate = Unsafe.Add(ref p, (j + 27));", RowAndGates(lstm, "StepScalarRow("), StringComparison.Ordinal);

        // GRU hidden 45 on 8-float panels: Hp = 48, the n rows at 96; on 4-float panels Hp = 48 too, the last unit by itself.
        string gru = Section(Source("Gated.Gru45.g.cs"), "Step256Row(");
        Assert.Contains("Vector256.LoadUnsafe(ref hh, (nuint)(j + 96))", gru, StringComparison.Ordinal);
        Assert.Contains("Unsafe.Add(ref hh, 140)", gru, StringComparison.Ordinal);
        string gru128 = Section(Source("Gated.Gru45.g.cs"), "Step128Row(");
        Assert.Contains("Vector128.LoadUnsafe(ref hh, (nuint)(j + 96))", gru128, StringComparison.Ordinal);
        Assert.Contains("Unsafe.Add(ref hh, 140)", gru128, StringComparison.Ordinal);

        // GRU hidden 1 on 4-float panels: each gate block is one vector (Hp = 4), three lanes of padding.
        string gru1 = Section(Source("Gated.Gru1.g.cs"), "Step128Row(");
        Assert.Contains("Vector128.LoadUnsafe(ref bias, 8)", gru1, StringComparison.Ordinal);
        Assert.Contains("Unsafe.Add(ref hh, 8)", gru1, StringComparison.Ordinal);
    }

    [Fact]
    public void Lstm_models_get_cell_state_overloads_and_a_fused_kernel()
    {
        string projected = Source("Gated.Lstm9Proj4.g.cs");

        Assert.Contains("public const int ProjSize = 4;", projected, StringComparison.Ordinal);
        Assert.Contains("public const int StateSize = 4;", projected, StringComparison.Ordinal);
        Assert.Contains("public const int OutputSize = 4;", projected, StringComparison.Ordinal);
        Assert.Contains("projSize: ProjSize", projected, StringComparison.Ordinal);
        Assert.Contains("nn.LSTM(13, 9, proj_size=4)", projected, StringComparison.Ordinal);
        Assert.Contains("file readonly struct LstmStepKernelH9P4 : IRecurrentStepKernel", projected, StringComparison.Ordinal);
        Assert.Contains("args.Cell != RnnCell.Lstm || args.HiddenSize != HiddenSize || args.StateSize != StateSize || args.ProjectionWeights.IsEmpty", projected, StringComparison.Ordinal);
        Assert.Contains("global::System.Span<float> cN,", projected, StringComparison.Ordinal);
        Assert.Contains("global::System.Span<float> cellState,", projected, StringComparison.Ordinal);
        foreach (string method in new[] { "Step512Row(", "Step256Row(", "Step128Row(", "StepScalarRow(" })
        {
            string body = RowAndGates(projected, method);
            Assert.Contains("RnnMath.Sigmoid(", body, StringComparison.Ordinal);
            Assert.Contains("// h = W_hr·h_full", body, StringComparison.Ordinal);
        }

        // The output row holds exactly proj_size floats: the 256-bit projection vector is stored as its lower half; the
        // 128-bit one is exactly one vector.
        Assert.Contains("a0_0.GetLower().StoreUnsafe(ref o, 0);", Section(projected, "Step256Row("), StringComparison.Ordinal);
        Assert.Contains("a0_0.StoreUnsafe(ref o, 0);", Section(projected, "Step128Row("), StringComparison.Ordinal);

        // Bidirectional LSTMs keep Forward with cell states but cannot stream.
        string bidirectional = Source("Gated.Lstm9.g.cs");
        Assert.Contains("global::System.Span<float> cN,", bidirectional, StringComparison.Ordinal);
        Assert.DoesNotContain("public void Step(", bidirectional, StringComparison.Ordinal);
        Assert.Contains("public const int ProjSize = 0;", bidirectional, StringComparison.Ordinal);
    }

    [Fact]
    public void Gru_models_get_the_rnn_s_members_and_a_fused_kernel()
    {
        (_, GeneratorDriverRunResult result, _) = GeneratorHarness.Run(GeneratorHarness.Compile(Declarations));
        string gru = result.Results.Single().GeneratedSources.Single(s => s.HintName == "Gated.Gru1.g.cs").SourceText.ToString();

        Assert.Contains("file readonly struct GruStepKernelH1 : IRecurrentStepKernel", gru, StringComparison.Ordinal);
        Assert.Contains("nn.GRU(1, 1)", gru, StringComparison.Ordinal);
        Assert.Contains("public void Step(", gru, StringComparison.Ordinal);
        Assert.DoesNotContain("cellState", gru, StringComparison.Ordinal);
        Assert.DoesNotContain("ProjSize", gru, StringComparison.Ordinal);
        Assert.Contains("RnnMath.Tanh(RnnMath.MultiplyAdd(resetGate,", Section(gru, "StepScalarRow("), StringComparison.Ordinal);
    }

    [Fact]
    public void Gated_kernels_loop_above_the_unrolling_line_and_decline_above_the_specialization_line()
    {
        // 256-bit: 4 gate blocks of 9 rows, each padded to 16 (8 vectors) × 9 deep is unrolled; 4 blocks of 33 padded to 40
        // (20 vectors) × 33 is looped.
        Assert.DoesNotContain(ProductLoop, Section(Source("Gated.Lstm9.g.cs"), "Step256Row("), StringComparison.Ordinal);
        Assert.Contains("for (int j = 0; j < 8; j++)", Section(Source("Gated.Lstm33.g.cs"), "Step256Row("), StringComparison.Ordinal);
        Assert.Contains("for (int j = 0; j < 11; j++)", Section(Source("Gated.Gru45.g.cs"), "Step256Row("), StringComparison.Ordinal);

        // The scalar projection (13 × 40) loops over its 10 positions; the 256-bit one (3 × 680) over 170, one vector
        // whose 3 real lanes are stored one by one.
        Assert.Contains("for (int j = 0; j < 10; j++)", Section(Source("Gated.Lstm40Proj13.g.cs"), "StepScalarRow("), StringComparison.Ordinal);
        string longProjection = Section(Source("Gated.Lstm680Proj3.g.cs"), "Step256Row(");
        Assert.Contains("for (int j = 0; j < 170; j++)", longProjection, StringComparison.Ordinal);
        Assert.Contains("a0_0.GetLower().GetElement(2)", longProjection, StringComparison.Ordinal);
        Assert.DoesNotContain("GetElement(3)", longProjection, StringComparison.Ordinal);
        foreach (string hint in new[] { "Gated.Lstm46.g.cs", "Gated.Lstm128.g.cs", "Gated.Gru53.g.cs", "Gated.Gru128.g.cs", "Gated.LargestLstm.g.cs" })
        {
            string text = Source(hint);
            Assert.Contains("public static bool TryStep(in RecurrentStepArgs args) => false;", text, StringComparison.Ordinal);
            Assert.DoesNotContain("void Step256(", text, StringComparison.Ordinal);
        }

        foreach (string hint in new[] { "Gated.Lstm33.g.cs", "Gated.Lstm45.g.cs", "Gated.Gru52.g.cs" })
        {
            Assert.DoesNotContain("=> false;", Source(hint), StringComparison.Ordinal);
        }
    }

    /// <summary>The generated files of <see cref="Declarations"/> by hint name, for the tests that only read them (the generator runs once).</summary>
    private static readonly Lazy<Dictionary<string, string>> Files = new(() =>
        GeneratorHarness.Run(GeneratorHarness.Compile(Declarations)).Result.Results.Single().GeneratedSources
            .ToDictionary(source => source.HintName, source => source.SourceText.ToString(), StringComparer.Ordinal));

    /// <summary>What only a looped product writes: the loop over the position in its chunks (gate passes step j by whole vectors).</summary>
    private const string ProductLoop = "; j++)";

    /// <summary>The k of each broadcast of h in <paramref name="text"/>, in order (<c>x = Vector256.Create(Unsafe.Add(ref h, k))</c>).</summary>
    private static int[] Broadcasts(string text, string flavor)
        => [.. System.Text.RegularExpressions.Regex.Matches(text, $@"x = {flavor}\.Create\((?:h|Unsafe\.Add\(ref h, (\d+)\))\);")
            .Select(m => m.Groups[1].Success ? int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : 0)];

    /// <summary>Both lines are in <paramref name="text"/> (past its start), <paramref name="first"/> before <paramref name="then"/>.</summary>
    private static void AssertInOrder(string text, string first, string then, string because)
    {
        int firstAt = text.IndexOf(first, StringComparison.Ordinal);
        int thenAt = text.IndexOf(then, StringComparison.Ordinal);
        Assert.True(firstAt > 0 && thenAt > firstAt, because);
    }

    private static string Source(string hint) => Files.Value[hint];

    /// <summary>The text of the method whose signature contains <paramref name="signature"/> (up to the next method's doc comment).</summary>
    /// <summary>
    /// A row method's text and, where its gates are a method of their own (the LSTM's on the 256- and 128-bit paths with more
    /// than one vector per gate block: GateKernelEmitter.LstmGatesApart), that method's too.
    /// </summary>
    private static string RowAndGates(string text, string rowSignature)
    {
        string gates = rowSignature.Replace("Row(", "Gates(", StringComparison.Ordinal);
        return Section(text, rowSignature) + (text.Contains("void " + gates, StringComparison.Ordinal) ? Section(text, gates) : string.Empty);
    }

    private static string Section(string text, string signature)
    {
        int start = text.IndexOf("void " + signature, StringComparison.Ordinal);
        Assert.True(start >= 0, $"No method {signature}");
        int end = text.IndexOf("/// <summary>", start, StringComparison.Ordinal);
        return end < 0 ? text[start..] : text[start..end];
    }
}
