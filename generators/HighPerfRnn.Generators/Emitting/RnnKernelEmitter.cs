using System.Collections.Generic;
using System.Globalization;
using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// Emits the Elman RNN's step kernel for one hidden size: h_t = act(pre_t + W_hh·h_{t−1}) for each batch row,
/// where the driver has already put W_ih·x_t + b_ih + b_hh into pre_t (one matrix product for the whole
/// sequence). The step depends on the hidden size alone, so one kernel serves every layer and direction.
/// </summary>
/// <remarks>
/// One method per vector width the weights may be packed for (see <c>RecurrentStepArgs.PanelWidth</c>):
/// 16-float panels (AVX-512: 512-bit code, or 256-bit code on the panels' lower halves when hidden ≤ 8, where
/// wider vectors would only add zero lanes), 8-float panels (AVX2 + FMA) and 1-float panels (no SIMD: row-major
/// W_hh). 4-float panels (SSE, Arm64) are left to the runtime kernel, and so are steps of 4 rows or more: each
/// row here is its own matrix-vector product, while the runtime's blocked product loads W_hh once for 4 rows.
/// </remarks>
internal static class RnnKernelEmitter
{
    public static string KernelName(RnnModelDeclaration model) => "RnnStepKernelH" + model.HiddenSize.ToString(CultureInfo.InvariantCulture);

    public static void Emit(IndentedWriter writer, RnnModelDeclaration model)
    {
        int hidden = model.HiddenSize;
        string activation = model.Nonlinearity == "Relu" ? "RnnMath.Relu" : "RnnMath.Tanh";
        KernelPlan wide = hidden <= 8 ? new KernelPlan(SimdFlavor.Vector256, hidden, 16) : new KernelPlan(SimdFlavor.Vector512, hidden, 16);
        KernelPlan avx2 = new(SimdFlavor.Vector256, hidden, 8);
        KernelPlan scalar = new(SimdFlavor.Scalar, hidden, 1);
        string wideName = hidden <= 8 ? "StepHalvesOf512" : "Step512";

        writer.Line($$"""
            /// <summary>
            /// The Elman RNN step of {{model.DisplayName}} (hidden size {{hidden}}, {{model.Nonlinearity.ToLowerInvariant()}}), for every layer and direction:
            /// <c>h_t = {{model.Nonlinearity.ToLowerInvariant()}}(pre_t + W_hh·h_{t−1})</c>, pre_t holding W_ih·x_t + b_ih + b_hh from the driver.
            /// </summary>
            /// <remarks>
            /// W_hh comes packed in column panels of <c>PanelWidth</c> outputs: W_hh[j, k] at ((j / PanelWidth)·{{hidden}} + k)·PanelWidth + j % PanelWidth,
            /// so the product is broadcast(h[k]) × panel FMAs with no horizontal sums.
            /// {{Describe(wide, wideName)}}
            /// {{Describe(avx2, "Step256")}}
            /// {{Describe(scalar, "StepScalar")}}
            /// </remarks>
            """);
        using (writer.Block($"file readonly struct {KernelName(model)} : IRecurrentStepKernel"))
        {
            writer.Line($$"""
                /// <summary>Hidden features: the outputs of a step and the length of its recurrent sum.</summary>
                public const int HiddenSize = {{hidden}};

                /// <summary>Steps of this many rows or more go to the runtime kernel (see TryStep).</summary>
                private const int RuntimeBatch = 4;

                /// <inheritdoc />
                public static bool TryStep(in RecurrentStepArgs args)
                {
                    // The model was checked against the declaration when it was built, so these hold; checking keeps the
                    // unchecked addressing below sound whatever model the kernel is handed.
                    if (args.Cell != RnnCell.Rnn || args.HiddenSize != HiddenSize || args.StateSize != HiddenSize || args.Nonlinearity != RnnNonlinearity.{{model.Nonlinearity}})
                    {
                        return false;
                    }

                    // From 4 rows on, the runtime's blocked product (4 rows × 2 panels per W_hh load) beats a matrix-vector
                    // product per row, which reads all of W_hh again for every row (measured: batch 64 at hidden 128, 14.1
                    // against 9.9 ms per forward pass; hidden 512, 134.6 against 119.6 ms).
                    if (args.Batch >= RuntimeBatch)
                    {
                        return false;
                    }

                    // The SIMD path was chosen once, when the model was built (SimdPaths.Best from the CPU, or forced), and
                    // the weights were packed for it; PanelWidth names it. The branch goes the same way at every step.
                    switch (args.PanelWidth)
                    {
                        case 16:
                            {{wideName}}(in args);
                            return true;
                        case 8:
                            Step256(in args);
                            return true;
                        case 1:
                            StepScalar(in args);
                            return true;
                        default:
                            // 4-float panels (SSE, Arm64 NEON): the runtime kernel runs them.
                            return false;
                    }
                }
                """);
            EmitStepMethod(writer, wideName, wide, activation);
            EmitStepMethod(writer, "Step256", avx2, activation);
            EmitStepMethod(writer, "StepScalar", scalar, activation);
        }
    }

