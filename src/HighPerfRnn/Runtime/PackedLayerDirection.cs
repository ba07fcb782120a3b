using HighPerfRnn.Loading;
using HighPerfRnn.Packing;

namespace HighPerfRnn.Runtime;

/// <summary>
/// One layer and direction's weights, packed once at load time for the kernels of one <see cref="SimdPath"/>.
/// </summary>
internal sealed class PackedLayerDirection
{
    private PackedLayerDirection(PackedMatrix inputWeights, PackedMatrix recurrentWeights, float[] projectionBias)
    {
        InputWeights = inputWeights;
        RecurrentWeights = recurrentWeights;
        ProjectionBias = projectionBias;
    }

    /// <summary>W_ih: (gates × hidden) × layer input.</summary>
    public PackedMatrix InputWeights { get; }

    /// <summary>W_hh: (gates × hidden) × state size.</summary>
    public PackedMatrix RecurrentWeights { get; }

    /// <summary>b_ih + b_hh, summed once here so the input projection adds both (zeros without bias), padded to whole panels.</summary>
    public float[] ProjectionBias { get; }

    /// <summary>Gate rows rounded up to whole panels: the row stride of the pre-activation buffers.</summary>
    public int PaddedGateRows => InputWeights.PaddedRows;

    public static PackedLayerDirection Pack(
        RnnArchitecture architecture, IReadOnlyDictionary<string, FloatTensor> stateDict, int layer, int direction, int panelWidth)
    {
        if (architecture.Cell != RnnCell.Rnn)
        {
            throw new NotSupportedException($"The {RnnArchitecture.CellName(architecture.Cell)} cell is not implemented yet in this version; only the Elman RNN runs.");
        }

        int gateRows = architecture.GateCount * architecture.HiddenSize;
        PackedMatrix inputWeights = PackedMatrix.Pack(
            stateDict[StateDictNames.WeightIh(layer, direction)].Data, gateRows, architecture.LayerInputSize(layer), panelWidth);
        PackedMatrix recurrentWeights = PackedMatrix.Pack(
            stateDict[StateDictNames.WeightHh(layer, direction)].Data, gateRows, architecture.StateSize, panelWidth);

        var bias = new float[inputWeights.PaddedRows];
        if (architecture.Bias)
        {
            float[] biasIh = stateDict[StateDictNames.BiasIh(layer, direction)].Data;
            float[] biasHh = stateDict[StateDictNames.BiasHh(layer, direction)].Data;
            for (int row = 0; row < gateRows; row++)
            {
                // PyTorch adds the two biases in float32 as separate terms; pre-summing changes the result by at
                // most one rounding of the sum, far inside the accuracy budget.
                bias[row] = biasIh[row] + biasHh[row];
            }
        }

        return new PackedLayerDirection(inputWeights, recurrentWeights, bias);
    }
}
