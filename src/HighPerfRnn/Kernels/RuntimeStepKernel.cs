using System.ComponentModel;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Kernels;

/// <summary>
/// The runtime-sized step: sizes read from the arguments, any shape, every cell and path. The recurrent product is
/// <see cref="PackedGemm"/> (into the pre-activation rows in place, or for the GRU into scratch), then one fused
/// pass applies the cell's activations and state update.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public readonly struct RuntimeStepKernel : IRecurrentStepKernel
{
    /// <inheritdoc />
    public static bool TryStep(in RecurrentStepArgs args)
    {
        Step(args);
        return true;
    }

    /// <summary>Runs the step (never declines).</summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Step(in RecurrentStepArgs args)
    {
        // A step of no rows touches nothing. This is also the only RecurrentStepArgs code outside the library can
        // make (default: no spans, panel width 0), which must not reach the size arithmetic below.
        if (args.Batch <= 0)
        {
            return;
        }

        switch (args.Cell)
        {
            case RnnCell.Lstm:
                LstmStep(args);
                break;
            case RnnCell.Gru:
                GruStep(args);
                break;
            default:
                ElmanStep(args);
                break;
        }
    }

    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ElmanStep(in RecurrentStepArgs args)
    {
        AddRecurrentProduct(args);

        // Every row's activations in one call (a call per row: 1.01–1.05× the whole pass's time at batches 8–64, paired).
        ActivationKernels.ApplyRows(PathOf(args.PanelWidth), args.Nonlinearity, args.Preactivations, args.PreactivationStride, args.Batch, args.Output, args.OutputStride, args.HiddenSize);
    }

    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void LstmStep(in RecurrentStepArgs args)
    {
        AddRecurrentProduct(args);
        SimdPath path = PathOf(args.PanelWidth);
        int hidden = args.HiddenSize;
        bool projected = !args.ProjectionWeights.IsEmpty;
        int paddedHidden = PackedMatrix.PadToPanels(hidden, args.PanelWidth);
        int paddedState = PackedMatrix.PadToPanels(args.StateSize, args.PanelWidth);
        Span<float> fullHidden = projected ? args.Scratch[..(args.Batch * paddedHidden)] : default;

        // Every row's gates in one call, each activation pass over all the rows (GateKernels.LstmRows).
        GateKernels.LstmRows(
            path,
            args.Preactivations,
            args.PreactivationStride,
            args.Batch,
            args.CellState[..(args.Batch * hidden)],
            projected ? fullHidden : args.Output,
            projected ? paddedHidden : args.OutputStride,
            hidden);

        if (projected)
        {
            // h = W_hr·h_full for every row, then into the output columns (proj_size of them).
            Span<float> projection = args.Scratch.Slice(args.Batch * paddedHidden, args.Batch * paddedState);
            PackedGemm.MultiplyAdd(path, fullHidden, paddedHidden, args.Batch, args.ProjectionWeights, hidden, args.Zeros, 0, projection, paddedState);
            for (int row = 0; row < args.Batch; row++)
            {
                projection.Slice(row * paddedState, args.StateSize).CopyTo(args.Output.Slice(row * args.OutputStride, args.StateSize));
            }
        }
    }

    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GruStep(in RecurrentStepArgs args)
    {
        SimdPath path = PathOf(args.PanelWidth);
        int hidden = args.HiddenSize;
        int stride = args.RecurrentBias.Length;
        Span<float> recurrent = args.Scratch[..(args.Batch * stride)];
        bool first = args.Previous.IsEmpty;
        if (!first && args.Batch == 1)
        {
            MatrixVector(args, ref MemoryMarshal.GetReference(args.RecurrentBias), ref MemoryMarshal.GetReference(recurrent));
        }
        else if (!first)
        {
            PackedGemm.MultiplyAdd(path, args.Previous, args.PreviousStride, args.Batch, args.RecurrentWeights, args.StateSize, args.RecurrentBias, 0, recurrent, stride);
        }
        else
        {
            for (int row = 0; row < args.Batch; row++)
            {
                args.RecurrentBias.CopyTo(recurrent.Slice(row * stride, stride));
            }
        }

        // Every row's gates in one call (GateKernels.GruRows); without h_{t−1}, one row of zeros serves every row.
        GateKernels.GruRows(
            path,
            args.Preactivations,
            args.PreactivationStride,
            recurrent,
            stride,
            first ? args.Zeros[..hidden] : args.Previous,
            first ? 0 : args.PreviousStride,
            args.Output,
            args.OutputStride,
            args.Batch,
            hidden);
    }

    /// <summary>Preactivations += W_hh·h_{t−1}, in place, for every row (nothing at the first step without h0).</summary>
    // Fully optimized from the first call, as the kernels it drives (see PackedGemm.Run): in tiered code it was seen running at half speed under BenchmarkDotNet.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void AddRecurrentProduct(in RecurrentStepArgs args)
    {
        if (args.Previous.IsEmpty)
        {
            return;
        }

        if (args.Batch == 1)
        {
            ref float p = ref MemoryMarshal.GetReference(args.Preactivations);
            MatrixVector(args, ref p, ref p);
        }
        else
        {
            PackedGemm.MultiplyAdd(PathOf(args.PanelWidth), args.Previous, args.PreviousStride, args.Batch, args.RecurrentWeights, args.StateSize, args.Preactivations, args.PreactivationStride, args.Preactivations, args.PreactivationStride);
        }
    }

    /// <summary>
    /// y = init + W_hh·h_{t−1} for the single batch row: one matrix-vector product, without the general product's
    /// bookkeeping, walking the panels in alternating order from step to step (see PackedGemm.SingleRow). The driver
    /// checked every length when it built the arguments: init and y hold whole panels of the gate rows.
    /// </summary>
    private static void MatrixVector(in RecurrentStepArgs args, ref float init, ref float y)
    {
        int panelWidth = args.PanelWidth;
        int depth = args.StateSize;
        int panels = args.RecurrentWeights.Length / (depth * panelWidth);
        bool reverse = (args.StepIndex & 1) == 1;
        ref float x = ref MemoryMarshal.GetReference(args.Previous);
        ref float w = ref MemoryMarshal.GetReference(args.RecurrentWeights);
        switch (panelWidth)
        {
            case 16: PackedGemm.SingleRow<Vector512Ops, Vector512<float>>(ref x, ref w, depth * 16, ref init, ref y, depth, panels, reverse); break;
            case 8: PackedGemm.SingleRow<Vector256Ops, Vector256<float>>(ref x, ref w, depth * 8, ref init, ref y, depth, panels, reverse); break;
            case 4: PackedGemm.SingleRow<Vector128Ops, Vector128<float>>(ref x, ref w, depth * 4, ref init, ref y, depth, panels, reverse); break;
            default: PackedGemm.SingleRow<ScalarOps, float>(ref x, ref w, depth, ref init, ref y, depth, panels, reverse); break;
        }
    }

    private static SimdPath PathOf(int panelWidth) => panelWidth switch
    {
        16 => SimdPath.Vector512,
        8 => SimdPath.Vector256,
        4 => SimdPath.Vector128,
        _ => SimdPath.Scalar,
    };
}
