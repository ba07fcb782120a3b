using HighPerfRnn.Safetensors;
using Xunit;
using static HighPerfRnn.Tests.Safetensors.SafetensorsTestFiles;

namespace HighPerfRnn.Tests.Safetensors;

/// <summary>F32/F16/BF16/F64 to float32, checked against hand-encoded bit patterns and independently computed values.</summary>
public sealed class SafetensorsConversionTests
{
    [Fact]
    public void F32_is_read_little_endian_bit_exact()
    {
        // 1.0, -2.0, 0.5, smallest subnormal 2^-149, +inf, a NaN with payload, -0.0, largest finite.
        uint[] bits = [0x3F800000, 0xC0000000, 0x3F000000, 0x00000001, 0x7F800000, 0x7FC01234, 0x80000000, 0x7F7FFFFF];
        float[] values = Read("F32", bits.Length, Le32(bits));
        Assert.Equal(1.0f, values[0]);
        Assert.Equal(-2.0f, values[1]);
        Assert.Equal(0.5f, values[2]);
        Assert.Equal(MathF.ScaleB(1f, -149), values[3]);
        Assert.Equal(float.PositiveInfinity, values[4]);
        Assert.Equal(0x7FC01234u, BitConverter.SingleToUInt32Bits(values[5]));
        Assert.Equal(0x80000000u, BitConverter.SingleToUInt32Bits(values[6]));
        Assert.Equal(float.MaxValue, values[7]);
    }

    [Fact]
    public void F16_is_widened_exactly()
    {
        // 1.0, -2.0, 0.5, smallest subnormal 2^-24, largest subnormal, smallest normal 2^-14, max 65504, +inf, -inf, NaN, -0.0, 1/3 rounded.
        ushort[] bits = [0x3C00, 0xC000, 0x3800, 0x0001, 0x03FF, 0x0400, 0x7BFF, 0x7C00, 0xFC00, 0x7E00, 0x8000, 0x3555];
        float[] values = Read("F16", bits.Length, Le16(bits));
        Assert.Equal(1.0f, values[0]);
        Assert.Equal(-2.0f, values[1]);
        Assert.Equal(0.5f, values[2]);
        Assert.Equal(MathF.ScaleB(1f, -24), values[3]);
        Assert.Equal(1023 * MathF.ScaleB(1f, -24), values[4]);
        Assert.Equal(MathF.ScaleB(1f, -14), values[5]);
        Assert.Equal(65504f, values[6]);
        Assert.Equal(float.PositiveInfinity, values[7]);
        Assert.Equal(float.NegativeInfinity, values[8]);
        Assert.True(float.IsNaN(values[9]));
        Assert.Equal(0x80000000u, BitConverter.SingleToUInt32Bits(values[10]));
        Assert.Equal(1365f / 4096f, values[11]); // 0x3555: 2^-2 * (1 + 341/1024) = 1365/4096
    }

    [Fact]
    public void BF16_is_widened_exactly()
    {
        // 1.0, -2.0, 0.5, smallest subnormal 2^-133, smallest normal 2^-126, max finite, +inf, -inf, NaN, -0.0, pi rounded.
        ushort[] bits = [0x3F80, 0xC000, 0x3F00, 0x0001, 0x0080, 0x7F7F, 0x7F80, 0xFF80, 0x7FC0, 0x8000, 0x4049];
        float[] values = Read("BF16", bits.Length, Le16(bits));
        Assert.Equal(1.0f, values[0]);
        Assert.Equal(-2.0f, values[1]);
        Assert.Equal(0.5f, values[2]);
        Assert.Equal(MathF.ScaleB(1f, -133), values[3]);
        Assert.Equal(MathF.ScaleB(1f, -126), values[4]);
        Assert.Equal(255 * MathF.ScaleB(1f, 120), values[5]); // (2 - 2^-7) * 2^127
        Assert.Equal(float.PositiveInfinity, values[6]);
        Assert.Equal(float.NegativeInfinity, values[7]);
        Assert.True(float.IsNaN(values[8]));
        Assert.Equal(0x80000000u, BitConverter.SingleToUInt32Bits(values[9]));
        Assert.Equal(3.140625f, values[10]); // 0x4049: 2 * (1 + 73/128)
    }

