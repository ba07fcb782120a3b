namespace HighPerfRnn;

/// <summary>
/// A set of weights (a <c>state_dict</c> in memory or in a safetensors file) that does not form the expected
/// recurrent model: a tensor missing, unexpected, of the wrong shape, or an architecture other than the one declared.
/// The message names the tensor, the expected and the actual value.
/// </summary>
public sealed class ModelWeightsException : FormatException
{
    /// <summary>Creates the exception with a message naming the tensor and the mismatch.</summary>
    public ModelWeightsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public ModelWeightsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public ModelWeightsException()
        : base("The weights do not form the expected recurrent model.")
    {
    }
}
