using System.Runtime.CompilerServices;
using HighPerfRnn.Kernels;

namespace HighPerfRnn.Runtime;

/// <summary>
/// Forward of Elman models whose hidden size is exactly one vector (hidden 8 on the 256-bit path, 16 on the 512-bit one:
/// the notebook's models and the benchmark's seed point), at every batch the plan gives it
/// (<see cref="LayerKernel.ElmanSequenceProjecting"/> for every layer). Such a pass is a few hundred nanoseconds of
/// arithmetic per sequence, and the general driver's setup (scratch layout, per-direction bookkeeping, pre-activation
/// rows, copies) cost as much again; at batch 2 and more its blocked product works on one panel a few floats deep, where
/// a tile's starts and finishes outweigh its multiply-adds. Here each sequence of each layer and direction is one chain
/// of one kernel: each step projects its own input, h stays in a register and is stored straight into the layer's
/// output columns. The kernel advances two chains at a time, whose latencies overlap: a row's two directions, or two
/// rows of a unidirectional layer.
/// </summary>
/// <remarks>
/// The kernel and its sums are the ones the general driver runs for these layers (<see cref="ElmanSequenceKernel"/>
/// projecting its input; the input product and the recurrent product in the library's one order), so the results are
/// the same bit for bit at every batch; only the bookkeeping around them is gone.
/// </remarks>
internal static class OneVectorElmanForward
{
    /// <summary>
    /// The pass: <paramref name="input"/> to <paramref name="output"/> in <paramref name="shape"/>'s row order, h_n of every
    /// layer and direction into <paramref name="hN"/>; <paramref name="h0"/> empty for zeros. Lengths checked by the caller
    /// (ForwardValidation) and again by each chain. <paramref name="h0"/> may be <paramref name="hN"/> itself (a layer's h_n
    /// rows are written after its chains ran, and no later layer reads them as h0). With lengths (a ragged batch) row b
    /// runs its first lengths[b] steps, its output rows past them are zeros and its h_n is its own last step's.
    /// </summary>
    // Fully optimized from the first call, as the kernel it calls once per layer (a loop over layers: tiered PGO has little to learn here).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Run(RnnModel model, ReadOnlySpan<float> input, Span<float> output, Span<float> hN, ReadOnlySpan<float> h0, SequenceShape shape, ReadOnlySpan<int> lengths, RnnWorkspace workspace)
    {
        RnnArchitecture architecture = model.Architecture;
        int hidden = architecture.HiddenSize;
        int directions = architecture.NumDirections;
        int width = architecture.OutputSize;
        int batch = shape.Batch;
        int seqLen = shape.SeqLen;
        int layerFloats = shape.Rows * width;

        // Layers below the last write to scratch in the caller's row order, two buffers used alternately (a layer reads
        // one while it writes the other).
        Span<float> scratch = architecture.NumLayers > 1
            ? workspace.Rent(RnnWorkspace.RequireScratch(2L * layerFloats, "seqLen", seqLen))
            : default;
        ReadOnlySpan<float> layerInput = input;
        int inputWidth = architecture.InputSize;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            Span<float> layerOutput = layer == architecture.NumLayers - 1 ? output : scratch.Slice((layer & 1) * layerFloats, layerFloats);
            var chains = new Chains(model, layer, shape, layerInput, inputWidth, layerOutput, h0, lengths);
            RunChains(model, chains);

            // h_n is each direction's last step: the forward one's at t = length − 1, the backward one's at t = 0.
            for (int direction = 0; direction < directions; direction++)
            {
                int stateRow = (layer * directions) + direction;
                for (int row = 0; row < batch; row++)
                {
                    int finalTime = direction == 0 ? chains.LengthOf(row) - 1 : 0;
                    layerOutput.Slice((shape.Row(finalTime, row) * width) + (direction * hidden), hidden)
                        .CopyTo(hN.Slice(((stateRow * batch) + row) * hidden, hidden));
                }
            }

            layerInput = layerOutput;
            inputWidth = width;
        }

