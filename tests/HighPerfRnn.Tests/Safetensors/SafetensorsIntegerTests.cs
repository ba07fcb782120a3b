using System.Buffers.Binary;
using System.Text;
using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Tests.Safetensors;

/// <summary><see cref="SafetensorsFile.ReadInt64"/>: every integer dtype widened exactly (PyTorch's lengths are I64).</summary>
public sealed class SafetensorsIntegerTests
{
    [Theory]
    [InlineData("I64", 8)]
    [InlineData("I32", 4)]
    [InlineData("I16", 2)]
    [InlineData("I8", 1)]
    public void Signed_integers_read_exactly(string dtype, int size)
    {
        long[] values = [0, 1, -1, size == 1 ? sbyte.MinValue : size == 2 ? short.MinValue : size == 4 ? int.MinValue : long.MinValue, size == 1 ? sbyte.MaxValue : size == 2 ? short.MaxValue : size == 4 ? int.MaxValue : long.MaxValue];
        var bytes = new byte[values.Length * size];
        for (int i = 0; i < values.Length; i++)
        {
            Span<byte> slot = bytes.AsSpan(i * size, size);
            switch (size)
            {
                case 8: BinaryPrimitives.WriteInt64LittleEndian(slot, values[i]); break;
                case 4: BinaryPrimitives.WriteInt32LittleEndian(slot, (int)values[i]); break;
                case 2: BinaryPrimitives.WriteInt16LittleEndian(slot, (short)values[i]); break;
                default: slot[0] = (byte)(sbyte)values[i]; break;
            }
        }

        Assert.Equal(values, File(dtype, values.Length, bytes).ReadInt64("t"));
    }

    [Fact]
    public void Unsigned_integers_read_exactly_and_u64_beyond_int64_is_refused()
    {
        Assert.Equal([0L, 255L], File("U8", 2, [0, 255]).ReadInt64("t"));
        Assert.Equal([65535L], File("U16", 1, [255, 255]).ReadInt64("t"));
        Assert.Equal([uint.MaxValue], File("U32", 1, [255, 255, 255, 255]).ReadInt64("t"));
        var big = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(big, ulong.MaxValue);
        SafetensorsFormatException error = Assert.Throws<SafetensorsFormatException>(() => File("U64", 1, big).ReadInt64("t"));
        Assert.Contains("beyond int64", error.Message);
    }

    [Fact]
    public void A_float_tensor_is_not_read_as_integers()
    {
        SafetensorsFormatException error = Assert.Throws<SafetensorsFormatException>(() => File("F32", 1, new byte[4]).ReadInt64("t"));
        Assert.Contains("'F32'", error.Message);
        Assert.Contains("not an integer type", error.Message);
    }

    private static SafetensorsFile File(string dtype, int count, byte[] data)
    {
        byte[] header = Encoding.UTF8.GetBytes($"{{\"t\":{{\"dtype\":\"{dtype}\",\"shape\":[{count}],\"data_offsets\":[0,{data.Length}]}}}}");
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return SafetensorsFile.Parse(bytes);
    }
}
