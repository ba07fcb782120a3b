using System.ComponentModel;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace HighPerfRnn.Kernels;

/// <summary>
/// The runtime-sized step: sizes read from the arguments, any shape, every path. The recurrent product is
/// <see cref="PackedGemm"/> into the pre-activation rows (in place), then the activation into the output rows.
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
    public static void Step(in RecurrentStepArgs args)
    {
        int hidden = args.HiddenSize;
        int panelWidth = args.PanelWidth;
        int panels = (hidden + panelWidth - 1) / panelWidth;
        int padded = panels * panelWidth;
        Span<float> preact = args.Preactivations;

        if (!args.Previous.IsEmpty)
        {
            ref float x = ref MemoryMarshal.GetReference(args.Previous);
            ref float w = ref MemoryMarshal.GetReference(args.RecurrentWeights);
            ref float p = ref MemoryMarshal.GetReference(preact);
            if (args.Batch == 1)
            {
                bool reverse = (args.StepIndex & 1) == 1;
                // The batch-1 step is one matrix-vector product: skip the general product's bookkeeping.
                switch (panelWidth)
                {
                    case 16: PackedGemm.SingleRow<Vector512Ops, Vector512<float>>(ref x, ref w, hidden * 16, ref p, ref p, hidden, panels, reverse); break;
                    case 8: PackedGemm.SingleRow<Vector256Ops, Vector256<float>>(ref x, ref w, hidden * 8, ref p, ref p, hidden, panels, reverse); break;
                    case 4: PackedGemm.SingleRow<Vector128Ops, Vector128<float>>(ref x, ref w, hidden * 4, ref p, ref p, hidden, panels, reverse); break;
                    default: PackedGemm.SingleRow<ScalarOps, float>(ref x, ref w, hidden, ref p, ref p, hidden, panels, reverse); break;
                }
            }
            else
            {
                PackedGemm.MultiplyAdd(PathOf(panelWidth), args.Previous, args.PreviousStride, args.Batch, args.RecurrentWeights, hidden, preact, args.PreactivationStride, preact, args.PreactivationStride);
            }
        }

        SimdPath path = PathOf(panelWidth);
        for (int row = 0; row < args.Batch; row++)
        {
            ActivationKernels.Apply(path, args.Nonlinearity, preact.Slice(row * args.PreactivationStride, padded), args.Output.Slice(row * args.OutputStride, hidden));
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
