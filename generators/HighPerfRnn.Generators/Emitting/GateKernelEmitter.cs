using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// Emits the LSTM's and the GRU's step kernel for one (hidden, proj_size) pair. The step depends on those alone, so
/// one kernel serves every layer and direction, with one method per panel width (16, 8, 4 and 1 floats: the 512-,
/// 256-, 128-bit and scalar paths). Each batch row takes these passes:
/// <list type="number">
/// <item>the recurrent product over all gate rows at once (W_hh is gates × H rows, packed in column panels with each
/// gate block padded to whole panels, packed layout version 2: gate g's unit j is row g·Hp + j, Hp = H rounded up to
/// the panel width): for the LSTM into the pre-activation row in place (pre + W_hh·h), for the GRU into scratch
/// starting from the recurrent bias (b_hn + W_hh·h, because the reset gate multiplies the n rows' recurrent part
/// alone). Each output is summed in the 4 chunks of docs/numerics.md (see <see cref="ProductEmitter"/>);</item>
/// <item>the gate activations in place, one pass per gate over whole vectors of the padded gate blocks (padding
/// lanes are computed and stay in the padded rows); then one pass over the hidden units that reads each unit's gates
/// at g·Hp + j and updates the state: c and h for the LSTM, h for the GRU. That pass reads and writes c, h_{t−1} and
/// the output only below H, so it takes whole vectors of units, widest first, then narrower ones, then single
/// units. The formulas are the runtime's, operation for operation (true FMAs, <c>RnnMath</c>'s σ and tanh), so the
/// bits are the same on every width.</item>
/// </list>
/// A projected LSTM writes h_full to scratch and then runs the projection W_hr·h_full, a product with constant sizes,
/// straight into the output row.
/// </summary>
/// <remarks>
/// Above <see cref="SpecializeLimit"/> weights of W_hh the kernel declines every step and the runtime kernel runs
/// (see there for where the line is and why).
/// </remarks>
internal static class GateKernelEmitter
{
    /// <summary>
    /// The most weights of W_hh (gates × hidden × state) for which the kernel is specialized: 8192 floats, 32 KB, the L1
    /// data cache of the smaller machine type (32 to 48 KB). That takes in GRUs to hidden 52 and LSTMs to hidden 45 (or
    /// larger hidden sizes with a projection). The kernel serves batches of 2 and more, each row its own matrix-vector
    /// product reading W_hh; the runtime's product reads W_hh once for all the rows (since session 14 also for 2 or 3
    /// rows), so past L1 the generated rows lose: paired on Zen 4 at batch 2–3, LSTM 48 (36 KB) 1.05 and GRU 64 (48 KB)
    /// 1.22–1.24 of the runtime's time, LSTM 40 and GRU 48 (26–28 KB) 0.84–0.92 (this line was 48 KB before). At batch 1
    /// the runtime's fused step runs them. Past the line the kernel declines at once and the driver runs the runtime
    /// kernel. The planner (<c>ExecutionPlanner.GeneratedGatedLimitBytes</c>) draws the same line on W_hh as packed, gate
    /// blocks padded to whole panels, so where the padding takes a model past it the driver runs the runtime kernel
    /// without asking.
    /// </summary>
    public const int SpecializeLimit = 32 * 1024 / sizeof(float);

    public static string KernelName(RnnModelDeclaration model)
        => model.Cell + "StepKernelH" + Int(model.HiddenSize) + (model.ProjSize > 0 ? "P" + Int(model.ProjSize) : string.Empty);

    public static int GateCount(RnnModelDeclaration model) => model.Cell == "Lstm" ? 4 : 3;

    /// <summary>Whether the kernel is specialized at all (else it is a stub that declines).</summary>
    public static bool Specialized(RnnModelDeclaration model)
        => (long)GateCount(model) * model.HiddenSize * model.StateSize <= SpecializeLimit;

