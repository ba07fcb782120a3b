namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// Emits one fixed-size matrix-vector product d = init + W·x for one batch row, as a <see cref="KernelPlan"/>
/// lays it out: W packed in column panels (W[j, k] at ((j / PanelWidth)·Depth + k)·PanelWidth + j % PanelWidth),
/// so each term is broadcast(x[k]) × a panel vector, with no horizontal sums. The LSTM's and GRU's gate rows and
/// the LSTM's projection use it; the Elman RNN's emitter keeps its own form, which fuses the activation.
/// </summary>
/// <remarks>
/// The code is wrapped in a block, so its locals (x, a{vector}_{chain}, the loop's refs) never meet the caller's.
/// Accumulator a{v}_{c} is output vector v, chain c; chain c takes the terms k ≡ c (mod Chains).
/// </remarks>
internal static class ProductEmitter
{
    /// <summary>Writes the product.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="plan">Sizes, vector width, grouping, chains, unrolled or looped.</param>
    /// <param name="weights">A <c>ref float</c> local: the packed matrix.</param>
    /// <param name="input">A <c>ref float</c> local: x, Depth floats.</param>
    /// <param name="init">A <c>ref float</c> local whose whole vectors start the sums (read like the destination), or null to start from zero.</param>
    /// <param name="destination">A <c>ref float</c> local that receives the sums: whole vectors (panel padding included), except as <paramref name="exactOutputs"/> says.</param>
    /// <param name="exactOutputs">Whether the destination holds exactly Outputs floats (an output row, followed by other columns): then the last vector's padding lanes are not stored.</param>
    public static void Emit(IndentedWriter writer, KernelPlan plan, string weights, string input, string? init, string destination, bool exactOutputs)
    {
        using (writer.Block("// " + Describe(plan)))
        {
            if (plan.Unrolled)
            {
                EmitUnrolled(writer, plan, weights, input, init, destination, exactOutputs);
            }
            else
            {
                EmitLooped(writer, plan, weights, input, init, destination, exactOutputs);
            }
        }
    }

    /// <summary>One line on the plan, for comments.</summary>
    public static string Describe(KernelPlan plan)
    {
        string width = plan.Flavor.IsScalar ? "scalar" : plan.Flavor.Name.Replace("Vector", string.Empty) + "-bit";
        string vectors = $"{plan.Vectors} {width} output vector{(plan.Vectors == 1 ? string.Empty : "s")} ({plan.Outputs} rows) × {plan.Depth} deep";
        return plan.Unrolled
            ? $"{vectors}, unrolled: {plan.Groups} group{(plan.Groups == 1 ? string.Empty : "s")} of at most {plan.GroupSize} × {plan.Chains} partial sum{(plan.Chains == 1 ? string.Empty : "s")}"
            : $"{vectors}, looped (unrolled it would pass {KernelPlan.UnrollLimit} FMAs): groups of {plan.GroupSize} × {plan.Chains} partial sums";
    }

    private static void EmitUnrolled(IndentedWriter writer, KernelPlan plan, string weights, string input, string? init, string destination, bool exactOutputs)
    {
        SimdFlavor flavor = plan.Flavor;
        int lanes = flavor.Lanes;
        for (int group = 0; group < plan.Groups; group++)
        {
            int first = group * plan.GroupSize;
            int count = System.Math.Min(plan.GroupSize, plan.Vectors - first);
            IndentedWriter.Scope? scope = plan.Groups > 1 ? writer.Block($"// Output vectors {first} to {first + count - 1}.") : null;
            if (init is not null)
            {
                for (int vector = first; vector < first + count; vector++)
                {
                    writer.Line($"{flavor.VectorType} a{vector}_0 = {flavor.Load(init, vector * lanes)};");
                }
            }

            writer.Line($"{flavor.VectorType} x;");
            for (int k = 0; k < plan.Depth; k++)
            {
                int chain = k % plan.Chains;
                bool firstTerm = k < plan.Chains && (chain != 0 || init is null);
                writer.Line($"x = {flavor.Broadcast(SimdFlavor.Element(input, k))};");
                for (int vector = first; vector < first + count; vector++)
                {
                    string weight = flavor.Load(weights, plan.WeightOffset(vector, k));
                    writer.Line(firstTerm
                        ? $"{flavor.VectorType} a{vector}_{chain} = x * {weight};"
                        : $"a{vector}_{chain} = {flavor.MultiplyAdd("x", weight, $"a{vector}_{chain}")};");
                }
            }

            RnnKernelEmitter.EmitChainSums(writer, first, count, plan.Chains);
            for (int vector = first; vector < first + count; vector++)
            {
                EmitStore(writer, plan, $"a{vector}_0", vector, destination, vector * lanes, exactOutputs);
            }

            scope?.Dispose();
        }
    }

