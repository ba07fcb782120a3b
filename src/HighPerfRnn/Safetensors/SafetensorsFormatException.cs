namespace HighPerfRnn.Safetensors;

/// <summary>
/// Thrown when bytes that should be a safetensors file are not a valid one, or hold a tensor in a form the caller
/// cannot use (e.g. an integer tensor read as float32). The message names what is wrong, the tensor where one is
/// involved, and the expected and actual values.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/> (<see cref="InvalidDataException"/>, the natural base, is sealed), so code
/// that handles a file that cannot be read catches a file that cannot be parsed as well.
/// </remarks>
public sealed class SafetensorsFormatException : IOException
{
    /// <summary>Creates the exception with a default message.</summary>
    public SafetensorsFormatException()
        : base("The data is not a valid safetensors file.")
    {
    }

    /// <summary>Creates the exception with the given message.</summary>
    /// <param name="message">What is wrong with the file.</param>
    public SafetensorsFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the given message and the exception that caused it.</summary>
    /// <param name="message">What is wrong with the file.</param>
    /// <param name="innerException">The underlying error, e.g. the JSON parser's.</param>
    public SafetensorsFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates the exception for a problem with one tensor.</summary>
    /// <param name="message">What is wrong with the tensor; should name it.</param>
    /// <param name="tensorName">The tensor the problem concerns.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public SafetensorsFormatException(string message, string? tensorName, Exception? innerException = null)
        : base(message, innerException)
    {
        TensorName = tensorName;
    }

    /// <summary>The name of the tensor the problem concerns, or <see langword="null"/> if it concerns the file as a whole.</summary>
    public string? TensorName { get; }
}
