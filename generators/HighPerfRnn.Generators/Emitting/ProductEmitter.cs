using System;
using System.Linq;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// Emits one fixed-size matrix-vector product y = init + W·x for one batch row, as a <see cref="KernelPlan"/> lays it
/// out: W packed in column panels (W[j, k] at ((j / PanelWidth)·Depth + k)·PanelWidth + j % PanelWidth, gate blocks
/// padded to whole panels), so each term is broadcast(x[k]) × a panel vector, with no horizontal sums. Every kernel
/// uses it: the Elman RNN's W_hh (with its activation applied as the sums are stored, when one group holds the whole
/// row), the LSTM's and GRU's gate rows and the LSTM's projection.
/// </summary>
/// <remarks>
/// Each output is summed exactly as docs/numerics.md orders it (see <see cref="KernelPlan.Chunks"/>): accumulator
/// a{v}_{c} is output vector v, chunk c; a{v}_0 starts from the init (or +0), a{v}_1 to a{v}_3 from +0; every term is
/// an FMA; y = (a{v}_0 + a{v}_1) + (a{v}_2 + a{v}_3), both adds even when chunks 1 to 3 are empty (fewer than 4
/// terms), since −0 + +0 is +0. Unrolled, the four chunks' terms are interleaved (chunk 0's first r terms, then for
/// each position j the terms at r + j, r + q + j, r + 2q + j, r + 3q + j), so they are four independent dependency
/// chains; looped, one loop over j does the same. Where a plan takes its chunks in pairs (<see cref="KernelPlan.ChunksInPairs"/>)
/// chunks 0 and 1 are interleaved, then s0 + s1 is held while chunks 2 and 3 are: the same sums, joined the same way. The code is wrapped in a block, so its locals (x, a{v}_{c}, the
/// loop's refs) never meet the caller's.
/// </remarks>
internal static class ProductEmitter
{
    /// <summary>Writes the product.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="plan">Sizes, blocks, vector width, grouping, unrolled or looped.</param>
    /// <param name="weights">A <c>ref float</c> local: the packed matrix.</param>
    /// <param name="input">A <c>ref float</c> local: x, Depth floats.</param>
    /// <param name="init">A <c>ref float</c> local whose rows (padded numbering, whole vectors) start chunk 0, or null to start it from +0.</param>
    /// <param name="destination">A <c>ref float</c> local that receives the sums in the padded row numbering, whole vectors, except as <paramref name="exactOutputs"/> says.</param>
    /// <param name="exactOutputs">Whether the destination holds exactly Outputs floats (an output row, followed by other columns; one block only): then the last vector's padding lanes are not stored.</param>
    /// <param name="activation">A function applied to each sum as it is stored (the Elman RNN's), or null to store the sums.</param>
    public static void Emit(IndentedWriter writer, KernelPlan plan, string weights, string input, string? init, string destination, bool exactOutputs, string? activation = null)
        => Emit(writer, new Product(plan, input, exactOutputs, activation, Registers: null), weights, init, destination);

    /// <summary>
    /// Writes the product with the init and the sums in vector locals the caller declared, <paramref name="registers"/>0,
    /// <paramref name="registers"/>1, … (one per output vector, in the padded row numbering's order): chunk 0 of vector v
    /// starts from <paramref name="registers"/>v, and the sum is assigned back to it. Nothing goes through memory, so
    /// what follows (the gates) reads the sums from registers. Unrolled plans only: a loop cannot name the locals.
    /// </summary>
    public static void EmitIntoRegisters(IndentedWriter writer, KernelPlan plan, string weights, string input, string registers)
    {
        if (!plan.Unrolled)
        {
            throw new ArgumentException("Sums kept in named locals need an unrolled product.", nameof(plan));
        }

        Emit(writer, new Product(plan, input, ExactOutputs: false, Activation: null, registers), weights, registers, registers);
    }

