using System.Collections.Generic;
using System.Globalization;
using HighPerfRnn.Generators.Models;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// Emits the LSTM's and the GRU's step kernel for one (hidden, proj_size) pair. The step depends on those alone, so
/// one kernel serves every layer and direction. Each batch row takes two passes:
/// <list type="number">
/// <item>the recurrent product over all gate rows at once (W_hh is gates × H rows, packed in column panels, so the
/// product runs over whole panel vectors that may straddle two gates): for the LSTM into the pre-activation row in
/// place (pre + W_hh·h), for the GRU into scratch starting from the recurrent bias (b_hn + W_hh·h, because the reset
/// gate multiplies the n rows' recurrent part alone);</item>
/// <item>one fused pass over the hidden units that reads each unit's gates at g·H + j, applies σ and tanh and
/// updates the state: c and h for the LSTM, h for the GRU. Whole vectors of units, widest first, then narrower
/// ones, then single units: the same formulas, term for term, as the runtime's GateKernels.</item>
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
    /// The most weights of W_hh (gates × hidden × state) for which the kernel is specialized: 12288 floats, 48 KB, the
    /// L1 data cache of current x64 cores (32 to 48 KB). That takes in GRUs to hidden 64 and LSTMs to hidden 55 (or
    /// larger hidden sizes with a projection). Beyond it W_hh no longer stays in L1 from one step to the next, the step
    /// is bound by streaming the weights from L2, and the runtime's batch-1 product, which walks the panels in
    /// alternating order so that each step starts on what the previous one left in L1, does as well as constant sizes
    /// can: measured at batch 1 on AVX2 (thread CPU time, shared machine), the generated LSTM at hidden 64 ran at
    /// 0.97× (Step) and 1.03× (Forward) the runtime's, and at hidden 128 within ±4%, while its code only grew. Past the
    /// line the kernel declines at once and the driver runs the runtime kernel.
    /// </summary>
    public const int SpecializeLimit = 48 * 1024 / sizeof(float);

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

        var methods = new List<StepMethod>
        {
            new("Step512", 16, new KernelPlan(gateRows <= 8 ? SimdFlavor.Vector256 : SimdFlavor.Vector512, gateRows, state, 16),
                proj > 0 ? new KernelPlan(proj <= 8 ? SimdFlavor.Vector256 : SimdFlavor.Vector512, proj, hidden, 16) : null,
                [SimdFlavor.Vector512, SimdFlavor.Vector256, SimdFlavor.Vector128, SimdFlavor.Scalar]),
            new("Step256", 8, new KernelPlan(SimdFlavor.Vector256, gateRows, state, 8),
                proj > 0 ? new KernelPlan(SimdFlavor.Vector256, proj, hidden, 8) : null,
                [SimdFlavor.Vector256, SimdFlavor.Vector128, SimdFlavor.Scalar]),
            new("StepScalar", 1, new KernelPlan(SimdFlavor.Scalar, gateRows, state, 1),
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
                /// <c>i, f, g, o = σ, σ, tanh, σ of (pre_t + W_hh·h_{t−1}) in gate blocks of HiddenSize rows; c = f⊙c + i⊙g; h = o⊙tanh(c)</c>
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
                /// <c>r, z = σ(pre_t + W_hh·h_{t−1}) in the first two gate blocks; n = tanh(pre_n + r⊙(W_hn·h_{t−1} + b_hn)); h = n + z⊙(h_{t−1} − n)</c>,
                /// pre_t holding W_ih·x_t + b_ih (+ b_hr, b_hz) from the driver.
                """);
        }

        writer.Line("/// </summary>");
        writer.Line("/// <remarks>");
        if (specialized)
        {
            writer.Line($"""
                /// W_hh ({gateRows} × {state}) comes packed in column panels of <c>PanelWidth</c> rows: W_hh[j, k] at ((j / PanelWidth)·{state} + k)·PanelWidth + j % PanelWidth.
                /// Per batch row: the product over all {gateRows} gate rows{(lstm ? ", into the pre-activation row in place" : ", from b_hn into scratch")}; then one pass over the units applies the gates.
                """);
            foreach (StepMethod method in methods)
            {
                writer.Line($"/// <c>{method.Name}</c> ({method.PanelWidth}-float panels): product {ProductEmitter.Describe(method.Product)}; gates {DescribeGatePass(hidden, method.GateFlavors)}"
                    + (method.Projection is null ? "." : $"; projection {ProductEmitter.Describe(method.Projection)}."));
            }
        }
        else
        {
            writer.Line($"""
                /// Not specialized: W_hh has {(long)gateRows * state} weights, more than the generator's line ({SpecializeLimit}, 48 KB: L1). At this size the
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
            writer.Line($$"""
                /// <inheritdoc />
                public static bool TryStep(in RecurrentStepArgs args)
                {
                    // The model was checked against the declaration when it was built, so these hold; checking keeps the
                    // unchecked addressing below sound whatever model the kernel is handed.
                    if (args.Cell != RnnCell.{{model.Cell}} || args.HiddenSize != HiddenSize || args.StateSize != StateSize{{projectionCheck}})
                    {
                        return false;
                    }

                    // The SIMD path was chosen once, when the model was built, and the weights packed for it; PanelWidth names it.
                    switch (args.PanelWidth)
                    {
                        case 16:
                            Step512(in args);
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
        // Compiled optimized at once: a kernel is hot from its first call, and unoptimized SIMD code is many times slower.
        writer.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (writer.Block($"private static void {method.Name}(in RecurrentStepArgs args)"))
        {
            writer.Line("""
                ref float preactivations = ref MemoryMarshal.GetReference(args.Preactivations);
                ref float outputs = ref MemoryMarshal.GetReference(args.Output);
                ref float cells = ref MemoryMarshal.GetReference(args.CellState);
                ref float w = ref MemoryMarshal.GetReference(args.RecurrentWeights);
                ref float previous = ref MemoryMarshal.GetReference(args.Previous);
                """);
            if (projected)
            {
                writer.Line("""
                    ref float wr = ref MemoryMarshal.GetReference(args.ProjectionWeights);

                    // h_full of the row in hand (HiddenSize floats), reused row after row.
                    ref float hf = ref MemoryMarshal.GetReference(args.Scratch);
                    """);
            }

            writer.Line("""
                bool recurrent = !args.Previous.IsEmpty;
                int batch = args.Batch;
                int preactivationStride = args.PreactivationStride;
                int previousStride = args.PreviousStride;
                int outputStride = args.OutputStride;
                """);
            using (writer.Block("for (int row = 0; row < batch; row++)"))
            {
                writer.Line("""
                    ref float p = ref Unsafe.Add(ref preactivations, row * preactivationStride);
                    ref float c = ref Unsafe.Add(ref cells, row * HiddenSize);
                    ref float o = ref Unsafe.Add(ref outputs, row * outputStride);
                    """);
                using (writer.Block("if (recurrent)"))
                {
                    writer.Line("// pre += W_hh·h_{t−1} over all gate rows (without h0 the first step has h_{t−1} = 0: nothing to add).");
                    writer.Line("ref float h = ref Unsafe.Add(ref previous, row * previousStride);");
                    ProductEmitter.Emit(writer, method.Product, "w", "h", "p", "p", exactOutputs: false);
                }

                writer.Line();
                writer.Line($"// Gates, one activation per pass, in place (i, f, g, o of unit j at j, {Int(hidden)} + j, {Int(2 * hidden)} + j, {Int(3 * hidden)} + j); then c and h.");
                EmitActivationPasses(writer, method.GateFlavors, hidden, ("RnnMath.Sigmoid", 0), ("RnnMath.Sigmoid", hidden), ("RnnMath.Tanh", 2 * hidden), ("RnnMath.Sigmoid", 3 * hidden));
                EmitGatePass(writer, method.GateFlavors, hidden, unit => EmitLstmUnits(writer, unit, hidden, projected ? "hf" : "o"));
                if (projected)
                {
                    writer.Line();
                    writer.Line("// h = W_hr·h_full, straight into the output row (exactly StateSize floats).");
                    ProductEmitter.Emit(writer, method.Projection!, "wr", "hf", null, "o", exactOutputs: true);
                }
            }
        }
    }

    private static void EmitGruMethod(IndentedWriter writer, StepMethod method, int hidden)
    {
        writer.Line();
        writer.Line($"/// <summary>{method.PanelWidth}-float panels: the product, then the gate pass, row by row.</summary>");
        // Compiled optimized at once: a kernel is hot from its first call, and unoptimized SIMD code is many times slower.
        writer.Line("[MethodImpl(MethodImplOptions.AggressiveOptimization)]");
        using (writer.Block($"private static void {method.Name}(in RecurrentStepArgs args)"))
        {
            writer.Line("""
                ref float preactivations = ref MemoryMarshal.GetReference(args.Preactivations);
                ref float outputs = ref MemoryMarshal.GetReference(args.Output);
                ref float w = ref MemoryMarshal.GetReference(args.RecurrentWeights);
                ref float previous = ref MemoryMarshal.GetReference(args.Previous);
                ref float bias = ref MemoryMarshal.GetReference(args.RecurrentBias);
                ref float zeros = ref MemoryMarshal.GetReference(args.Zeros);

                // W_hh·h_{t−1} + b_hn of the row in hand (all gate rows, padded to whole vectors), reused row after row.
                ref float product = ref MemoryMarshal.GetReference(args.Scratch);
                bool recurrent = !args.Previous.IsEmpty;
                int batch = args.Batch;
                int preactivationStride = args.PreactivationStride;
                int previousStride = args.PreviousStride;
                int outputStride = args.OutputStride;
                """);
            using (writer.Block("for (int row = 0; row < batch; row++)"))
            {
                writer.Line("""
                    ref float p = ref Unsafe.Add(ref preactivations, row * preactivationStride);
                    ref float o = ref Unsafe.Add(ref outputs, row * outputStride);

                    // Without h0 the first step has h_{t−1} = 0, so the recurrent part is b_hn alone.
                    ref float hh = ref bias;
                    ref float h = ref zeros;
                    """);
                using (writer.Block("if (recurrent)"))
                {
                    writer.Line("""
                        h = ref Unsafe.Add(ref previous, row * previousStride);
                        hh = ref product;
                        """);
                    ProductEmitter.Emit(writer, method.Product, "w", "h", "bias", "product", exactOutputs: false);
                }

                writer.Line();
                writer.Line($"// r and z, one pass each, in place (unit j at j and {Int(hidden)} + j); then n and h (n of unit j at {Int(2 * hidden)} + j).");
                EmitGatePass(writer, method.GateFlavors, hidden, unit => writer.Line(unit.Store($"RnnMath.Sigmoid({unit.Load("p", 0)} + {unit.Load("hh", 0)})", "p", 0)));
                EmitGatePass(writer, method.GateFlavors, hidden, unit => writer.Line(unit.Store($"RnnMath.Sigmoid({unit.Load("p", hidden)} + {unit.Load("hh", hidden)})", "p", hidden)));
                EmitGatePass(writer, method.GateFlavors, hidden, unit => EmitGruUnits(writer, unit, hidden));
            }
        }
    }

    /// <summary>
    /// Covers units 0 to <paramref name="hidden"/> − 1 with whole vectors, widest first: one vector is written out,
    /// several become a loop with constant bounds (the body is some 100 instructions of activations, so unrolling
    /// would only grow the code).
    /// </summary>
    private static void EmitGatePass(IndentedWriter writer, IReadOnlyList<SimdFlavor> flavors, int hidden, System.Action<Unit> emitUnits)
    {
        int done = 0;
        foreach (SimdFlavor flavor in flavors)
        {
            int count = (hidden - done) / flavor.Lanes;
            if (count == 0)
            {
                continue;
            }

            if (count == 1)
            {
                using (writer.Block($"// Units {done} to {done + flavor.Lanes - 1}."))
                {
                    emitUnits(new Unit(flavor, null, done));
                }
            }
            else
            {
                using (writer.Block($"for (int j = {Int(done)}; j < {Int(done + (count * flavor.Lanes))}; j += {Int(flavor.Lanes)})"))
                {
                    emitUnits(new Unit(flavor, "j", 0));
                }
            }

            done += count * flavor.Lanes;
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
                parts.Add($"{count} × {(flavor.IsScalar ? "scalar" : flavor.Name.Replace("Vector", string.Empty) + "-bit")}");
                done += count * flavor.Lanes;
            }
        }

        return string.Join(" + ", parts);
    }

    /// <summary>
    /// One pass per (activation, offset): p[offset + j] = activation(p[offset + j]) for every unit j. Why passes: with
    /// the four gate activations inlined side by side, the JIT keeps their constants in registers and spills the
    /// working values (see GateKernels.LstmVectors); one activation at a time keeps them in registers.
    /// </summary>
    private static void EmitActivationPasses(IndentedWriter writer, IReadOnlyList<SimdFlavor> flavors, int hidden, params (string Activation, int Offset)[] passes)
    {
        foreach ((string activation, int offset) in passes)
        {
            EmitGatePass(writer, flavors, hidden, unit => writer.Line(unit.Store($"{activation}({unit.Load("p", offset)})", "p", offset)));
        }
    }

    /// <summary>
    /// LSTM units, from the activated gates: as GateKernels.Lstm. c = f⊙c + i⊙g as one multiply-add; h = o⊙tanh(c) to
    /// <paramref name="target"/>.
    /// </summary>
    private static void EmitLstmUnits(IndentedWriter writer, Unit unit, int hidden, string target)
    {
        SimdFlavor f = unit.Flavor;
        string v = f.VectorType;
        writer.Line($"""
            {v} inputGate = {unit.Load("p", 0)};
            {v} forgetGate = {unit.Load("p", hidden)};
            {v} cellGate = {unit.Load("p", 2 * hidden)};
            {v} outputGate = {unit.Load("p", 3 * hidden)};
            {v} cell = {f.MultiplyAdd("forgetGate", unit.Load("c", 0), "inputGate * cellGate")};
            {unit.Store("cell", "c", 0)}
            {unit.Store("(outputGate * RnnMath.Tanh(cell))", target, 0)}
            """);
    }

    /// <summary>GRU units, from the activated r and z: as GateKernels.Gru. h = (1 − z)⊙n + z⊙h_{t−1}, computed as n + z⊙(h_{t−1} − n) (one multiply-add).</summary>
    private static void EmitGruUnits(IndentedWriter writer, Unit unit, int hidden)
    {
        SimdFlavor f = unit.Flavor;
        string v = f.VectorType;
        writer.Line($"""
            {v} resetGate = {unit.Load("p", 0)};
            {v} updateGate = {unit.Load("p", hidden)};
            {v} newGate = RnnMath.Tanh({f.MultiplyAdd("resetGate", unit.Load("hh", 2 * hidden), unit.Load("p", 2 * hidden))});
            {unit.Store(f.MultiplyAdd("updateGate", $"{unit.Load("h", 0)} - newGate", "newGate"), "o", 0)}
            """);
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    /// <summary>One kernel method: its panel width, products and the vector widths of its gate pass, widest first.</summary>
    private sealed class StepMethod
    {
        public StepMethod(string name, int panelWidth, KernelPlan product, KernelPlan? projection, SimdFlavor[] gateFlavors)
        {
            Name = name;
            PanelWidth = panelWidth;
            Product = product;
            Projection = projection;
            GateFlavors = gateFlavors;
        }

        public string Name { get; }

        public int PanelWidth { get; }

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