        // A ragged batch's output rows past each sequence's end are zeros, as pad_packed_sequence gives them.
        for (int row = 0; row < batch && !lengths.IsEmpty; row++)
        {
            for (int time = lengths[row]; time < seqLen; time++)
            {
                output.Slice(shape.Row(time, row) * width, width).Clear();
            }
        }
    }

    /// <summary>
    /// Every chain of a layer, two at a time: a row's two directions, or two rows of a unidirectional layer (one alone
    /// where the next has another length, and an odd batch's last row). Two chains per loop fill most of the time one
    /// chain's step waits on its latency; three or four per loop passed the JIT's inlining budget (the sums became
    /// calls: 2× the time, measured).
    /// </summary>
    private static void RunChains(RnnModel model, in Chains chains)
    {
        int count = chains.Count;
        for (int chain = 0; chain < count;)
        {
            int length = chains.LengthOfChain(chain);
            bool pair = chain + 1 < count && chains.LengthOfChain(chain + 1) == length;
            ElmanSequenceKernel.Run(model.SimdPath, model.Architecture.Nonlinearity, chains.Of(chain), pair ? chains.Of(chain + 1) : default, hasSecond: pair, length);
            chain += pair ? 2 : 1;
        }
    }

    /// <summary>The chains of one layer: one per batch row and direction, each reading its input rows and writing its h where the shape puts them.</summary>
    private readonly ref struct Chains(RnnModel model, int layer, SequenceShape shape, ReadOnlySpan<float> layerInput, int inputWidth, Span<float> layerOutput, ReadOnlySpan<float> h0, ReadOnlySpan<int> lengths)
    {
        private readonly ReadOnlySpan<float> _layerInput = layerInput;
        private readonly Span<float> _layerOutput = layerOutput;
        private readonly ReadOnlySpan<float> _h0 = h0;
        private readonly ReadOnlySpan<int> _lengths = lengths;

        /// <summary>Time steps of batch row <paramref name="row"/>.</summary>
        public int LengthOf(int row) => _lengths.IsEmpty ? shape.SeqLen : _lengths[row];

        /// <summary>Time steps of chain <paramref name="chain"/>.</summary>
        public int LengthOfChain(int chain) => LengthOf(chain / model.Architecture.NumDirections);

        /// <summary>Batch rows × directions.</summary>
        public int Count => shape.Batch * model.Architecture.NumDirections;

        /// <summary>Chain <paramref name="chain"/> of the layer: batch row chain ÷ directions, direction chain mod directions.</summary>
        public ElmanSequenceKernel.Direction Of(int chain)
        {
            (int row, int direction) = Math.DivRem(chain, model.Architecture.NumDirections);
            return OfRow(row, direction);
        }

        /// <summary>Batch row <paramref name="row"/>'s sequence in <paramref name="direction"/>: its h rows are its columns of the layer's output.</summary>
        private ElmanSequenceKernel.Direction OfRow(int row, int direction)
        {
            RnnArchitecture architecture = model.Architecture;
            int hidden = architecture.HiddenSize;
            int width = architecture.OutputSize;
            int stateRow = (layer * architecture.NumDirections) + direction;
            int first = shape.Row(0, row);
            PackedLayerDirection weights = model.Layer(layer, direction);
            return ElmanSequenceKernel.Direction.ProjectingInput(
                weights.RecurrentWeights.Data,
                _layerOutput[((first * width) + (direction * hidden))..],
                shape.TimeStride * width,
                hidden,
                LengthOf(row),
                _h0.IsEmpty ? default : _h0.Slice(((stateRow * shape.Batch) + row) * hidden, hidden),
                backward: direction == 1,
                _layerInput[(first * inputWidth)..],
                shape.TimeStride * inputWidth,
                inputWidth,
                weights.InputWeights.Data,
                weights.ProjectionBias);
        }
    }
}