    /// <summary>
    /// One item per output vector of <paramref name="plan"/>, joined with commas: the arguments, parameters or
    /// declarations of the vector locals <see cref="EmitIntoRegisters"/> works on (<c>pre0, pre1, …</c>).
    /// </summary>
    public static string EachVector(KernelPlan plan, Func<int, string> each)
        => string.Join(", ", Enumerable.Range(0, plan.Vectors).Select(each));

    private static void Emit(IndentedWriter writer, Product product, string weights, string? init, string destination)
    {
        KernelPlan plan = product.Plan;
        if (product.ExactOutputs && plan.Blocks != 1)
        {
            throw new ArgumentException("Exact outputs are one block of rows.", nameof(product));
        }

        using (writer.Block("// " + Describe(plan, product.ExactOutputs)))
        {
            string chunk0 = $"chunk 0 = {Range(plan, 0)} {(init is null ? "from +0" : "onto the init")}";
            writer.Line(plan.Quotient == 0
                ? $"// Each output: {chunk0}; chunks 1 to 3 are empty (fewer than 4 terms), their sums +0; y = (s0 + s1) + (s2 + s3), both adds kept (−0 + +0 is +0)."
                : $"// Each output: {chunk0}, chunks 1 to 3 = {Range(plan, 1)}, {Range(plan, 2)}, {Range(plan, 3)} from +0; y = (s0 + s1) + (s2 + s3).");
            if (plan.Unrolled)
            {
                EmitUnrolled(writer, product, weights, init, destination);
            }
            else
            {
                EmitLooped(writer, product, weights, init, destination);
            }
        }
    }

    /// <summary>
    /// Whether a looped product runs its groups with the chunks in pairs (<see cref="KernelPlan.PairedGroupSize"/>): s0 + s1
    /// goes through the destination as whole vectors, so not where the destination's last vector must keep its padding
    /// lanes untouched (exact outputs).
    /// </summary>
    private static bool LoopsInPairs(KernelPlan plan, bool exactOutputs)
        => plan.PairedGroupSize > 0 && !(exactOutputs && plan.IsPartial(plan.Vectors - 1));

    /// <summary>One line on the plan, for comments (<paramref name="exactOutputs"/>: as <see cref="Emit"/>'s).</summary>
    public static string Describe(KernelPlan plan, bool exactOutputs = false)
    {
        string rows = plan.Blocks == 1
            ? $"{plan.Outputs} rows"
            : $"{plan.Blocks} gate blocks of {plan.BlockRows} rows{(plan.PaddedBlockRows == plan.BlockRows ? string.Empty : $", each padded to {plan.PaddedBlockRows}")}";
        string vectors = $"{plan.Vectors} {plan.Flavor.Description} output vector{Plural(plan.Vectors)} ({rows}) × {plan.Depth} deep in 4 chunks";
        return plan.ChunksInPairs
            ? $"{vectors}, unrolled: all {plan.Vectors} vectors at once, two chunks at a time (chunks 0 and 1, then 2 and 3)"
            : plan.Unrolled
            ? $"{vectors}, unrolled: {plan.Groups} group{Plural(plan.Groups)} of at most {plan.GroupSize} vector{Plural(plan.GroupSize)} × 4 chunk sums"
            : LoopsInPairs(plan, exactOutputs)
            ? $"{vectors}, looped (unrolled it would pass {KernelPlan.UnrollLimit} FMAs): groups of {plan.PairedGroupSize} vector{Plural(plan.PairedGroupSize)} × 2 chunk sums at a time (chunks 0 and 1, then 2 and 3)"
            : $"{vectors}, looped (unrolled it would pass {KernelPlan.UnrollLimit} FMAs): groups of {plan.GroupSize} vector{Plural(plan.GroupSize)} × 4 chunk sums";
    }

    private static string Plural(int count) => count == 1 ? string.Empty : "s";

    private static string GroupComment(int first, int count)
        => count == 1 ? $"// Output vector {first}." : $"// Output vectors {first} to {first + count - 1}.";

    /// <summary>Chunk <paramref name="chunk"/>'s k range as text, "k in [a, b)".</summary>
    private static string Range(KernelPlan plan, int chunk)
        => $"k in [{plan.ChunkStart(chunk)}, {plan.ChunkStart(chunk) + plan.ChunkLength(chunk)})";

