using System.Globalization;

namespace HighPerfRnn.Loading;

/// <summary>PyTorch's parameter names for recurrent layers: <c>weight_ih_l{k}</c>, <c>bias_hh_l{k}_reverse</c>, ….</summary>
internal static class StateDictNames
{
    public static string WeightIh(int layer, int direction) => Name("weight_ih", layer, direction);

    public static string WeightHh(int layer, int direction) => Name("weight_hh", layer, direction);

    public static string BiasIh(int layer, int direction) => Name("bias_ih", layer, direction);

    public static string BiasHh(int layer, int direction) => Name("bias_hh", layer, direction);

    public static string WeightHr(int layer, int direction) => Name("weight_hr", layer, direction);

    /// <summary>Every tensor <paramref name="architecture"/> has, with the shape PyTorch gives it, in PyTorch's order.</summary>
    public static IEnumerable<(string Name, int[] Shape)> Expected(RnnArchitecture architecture)
    {
        int gateRows = architecture.GateCount * architecture.HiddenSize;
        for (int layer = 0; layer < architecture.NumLayers; layer++)
        {
            for (int direction = 0; direction < architecture.NumDirections; direction++)
            {
                yield return (WeightIh(layer, direction), [gateRows, architecture.LayerInputSize(layer)]);
                yield return (WeightHh(layer, direction), [gateRows, architecture.StateSize]);
                if (architecture.Bias)
                {
                    yield return (BiasIh(layer, direction), [gateRows]);
                    yield return (BiasHh(layer, direction), [gateRows]);
                }

                if (architecture.ProjSize > 0)
                {
                    yield return (WeightHr(layer, direction), [architecture.ProjSize, architecture.HiddenSize]);
                }
            }
        }
    }

    private static string Name(string stem, int layer, int direction)
        => string.Create(CultureInfo.InvariantCulture, $"{stem}_l{layer}{(direction == 1 ? "_reverse" : string.Empty)}");
}