    [Fact]
    public void F64_is_rounded_to_nearest_even()
    {
        ulong[] bits =
        [
            0x3FF0000000000000, // 1.0
            0xC000000000000000, // -2.0
            0x3FE0000000000000, // 0.5
            0x36A0000000000000, // 2^-149, float's smallest subnormal
            0x0000000000000001, // double's smallest subnormal: underflows to +0
            0x7FF0000000000000, // +inf
            0x7FF8000000000000, // NaN
            0x7E37E43C8800759C, // 1e300: overflows to +inf
            0x3FF0000010000000, // 1 + 2^-24, halfway between 1 and 1 + 2^-23: ties to even 1
            0x3FF0000030000000, // 1 + 3 * 2^-24, halfway: ties to even 1 + 2^-22
            0x3FB999999999999A, // 0.1
        ];
        float[] values = Read("F64", bits.Length, Le64(bits));
        Assert.Equal(1.0f, values[0]);
        Assert.Equal(-2.0f, values[1]);
        Assert.Equal(0.5f, values[2]);
        Assert.Equal(MathF.ScaleB(1f, -149), values[3]);
        Assert.Equal(0u, BitConverter.SingleToUInt32Bits(values[4]));
        Assert.Equal(float.PositiveInfinity, values[5]);
        Assert.True(float.IsNaN(values[6]));
        Assert.Equal(float.PositiveInfinity, values[7]);
        Assert.Equal(1.0f, values[8]);
        Assert.Equal(1f + MathF.ScaleB(1f, -22), values[9]);
        Assert.Equal(0x3DCCCCCDu, BitConverter.SingleToUInt32Bits(values[10]));
    }

