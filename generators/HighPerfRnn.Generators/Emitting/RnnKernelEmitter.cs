using System.Globalization;
using System.Linq;
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
/// wider vectors would only add zero lanes), 8-float panels (AVX2), 4-float panels (SSE, Arm64 NEON; the planner also
/// packs hidden ≤ 4 for them) and 1-float panels (no SIMD: row-major W_hh). Steps of 4 rows or more are left to the
/// runtime kernel: each row here is its own matrix-vector product, while the runtime's blocked product loads W_hh
/// once for 4 rows.
/// </remarks>
internal static class RnnKernelEmitter
{
    public static string KernelName(RnnModelDeclaration model) => "RnnStepKernelH" + model.HiddenSize.ToString(CultureInfo.InvariantCulture);

    /// <summary>The model's activation as the emitted code calls it.</summary>
    internal static string Activation(RnnModelDeclaration model) => model.Nonlinearity == "Relu" ? "RnnMath.Relu" : "RnnMath.Tanh";

    public static void Emit(IndentedWriter writer, RnnModelDeclaration model)
    {
        int hidden = model.HiddenSize;
        string activation = Activation(model);
        // W_hh is square: hidden rows (one block, padded to whole panels), hidden deep.
        // On 16-float panels at hidden ≤ 8, 256-bit code on the panels' lower halves: the upper halves are all padding.
        (string Name, KernelPlan Plan)[] methods =
        [
            (hidden <= 8 ? "StepHalvesOf512" : "Step512", new KernelPlan(hidden <= 8 ? SimdFlavor.Vector256 : SimdFlavor.Vector512, hidden, hidden, 16)),
            ("Step256", new KernelPlan(SimdFlavor.Vector256, hidden, hidden, 8)),
            ("Step128", new KernelPlan(SimdFlavor.Vector128, hidden, hidden, 4)),
            ("StepScalar", new KernelPlan(SimdFlavor.Scalar, hidden, hidden, 1)),
        ];

        writer.Line($$"""
            /// <summary>
            /// The Elman RNN step of {{model.DisplayName}} (hidden size {{hidden}}, {{model.Nonlinearity.ToLowerInvariant()}}), for every layer and direction:
            /// <c>h_t = {{model.Nonlinearity.ToLowerInvariant()}}(pre_t + W_hh·h_{t−1})</c>, pre_t holding W_ih·x_t + b_ih + b_hh from the driver.
            /// </summary>
            /// <remarks>
            /// W_hh comes packed in column panels of <c>PanelWidth</c> outputs (packed layout version 2, rows padded to whole panels):
            /// W_hh[j, k] at ((j / PanelWidth)·{{hidden}} + k)·PanelWidth + j % PanelWidth, so the product is broadcast(h[k]) × panel FMAs
            /// with no horizontal sums. Each output is summed in 4 contiguous chunks of k combined as (s0 + s1) + (s2 + s3) (docs/numerics.md).
            """);
        foreach ((string name, KernelPlan plan) in methods)
        {
            writer.Line($"/// {Describe(plan, name)}");
        }

        writer.Line("/// </remarks>");
        using (writer.Block($"file readonly struct {KernelName(model)} : IRecurrentStepKernel"))
        {
            writer.Line($$"""
                /// <summary>Hidden features: the outputs of a step and the length of its recurrent sum.</summary>
                public const int HiddenSize = {{hidden}};

                /// <summary>Steps of this many rows or more go to the runtime kernel (see TryStep).</summary>
                private const int RuntimeBatch = 4;

                /// <inheritdoc />
                """);
            using (writer.Block("public static bool TryStep(in RecurrentStepArgs args)"))
            {
                writer.Line($$"""
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

                    """);
                StepDispatch.Emit(writer, methods.Select(method => (method.Plan.PanelWidth, method.Name)));
            }

            foreach ((string name, KernelPlan plan) in methods)
            {
                EmitStepMethod(writer, name, plan, activation);
            }
        }
    }

    private static string Describe(KernelPlan plan, string method)
        => $"<c>{method}</c> ({plan.PanelWidth}-float panels): {ProductEmitter.Describe(plan)}.";