    public static void Emit(IndentedWriter writer, RnnModelDeclaration model)
    {
        bool lstm = model.Cell == "Lstm";
        int hidden = model.HiddenSize;
        int state = model.StateSize;
        int proj = model.ProjSize;
        int gates = GateCount(model);
        int gateRows = gates * hidden;
        bool specialized = Specialized(model);

        // On 16-float panels, blocks of at most 8 rows (gate blocks, or the projection) are one panel whose upper half is
        // all padding: 256-bit code on the lower halves does the same work with half the lanes.
        var methods = new List<StepMethod>
        {
            new("Step512", new KernelPlan(hidden <= 8 ? SimdFlavor.Vector256 : SimdFlavor.Vector512, hidden, gates, state, 16),
                proj > 0 ? new KernelPlan(proj <= 8 ? SimdFlavor.Vector256 : SimdFlavor.Vector512, proj, hidden, 16) : null,
                [SimdFlavor.Vector512, SimdFlavor.Vector256, SimdFlavor.Vector128, SimdFlavor.Scalar]),
            new("Step256", new KernelPlan(SimdFlavor.Vector256, hidden, gates, state, 8),
                proj > 0 ? new KernelPlan(SimdFlavor.Vector256, proj, hidden, 8) : null,
                [SimdFlavor.Vector256, SimdFlavor.Vector128, SimdFlavor.Scalar]),
            new("Step128", new KernelPlan(SimdFlavor.Vector128, hidden, gates, state, 4),
                proj > 0 ? new KernelPlan(SimdFlavor.Vector128, proj, hidden, 4) : null,
                [SimdFlavor.Vector128, SimdFlavor.Scalar]),
            new("StepScalar", new KernelPlan(SimdFlavor.Scalar, hidden, gates, state, 1),
                proj > 0 ? new KernelPlan(SimdFlavor.Scalar, proj, hidden, 1) : null,
                [SimdFlavor.Scalar]),
        };

        string cellName = lstm ? "LSTM" : "GRU";
        string sizes = $"hidden size {hidden}" + (proj > 0 ? $", proj_size {proj}" : string.Empty);
        writer.Line($"""
            /// <summary>
            /// The {cellName} step of {model.DisplayName} ({sizes}), for every layer and direction:
            """);
        if (lstm)
        {
            writer.Line("""
                /// <c>i, f, g, o = σ, σ, tanh, σ of (pre_t + W_hh·h_{t−1}) in gate blocks of HiddenSize rows; c = fma(f, c, i⊙g); h = o⊙tanh(c)</c>
                """);
            if (proj > 0)
            {
                writer.Line("/// then <c>h = W_hr·h</c> (the projection to ProjSize features),");
            }

            writer.Line("/// pre_t holding W_ih·x_t + b_ih + b_hh from the driver.");
        }
        else
        {
            writer.Line("""
                /// <c>r, z = σ(pre_t + W_hh·h_{t−1}) in the first two gate blocks; n = tanh(fma(r, W_hn·h_{t−1} + b_hn, pre_n)); h = fma(z, h_{t−1} − n, n)</c>,
                /// pre_t holding W_ih·x_t + b_ih (+ b_hr, b_hz) from the driver.
                """);
        }

        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        if (specialized)
        {
            writer.Line($"""
                /// W_hh ({gateRows} × {state}) comes packed in column panels of <c>PanelWidth</c> rows, each gate block padded to whole panels (packed layout
                /// version 2): gate g's unit j is row g·Hp + j (Hp = {hidden} rounded up to PanelWidth), W_hh[row, k] at ((row / PanelWidth)·{state} + k)·PanelWidth + row % PanelWidth,
                /// and the pre-activation rows{(lstm ? string.Empty : " and the recurrent bias")} use the same numbering. Per batch row: the product over all gate rows{(lstm ? ", into the pre-activation row in place" : ", from b_hn into scratch")},
                /// each output summed in 4 contiguous chunks of k combined as (s0 + s1) + (s2 + s3) (docs/numerics.md); then the gate activations; then one pass over the units updates the state.
                """);
            foreach (StepMethod method in methods)
            {
                writer.Line($"/// <c>{method.Name}</c> ({method.PanelWidth}-float panels, Hp = {Int(method.PaddedHidden)}): product {ProductEmitter.Describe(method.Product)}; state update {DescribeGatePass(hidden, method.GateFlavors)}"
                    + (method.Projection is null ? "." : $"; projection {ProductEmitter.Describe(method.Projection, exactOutputs: true)}."));
            }
        }
        else
        {
            writer.Line($"""
                /// Not specialized: W_hh has {(long)gateRows * state} weights, more than the generator's line ({SpecializeLimit}, 32 KB: L1). At this size the
                /// step is bound by streaming the weights from L2, and the runtime kernel's batch-1 product (panels walked in alternating
                /// order so each step starts on what is still in L1) is as fast, so the kernel declines and the driver runs the runtime's.
                """);
        }

        writer.Line("/// </remarks>");
        using (writer.Block($"file readonly struct {KernelName(model)} : IRecurrentStepKernel"))
        {
            writer.Line($$"""
                /// <summary>Hidden features: the rows of each gate block, and of the cell state.</summary>
                public const int HiddenSize = {{Int(hidden)}};

                /// <summary>Features of h: the depth of W_hh{{(proj > 0 ? " and the rows of W_hr" : string.Empty)}}.</summary>
                public const int StateSize = {{Int(state)}};

                """);
            if (!specialized)
            {
                writer.Line("""
                    /// <inheritdoc />
                    public static bool TryStep(in RecurrentStepArgs args) => false;
                    """);
                return;
            }

            string projectionCheck = lstm ? (proj > 0 ? " || args.ProjectionWeights.IsEmpty" : " || !args.ProjectionWeights.IsEmpty") : string.Empty;
            writer.Line("/// <inheritdoc />");
            using (writer.Block("public static bool TryStep(in RecurrentStepArgs args)"))
            {
                writer.Line($$"""
                    // The model was checked against the declaration when it was built, so these hold; checking keeps the
                    // unchecked addressing below sound whatever model the kernel is handed.
                    if (args.Cell != RnnCell.{{model.Cell}} || args.HiddenSize != HiddenSize || args.StateSize != StateSize{{projectionCheck}})
                    {
                        return false;
                    }

                    """);
                StepDispatch.Emit(writer, methods.Select(method => (method.PanelWidth, method.Name)));
            }

            foreach (StepMethod method in methods)
            {
                if (lstm)
                {
                    EmitLstmMethod(writer, method, hidden);
                }
                else
                {
                    EmitGruMethod(writer, method, hidden);
                }
            }
        }
    }

