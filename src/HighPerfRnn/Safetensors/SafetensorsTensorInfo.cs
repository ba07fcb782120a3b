using System.Globalization;

namespace HighPerfRnn.Safetensors;

/// <summary>
/// One tensor's entry in a safetensors header, validated: its name, element type, shape, and where its bytes lie in
/// the data section (the bytes after the header).
/// </summary>
public sealed class SafetensorsTensorInfo
{
    private readonly int[] _shape;

    internal SafetensorsTensorInfo(string name, SafetensorsDType dtype, string dtypeName, int[] shape, int elementCount, long dataBegin, long dataEnd)
    {
        Name = name;
        DType = dtype;
        DTypeName = dtypeName;
        _shape = shape;
        ElementCount = elementCount;
        DataBegin = dataBegin;
        DataEnd = dataEnd;
    }

    /// <summary>The tensor's name (its key in the header).</summary>
    public string Name { get; }

    /// <summary>The element type; <see cref="SafetensorsDType.Unknown"/> when the file names a dtype this library does not know (see <see cref="DTypeName"/>).</summary>
    public SafetensorsDType DType { get; }

    /// <summary>The dtype exactly as the header spells it, e.g. <c>"F32"</c>.</summary>
    public string DTypeName { get; }

    /// <summary>The dimensions, outermost first. Empty for a scalar.</summary>
    public ReadOnlySpan<int> Shape => _shape;

    /// <summary>The number of dimensions.</summary>
    public int Rank => _shape.Length;

    /// <summary>The shape as PyTorch prints it, e.g. <c>(8, 5)</c>.</summary>
    public string ShapeText => FloatTensor.FormatShape(_shape);

    /// <summary>The number of elements: the product of the dimensions (1 for a scalar). Never above <see cref="int.MaxValue"/>.</summary>
    public int ElementCount { get; }

    /// <summary>The offset of the tensor's first byte within the data section (<c>data_offsets[0]</c>).</summary>
    public long DataBegin { get; }

    /// <summary>The offset just past the tensor's last byte within the data section (<c>data_offsets[1]</c>).</summary>
    public long DataEnd { get; }

    /// <summary>The number of bytes the tensor occupies: <see cref="DataEnd"/> − <see cref="DataBegin"/>.</summary>
    public long ByteLength => DataEnd - DataBegin;

    /// <summary>A copy of the shape as an array.</summary>
    public int[] GetShape() => (int[])_shape.Clone();

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"{Name}: {DTypeName} {ShapeText}, data [{DataBegin}, {DataEnd})");
}