    [Fact]
    public void ReadFloat64_keeps_F64_exact_and_widens_the_others()
    {
        double[] f64 = SafetensorsFile.Parse(Build(OneTensor("d", "\"F64\"", "[3]", "[0,24]"), Le64(0x3FB999999999999A, 0x3FF0000010000000, 0xFFF0000000000000)))
            .ReadFloat64("d");
        Assert.Equal([0.1, 1 + Math.ScaleB(1, -24), double.NegativeInfinity], f64);
        double[] f16 = SafetensorsFile.Parse(Build(OneTensor("h", "\"F16\"", "[2]", "[0,4]"), Le16(0x3555, 0x0001))).ReadFloat64("h");
        Assert.Equal([1365.0 / 4096, Math.ScaleB(1, -24)], f16);
        Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Parse(Build(OneTensor("i", "\"I8\"", "[1]", "[0,1]"), [7])).ReadFloat64("i"));
    }

    [Fact]
    public void Read_into_a_span_matches_read_to_array_and_checks_the_length()
    {
        SafetensorsFile file = SafetensorsFile.Parse(Build(OneTensor("t", "\"F16\"", "[2,2]", "[0,8]"), Le16(0x3C00, 0xC000, 0x3800, 0x0001)));
        var destination = new float[4];
        file.ReadFloat32("t", destination);
        Assert.Equal(file.ReadFloat32("t"), destination);
        ArgumentException ex = Assert.Throws<ArgumentException>(() => file.ReadFloat32("t", new float[3]));
        Assert.Contains("4 elements", ex.Message, StringComparison.Ordinal);
        Assert.Equal([2, 2], file.ReadFloatTensor("t").Shape.ToArray());
    }

    [Fact]
    public void Scalar_and_empty_tensors_read_as_one_and_zero_values()
    {
        string header = "{\"s\":{\"dtype\":\"BF16\",\"shape\":[],\"data_offsets\":[0,2]},\"e\":{\"dtype\":\"F32\",\"shape\":[3,0,2],\"data_offsets\":[2,2]}}";
        SafetensorsFile file = SafetensorsFile.Parse(Build(header, Le16(0x3F80)));
        Assert.Equal([1.0f], file.ReadFloat32("s"));
        Assert.Equal(1, file.GetTensor("s").ElementCount);
        Assert.Empty(file.ReadFloat32("e"));
        Assert.Equal([3, 0, 2], file.ReadFloatTensor("e").Shape.ToArray());
        Assert.Equal("()", file.ReadFloatTensor("s").ShapeText);
    }

    [Theory]
    [InlineData("I32", 4)]
    [InlineData("I64", 8)]
    [InlineData("U8", 1)]
    [InlineData("BOOL", 1)]
    [InlineData("F8_E4M3", 1)]
    [InlineData("C64", 8)]
    public void Integer_bool_and_other_known_dtypes_are_refused_as_float32(string dtype, int size)
    {
        SafetensorsFile file = SafetensorsFile.Parse(Build(OneTensor("ints", $"\"{dtype}\"", "[2]", $"[0,{2 * size}]"), new byte[2 * size]));
        Assert.NotEqual(SafetensorsDType.Unknown, file.GetTensor("ints").DType);
        SafetensorsFormatException ex = Assert.Throws<SafetensorsFormatException>(() => file.ReadFloat32("ints"));
        Assert.Contains("Tensor 'ints'", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"'{dtype}'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cannot be read as float32", ex.Message, StringComparison.Ordinal);
        Assert.Equal("ints", ex.TensorName);
        Assert.Throws<SafetensorsFormatException>(() => file.ReadFloatTensor("ints"));
    }

    [Fact]
    public void Unknown_dtype_parses_but_is_refused_as_float32()
    {
        string header = "{\"odd\":{\"dtype\":\"F8_E4M3FNUZ\",\"shape\":[3],\"data_offsets\":[0,5]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[5,9]}}";
        SafetensorsFile file = SafetensorsFile.Parse(Build(header, [1, 2, 3, 4, 5, 0, 0, 0x80, 0x3F]));
        SafetensorsTensorInfo odd = file.GetTensor("odd");
        Assert.Equal(SafetensorsDType.Unknown, odd.DType);
        Assert.Equal("F8_E4M3FNUZ", odd.DTypeName);
        Assert.Equal(5, odd.ByteLength); // Not checkable against the shape: the size is unknown.
        Assert.Equal([1.0f], file.ReadFloat32("w"));
        SafetensorsFormatException ex = Assert.Throws<SafetensorsFormatException>(() => file.ReadFloat32("odd"));
        Assert.Contains("unknown dtype 'F8_E4M3FNUZ'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DType_helpers_give_names_and_sizes()
    {
        foreach (SafetensorsDType dtype in Enum.GetValues<SafetensorsDType>().Where(d => d != SafetensorsDType.Unknown))
        {
            string name = SafetensorsDTypes.GetName(dtype);
            Assert.True(SafetensorsDTypes.TryParse(name, out SafetensorsDType parsed));
            Assert.Equal(dtype, parsed);
        }

        Assert.Equal(8, SafetensorsDTypes.GetElementSize(SafetensorsDType.F64));
        Assert.Equal(4, SafetensorsDTypes.GetElementSize(SafetensorsDType.F32));
        Assert.Equal(2, SafetensorsDTypes.GetElementSize(SafetensorsDType.F16));
        Assert.Equal(2, SafetensorsDTypes.GetElementSize(SafetensorsDType.BF16));
        Assert.Equal(8, SafetensorsDTypes.GetElementSize(SafetensorsDType.I64));
        Assert.Equal(4, SafetensorsDTypes.GetElementSize(SafetensorsDType.I32));
        Assert.Equal(2, SafetensorsDTypes.GetElementSize(SafetensorsDType.I16));
        Assert.Equal(1, SafetensorsDTypes.GetElementSize(SafetensorsDType.I8));
        Assert.Equal(1, SafetensorsDTypes.GetElementSize(SafetensorsDType.U8));
        Assert.Equal(1, SafetensorsDTypes.GetElementSize(SafetensorsDType.Bool));
        Assert.Equal(1, SafetensorsDTypes.GetElementSize(SafetensorsDType.F8E4M3));
        Assert.Equal(8, SafetensorsDTypes.GetElementSize(SafetensorsDType.C64));
        Assert.Equal(4, SafetensorsDTypes.GetBitSize(SafetensorsDType.F4));
        Assert.Equal(6, SafetensorsDTypes.GetBitSize(SafetensorsDType.F6E2M3));
        Assert.Throws<ArgumentOutOfRangeException>(() => SafetensorsDTypes.GetElementSize(SafetensorsDType.F4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SafetensorsDTypes.GetElementSize(SafetensorsDType.Unknown));
        Assert.False(SafetensorsDTypes.TryParse("f32", out SafetensorsDType lower));
        Assert.Equal(SafetensorsDType.Unknown, lower);
        Assert.True(SafetensorsDTypes.IsReadableAsFloat32(SafetensorsDType.BF16));
        Assert.False(SafetensorsDTypes.IsReadableAsFloat32(SafetensorsDType.I32));
    }

    [Fact]
    public void Bit_packed_F4_with_a_whole_number_of_bytes_parses()
    {
        SafetensorsFile file = SafetensorsFile.Parse(Build(OneTensor("q", "\"F4\"", "[2,3]", "[0,3]"), new byte[3]));
        Assert.Equal(3, file.GetTensor("q").ByteLength);
        Assert.Equal(6, file.GetTensor("q").ElementCount);
    }

    private static float[] Read(string dtype, int count, byte[] data)
    {
        string header = OneTensor("t", $"\"{dtype}\"", $"[{count}]", $"[0,{data.Length}]");
        return SafetensorsFile.Parse(Build(header, data)).ReadFloat32("t");
    }
}