    private static string Describe(KernelPlan plan, string method)
    {
        string width = plan.Flavor.IsScalar ? "scalar" : plan.Flavor.Name.Replace("Vector", string.Empty) + "-bit";
        string form = plan.Unrolled
            ? $"fully unrolled, {plan.Chains} partial sum{(plan.Chains == 1 ? string.Empty : "s")} per output vector"
            : $"loops with constant bounds over groups of {plan.GroupSize} output vectors × {plan.Chains} partial sums (full unrolling would pass {KernelPlan.UnrollLimit} FMAs per row)";
        string groups = plan.Unrolled && plan.Groups > 1 ? $", in {plan.Groups} groups of at most {plan.GroupSize}" : string.Empty;
        return $"<c>{method}</c> ({plan.PanelWidth}-float panels): {width}, {plan.Vectors} output vector{(plan.Vectors == 1 ? string.Empty : "s")} per row, {form}{groups}.";
    }

    private static void EmitStepMethod(IndentedWriter writer, string name, KernelPlan plan, string activation)
    {
        writer.Line();
        writer.Line($"/// <summary>{Describe(plan, name)}</summary>");
        // Compiled optimized at once: a kernel is hot from its first call, and unoptimized SIMD code is many times slower.
        writer.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (writer.Block($"private static void {name}(in RecurrentStepArgs args)"))
        {
            writer.Line("""
                ref float preactivations = ref MemoryMarshal.GetReference(args.Preactivations);
                ref float outputs = ref MemoryMarshal.GetReference(args.Output);
                int batch = args.Batch;
                int preactivationStride = args.PreactivationStride;
                int outputStride = args.OutputStride;
                """);
            using (writer.Block("if (args.Previous.IsEmpty)"))
            {
                writer.Line("// The first step without h0: h_{t−1} = 0, so h_t = act(pre_t).");
                using (writer.Block("for (int row = 0; row < batch; row++)"))
                {
                    writer.Line("""
                        ref float p = ref Unsafe.Add(ref preactivations, row * preactivationStride);
                        ref float o = ref Unsafe.Add(ref outputs, row * outputStride);
                        """);
                    EmitActivationPass(writer, plan, activation);
                }

                writer.Line("return;");
            }

            writer.Line();
            writer.Line("""
                ref float w = ref MemoryMarshal.GetReference(args.RecurrentWeights);
                ref float previous = ref MemoryMarshal.GetReference(args.Previous);
                int previousStride = args.PreviousStride;
                """);
            using (writer.Block("for (int row = 0; row < batch; row++)"))
            {
                writer.Line("""
                    ref float h = ref Unsafe.Add(ref previous, row * previousStride);
                    ref float p = ref Unsafe.Add(ref preactivations, row * preactivationStride);
                    ref float o = ref Unsafe.Add(ref outputs, row * outputStride);
                    """);
                if (plan.Unrolled)
                {
                    EmitUnrolledRow(writer, plan, activation);
                }
                else
                {
                    EmitLoopedRow(writer, plan, activation);
                }
            }
        }
    }