    private static void EmitLstmMethod(IndentedWriter writer, StepMethod method, int hidden)
    {
        bool projected = method.Projection is not null;
        writer.Line();
        writer.Line($"/// <summary>{method.PanelWidth}-float panels: the product, the gate pass{(projected ? ", the projection" : string.Empty)}, row by row.</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        using (writer.Block($"private static void {method.Name}(in RecurrentStepArgs args)"))
        {
            writer.Line($$"""
                ref float preactivations = ref MemoryMarshal.GetReference(args.Preactivations);
                ref float outputs = ref MemoryMarshal.GetReference(args.Output);
                ref float cells = ref MemoryMarshal.GetReference(args.CellState);
                ref float w = ref MemoryMarshal.GetReference(args.RecurrentWeights);
                ref float previous = ref MemoryMarshal.GetReference(args.Previous);
                ref float wr = ref MemoryMarshal.GetReference(args.ProjectionWeights);
                ref float scratch = ref MemoryMarshal.GetReference(args.Scratch);
                bool recurrent = !args.Previous.IsEmpty;
                int batch = args.Batch;
                int preactivationStride = args.PreactivationStride;
                int previousStride = args.PreviousStride;
                int outputStride = args.OutputStride;
                for (int row = 0; row < batch; row++)
                {
                    {{method.Name}}Row(
                        ref Unsafe.Add(ref preactivations, row * preactivationStride),
                        ref Unsafe.Add(ref previous, row * previousStride),
                        ref Unsafe.Add(ref cells, row * HiddenSize),
                        ref Unsafe.Add(ref outputs, row * outputStride),
                        ref w,
                        ref wr,
                        ref scratch,
                        recurrent);
                }
                """);
        }

        writer.Line();
        writer.Line($"""
            /// <summary>
            /// One row: p (the pre-activations, gate blocks padded to whole panels) += W_hh·h unless <paramref name="recurrent"/> is false
            /// (the first step without h0); the gates; c updated in place; h to o{(projected ? " through the projection W_hr (h_full in hf, scratch of whole panels)" : string.Empty)}.
            /// h, c and o hold exactly their features; o may be h itself. The whole-model kernels call it too.{(KeepsGatesInRegisters(method.Product) ? InRegistersRemark + "." : string.Empty)}
            /// </summary>
            """);
        writer.Line(method.Product.RowAttribute);
        string target = projected ? "hf" : "o"; // where the state pass writes h: h_full's scratch when a projection follows
        if (KeepsGatesInRegisters(method.Product))
        {
            EmitLstmRowsInRegisters(writer, method, target);
            return;
        }

        using (writer.Block($"internal static void {method.Name}Row(ref float p, ref float h, ref float c, ref float o, ref float w, ref float wr, ref float hf, bool recurrent)"))
        {
            using (writer.Block("if (recurrent)"))
            {
                writer.Line("// pre += W_hh·h_{t−1} over all gate rows (without h0 the first step has h_{t−1} = 0: nothing to add).");
                ProductEmitter.Emit(writer, method.Product, "w", "h", "p", "p", exactOutputs: false);
            }

            writer.Line();
            if (LstmGatesApart(method.Product))
            {
                writer.Line($"{method.Name}Gates(ref p, ref c, ref {target}, {Int(method.Product.VectorsPerBlock * method.Product.Flavor.Lanes)});");
            }
            else
            {
                EmitLstmGates(writer, method, target, blockFloats: null);
            }

            EmitProjection(writer, method);
        }

        if (LstmGatesApart(method.Product))
        {
            writer.Line();
            writer.Line($"""
                /// <summary>
                /// The gates and state update of one row (<c>{method.Name}Row</c>'s), their loops over vectors of units bounded by
                /// <paramref name="blockFloats"/>, the floats of a gate block, passed in rather than written as a constant: with
                /// 16 vector registers and a constant count, the JIT kept an activation's constants in registers and spilled its
                /// working values (see GateKernelEmitter.LstmGatesApart).
                /// </summary>
                {KernelPlan.KernelAttribute}
                """);
            using (writer.Block($"private static void {method.Name}Gates(ref float p, ref float c, ref float {target}, int blockFloats)"))
            {
                EmitLstmGates(writer, method, target, blockFloats: "blockFloats");
            }
        }
    }

    /// <summary>
    /// Whether an LSTM row's gate passes go to a method of their own with the length of their loops as an argument: on the
    /// 256- and 128-bit flavors (16 registers on x64) with more than one vector per gate block. There, with the loops'
    /// trip count a constant, the JIT's listing showed the fifteen constants of σ held in registers and the activations'
    /// working values spilled and reloaded on the dependency chain; and a declared LSTM's step ran 1.02–1.17× the
    /// runtime's time at batch 2–8 (hidden 16–32, paired, Zen 4 with AVX-512 off, and with AVX2 off). With the count an
    /// argument: 0.74–0.91. The 512-bit flavor (32 registers) keeps the passes inline: there the call measured 2–4% slower.
    /// The scalar flavor too (session 19): an LSTM 8 row's five scalar activations per unit inlined into the row ran the
    /// JIT out of its inlining budget, and the last one's operations became calls (tests/codegen's audit found it).
    /// </summary>
    private static bool LstmGatesApart(KernelPlan product)
        => (product.Flavor == SimdFlavor.Vector256 || product.Flavor == SimdFlavor.Vector128 || product.Flavor.IsScalar) && product.VectorsPerBlock > 1;

    /// <summary>The LSTM gates of one row from its sums in p: the activation passes, then the state pass, h to <paramref name="target"/>.</summary>
    private static void EmitLstmGates(IndentedWriter writer, StepMethod method, string target, string? blockFloats)
    {
        int hp = method.PaddedHidden;
        writer.Line($"""
            // Gates in place, one activation per pass over whole vectors of the padded gate blocks (i, f, g, o of unit j at
            // j, {Int(hp)} + j, {Int(2 * hp)} + j, {Int(3 * hp)} + j); then c = fma(f, c, i·g) and h = o·tanh(c), units 0 to {Int(method.Product.BlockRows - 1)} only.
            """);
        EmitActivationPasses(writer, method.Product, blockFloats, ("i", "RnnMath.Sigmoid", 0), ("f", "RnnMath.Sigmoid", hp), ("g", "RnnMath.Tanh", 2 * hp), ("o", "RnnMath.Sigmoid", 3 * hp));
        EmitStatePass(writer, method.GateFlavors, method.Product.BlockRows, "c and h", unit => EmitLstmUnits(writer, unit, hp, target));
    }

    /// <summary>A projected LSTM's h = W_hr·h_full, from the scratch the state pass wrote to the output row; nothing without a projection.</summary>
    private static void EmitProjection(IndentedWriter writer, StepMethod method)
    {
        if (method.Projection is null)
        {
            return;
        }

        writer.Line();
        writer.Line("// h = W_hr·h_full, straight into the output row (exactly StateSize floats).");
        ProductEmitter.Emit(writer, method.Projection, "wr", "hf", null, "o", exactOutputs: true);
    }

    /// <summary>The Row comment's note where <see cref="KeepsGatesInRegisters"/> holds.</summary>
    private const string InRegistersRemark = "\n/// Here the gate sums stay in registers from the product to the state update: p is read, never written";

    /// <summary>
    /// Whether a row keeps the gate pre-activations in registers from the product to the state update, instead of
    /// storing the sums, activating them in place and reading them back: at batch 1 a step is one chain of dependent
    /// operations, and each trip through memory adds a store-to-load forwarding delay to it (two per gate). Where it
    /// applies: each gate block exactly one vector of units (hidden = the vector's lanes: 16 on the 512-bit path, 8 on
    /// 256-bit, 4 on 128-bit), so each activation is inlined once and nothing is left over for padding lanes; and the
    /// product unrolled, since locals cannot be indexed by a loop. With two vectors of units (LSTM 32 on 512-bit) the
    /// ten inlined activations and the unrolled product passed the JIT's count of tracked locals: a 4 KB frame, the
    /// working values on the stack, the step 1.7× slower (measured on AVX-512). The arithmetic is the same either
    /// way, lane for lane. Such a row is also small enough to be inlined (at most 4 gates × 16 units deep), so the
    /// whole-model Step hands it the input product's sums in registers too (<c>RowOnSums</c>). The GRU's gates (six
    /// activations where the LSTM 32 has ten) also stay in registers with two whole vectors of units whose product is one
    /// group (GRU 32 on the 512-bit path: 6 vectors × 4 chunk sums, the 24 accumulators of the budget): paired against
    /// the passes over memory, its Step 0.96 and its Forward 0.95 of the time (session 28, Zen 5).
    /// </summary>
    public static bool KeepsGatesInRegisters(KernelPlan product)
        => !product.Flavor.IsScalar && product.Unrolled
            && (product.BlockRows == product.Flavor.Lanes || (product.Blocks == 3 && product.BlockRows == 2 * product.Flavor.Lanes && product.Groups == 1));

    /// <summary>
    /// The LSTM rows with their gates in registers (see <see cref="KeepsGatesInRegisters"/>): <c>Row</c> reads p's i, f,
    /// g, o vectors and hands them to <c>RowOnSums</c>, which adds W_hh·h onto them in registers, activates them,
    /// updates c and writes h = o·tanh(c) to <paramref name="target"/> (then the projection, if any).
    /// </summary>
    private static void EmitLstmRowsInRegisters(IndentedWriter writer, StepMethod method, string target)
    {
        KernelPlan product = method.Product;
        SimdFlavor f = product.Flavor;
        string v = f.VectorType;
        string loads = ProductEmitter.EachVector(product, i => f.Load("p", product.RowOf(i)));
        writer.Line($"internal static void {method.Name}Row(ref float p, ref float h, ref float c, ref float o, ref float w, ref float wr, ref float hf, bool recurrent)");
        writer.Line($"    => {method.Name}RowOnSums({loads}, ref h, ref c, ref o, ref w, ref wr, ref hf, recurrent);");
        writer.Line();
        writer.Line($"""
            /// <summary>
            /// The row on pre-activations already in registers (i, f, g, o: pre0 to pre3; the whole-model Step's input product
            /// hands them over without a trip through memory): pre += W_hh·h unless <paramref name="recurrent"/> is false, the gates,
            /// c updated in place, h to o{(method.Projection is null ? string.Empty : " through the projection")}.
            /// </summary>
            """);
        writer.Line(KernelPlan.InlinedKernelAttribute);
        string parameters = ProductEmitter.EachVector(product, i => $"{v} pre{Int(i)}");
        using (writer.Block($"internal static void {method.Name}RowOnSums({parameters}, ref float h, ref float c, ref float o, ref float w, ref float wr, ref float hf, bool recurrent)"))
        {
            EmitRecurrentProductOnto(writer, product, "pre");
            writer.Line($"""

                // i, f, g, o = σ, σ, tanh, σ of pre; c = fma(f, c, i·g); h = o·tanh(c): units 0 to {Int(f.Lanes - 1)} ({f.Description}).
                {v} inputGate = RnnMath.Sigmoid(pre0);
                {v} forgetGate = RnnMath.Sigmoid(pre1);
                {v} cellGate = RnnMath.Tanh(pre2);
                {v} outputGate = RnnMath.Sigmoid(pre3);
                {v} cell = {f.MultiplyAdd("forgetGate", f.Load("c", 0), "inputGate * cellGate")};
                {f.Store("cell", "c", 0)}
                {f.Store("(outputGate * RnnMath.Tanh(cell))", target, 0)}
                """);
            EmitProjection(writer, method);
        }
    }

    /// <summary>
    /// The GRU rows with their gates in registers (see <see cref="KeepsGatesInRegisters"/>): <c>Row</c> reads p's r, z,
    /// n vectors and hands them to <c>RowOnSums</c>, which forms q = b_hn + W_hh·h in registers, then r = σ(p_r + q_r),
    /// z = σ(p_z + q_z), n = tanh(fma(r, q_n, p_n)), h = fma(z, h − n, n).
    /// </summary>
    private static void EmitGruRowsInRegisters(IndentedWriter writer, StepMethod method)
    {
        KernelPlan product = method.Product;
        SimdFlavor f = product.Flavor;
        string v = f.VectorType;
        string loads = ProductEmitter.EachVector(product, i => f.Load("p", product.RowOf(i)));
        writer.Line($"internal static void {method.Name}Row(ref float p, ref float h, ref float o, ref float w, ref float bias, ref float product, bool recurrent)");
        writer.Line($"    => {method.Name}RowOnSums({loads}, ref h, ref o, ref w, ref bias, recurrent);");
        writer.Line();
        writer.Line("""
            /// <summary>
            /// The row on the input part of the pre-activations already in registers (r, z, n: p0 to p2; the whole-model Step's input
            /// product hands them over without a trip through memory): q = b_hn + W_hh·h in registers unless <paramref name="recurrent"/>
            /// is false (then h must be a row of zeros), the gates, h to o.
            /// </summary>
            """);
        writer.Line(KernelPlan.InlinedKernelAttribute);
        string parameters = ProductEmitter.EachVector(product, i => $"{v} p{Int(i)}");
        using (writer.Block($"internal static void {method.Name}RowOnSums({parameters}, ref float h, ref float o, ref float w, ref float bias, bool recurrent)"))
        {
            writer.Line("// q = b_hn + W_hh·h_{t−1} of the r, z and n vectors, kept in registers to the state update.");
            writer.Line($"{v} {ProductEmitter.EachVector(product, i => $"q{Int(i)} = {f.Load("bias", product.RowOf(i))}")};");
            EmitRecurrentProductOnto(writer, product, "q");
            // Vector u of units: r at u, z at k + u, n at 2k + u, of the k vectors per gate block.
            int k = product.VectorsPerBlock;
            for (int u = 0; u < k; u++)
            {
                string n = k == 1 ? string.Empty : Int(u);
                writer.Line($"""

                    // r, z = σ(p + q); n = tanh(fma(r, q_n, p_n)); h = fma(z, h_prev − n, n): units {Int(u * f.Lanes)} to {Int(((u + 1) * f.Lanes) - 1)} ({f.Description}).
                    {v} resetGate{n} = RnnMath.Sigmoid(p{Int(u)} + q{Int(u)});
                    {v} updateGate{n} = RnnMath.Sigmoid(p{Int(k + u)} + q{Int(k + u)});
                    {v} newGate{n} = RnnMath.Tanh({f.MultiplyAdd($"resetGate{n}", $"q{Int((2 * k) + u)}", $"p{Int((2 * k) + u)}")});
                    {f.Store(f.MultiplyAdd($"updateGate{n}", $"{f.Load("h", u * f.Lanes)} - newGate{n}", $"newGate{n}"), "o", u * f.Lanes)}
                    """);
            }
        }
    }

    /// <summary>Adds W_hh·h onto the vector locals <paramref name="prefix"/>0, 1, … unless the step has no h_{t−1} (the sums in the library's one order).</summary>
    private static void EmitRecurrentProductOnto(IndentedWriter writer, KernelPlan product, string prefix)
    {
        using (writer.Block("if (recurrent)"))
        {
            writer.Line($"// {prefix} += W_hh·h_{{t−1}} over all gate rows (without h0 the first step has h_{{t−1}} = 0: nothing to add).");
            ProductEmitter.EmitIntoRegisters(writer, product, "w", "h", prefix);
        }
    }

    private static void EmitGruMethod(IndentedWriter writer, StepMethod method, int hidden)
    {
        writer.Line();
        writer.Line($"/// <summary>{method.PanelWidth}-float panels: the product, then the gate pass, row by row.</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        using (writer.Block($"private static void {method.Name}(in RecurrentStepArgs args)"))
        {
            writer.Line($$"""
                ref float preactivations = ref MemoryMarshal.GetReference(args.Preactivations);
                ref float outputs = ref MemoryMarshal.GetReference(args.Output);
                ref float w = ref MemoryMarshal.GetReference(args.RecurrentWeights);
                ref float previous = ref MemoryMarshal.GetReference(args.Previous);
                ref float bias = ref MemoryMarshal.GetReference(args.RecurrentBias);
                ref float zeros = ref MemoryMarshal.GetReference(args.Zeros);

                // W_hh·h_{t−1} + b_hn of the row in hand (all gate rows, each gate block padded to whole panels), reused row after row.
                ref float product = ref MemoryMarshal.GetReference(args.Scratch);
                bool recurrent = !args.Previous.IsEmpty;
                int batch = args.Batch;
                int preactivationStride = args.PreactivationStride;
                int previousStride = args.PreviousStride;
                int outputStride = args.OutputStride;
                for (int row = 0; row < batch; row++)
                {
                    // Without h0 the first step has h_{t−1} = 0: the zeros row.
                    {{method.Name}}Row(
                        ref Unsafe.Add(ref preactivations, row * preactivationStride),
                        ref recurrent ? ref Unsafe.Add(ref previous, row * previousStride) : ref zeros,
                        ref Unsafe.Add(ref outputs, row * outputStride),
                        ref w,
                        ref bias,
                        ref product,
                        recurrent);
                }
                """);
        }

        writer.Line();
        writer.Line($"""
            /// <summary>
            /// One row: q = b_hn + W_hh·h into <paramref name="product"/> (scratch of all padded gate rows) unless <paramref name="recurrent"/>
            /// is false (the first step without h0: q = b_hn alone, and h must be a row of zeros); the gates; h to o. h and o hold exactly
            /// HiddenSize floats; o may be h itself. The whole-model kernels call it too.{(KeepsGatesInRegisters(method.Product) ? InRegistersRemark + "; product is not used." : string.Empty)}
            /// </summary>
            """);
        writer.Line(method.Product.RowAttribute);
        if (KeepsGatesInRegisters(method.Product))
        {
            EmitGruRowsInRegisters(writer, method);
            return;
        }

        using (writer.Block($"internal static void {method.Name}Row(ref float p, ref float h, ref float o, ref float w, ref float bias, ref float product, bool recurrent)"))
        {
            writer.Line("ref float hh = ref bias;");
            using (writer.Block("if (recurrent)"))
            {
                writer.Line("hh = ref product;");
                ProductEmitter.Emit(writer, method.Product, "w", "h", "bias", "product", exactOutputs: false);
            }

            int hp = method.PaddedHidden;
            writer.Line();
            writer.Line($"""
                // r and z in place, one pass each over whole vectors of the padded gate blocks (unit j at j and {Int(hp)} + j); then
                // n = tanh(fma(r, q_n, p_n)) and h = fma(z, h_prev − n, n) (n of unit j at {Int(2 * hp)} + j), units 0 to {Int(hidden - 1)} only.
                """);
            foreach ((string gate, int offset) in new[] { ("r", 0), ("z", hp) })
            {
                EmitUnitVectors(writer, method.Product.Flavor, 0, method.Product.VectorsPerBlock, $"{gate} = σ(p_{gate} + q_{gate})", unit => writer.Line(unit.Store($"RnnMath.Sigmoid({unit.Load("p", offset)} + {unit.Load("hh", offset)})", "p", offset)));
            }

            EmitStatePass(writer, method.GateFlavors, hidden, "n and h", unit => EmitGruUnits(writer, unit, hp));
        }
    }

    /// <summary>
    /// The state update of units 0 to <paramref name="hidden"/> − 1, never past them (c, h_{t−1} and the output row
    /// hold exactly HiddenSize floats): whole vectors, widest first, then narrower ones, then single units.
    /// </summary>
    private static void EmitStatePass(IndentedWriter writer, IReadOnlyList<SimdFlavor> flavors, int hidden, string label, Action<Unit> emitUnits)
    {
        int done = 0;
        foreach (SimdFlavor flavor in flavors)
        {
            int count = (hidden - done) / flavor.Lanes;
            EmitUnitVectors(writer, flavor, done, count, label, emitUnits);
            done += count * flavor.Lanes;
        }
    }

    /// <summary>
    /// <paramref name="count"/> vectors of units from unit <paramref name="first"/>: one is written out, several become
    /// a loop with constant bounds (the body is some 100 instructions of activations, so unrolling would only grow the code).
    /// </summary>
    private static void EmitUnitVectors(IndentedWriter writer, SimdFlavor flavor, int first, int count, string label, Action<Unit> emitUnits, string? end = null)
    {
        if (count == 0)
        {
            return;
        }

        int last = first + (count * flavor.Lanes);
        string range = last - first == 1 ? $"unit {Int(first)}" : $"units {Int(first)} to {Int(last - 1)}";
        string units = $"// {label}, {range}{(flavor.IsScalar ? string.Empty : $" ({flavor.Description})")}.";
        if (count == 1)
        {
            using (writer.Block(units))
            {
                emitUnits(new Unit(flavor, null, first));
            }
        }
        else
        {
            writer.Line(units);
            using (writer.Block($"for (int j = {Int(first)}; j < {end ?? Int(last)}; j += {Int(flavor.Lanes)})"))
            {
                emitUnits(new Unit(flavor, "j", 0));
            }
        }
    }

    private static string DescribeGatePass(int hidden, IReadOnlyList<SimdFlavor> flavors)
    {
        var parts = new List<string>();
        int done = 0;
        foreach (SimdFlavor flavor in flavors)
        {
            int count = (hidden - done) / flavor.Lanes;
            if (count > 0)
            {
                parts.Add($"{count} × {flavor.Description}");
                done += count * flavor.Lanes;
            }
        }

        return string.Join(" + ", parts);
    }

    /// <summary>
    /// One pass per (activation, offset): p[offset + j] = activation(p[offset + j]) over the product's vectors of one
    /// gate block (whole vectors: the padding lanes are activated too and stay in the padded rows). Why passes: with
    /// the four gate activations inlined side by side, the JIT keeps their constants in registers and spills the
    /// working values (see GateKernels.LstmVectors); one activation at a time keeps them in registers.
    /// </summary>
    private static void EmitActivationPasses(IndentedWriter writer, KernelPlan product, string? blockFloats, params (string Gate, string Activation, int Offset)[] passes)
    {
        foreach ((string gate, string activation, int offset) in passes)
        {
            string label = $"{gate} = {(activation == "RnnMath.Tanh" ? "tanh" : "σ")}(p[{(offset == 0 ? "j" : Int(offset) + " + j")}])";
            EmitUnitVectors(writer, product.Flavor, 0, product.VectorsPerBlock, label, unit => writer.Line(unit.Store($"{activation}({unit.Load("p", offset)})", "p", offset)), blockFloats);
        }
    }

    /// <summary>
    /// LSTM units, from the activated gates (gate g at g·<paramref name="hp"/>): as the runtime's. c = fma(f, c, i·g);
    /// h = o·tanh(c) to <paramref name="target"/>.
    /// </summary>
    private static void EmitLstmUnits(IndentedWriter writer, Unit unit, int hp, string target)
    {
        SimdFlavor f = unit.Flavor;
        string v = f.VectorType;
        writer.Line($"""
            {v} inputGate = {unit.Load("p", 0)};
            {v} forgetGate = {unit.Load("p", hp)};
            {v} cellGate = {unit.Load("p", 2 * hp)};
            {v} outputGate = {unit.Load("p", 3 * hp)};
            {v} cell = {f.MultiplyAdd("forgetGate", unit.Load("c", 0), "inputGate * cellGate")};
            {unit.Store("cell", "c", 0)}
            {unit.Store("(outputGate * RnnMath.Tanh(cell))", target, 0)}
            """);
    }

    /// <summary>
    /// GRU units, from the activated r and z (gate g at g·<paramref name="hp"/>): as the runtime's. n = tanh(fma(r, q_n, p_n));
    /// h = (1 − z)⊙n + z⊙h_{t−1}, computed as fma(z, h_{t−1} − n, n).
    /// </summary>
    private static void EmitGruUnits(IndentedWriter writer, Unit unit, int hp)
    {
        SimdFlavor f = unit.Flavor;
        string v = f.VectorType;
        writer.Line($"""
            {v} resetGate = {unit.Load("p", 0)};
            {v} updateGate = {unit.Load("p", hp)};
            {v} newGate = RnnMath.Tanh({f.MultiplyAdd("resetGate", unit.Load("hh", 2 * hp), unit.Load("p", 2 * hp))});
            {unit.Store(f.MultiplyAdd("updateGate", $"{unit.Load("h", 0)} - newGate", "newGate"), "o", 0)}
            """);
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One kernel method: its products (whose panel width names it) and the vector widths of its state pass, widest first.</summary>
    private sealed class StepMethod
    {
        public StepMethod(string name, KernelPlan product, KernelPlan? projection, SimdFlavor[] gateFlavors)
        {
            Name = name;
            Product = product;
            Projection = projection;
            GateFlavors = gateFlavors;
        }

        public string Name { get; }

        public int PanelWidth => Product.PanelWidth;

        /// <summary>Hp: the hidden size rounded up to whole panels, where each gate block starts.</summary>
        public int PaddedHidden => Product.PaddedBlockRows;

        public KernelPlan Product { get; }

        public KernelPlan? Projection { get; }

        public SimdFlavor[] GateFlavors { get; }
    }

    /// <summary>A vector of units: at a constant first unit, or at loop variable <see cref="Variable"/> plus a constant.</summary>
    private readonly struct Unit
    {
        public Unit(SimdFlavor flavor, string? variable, int first)
        {
            Flavor = flavor;
            Variable = variable;
            First = first;
        }

        public SimdFlavor Flavor { get; }

        public string? Variable { get; }

        public int First { get; }

        public string Load(string reference, int offset)
            => Variable is null ? Flavor.Load(reference, First + offset) : Flavor.LoadAt(reference, Offset(offset));

        public string Store(string value, string reference, int offset)
            => Variable is null ? Flavor.Store(value, reference, First + offset) : Flavor.StoreAt(value, reference, Offset(offset));

        private string Offset(int offset) => offset == 0 ? Variable! : $"({Variable} + {Int(offset)})";
    }
}
