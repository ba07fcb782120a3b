using System.Buffers.Binary;
using System.Text;
using HighPerfRnn.Safetensors;
using Xunit;
using static HighPerfRnn.Tests.Safetensors.SafetensorsTestFiles;

namespace HighPerfRnn.Tests.Safetensors;

/// <summary>Every malformed-file case: a <see cref="SafetensorsFormatException"/> whose message names the problem.</summary>
public sealed class SafetensorsMalformedTests
{
    private static readonly byte[] EightBytes = new byte[8];

    [Fact]
    public void Fewer_than_8_bytes()
    {
        AssertRejected(new byte[5], "5 bytes long", "8-byte header length");
        AssertRejected([], "0 bytes long");
    }

    [Fact]
    public void Header_length_beyond_the_end_of_the_file()
    {
        byte[] bytes = Build("{}", EightBytes);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 11);
        AssertRejected(bytes, "header length is 11 bytes", "only 10 bytes follow");
    }

    [Fact]
    public void Header_length_above_the_100_MB_cap()
    {
        byte[] bytes = Build("{}");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 100_000_001);
        AssertRejected(bytes, "header length is 100000001 bytes", "limit of 100000000");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, ulong.MaxValue);
        AssertRejected(bytes, "header length is 18446744073709551615 bytes", "limit");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1UL << 63);
        AssertRejected(bytes, "9223372036854775808");
    }

    [Fact]
    public void Header_length_too_short_for_json()
    {
        byte[] bytes = Build("{}");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 0);
        AssertRejected(bytes, "header length is 0 bytes", "too short");
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1);
        AssertRejected(bytes, "header length is 1 bytes", "too short");
    }

    [Fact]
    public void Open_checks_the_header_length_against_the_file_size_before_allocating()
    {
        string path = Path.Combine(Path.GetTempPath(), "st-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            byte[] bytes = Build("{}", new byte[100]);
            BinaryPrimitives.WriteUInt64LittleEndian(bytes, 99_999_999);
            File.WriteAllBytes(path, bytes);
            Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path)); // Warm-up: JIT, file system caches.

            long before = GC.GetAllocatedBytesForCurrentThread();
            SafetensorsFormatException ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Contains("header length is 99999999 bytes", ex.Message, StringComparison.Ordinal);
            Assert.Contains("only 102 bytes follow", ex.Message, StringComparison.Ordinal);
            Assert.Contains(path, ex.Message, StringComparison.Ordinal);
            Assert.True(allocated < 1_000_000, $"Open allocated {allocated} bytes before rejecting the header length.");

            File.WriteAllBytes(path, [1, 2, 3]);
            ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
            Assert.Contains("3 bytes long", ex.Message, StringComparison.Ordinal);

            File.WriteAllBytes(path, Build(OneTensor("w", "\"F32\"", "[2]", "[0,8]"), new byte[4]));
            ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Open(path));
            Assert.Contains("Tensor 'w'", ex.Message, StringComparison.Ordinal);
            Assert.EndsWith("(file: " + path + ")", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Header_not_utf8()
    {
        byte[] header = Encoding.UTF8.GetBytes("{\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}");
        header[2] = 0xFF;
        AssertRejected(BuildRaw(header, new byte[4]), "not valid UTF-8", "header byte 2", "0xFF");
    }

    [Fact]
    public void Header_not_json()
    {
        AssertRejected(Build("{\"a\":{\"dtype\":\"F32\""), "not valid JSON");
        AssertRejected(Build("{\"a\":1,}"), "not valid JSON");
        AssertRejected(Build("{} {}"), "not valid JSON");
        AssertRejected(Build("{/*c*/}"), "not valid JSON");
    }

    [Fact]
    public void Header_not_an_object()
    {
        AssertRejected(Build("[1, 2]"), "must be a JSON object", "an array");
        AssertRejected(Build("\"text\""), "must be a JSON object", "a string");
        AssertRejected(Build("42"), "must be a JSON object", "a number (42)");
    }

    [Fact]
    public void Entry_not_an_object()
    {
        AssertRejected(Build("{\"w\":[1,2]}"), "Tensor 'w'", "must be a JSON object", "an array");
    }

    [Theory]
    [InlineData("dtype", "{\"w\":{\"shape\":[1],\"data_offsets\":[0,4]}}")]
    [InlineData("shape", "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}")]
    [InlineData("data_offsets", "{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}")]
    public void Entry_missing_a_field(string field, string header)
    {
        AssertRejected(Build(header, new byte[4]), "Tensor 'w'", $"has no '{field}'");
    }

    [Fact]
    public void Dtype_not_a_string()
    {
        AssertRejected(Build(OneTensor("w", "32", "[1]", "[0,4]"), new byte[4]), "Tensor 'w'", "'dtype' must be a string", "a number (32)");
    }

    [Fact]
    public void Shape_not_an_array()
    {
        AssertRejected(Build(OneTensor("w", "\"F32\"", "\"1\"", "[0,4]"), new byte[4]), "Tensor 'w'", "'shape' must be an array", "a string");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "null", "[0,4]"), new byte[4]), "'shape' must be an array", "null");
    }

    [Fact]
    public void Shape_dimension_not_an_integer()
    {
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[2,1.5]", "[0,12]"), new byte[12]), "Tensor 'w'", "shape[1] must be a non-negative integer", "1.5");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[\"2\"]", "[0,8]"), new byte[8]), "shape[0] must be a non-negative integer", "a string");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[1e1]", "[0,40]"), new byte[40]), "shape[0] must be a non-negative integer");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[[2]]", "[0,8]"), new byte[8]), "shape[0] must be a non-negative integer", "an array");
    }

    [Fact]
    public void Shape_dimension_negative()
    {
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[2,-3]", "[0,0]")), "Tensor 'w'", "shape[1] is -3", "non-negative");
    }

    [Fact]
    public void Shape_dimension_huge()
    {
        AssertRejected(Build(OneTensor("w", "\"U8\"", "[3000000000]", "[0,8]"), new byte[8]), "Tensor 'w'", "shape[0] is 3000000000", "2147483647");
        AssertRejected(Build(OneTensor("w", "\"U8\"", "[99999999999999999999999]", "[0,8]"), new byte[8]), "shape[0] must be a non-negative integer");
    }

    [Fact]
    public void Shape_element_count_above_int_max()
    {
        AssertRejected(Build(OneTensor("w", "\"U8\"", "[65536,65536]", "[0,8]"), new byte[8]), "Tensor 'w'", "shape (65536, 65536)", "more than 2147483647 elements");

        // Products that would overflow a long are caught before they do.
        string big = string.Join(",", Enumerable.Repeat("2147483647", 5));
        AssertRejected(Build(OneTensor("w", "\"F64\"", $"[{big}]", "[0,8]"), new byte[8]), "more than 2147483647 elements");
    }

    [Fact]
    public void Shape_with_a_zero_dimension_holds_no_elements_however_large_the_others()
    {
        SafetensorsFile file = SafetensorsFile.Parse(Build(OneTensor("w", "\"F64\"", "[2147483647,2147483647,0]", "[0,0]")));
        Assert.Equal(0, file.GetTensor("w").ElementCount);
        Assert.Empty(file.ReadFloat32("w"));
    }

    [Fact]
    public void Data_offsets_not_two_integers()
    {
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[1]", "[4]"), new byte[4]), "Tensor 'w'", "must hold 2 integers", "holds 1 values");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[1]", "[0,4,8]"), new byte[8]), "must hold 2 integers", "holds 3 values");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[1]", "{\"begin\":0}"), new byte[4]), "'data_offsets' must be an array", "an object");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[1]", "[0,4.0]"), new byte[4]), "data_offsets end must be a non-negative integer", "4.0");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[1]", "[\"0\",4]"), new byte[4]), "data_offsets begin must be a non-negative integer", "a string");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[1]", "[-4,0]"), new byte[4]), "data_offsets begin must be a non-negative integer", "-4");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[1]", "[0,18446744073709551616]"), new byte[4]), "data_offsets end must be a non-negative integer");
    }

    [Fact]
    public void Data_offsets_begin_after_end()
    {
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[1]", "[8,4]"), new byte[8]), "Tensor 'w'", "data_offsets [8, 4]", "begin after they end");
    }

    [Fact]
    public void Data_offsets_end_beyond_the_data_section()
    {
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[2]", "[4,12]"), new byte[10]), "Tensor 'w'", "data_offsets [4, 12]", "beyond the end of the 10-byte data section");
        AssertRejected(Build(OneTensor("w", "\"F32\"", "[0]", "[11,11]"), new byte[10]), "data_offsets [11, 11]", "beyond the end");
    }

    [Fact]
    public void Byte_count_differs_from_elements_times_dtype_size()
    {
        AssertRejected(
            Build(OneTensor("weight_ih_l0", "\"F32\"", "[8,5]", "[0,100]"), new byte[100]),
            "Tensor 'weight_ih_l0': data_offsets [0, 100] hold 100 bytes, but shape (8, 5) of F32 needs 160 bytes.");
        AssertRejected(Build(OneTensor("h", "\"F16\"", "[3]", "[0,4]"), new byte[8]), "Tensor 'h'", "hold 4 bytes", "shape (3,) of F16 needs 6 bytes");
        AssertRejected(Build(OneTensor("s", "\"F64\"", "[]", "[0,4]"), new byte[8]), "shape () of F64 needs 8 bytes");
    }

    [Fact]
    public void Bit_packed_dtype_not_a_whole_number_of_bytes()
    {
        AssertRejected(Build(OneTensor("q", "\"F4\"", "[3]", "[0,2]"), new byte[2]), "Tensor 'q'", "shape (3,) of F4 is 12 bits", "not a whole number of bytes");
    }

    [Fact]
    public void Overlapping_tensor_ranges()
    {
        string header = "{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[12,20]}}";
        AssertRejected(Build(header, new byte[20]), "Tensors 'a' and 'b' overlap", "[0, 16)", "[12, 20)");

        // The same range twice, and one range inside another listed first.
        string same = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"b\":{\"dtype\":\"I32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        AssertRejected(Build(same, new byte[4]), "Tensors 'a' and 'b' overlap");
        string inside = "{\"c\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[4,6]},\"big\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]},\"d\":{\"dtype\":\"U8\",\"shape\":[2],\"data_offsets\":[10,12]}}";
        AssertRejected(Build(inside, new byte[16]), "Tensors 'big' and 'c' overlap");
    }

    [Fact]
    public void Duplicate_tensor_names()
    {
        string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        SafetensorsFormatException ex = AssertRejected(Build(header, new byte[8]), "Tensor 'w' appears more than once");
        Assert.Equal("w", ex.TensorName);

        // The same name spelled with an escape is the same name.
        string escaped = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"\\u0077\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        AssertRejected(Build(escaped, new byte[8]), "Tensor 'w' appears more than once");
    }

    [Fact]
    public void Duplicate_field_in_an_entry()
    {
        string header = "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"shape\":[2],\"data_offsets\":[0,4]}}";
        AssertRejected(Build(header, new byte[8]), "Tensor 'w'", "'shape' appears more than once");
    }

    [Fact]
    public void Duplicate_metadata()
    {
        AssertRejected(Build("{\"__metadata__\":{},\"__metadata__\":{}}"), "'__metadata__' more than once");
        AssertRejected(Build("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"), "Metadata key 'k' appears more than once");
    }

    [Fact]
    public void Metadata_not_an_object_of_strings()
    {
        AssertRejected(Build("{\"__metadata__\":[\"a\"]}"), "'__metadata__' must be a JSON object", "an array");
        AssertRejected(Build("{\"__metadata__\":{\"layers\":2}}"), "Metadata 'layers' must be a string", "a number (2)");
        AssertRejected(Build("{\"__metadata__\":{\"x\":null}}"), "Metadata 'x' must be a string", "null");
        AssertRejected(Build("{\"__metadata__\":{\"x\":{\"y\":\"z\"}}}"), "Metadata 'x' must be a string", "an object");
    }

    [Fact]
    public void Name_with_an_unpaired_surrogate_escape()
    {
        AssertRejected(Build("{\"\\ud800\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}"), "not valid Unicode");
        AssertRejected(Build("{\"__metadata__\":{\"k\":\"\\udc00\"}}"), "Metadata 'k'", "not valid Unicode");
        AssertRejected(Build(OneTensor("w", "\"F3\\ud8002\"", "[0]", "[0,0]")), "Tensor 'w'", "not valid Unicode");
    }

    [Fact]
    public void Missing_tensor_throws_KeyNotFoundException_listing_the_tensors_present()
    {
        string header = "{\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]},\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
        SafetensorsFile file = SafetensorsFile.Parse(Build(header, new byte[8]));
        KeyNotFoundException ex = Assert.Throws<KeyNotFoundException>(() => file.GetTensor("weight_ih_l0"));
        Assert.Contains("no tensor named 'weight_ih_l0'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Tensors present (2): 'a', 'b'.", ex.Message, StringComparison.Ordinal);
        Assert.Throws<KeyNotFoundException>(() => file.ReadFloat32("weight_ih_l0"));
        Assert.Throws<KeyNotFoundException>(() => file.ReadFloatTensor("weight_ih_l0"));
        Assert.Throws<KeyNotFoundException>(() => file.GetTensorBytes("weight_ih_l0"));
        Assert.False(file.TryGetTensor("weight_ih_l0", out SafetensorsTensorInfo? info));
        Assert.Null(info);
        Assert.False(file.Contains("weight_ih_l0"));
        Assert.False(file.Contains("A"));

        KeyNotFoundException empty = Assert.Throws<KeyNotFoundException>(() => SafetensorsFile.Parse(Build("{}")).GetTensor("x"));
        Assert.Contains("holds no tensors", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lenient_where_the_format_allows_it()
    {
        // Entries out of offset order, a gap, trailing bytes, an extra entry member, null metadata, space padding,
        // a zero-length tensor sharing an offset with another.
        string header = "{\"__metadata__\":null,\"late\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12],\"extra\":{\"x\":[1]}},"
            + "\"early\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"empty\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}   ";
        SafetensorsFile file = SafetensorsFile.Parse(Build(header, Le32(0x3F800000, 0xDEADBEEF, 0x40000000, 0xCAFEF00D)));
        Assert.Equal(["empty", "early", "late"], file.TensorNames);
        Assert.Empty(file.Metadata);
        Assert.Equal([1.0f], file.ReadFloat32("early"));
        Assert.Equal([2.0f], file.ReadFloat32("late"));
        Assert.Equal(16, file.DataLength);

        SafetensorsFile none = SafetensorsFile.Parse(Build("{}"));
        Assert.Empty(none.Tensors);
        Assert.Empty(none.Metadata);
    }

    private static SafetensorsFormatException AssertRejected(byte[] bytes, params string[] messageParts)
    {
        SafetensorsFormatException ex = Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Parse(bytes));
        foreach (string part in messageParts)
        {
            Assert.Contains(part, ex.Message, StringComparison.Ordinal);
        }

        return ex;
    }
}
