using System.Globalization;

namespace HighPerfRnn.Loading;

/// <summary>
/// Reads a model's architecture off its <c>state_dict</c>: layers from the <c>weight_ih_l{k}</c> present,
/// directions from <c>_reverse</c>, sizes and the cell from the shapes (gate rows ÷ hidden = 1, 3 or 4;
/// <c>weight_hr</c> means an LSTM with projection), bias from <c>bias_ih_l0</c>. The nonlinearity cannot be
/// seen in the weights: it comes from the caller, else the file's metadata, else PyTorch's default, tanh.
/// </summary>
internal static class ArchitectureInference
{
    public static RnnArchitecture Infer(
        IReadOnlyDictionary<string, FloatTensor> stateDict,
        IReadOnlyDictionary<string, string>? metadata,
        RnnNonlinearity? nonlinearity)
    {
        FloatTensor weightIh = Require(stateDict, StateDictNames.WeightIh(0, 0), 2);
        FloatTensor weightHh = Require(stateDict, StateDictNames.WeightHh(0, 0), 2);

        int numLayers = 0;
        while (stateDict.ContainsKey(StateDictNames.WeightIh(numLayers, 0)))
        {
            numLayers++;
        }

        bool bidirectional = stateDict.ContainsKey(StateDictNames.WeightIh(0, 1));
        bool bias = stateDict.ContainsKey(StateDictNames.BiasIh(0, 0));
        int inputSize = weightIh.Shape[1];
        int gateRows = weightHh.Shape[0];

        int hiddenSize;
        int projSize = 0;
        if (stateDict.TryGetValue(StateDictNames.WeightHr(0, 0), out FloatTensor? weightHr))
        {
            if (weightHr.Rank != 2)
            {
                throw new ModelWeightsException($"Tensor '{StateDictNames.WeightHr(0, 0)}' has shape {weightHr.ShapeText}; expected 2 dimensions (proj_size, hidden_size).");
            }

            projSize = weightHr.Shape[0];
            hiddenSize = weightHr.Shape[1];
        }
        else
        {
            hiddenSize = weightHh.Shape[1];
        }

        if (hiddenSize <= 0 || gateRows % hiddenSize != 0)
        {
            throw new ModelWeightsException(
                $"Tensor '{StateDictNames.WeightHh(0, 0)}' has shape {weightHh.ShapeText}: its rows ({gateRows}) are not 1, 3 or 4 times hidden_size ({hiddenSize}).");
        }

        int gateCount = gateRows / hiddenSize;
        RnnCell cell = gateCount switch
        {
            1 => RnnCell.Rnn,
            3 => RnnCell.Gru,
            4 => RnnCell.Lstm,
            _ => throw new ModelWeightsException(
                $"Tensor '{StateDictNames.WeightHh(0, 0)}' has shape {weightHh.ShapeText}: {gateCount} gate blocks of hidden_size {hiddenSize}; expected 1 (RNN), 3 (GRU) or 4 (LSTM)."),
        };

        if (projSize > 0 && cell != RnnCell.Lstm)
        {
            throw new ModelWeightsException($"Tensor '{StateDictNames.WeightHr(0, 0)}' is present, so the model is an LSTM with projection, but '{StateDictNames.WeightHh(0, 0)}' has {gateCount} gate blocks, not 4.");
        }

        if (metadata is not null && metadata.TryGetValue("mode", out string? mode) && !string.IsNullOrEmpty(mode))
        {
            string expectedMode = RnnArchitecture.CellName(cell);
            string normalized = mode.Trim().ToUpperInvariant();
            bool matches = normalized == expectedMode || (cell == RnnCell.Rnn && normalized is "RNN_TANH" or "RNN_RELU");
            if (!matches)
            {
                throw new ModelWeightsException($"The file's metadata says mode '{mode}', but its weights have the shapes of an {expectedMode}.");
            }
        }

        RnnNonlinearity activation = nonlinearity ?? NonlinearityFromMetadata(metadata) ?? RnnNonlinearity.Tanh;
        if (cell != RnnCell.Rnn)
        {
            activation = RnnNonlinearity.Tanh;
        }

        try
        {
            return new RnnArchitecture(cell, inputSize, hiddenSize, numLayers, bidirectional, bias, activation, projSize);
        }
        catch (ArgumentException error)
        {
            throw new ModelWeightsException($"The weights describe no valid architecture: {error.Message}", error);
        }
    }

    private static RnnNonlinearity? NonlinearityFromMetadata(IReadOnlyDictionary<string, string>? metadata)
    {
        if (metadata is null || !metadata.TryGetValue("nonlinearity", out string? value))
        {
            return null;
        }

        return value.Trim().ToUpperInvariant() switch
        {
            "TANH" => RnnNonlinearity.Tanh,
            "RELU" => RnnNonlinearity.Relu,
            _ => throw new ModelWeightsException($"The file's metadata has nonlinearity '{value}'; expected 'tanh' or 'relu'."),
        };
    }

    private static FloatTensor Require(IReadOnlyDictionary<string, FloatTensor> stateDict, string name, int rank)
    {
        if (!stateDict.TryGetValue(name, out FloatTensor? tensor))
        {
            string present = stateDict.Count == 0 ? "none" : string.Join(", ", stateDict.Keys.Order(StringComparer.Ordinal).Take(12).Select(n => $"'{n}'"));
            throw new ModelWeightsException($"Tensor '{name}' is missing, so this is not a PyTorch RNN, LSTM or GRU state_dict. Tensors present: {present}.");
        }

        if (tensor.Rank != rank)
        {
            throw new ModelWeightsException(string.Create(CultureInfo.InvariantCulture, $"Tensor '{name}' has shape {tensor.ShapeText}; expected {rank} dimensions."));
        }

        return tensor;
    }
}