    /// <summary>
    /// Constant-bound loops: groups of output vectors, k stepped by the chain count with one broadcast per chain.
    /// With exact outputs and a partial last vector, the group holding it is written out after the loop.
    /// </summary>
    private static void EmitLooped(IndentedWriter writer, KernelPlan plan, string weights, string input, string? init, string destination, bool exactOutputs)
    {
        int fullGroups = plan.Vectors / plan.GroupSize;
        int remainder = plan.Vectors % plan.GroupSize;
        bool partialLast = exactOutputs && plan.LastVectorLanes != plan.Flavor.Lanes;
        int loopedGroups = remainder == 0 && partialLast ? fullGroups - 1 : fullGroups;
        int lastCount = plan.Vectors - (loopedGroups * plan.GroupSize);
        int groupWeights = plan.GroupSize * plan.PanelStride;
        int groupOutputs = plan.GroupSize * plan.Flavor.Lanes;
        if (loopedGroups > 0)
        {
            using (writer.Block($"for (int group = 0; group < {loopedGroups}; group++)"))
            {
                writer.Line($"ref float wg = ref Unsafe.Add(ref {weights}, group * {groupWeights});");
                if (init is not null)
                {
                    writer.Line($"ref float ig = ref Unsafe.Add(ref {init}, group * {groupOutputs});");
                }

                writer.Line($"ref float dg = ref Unsafe.Add(ref {destination}, group * {groupOutputs});");
                EmitLoopedGroup(writer, plan, input, init is not null, plan.GroupSize, -1);
            }
        }

        if (lastCount > 0)
        {
            using (writer.Block($"// The last {lastCount} output vector{(lastCount == 1 ? string.Empty : "s")}."))
            {
                writer.Line($"ref float wg = ref Unsafe.Add(ref {weights}, {loopedGroups * groupWeights});");
                if (init is not null)
                {
                    writer.Line($"ref float ig = ref Unsafe.Add(ref {init}, {loopedGroups * groupOutputs});");
                }

                writer.Line($"ref float dg = ref Unsafe.Add(ref {destination}, {loopedGroups * groupOutputs});");
                EmitLoopedGroup(writer, plan, input, init is not null, lastCount, partialLast ? lastCount - 1 : -1);
            }
        }
    }

    private static void EmitLoopedGroup(IndentedWriter writer, KernelPlan plan, string input, bool hasInit, int count, int partialVector)
    {
        SimdFlavor flavor = plan.Flavor;
        int lanes = flavor.Lanes;
        int chains = plan.Chains;
        for (int vector = 0; vector < count; vector++)
        {
            writer.Line($"{flavor.VectorType} a{vector}_0 = {(hasInit ? flavor.Load("ig", vector * lanes) : flavor.Zero)};");
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
                ref float xk = ref Unsafe.Add(ref {input}, k);
                """);
            for (int chain = 0; chain < chains; chain++)
            {
                writer.Line($"{flavor.VectorType} x{chain} = {flavor.Broadcast(SimdFlavor.Element("xk", chain))};");
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
            writer.Line($"{flavor.VectorType} xTail{k - mainDepth} = {flavor.Broadcast(SimdFlavor.Element(input, k))};");
            for (int vector = 0; vector < count; vector++)
            {
                string weight = flavor.Load("wg", (vector * plan.PanelStride) + (k * plan.PanelWidth));
                writer.Line($"a{vector}_0 = {flavor.MultiplyAdd($"xTail{k - mainDepth}", weight, $"a{vector}_0")};");
            }
        }

        RnnKernelEmitter.EmitChainSums(writer, 0, count, chains);
        for (int vector = 0; vector < count; vector++)
        {
            if (vector == partialVector)
            {
                foreach (string line in flavor.StorePartial($"a{vector}_0", plan.LastVectorLanes, "dg", vector * lanes))
                {
                    writer.Line(line);
                }
            }
            else
            {
                writer.Line(flavor.Store($"a{vector}_0", "dg", vector * lanes));
            }
        }
    }

    private static void EmitStore(IndentedWriter writer, KernelPlan plan, string value, int vector, string destination, int offset, bool exactOutputs)
    {
        if (exactOutputs && vector == plan.Vectors - 1 && plan.LastVectorLanes != plan.Flavor.Lanes)
        {
            foreach (string line in plan.Flavor.StorePartial(value, plan.LastVectorLanes, destination, offset))
            {
                writer.Line(line);
            }
        }
        else
        {
            writer.Line(plan.Flavor.Store(value, destination, offset));
        }
    }
}