    private static void EmitStepMethod(IndentedWriter writer, string name, KernelPlan plan, string activation)
    {
        writer.Line();
        writer.Line($"/// <summary>{Describe(plan, name)}</summary>");
        writer.Line(KernelPlan.KernelAttribute); // a call of its own, compiled optimized at once
        using (writer.Block($"private static void {name}(in RecurrentStepArgs args)"))
        {
            writer.Line($$"""
                ref float preactivations = ref MemoryMarshal.GetReference(args.Preactivations);
                ref float outputs = ref MemoryMarshal.GetReference(args.Output);
                ref float w = ref MemoryMarshal.GetReference(args.RecurrentWeights);
                ref float previous = ref MemoryMarshal.GetReference(args.Previous);
                bool recurrent = !args.Previous.IsEmpty;
                int batch = args.Batch;
                int preactivationStride = args.PreactivationStride;
                int previousStride = args.PreviousStride;
                int outputStride = args.OutputStride;
                for (int row = 0; row < batch; row++)
                {
                    {{name}}Row(ref Unsafe.Add(ref preactivations, row * preactivationStride), ref Unsafe.Add(ref previous, row * previousStride), ref Unsafe.Add(ref outputs, row * outputStride), ref w, recurrent);
                }
                """);
        }

        writer.Line();
        writer.Line($"""
            /// <summary>
            /// One row: o = act(p + W_hh·h) (p, the pre-activations, HiddenSize rounded up to whole panels; h and o exactly HiddenSize
            /// floats, o may be h itself or p); without a previous state (<paramref name="recurrent"/> false: the first step without h0),
            /// o = act(p). The whole-model kernels call it too.
            /// </summary>
            """);
        writer.Line(plan.RowAttribute);
        if (KeepsRowInRegisters(plan))
        {
            SimdFlavor flavor = plan.Flavor;
            writer.Line($"internal static void {name}Row(ref float p, ref float h, ref float o, ref float w, bool recurrent)");
            writer.Line($"    => {name}RowOnSums({ProductEmitter.EachVector(plan, v => flavor.Load("p", v * flavor.Lanes))}, ref h, ref o, ref w, recurrent);");
            writer.Line();
            writer.Line($"""
                /// <summary>
                /// <c>{name}Row</c> on the pre-activations in registers (one vector each, in the padded row numbering):
                /// <c>{name}AddRecurrent</c> where there is a previous state, then the activation.
                /// </summary>
                """);
            writer.Line(plan.RowAttribute);
            using (writer.Block($"internal static void {name}RowOnSums({ProductEmitter.EachVector(plan, v => $"{flavor.VectorType} sum{v}")}, ref float h, ref float o, ref float w, bool recurrent)"))
            {
                EmitRowInRegisters(writer, name, plan, activation);
            }

            writer.Line();
            writer.Line($"""
                /// <summary>
                /// The product of <c>{name}RowOnSums</c>: W_hh·h added onto the sums in registers. A bidirectional whole-model
                /// Forward calls it for both directions, then activates both directions' sums one after the other.
                /// </summary>
                """);
            writer.Line(plan.RowAttribute);
            using (writer.Block($"internal static void {name}AddRecurrent({ProductEmitter.EachVector(plan, v => $"ref {flavor.VectorType} sum{v}")}, ref float h, ref float w)"))
            {
                ProductEmitter.EmitIntoRegisters(writer, plan, "w", "h", "sum");
            }

            return;
        }

        using (writer.Block($"internal static void {name}Row(ref float p, ref float h, ref float o, ref float w, bool recurrent)"))
        {
            using (writer.Block("if (!recurrent)"))
            {
                writer.Line("// The first step without h0: h_{t−1} = 0, so h_t = act(pre_t).");
                EmitActivationPass(writer, plan, activation, unrolledUpTo: 0);
                writer.Line("return;");
            }

            writer.Line();

            // Group by group, the sums to the pre-activation row (scratch, padded to whole panels); then the activation.
            ProductEmitter.Emit(writer, plan, "w", "h", "p", "p", exactOutputs: false);
            using (writer.Block("// Then the activation, p to o."))
            {
                EmitActivationPass(writer, plan, activation, UnrolledActivations);
            }
        }
    }