    /// <summary>Groups written out in turn, each with every term in place (constant offsets into the weights).</summary>
    private static void EmitUnrolled(IndentedWriter writer, Product product, string weights, string? init, string destination)
    {
        KernelPlan plan = product.Plan;
        if (plan.ChunksInPairs)
        {
            EmitUnrolledInPairs(writer, product, new GroupVectors(plan, 0, plan.Vectors, weights, init, destination));
            return;
        }

        for (int group = 0; group < plan.Groups; group++)
        {
            int first = group * plan.GroupSize;
            int count = Math.Min(plan.GroupSize, plan.Vectors - first);
            IndentedWriter.Scope? scope = plan.Groups > 1 ? writer.Block(GroupComment(first, count)) : null;
            var vectors = new GroupVectors(plan, first, count, weights, init, destination);
            product.Declare(writer, vectors);
            writer.Line($"{plan.Flavor.VectorType} x;");
            product.EmitHead(writer, vectors);
            for (int j = 0; j < plan.Quotient; j++)
            {
                writer.Line($"// Chunks 0 to 3 at k = {plan.Remainder + j}, {plan.Remainder + plan.Quotient + j}, {plan.Remainder + (2 * plan.Quotient) + j}, {plan.Remainder + (3 * plan.Quotient) + j}.");
                for (int chunk = 0; chunk < KernelPlan.Chunks; chunk++)
                {
                    int k = plan.Remainder + (chunk * plan.Quotient) + j;
                    product.EmitTerm(writer, vectors, chunk, SimdFlavor.Element(product.Input, k), k * plan.PanelWidth);
                }
            }

            product.Finish(writer, vectors);
            scope?.Dispose();
        }
    }

    /// <summary>
    /// Every output vector at once, the chunks two at a time (<see cref="KernelPlan.ChunksInPairs"/>): chunks 0 and 1
    /// interleaved, s0 + s1 kept in chunk 0's sum, then chunks 2 and 3, and y = (s0 + s1) + (s2 + s3).
    /// </summary>
    private static void EmitUnrolledInPairs(IndentedWriter writer, Product product, GroupVectors vectors)
    {
        KernelPlan plan = product.Plan;
        int q = plan.Quotient;
        int r = plan.Remainder;
        writer.Line($"// Chunks 0 and 1 side by side, then 2 and 3 (s0 + s1 held meanwhile): each x[k] is broadcast once for all {plan.Vectors} output vectors, where four chunks at a time would take {plan.Groups} groups, each broadcasting it again.");
        product.BeginPairs(writer, vectors);
        EmitPairTerms(0);
        writer.Line("// s0 + s1, held while chunks 2 and 3 run.");
        for (int i = 0; i < vectors.Count; i++)
        {
            writer.Line($"{Product.Sum(i, 0)} += {Product.Sum(i, 1)};");
        }

        product.DeclarePair(writer, vectors, 2);
        EmitPairTerms(2);
        for (int i = 0; i < vectors.Count; i++)
        {
            writer.Line($"{Product.Sum(i, 0)} += {Product.Sum(i, 2)} + {Product.Sum(i, 3)};");
        }

        product.Store(writer, vectors);

        // Chunks firstChunk and firstChunk + 1 side by side: their j-th terms at k = r + c·q + j.
        void EmitPairTerms(int firstChunk)
        {
            for (int j = 0; j < q; j++)
            {
                int k = r + (firstChunk * q) + j;
                writer.Line($"// Chunks {firstChunk} and {firstChunk + 1} at k = {k}, {k + q}.");
                product.EmitTerm(writer, vectors, firstChunk, SimdFlavor.Element(product.Input, k), k * plan.PanelWidth);
                product.EmitTerm(writer, vectors, firstChunk + 1, SimdFlavor.Element(product.Input, k + q), (k + q) * plan.PanelWidth);
            }
        }
    }

