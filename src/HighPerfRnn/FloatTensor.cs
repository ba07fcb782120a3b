namespace HighPerfRnn;

/// <summary>
/// A dense, row-major float32 tensor: the shape PyTorch gives it and its values. Used for weights in memory
/// (a <c>state_dict</c>) and for tensors read from or written to safetensors files.
/// </summary>
public sealed class FloatTensor
{
    private readonly int[] _shape;

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">A dimension is negative, or the shape's element count differs from <c>data.Length</c>.</exception>
    public FloatTensor(float[] data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        // A shape with a zero dimension holds no elements, however large the others (as the safetensors reader
        // accepts): only a shape without zeros can exceed int.MaxValue elements.
        long count = Array.IndexOf(shape, 0) >= 0 ? 0 : 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (shape[i] < 0)
            {
                throw new ArgumentException($"Dimension {i} of the shape must be non-negative, but was {shape[i]}.", nameof(shape));
            }

            count *= shape[i];
            if (count > int.MaxValue)
            {
                throw new ArgumentException($"The shape ({string.Join(", ", shape)}) holds more than {int.MaxValue} elements.", nameof(shape));
            }
        }

        if (count != data.Length)
        {
            throw new ArgumentException(
                $"The shape ({string.Join(", ", shape)}) holds {count} elements, but data has {data.Length}.", nameof(data));
        }

        Data = data;
        _shape = (int[])shape.Clone();
    }

    /// <summary>The values, row-major (the last dimension varies fastest).</summary>
    public float[] Data { get; }

    /// <summary>The dimensions, outermost first.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The shape as PyTorch prints it, e.g. <c>(8, 5)</c>.</summary>
    public string ShapeText => FormatShape(_shape);

    /// <summary>Formats a shape the way PyTorch prints it: <c>(2, 1, 8)</c>.</summary>
    public static string FormatShape(ReadOnlySpan<int> shape)
    {
        if (shape.Length == 1)
        {
            return $"({shape[0]},)";
        }

        var parts = new string[shape.Length];
        for (int i = 0; i < shape.Length; i++)
        {
            parts[i] = shape[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        return "(" + string.Join(", ", parts) + ")";
    }

    /// <inheritdoc />
    public override string ToString() => $"FloatTensor{ShapeText}";
}
