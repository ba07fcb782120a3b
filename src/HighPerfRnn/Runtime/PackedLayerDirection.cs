using HighPerfRnn.Loading;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Runtime;

/// <summary>
/// One layer and direction's weights, packed once at load time for the kernels of one <see cref="SimdPath"/>.
/// </summary>
internal sealed class PackedLayerDirection
{
    private PackedLayerDirection(PackedMatrix inputWeights, PackedMatrix recurrentWeights, float[] projectionBias, float[] recurrentBias, PackedMatrix? projectionWeights)
    {
        InputWeights = inputWeights;
        RecurrentWeights = recurrentWeights;
        ProjectionBias = projectionBias;
        RecurrentBias = recurrentBias;
        ProjectionWeights = projectionWeights;
    }

    /// <summary>W_ih: (gates × hidden) × layer input.</summary>
    public PackedMatrix InputWeights { get; }

    /// <summary>W_hh: (gates × hidden) × state size (proj_size for a projected LSTM, else hidden).</summary>
    public PackedMatrix RecurrentWeights { get; }

    /// <summary>
    /// The biases added by the input projection, in the padded gate rows (zeros in the padding): b_ih + b_hh for every gate of the RNN and
    /// LSTM and for r and z of the GRU; b_in alone for the GRU's n rows, whose b_hn must stay inside r⊙(W_hn·h + b_hn).
    /// Zeros without bias.
    /// </summary>
    public float[] ProjectionBias { get; }

    /// <summary>GRU only: b_hn on the n rows, zeros elsewhere: the initial value of each step's W_hh·h product.</summary>
    public float[] RecurrentBias { get; }

    /// <summary>LSTM with proj_size only: W_hr, proj_size × hidden.</summary>
    public PackedMatrix? ProjectionWeights { get; }

    /// <summary>Gate rows, each gate block rounded up to whole panels: the row stride of the pre-activation buffers.</summary>
    public int PaddedGateRows => InputWeights.PaddedRows;

    public static PackedLayerDirection Pack(
        RnnArchitecture architecture, IReadOnlyDictionary<string, FloatTensor> stateDict, int layer, int direction, int panelWidth)
    {
        int hidden = architecture.HiddenSize;
        int gates = architecture.GateCount;
        int gateRows = gates * hidden;
        PackedMatrix inputWeights = PackedMatrix.Pack(
            stateDict[StateDictNames.WeightIh(layer, direction)].Data, gateRows, architecture.LayerInputSize(layer), panelWidth, gates);
        PackedMatrix recurrentWeights = PackedMatrix.Pack(
            stateDict[StateDictNames.WeightHh(layer, direction)].Data, gateRows, architecture.StateSize, panelWidth, gates);

        // Pinned, as the packed matrices are: generated kernels address them through raw addresses (GeneratedKernelWeights).
        float[] projectionBias = GC.AllocateArray<float>(inputWeights.PaddedRows, pinned: true);
        float[] recurrentBias = GC.AllocateArray<float>(inputWeights.PaddedRows, pinned: true);
        if (architecture.Bias)
        {
            float[] biasIh = stateDict[StateDictNames.BiasIh(layer, direction)].Data;
            float[] biasHh = stateDict[StateDictNames.BiasHh(layer, direction)].Data;
            int summedRows = architecture.Cell == RnnCell.Gru ? 2 * hidden : gateRows;
            for (int row = 0; row < gateRows; row++)
            {
                // PyTorch adds the two biases as separate terms; pre-summing them changes a result by at most one
                // rounding of the sum, far inside the accuracy budget.
                int packedRow = inputWeights.PackedRow(row);
                projectionBias[packedRow] = row < summedRows ? biasIh[row] + biasHh[row] : biasIh[row];
                recurrentBias[packedRow] = row < summedRows ? 0f : biasHh[row];
            }
        }

        PackedMatrix? projectionWeights = architecture.ProjSize > 0
            ? PackedMatrix.Pack(stateDict[StateDictNames.WeightHr(layer, direction)].Data, architecture.ProjSize, hidden, panelWidth)
            : null;
        return new PackedLayerDirection(inputWeights, recurrentWeights, projectionBias, recurrentBias, projectionWeights);
    }
}