    /// <summary>
    /// Constant-bound loops: groups of output vectors (a loop over the groups that are alike, when there are two or
    /// more, then the rest written out one group after another), each with chunk 0's first r terms written out and one
    /// loop over the position j in the chunks. With exact outputs and a partial last vector, the group holding it is
    /// written out after the loop.
    /// </summary>
    private static void EmitLooped(IndentedWriter writer, Product product, string weights, string? init, string destination)
    {
        KernelPlan plan = product.Plan;
        bool partialLast = product.ExactOutputs && plan.IsPartial(plan.Vectors - 1);
        bool pairs = LoopsInPairs(plan, product.ExactOutputs);
        int groupSize = pairs ? plan.PairedGroupSize : plan.GroupSize;
        Action<IndentedWriter, Product, GroupVectors> emitGroup = pairs ? EmitLoopedGroupInPairs : EmitLoopedGroup;
        int fullGroups = plan.Vectors / groupSize;
        int loopedGroups = plan.Vectors % groupSize == 0 && partialLast ? fullGroups - 1 : fullGroups;
        if (loopedGroups >= 2)
        {
            if (plan.Flavor.Lanes != plan.PanelWidth)
            {
                throw new InvalidOperationException("A loop over groups needs vectors as wide as the panels.");
            }

            int groupWeights = groupSize * plan.PanelStride;
            int groupRows = groupSize * plan.Flavor.Lanes;
            using (writer.Block($"for (int group = 0; group < {loopedGroups}; group++)"))
            {
                writer.Line($"ref float wg = ref Unsafe.Add(ref {weights}, group * {groupWeights});");
                if (init is not null)
                {
                    writer.Line($"ref float ig = ref Unsafe.Add(ref {init}, group * {groupRows});");
                }

                writer.Line($"ref float dg = ref Unsafe.Add(ref {destination}, group * {groupRows});");
                emitGroup(writer, product, new GroupVectors(plan, 0, groupSize, "wg", init is null ? null : "ig", "dg"));
            }
        }
        else
        {
            loopedGroups = 0;
        }

        for (int first = loopedGroups * groupSize; first < plan.Vectors; first += groupSize)
        {
            int count = Math.Min(groupSize, plan.Vectors - first);
            using (writer.Block(GroupComment(first, count)))
            {
                emitGroup(writer, product, new GroupVectors(plan, first, count, weights, init, destination));
            }
        }
    }

    /// <summary>
    /// One group of a looped product with its chunks in pairs (<see cref="KernelPlan.PairedGroupSize"/>): a loop over j for
    /// chunks 0 and 1, s0 + s1 stored to the destination, a loop for chunks 2 and 3, then y = (s0 + s1) + (s2 + s3).
    /// </summary>
    private static void EmitLoopedGroupInPairs(IndentedWriter writer, Product product, GroupVectors vectors)
    {
        KernelPlan plan = product.Plan;
        int q = plan.Quotient;
        int r = plan.Remainder;
        SimdFlavor flavor = plan.Flavor;
        writer.Line($"// Chunks in pairs: each x[k] broadcast once for these {vectors.Count} vectors (four chunks at a time would take groups of {plan.GroupSize}).");
        product.BeginPairs(writer, vectors);
        EmitPairLoop(writer, product, vectors, 0);
        writer.Line("// s0 + s1, held in the destination while chunks 2 and 3 run.");
        for (int i = 0; i < vectors.Count; i++)
        {
            writer.Line(flavor.Store($"({Product.Sum(i, 0)} + {Product.Sum(i, 1)})", vectors.Destination, vectors.Row(i)));
        }

        product.DeclarePair(writer, vectors, 2);
        EmitPairLoop(writer, product, vectors, 2);
        for (int i = 0; i < vectors.Count; i++)
        {
            writer.Line($"{Product.Sum(i, 0)} = {flavor.Load(vectors.Destination, vectors.Row(i))} + ({Product.Sum(i, 2)} + {Product.Sum(i, 3)});");
        }

        product.Store(writer, vectors);

        void EmitPairLoop(IndentedWriter w, Product p, GroupVectors v, int firstChunk)
        {
            using (w.Block($"for (int j = 0; j < {q}; j++)"))
            {
                string position = r == 0 ? "j" : $"{r} + j";
                w.Line($"""
                    // Chunks {firstChunk} and {firstChunk + 1}: their terms at k = {position} + {firstChunk}·{q} and {position} + {firstChunk + 1}·{q}.
                    ref float wj = ref Unsafe.Add(ref {v.Weights}, {(r == 0 ? "j" : $"({position})")} * {plan.PanelWidth});
                    ref float xj = ref Unsafe.Add(ref {p.Input}, {position});
                    """);
                for (int chunk = firstChunk; chunk < firstChunk + 2; chunk++)
                {
                    p.EmitTerm(w, v with { Weights = "wj" }, chunk, SimdFlavor.Element("xj", chunk * q), chunk * q * plan.PanelWidth);
                }
            }
        }
    }