    /// <summary>o = act(p) over the row's outputs, reading whole (padded) vectors and writing only real outputs.</summary>
    private static void EmitActivationPass(IndentedWriter writer, KernelPlan plan, string activation)
    {
        SimdFlavor flavor = plan.Flavor;
        int lanes = flavor.Lanes;
        int fullVectors = plan.LastVectorLanes == lanes ? plan.Vectors : plan.Vectors - 1;
        if (plan.Vectors <= 16)
        {
            for (int vector = 0; vector < fullVectors; vector++)
            {
                writer.Line(flavor.Store($"{activation}({flavor.Load("p", vector * lanes)})", "o", vector * lanes));
            }
        }
        else
        {
            using (writer.Block($"for (int j = 0; j < {fullVectors * lanes}; j += {lanes})"))
            {
                writer.Line(flavor.StoreAt($"{activation}({flavor.LoadAt("p", "j")})", "o", "j"));
            }
        }

        if (fullVectors < plan.Vectors)
        {
            int offset = fullVectors * lanes;
            writer.Line($"{flavor.VectorType} last = {activation}({flavor.Load("p", offset)});");
            foreach (string line in flavor.StorePartial("last", plan.LastVectorLanes, "o", offset))
            {
                writer.Line(line);
            }
        }
    }

    /// <summary>
    /// The whole row written out: for each k, one broadcast of h[k] and one FMA per output vector into the chain
    /// k mod Chains; then the chains are summed pairwise. Accumulator a{v}_{c} is output vector v, chain c.
    /// </summary>
    private static void EmitUnrolledRow(IndentedWriter writer, KernelPlan plan, string activation)
    {
        SimdFlavor flavor = plan.Flavor;
        int lanes = flavor.Lanes;
        bool scoped = plan.Groups > 1;
        for (int group = 0; group < plan.Groups; group++)
        {
            int first = group * plan.GroupSize;
            int count = System.Math.Min(plan.GroupSize, plan.Vectors - first);
            IndentedWriter.Scope? scope = null;
            if (scoped)
            {
                scope = writer.Block($"// Output vectors {first} to {first + count - 1}: partial results go to the pre-activation row (scratch), the activation follows.");
            }

            writer.Line($"// {count} output vector{(count == 1 ? string.Empty : "s")} × {plan.Chains} chain{(plan.Chains == 1 ? string.Empty : "s")}; chain 0 starts from the pre-activations.");
            for (int vector = first; vector < first + count; vector++)
            {
                writer.Line($"{flavor.VectorType} a{vector}_0 = {flavor.Load("p", vector * lanes)};");
            }

            writer.Line($"{flavor.VectorType} x;");
            for (int k = 0; k < plan.Depth; k++)
            {
                int chain = k % plan.Chains;
                writer.Line($"x = {flavor.Broadcast(SimdFlavor.Element("h", k))};");
                for (int vector = first; vector < first + count; vector++)
                {
                    string weight = flavor.Load("w", plan.WeightOffset(vector, k));
                    writer.Line(chain == 0 || k >= plan.Chains
                        ? $"a{vector}_{chain} = {flavor.MultiplyAdd("x", weight, $"a{vector}_{chain}")};"
                        : $"{flavor.VectorType} a{vector}_{chain} = x * {weight};");
                }
            }

            EmitChainSums(writer, first, count, plan.Chains);
            if (!scoped)
            {
                EmitActivationStores(writer, plan, activation, first, count);
            }
            else
            {
                for (int vector = first; vector < first + count; vector++)
                {
                    writer.Line(flavor.Store($"a{vector}_0", "p", vector * lanes));
                }
            }

            scope?.Dispose();
        }

        if (scoped)
        {
            EmitActivationPass(writer, plan, activation);
        }
    }

    /// <summary>
    /// The row with constant-bound loops: groups of output vectors (panels), k stepped by the chain count with one
    /// broadcast per chain, sums to the pre-activation row, then the activation pass.
    /// </summary>
    private static void EmitLoopedRow(IndentedWriter writer, KernelPlan plan, string activation)
    {
        int fullGroups = plan.Vectors / plan.GroupSize;
        int remainder = plan.Vectors % plan.GroupSize;
        int groupWeights = plan.GroupSize * plan.PanelStride;
        int groupOutputs = plan.GroupSize * plan.Flavor.Lanes;
        if (fullGroups > 0)
        {
            using (writer.Block($"for (int group = 0; group < {fullGroups}; group++)"))
            {
                writer.Line($"""
                    ref float wg = ref Unsafe.Add(ref w, group * {groupWeights});
                    ref float pg = ref Unsafe.Add(ref p, group * {groupOutputs});
                    """);
                EmitLoopedGroup(writer, plan, plan.GroupSize);
            }
        }

        if (remainder > 0)
        {
            using (writer.Block($"// The last {remainder} output vector{(remainder == 1 ? string.Empty : "s")}."))
            {
                writer.Line($"""
                    ref float wg = ref Unsafe.Add(ref w, {fullGroups * groupWeights});
                    ref float pg = ref Unsafe.Add(ref p, {fullGroups * groupOutputs});
                    """);
                EmitLoopedGroup(writer, plan, remainder);
            }
        }

        EmitActivationPass(writer, plan, activation);
    }

