namespace HighPerfRnn.Loading;

/// <summary>Checks a <c>state_dict</c> against an architecture, strictly, as PyTorch's <c>load_state_dict(strict=True)</c>.</summary>
internal static class StateDictValidator
{
    /// <summary>Every expected tensor present with its exact shape, and nothing else.</summary>
    /// <exception cref="ModelWeightsException">A tensor is missing, unexpected, or of another shape; the message names it and both shapes.</exception>
    public static void Validate(RnnArchitecture architecture, IReadOnlyDictionary<string, FloatTensor> stateDict)
    {
        var expectedNames = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, int[] shape) in StateDictNames.Expected(architecture))
        {
            expectedNames.Add(name);
            if (!stateDict.TryGetValue(name, out FloatTensor? tensor))
            {
                throw new ModelWeightsException(
                    $"Tensor '{name}' is missing: {architecture} needs it with shape {FloatTensor.FormatShape(shape)}.");
            }

            if (!tensor.Shape.SequenceEqual(shape))
            {
                throw new ModelWeightsException(
                    $"Tensor '{name}' has shape {tensor.ShapeText}, but {architecture} needs {FloatTensor.FormatShape(shape)}.");
            }
        }

        foreach (string name in stateDict.Keys.Order(StringComparer.Ordinal))
        {
            if (!expectedNames.Contains(name))
            {
                throw new ModelWeightsException(
                    $"Tensor '{name}' is not a parameter of {architecture}; a state_dict of exactly this model was expected.");
            }
        }
    }
}
