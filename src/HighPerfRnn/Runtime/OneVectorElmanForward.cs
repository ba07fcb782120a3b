using System.Runtime.CompilerServices;
using HighPerfRnn.Kernels;

namespace HighPerfRnn.Runtime;

/// <summary>
/// Forward at batch 1 for Elman models whose hidden size is exactly one vector (hidden 8 on the 256-bit path, 16 on the
/// 512-bit one: the notebook's models and the benchmark's seed point), where the plan picks
/// <see cref="LayerKernel.ElmanSequenceProjecting"/> for every layer. Such a pass is a few hundred nanoseconds of arithmetic, and the
/// general driver's setup (scratch layout, per-direction bookkeeping, pre-activation rows, copies) cost as much again.
/// Here each layer is one kernel call: both directions' chains together, each step projecting its own input, h stored
/// straight into the layer's output columns and read back from there as h_{t−1}.
/// </summary>
/// <remarks>
/// The kernel and its sums are the ones the general driver runs for these layers (<see cref="ElmanSequenceKernel"/>
/// projecting its input), so the results are the same bit for bit; only the bookkeeping around them is gone.
/// </remarks>
internal static class OneVectorElmanForward
{
    /// <summary>
    /// The pass: <paramref name="input"/> (seq, input) to <paramref name="output"/> (seq, directions × hidden), h_n of every
    /// layer and direction into <paramref name="hN"/>; <paramref name="h0"/> empty for zeros. Lengths checked by the caller
    /// (ForwardValidation) and again by each direction.
    /// </summary>
    // Fully optimized from the first call, as the kernel it calls once per layer (a loop over layers: tiered PGO has little to learn here).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, ReadOnlySpan<float> h0, int seqLen, RnnWorkspace workspace)
    {
        RnnArchitecture architecture = model.Architecture;
        int hidden = architecture.HiddenSize;
        int directions = architecture.NumDirections;
        int width = architecture.OutputSize;
        int layerFloats = seqLen * width;

        // Layers below the last write to scratch, two buffers used alternately (a layer reads one while it writes the other).
        Span<float> scratch = architecture.NumLayers > 1
            ? workspace.Rent(RnnWorkspace.RequireScratch(2L * layerFloats, "seqLen", seqLen))
            : default;
        ReadOnlySpan<float> layerInput = input;
        int inputWidth = architecture.InputSize;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            Span<float> layerOutput = layer == architecture.NumLayers - 1 ? output : scratch.Slice((layer & 1) * layerFloats, layerFloats);
            ElmanSequenceKernel.Direction forward = Direction(model, layer, 0, layerInput, inputWidth, layerOutput, h0, seqLen);
            ElmanSequenceKernel.Direction backward = directions == 2 ? Direction(model, layer, 1, layerInput, inputWidth, layerOutput, h0, seqLen) : default;
            ElmanSequenceKernel.Run(model.SimdPath, architecture.Nonlinearity, forward, backward, hasSecond: directions == 2, seqLen);

            // h_n is each direction's last step: the forward one's at t = seqLen − 1, the backward one's at t = 0.
            int stateRow = layer * directions;
            layerOutput.Slice((seqLen - 1) * width, hidden).CopyTo(hN.Slice(stateRow * hidden, hidden));
            if (directions == 2)
            {
                layerOutput.Slice(hidden, hidden).CopyTo(hN.Slice((stateRow + 1) * hidden, hidden));
            }

            layerInput = layerOutput;
            inputWidth = width;
        }
    }

    /// <summary>One direction of a layer: its h rows are its columns of the layer's output, row t at t·width.</summary>
    private static ElmanSequenceKernel.Direction Direction(
        RnnModel model, int layer, int direction, ReadOnlySpan<float> layerInput, int inputWidth, Span<float> layerOutput, ReadOnlySpan<float> h0, int seqLen)
    {
        RnnArchitecture architecture = model.Architecture;
        int hidden = architecture.HiddenSize;
        int stateRow = (layer * architecture.NumDirections) + direction;
        PackedLayerDirection weights = model.Layer(layer, direction);
        return ElmanSequenceKernel.Direction.ProjectingInput(
            weights.RecurrentWeights.Data,
            layerOutput[(direction * hidden)..],
            architecture.OutputSize,
            hidden,
            seqLen,
            h0.IsEmpty ? default : h0.Slice(stateRow * hidden, hidden),
            backward: direction == 1,
            layerInput,
            inputWidth,
            inputWidth,
            weights.InputWeights.Data,
            weights.ProjectionBias);
    }
}