    private static void EmitLoopedGroup(IndentedWriter writer, KernelPlan plan, int count)
    {
        SimdFlavor flavor = plan.Flavor;
        int lanes = flavor.Lanes;
        int chains = plan.Chains;
        for (int vector = 0; vector < count; vector++)
        {
            writer.Line($"{flavor.VectorType} a{vector}_0 = {flavor.Load("pg", vector * lanes)};");
            for (int chain = 1; chain < chains; chain++)
            {
                writer.Line($"{flavor.VectorType} a{vector}_{chain} = {flavor.Zero};");
            }
        }

        int mainDepth = plan.Depth - (plan.Depth % chains);
        using (writer.Block($"for (int k = 0; k < {mainDepth}; k += {chains})"))
        {
            writer.Line($"""
                ref float wk = ref Unsafe.Add(ref wg, k * {plan.PanelWidth});
                ref float hk = ref Unsafe.Add(ref h, k);
                """);
            for (int chain = 0; chain < chains; chain++)
            {
                writer.Line($"{flavor.VectorType} x{chain} = {flavor.Broadcast(SimdFlavor.Element("hk", chain))};");
            }

            for (int chain = 0; chain < chains; chain++)
            {
                for (int vector = 0; vector < count; vector++)
                {
                    string weight = flavor.Load("wk", (vector * plan.PanelStride) + (chain * plan.PanelWidth));
                    writer.Line($"a{vector}_{chain} = {flavor.MultiplyAdd($"x{chain}", weight, $"a{vector}_{chain}")};");
                }
            }
        }

        for (int k = mainDepth; k < plan.Depth; k++)
        {
            writer.Line($"{flavor.VectorType} xTail{k - mainDepth} = {flavor.Broadcast(SimdFlavor.Element("h", k))};");
            for (int vector = 0; vector < count; vector++)
            {
                string weight = flavor.Load("wg", (vector * plan.PanelStride) + (k * plan.PanelWidth));
                writer.Line($"a{vector}_0 = {flavor.MultiplyAdd($"xTail{k - mainDepth}", weight, $"a{vector}_0")};");
            }
        }

        EmitChainSums(writer, 0, count, chains);
        for (int vector = 0; vector < count; vector++)
        {
            writer.Line(flavor.Store($"a{vector}_0", "pg", vector * lanes));
        }
    }

    /// <summary>Joins each output vector's chains pairwise into chain 0 (a tree, so the adds overlap).</summary>
    internal static void EmitChainSums(IndentedWriter writer, int first, int count, int chains)
    {
        if (chains == 1)
        {
            return;
        }

        for (int vector = first; vector < first + count; vector++)
        {
            var live = new List<int>();
            for (int chain = 0; chain < chains; chain++)
            {
                live.Add(chain);
            }

            var sums = new List<string>();
            while (live.Count > 1)
            {
                var next = new List<int>();
                for (int i = 0; i < live.Count; i += 2)
                {
                    if (i + 1 < live.Count)
                    {
                        sums.Add($"a{vector}_{live[i]} += a{vector}_{live[i + 1]};");
                    }

                    next.Add(live[i]);
                }

                live = next;
            }

            writer.Line(string.Join(" ", sums));
        }
    }

    private static void EmitActivationStores(IndentedWriter writer, KernelPlan plan, string activation, int first, int count)
    {
        SimdFlavor flavor = plan.Flavor;
        int lanes = flavor.Lanes;
        for (int vector = first; vector < first + count; vector++)
        {
            bool partial = vector == plan.Vectors - 1 && plan.LastVectorLanes != lanes;
            if (!partial)
            {
                writer.Line(flavor.Store($"{activation}(a{vector}_0)", "o", vector * lanes));
            }
            else
            {
                writer.Line($"a{vector}_0 = {activation}(a{vector}_0);");
                foreach (string line in flavor.StorePartial($"a{vector}_0", plan.LastVectorLanes, "o", vector * lanes))
                {
                    writer.Line(line);
                }
            }
        }
    }
}