    /// <summary>Whether an Elman row's sums fit the registers (one group, unrolled): it then has a <c>RowOnSums</c> form.</summary>
    internal static bool KeepsRowInRegisters(KernelPlan plan) => plan.Unrolled && plan.Groups == 1;

    /// <summary>
    /// The body of a row whose sums fit the registers (one group, unrolled), from the pre-activations sum0, sum1, … in
    /// registers: W_hh·h added onto them where there is a previous state (the row's <c>AddRecurrent</c>, one copy of the
    /// product for the row and the bidirectional Forward), then one activation per output vector on either
    /// path, stored straight to o. With the first step's activation a copy of its own (act(p) apart), a bidirectional
    /// Forward's time loop held four activations, whose constants the JIT kept live across them, spilling the chain's
    /// values to the stack: the seed's Forward at 50–200 steps took 1.46–1.60 of the runtime's time; with this row and
    /// each layer's loop a method of its own, 1.04–1.15, and 0.78 at 10 steps (paired, AMD EPYC Zen 3).
    /// </summary>
    private static void EmitRowInRegisters(IndentedWriter writer, string name, KernelPlan plan, string activation)
    {
        using (writer.Block("if (recurrent)"))
        {
            writer.Line($"{name}AddRecurrent({ProductEmitter.EachVector(plan, v => $"ref sum{v}")}, ref h, ref w);");
        }

        writer.Line();
        writer.Line("// h_t = act(sum): without a previous state (the first step without h0), act(pre_t).");
        EmitActivateAndStore(writer, plan, activation, "sum", "o");
    }

    /// <summary>
    /// <paramref name="destination"/> = act(<paramref name="sums"/>0, <paramref name="sums"/>1, …): the row's real outputs,
    /// a partial last vector stored lane by lane (its padding lanes are other columns).
    /// </summary>
    internal static void EmitActivateAndStore(IndentedWriter writer, KernelPlan plan, string activation, string sums, string destination)
    {
        SimdFlavor flavor = plan.Flavor;
        int lanes = flavor.Lanes;
        for (int vector = 0; vector < plan.Vectors; vector++)
        {
            bool partial = vector == plan.Vectors - 1 && plan.LastVectorLanes != lanes;
            if (!partial)
            {
                writer.Line(flavor.Store($"{activation}({sums}{vector})", destination, vector * lanes));
                continue;
            }

            using (writer.Block("// The last vector, partial: its real lanes only."))
            {
                writer.Line($"{flavor.VectorType} last = {activation}({sums}{vector});");
                foreach (string line in flavor.StorePartial("last", plan.LastVectorLanes, destination, vector * lanes))
                {
                    writer.Line(line);
                }
            }
        }
    }

    /// <summary>
    /// The most activations an Elman row writes out one by one; more go in a loop with one copy. Each inlined tanh is a
    /// large share of the JIT's inlining budget for the method: with 16 copies (two passes of 8) the 128-bit Elman 32 row
    /// ran out of budget and called its last 34 multiply-adds and every tanh; the scalar Elman 16's, with 32, 150 calls;
    /// with 8 (the cold pass a loop) the 128-bit Elman 32 still called 2. The loop's iterations are independent, so at
    /// batch 1 the CPU still overlaps their activations.
    /// </summary>
    private const int UnrolledActivations = 4;

    /// <summary>o = act(p) over the row's outputs, reading whole (padded) vectors and writing only real outputs: written out up to <paramref name="unrolledUpTo"/> vectors, else a loop.</summary>
    private static void EmitActivationPass(IndentedWriter writer, KernelPlan plan, string activation, int unrolledUpTo)
    {
        SimdFlavor flavor = plan.Flavor;
        int lanes = flavor.Lanes;
        int fullVectors = plan.LastVectorLanes == lanes ? plan.Vectors : plan.Vectors - 1;
        if (plan.Vectors <= unrolledUpTo)
        {
            for (int vector = 0; vector < fullVectors; vector++)
            {
                writer.Line(flavor.Store($"{activation}({flavor.Load("p", vector * lanes)})", "o", vector * lanes));
            }
        }
        else if (fullVectors > 0)
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

}