    private static void EmitLoopedGroup(IndentedWriter writer, Product product, GroupVectors vectors)
    {
        KernelPlan plan = product.Plan;
        int q = plan.Quotient;
        int r = plan.Remainder;
        product.Declare(writer, vectors);
        writer.Line($"{plan.Flavor.VectorType} x;");
        product.EmitHead(writer, vectors);
        if (q > 0)
        {
            using (writer.Block($"for (int j = 0; j < {q}; j++)"))
            {
                string position = r == 0 ? "j" : $"{r} + j";
                writer.Line($"""
                    // Chunk c's term at k = {position} + c·{q}.
                    ref float wj = ref Unsafe.Add(ref {vectors.Weights}, {(r == 0 ? "j" : $"({position})")} * {plan.PanelWidth});
                    ref float xj = ref Unsafe.Add(ref {product.Input}, {position});
                    """);
                for (int chunk = 0; chunk < KernelPlan.Chunks; chunk++)
                {
                    product.EmitTerm(writer, vectors with { Weights = "wj" }, chunk, SimdFlavor.Element("xj", chunk * q), chunk * q * plan.PanelWidth);
                }
            }
        }

        product.Finish(writer, vectors);
    }

    /// <summary>
    /// What every group of one product shares: the plan, the input, and how sums are stored (to memory, or, with
    /// <see cref="Registers"/>, to the vector locals of that prefix, which also hold the init).
    /// </summary>
    private sealed record Product(KernelPlan Plan, string Input, bool ExactOutputs, string? Activation, string? Registers)
    {
        private SimdFlavor Flavor => Plan.Flavor;

        /// <summary>The four chunk sums of each vector: chunk 0 from the init (or +0), chunks 1 to 3 from +0.</summary>
        public void Declare(IndentedWriter writer, GroupVectors vectors)
        {
            string zero = Flavor.Zero;
            for (int i = 0; i < vectors.Count; i++)
            {
                string start = vectors.Init is null ? zero : Registers is not null ? Registers + (vectors.First + i) : Flavor.Load(vectors.Init, vectors.Row(i));
                writer.Line($"{Flavor.VectorType} {Sum(i, 0)} = {start}, {Sum(i, 1)} = {zero}, {Sum(i, 2)} = {zero}, {Sum(i, 3)} = {zero};");
            }
        }

        /// <summary>
        /// Two chunks' sums of each vector: chunks 0 and 1 (chunk 0 from the init, or +0; chunk 1 from +0), or chunks 2
        /// and 3 (both from +0).
        /// </summary>
        public void DeclarePair(IndentedWriter writer, GroupVectors vectors, int firstChunk)
        {
            string zero = Flavor.Zero;
            for (int i = 0; i < vectors.Count; i++)
            {
                string start = firstChunk != 0 || vectors.Init is null ? zero : Registers is not null ? Registers + (vectors.First + i) : Flavor.Load(vectors.Init, vectors.Row(i));
                writer.Line($"{Flavor.VectorType} {Sum(i, firstChunk)} = {start}, {Sum(i, firstChunk + 1)} = {zero};");
            }
        }

        /// <summary>How a group with its chunks in pairs begins: chunks 0 and 1's sums, x, and chunk 0's first r terms.</summary>
        public void BeginPairs(IndentedWriter writer, GroupVectors vectors)
        {
            DeclarePair(writer, vectors, 0);
            writer.Line($"{Flavor.VectorType} x;");
            EmitHead(writer, vectors);
        }

        /// <summary>Chunk 0's first r terms (k = 0 to r − 1), which precede its share of the interleaved positions.</summary>
        public void EmitHead(IndentedWriter writer, GroupVectors vectors)
        {
            if (Plan.Remainder == 0)
            {
                return;
            }

            writer.Line(Plan.Remainder == 1 ? "// Chunk 0's first term, k = 0." : $"// Chunk 0's first {Plan.Remainder} terms, k = 0 to {Plan.Remainder - 1}.");
            for (int k = 0; k < Plan.Remainder; k++)
            {
                EmitTerm(writer, vectors, 0, SimdFlavor.Element(Input, k), k * Plan.PanelWidth);
            }
        }

        /// <summary>x = broadcast(<paramref name="element"/>); then one FMA per vector into its chunk's sum, the weights at <paramref name="weightOffset"/> past each vector's panel.</summary>
        public void EmitTerm(IndentedWriter writer, GroupVectors vectors, int chunk, string element, int weightOffset)
        {
            writer.Line($"x = {Flavor.Broadcast(element)};");
            for (int i = 0; i < vectors.Count; i++)
            {
                string weight = Flavor.Load(vectors.Weights, vectors.Weight(i) + weightOffset);
                writer.Line($"{Sum(i, chunk)} = {Flavor.MultiplyAdd("x", weight, Sum(i, chunk))};");
            }
        }

        /// <summary>y = (s0 + s1) + (s2 + s3) for each vector, stored (through the activation, if any).</summary>
        public void Finish(IndentedWriter writer, GroupVectors vectors)
        {
            for (int i = 0; i < vectors.Count; i++)
            {
                writer.Line($"{Sum(i, 0)} = ({Sum(i, 0)} + {Sum(i, 1)}) + ({Sum(i, 2)} + {Sum(i, 3)});");
            }

            Store(writer, vectors);
        }

        /// <summary>Each vector's y, in chunk 0's sum, stored (through the activation, if any) or assigned to its register.</summary>
        public void Store(IndentedWriter writer, GroupVectors vectors)
        {
            for (int i = 0; i < vectors.Count; i++)
            {
                bool partial = ExactOutputs && vectors.IsPartial(i);
                string sum = Sum(i, 0);
                if (Registers is not null)
                {
                    writer.Line($"{Registers}{vectors.First + i} = {sum};");
                    continue;
                }

                if (!partial)
                {
                    writer.Line(Flavor.Store(Activation is null ? sum : $"{Activation}({sum})", vectors.Destination, vectors.Row(i)));
                    continue;
                }

                if (Activation is not null)
                {
                    writer.Line($"{sum} = {Activation}({sum});");
                }

                foreach (string line in Flavor.StorePartial(sum, Plan.LastVectorLanes, vectors.Destination, vectors.Row(i)))
                {
                    writer.Line(line);
                }
            }
        }

        public static string Sum(int vector, int chunk) => $"a{vector}_{chunk}";
    }

    /// <summary>
    /// The output vectors of one group: vectors First to First + Count − 1 of the plan, addressed from the given refs:
    /// the whole row's (a group written out), or the group's own (an iteration of the loop over groups, First = 0).
    /// </summary>
    private readonly record struct GroupVectors(KernelPlan Plan, int First, int Count, string Weights, string? Init, string Destination)
    {
        /// <summary>The offset of the group's <paramref name="index"/>-th vector in the rows read and written.</summary>
        public int Row(int index) => Plan.RowOf(First + index);

        /// <summary>The offset of the group's <paramref name="index"/>-th vector's panel (at k = 0) in the weights.</summary>
        public int Weight(int index) => Plan.WeightOffset(First + index, 0);

        /// <summary>Whether the group's <paramref name="index"/>-th vector holds padding lanes past its block's rows.</summary>
        public bool IsPartial(int index) => Plan.IsPartial(First + index);
    }
}
