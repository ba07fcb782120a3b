using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using HighPerfRnn.Safetensors;
using Xunit;

namespace HighPerfRnn.Tests.Safetensors;

/// <summary>The writer: exact layout, compatibility with the reference rules, argument checks, and write→read round trips.</summary>
public sealed class SafetensorsWriterTests
{
    [Fact]
    public void Writes_the_exact_layout_the_official_library_reads()
    {
        var tensors = new[]
        {
            KeyValuePair.Create("b", new FloatTensor([1f, -2f], 2)),
            KeyValuePair.Create("a", new FloatTensor([0.5f], [])),
            KeyValuePair.Create("e", new FloatTensor([], 0, 3)),
        };
        var metadata = new Dictionary<string, string> { ["torch_version"] = "2.11.0+cu130", ["mode"] = "LSTM" };
        byte[] bytes = SafetensorsWriter.ToBytes(tensors, metadata);

        const string json = "{\"__metadata__\":{\"mode\":\"LSTM\",\"torch_version\":\"2.11.0+cu130\"},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"a\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[8,12]},"
            + "\"e\":{\"dtype\":\"F32\",\"shape\":[0,3],\"data_offsets\":[12,12]}}";
        int padded = (json.Length + 7) / 8 * 8;
        Assert.Equal((ulong)padded, BinaryPrimitives.ReadUInt64LittleEndian(bytes));
        Assert.Equal(json + new string(' ', padded - json.Length), Encoding.UTF8.GetString(bytes, 8, padded));
        byte[] data = [0, 0, 0x80, 0x3F, 0, 0, 0, 0xC0, 0, 0, 0, 0x3F];
        Assert.Equal(data, bytes.AsSpan(8 + padded).ToArray());
    }

    [Fact]
    public void Output_meets_the_reference_implementation_rules()
    {
        // The Rust reference (safetensors read_metadata + validate) accepts a file when: N <= 100 MB, the header is UTF-8
        // JSON, the tensors sorted by offsets tile the data section exactly from 0 to the end of the file, and each byte
        // count equals elements x size. The official writer also pads the header with spaces to a multiple of 8.
        var tensors = new[]
        {
            KeyValuePair.Create("weight_ih_l0", new FloatTensor(Enumerable.Range(0, 40).Select(i => i * 0.25f).ToArray(), 8, 5)),
            KeyValuePair.Create("bias_ih_l0", new FloatTensor(new float[8], 8)),
            KeyValuePair.Create("naïve \"名前\" \\ 😀", new FloatTensor([float.NaN, float.NegativeInfinity, -0f], 1, 3)),
        };
        byte[] bytes = SafetensorsWriter.ToBytes(tensors, new Dictionary<string, string> { ["note"] = "line\nbreak\t\u0001 <html> & 'quotes'" });

        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0UL, n % 8);
        byte[] header = bytes.AsSpan(8, (int)n).ToArray();
        string text = new UTF8Encoding(false, true).GetString(header);
        Assert.StartsWith("{", text, StringComparison.Ordinal);
        Assert.Equal(text.TrimEnd(' ') + new string(' ', text.Length - text.TrimEnd(' ').Length), text);

        using JsonDocument doc = JsonDocument.Parse(header);
        long dataLength = bytes.Length - 8 - (long)n;
        var ranges = new List<(long Begin, long End)>();
        foreach (JsonProperty p in doc.RootElement.EnumerateObject())
        {
            if (p.Name == "__metadata__")
            {
                Assert.All(p.Value.EnumerateObject(), m => Assert.Equal(JsonValueKind.String, m.Value.ValueKind));
                continue;
            }

            Assert.Equal("F32", p.Value.GetProperty("dtype").GetString());
            long elements = 1;
            foreach (JsonElement dim in p.Value.GetProperty("shape").EnumerateArray())
            {
                Assert.Equal(JsonValueKind.Number, dim.ValueKind);
                Assert.DoesNotContain('.', dim.GetRawText());
                elements *= dim.GetInt64();
            }

            JsonElement offsets = p.Value.GetProperty("data_offsets");
            Assert.Equal(2, offsets.GetArrayLength());
            long begin = offsets[0].GetInt64(), end = offsets[1].GetInt64();
            Assert.Equal(elements * 4, end - begin);
            ranges.Add((begin, end));
        }

        long next = 0;
        foreach ((long begin, long end) in ranges.OrderBy(r => r.Begin))
        {
            Assert.Equal(next, begin);
            next = end;
        }

        Assert.Equal(dataLength, next);

        SafetensorsFile file = SafetensorsFile.Parse(bytes);
        Assert.Equal(tensors.Select(t => t.Key), file.TensorNames);
        Assert.Equal("line\nbreak\t\u0001 <html> & 'quotes'", file.Metadata["note"]);
        float[] odd = file.ReadFloat32("naïve \"名前\" \\ 😀");
        Assert.True(float.IsNaN(odd[0]));
        Assert.Equal(float.NegativeInfinity, odd[1]);
        Assert.Equal(0x80000000u, BitConverter.SingleToUInt32Bits(odd[2]));
    }

    [Fact]
    public void Write_to_a_path_and_to_a_stream_produce_the_same_bytes()
    {
        var tensors = new Dictionary<string, FloatTensor>
        {
            ["x"] = new([1f, 2f, 3f, 4f, 5f, 6f], 2, 3),
            ["y"] = new([7f], 1),
        };
        string path = Path.Combine(Path.GetTempPath(), "st-" + Guid.NewGuid().ToString("N") + ".safetensors");
        try
        {
            SafetensorsWriter.Write(path, tensors, new Dictionary<string, string> { ["k"] = "v" });
            using var stream = new MemoryStream();
            stream.WriteByte(0xAA); // Writes from the current position.
            SafetensorsWriter.Write(stream, tensors, new Dictionary<string, string> { ["k"] = "v" });
            Assert.Equal(stream.ToArray().AsSpan(1).ToArray(), File.ReadAllBytes(path));

            SafetensorsFile file = SafetensorsFile.Open(path);
            Assert.Equal("v", file.Metadata["k"]);
            Assert.Equal([2, 3], file.ReadFloatTensor("x").Shape.ToArray());
            Assert.Equal(tensors["x"].Data, file.ReadFloat32("x"));
            Assert.Equal([7f], file.ReadFloat32("y"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void No_metadata_and_no_tensors_write_a_minimal_file()
    {
        byte[] bytes = SafetensorsWriter.ToBytes([]);
        Assert.Equal(16, bytes.Length);
        Assert.Equal("{}      ", Encoding.UTF8.GetString(bytes, 8, 8));
        Assert.Empty(SafetensorsFile.Parse(bytes).Tensors);
        Assert.Equal(bytes, SafetensorsWriter.ToBytes([], new Dictionary<string, string>()));
    }

    [Fact]
    public void Invalid_arguments_are_rejected_before_anything_is_written()
    {
        var t = new FloatTensor([1f], 1);
        Assert.Contains("more than once", Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes([KeyValuePair.Create("a", t), KeyValuePair.Create("a", t)])).Message, StringComparison.Ordinal);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes([KeyValuePair.Create("__metadata__", t)])).Message, StringComparison.Ordinal);
        Assert.Contains("unpaired surrogate", Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes([KeyValuePair.Create("bad\ud800", t)])).Message, StringComparison.Ordinal);
        Assert.Contains("is null", Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes([KeyValuePair.Create("n", (FloatTensor)null!)])).Message, StringComparison.Ordinal);
        Assert.Contains("null value", Assert.Throws<ArgumentException>(() => SafetensorsWriter.ToBytes([], new Dictionary<string, string> { ["k"] = null! })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentNullException>(() => SafetensorsWriter.ToBytes(null!));

        using var stream = new MemoryStream();
        Assert.Throws<ArgumentException>(() => SafetensorsWriter.Write(stream, [KeyValuePair.Create("a", t), KeyValuePair.Create("a", t)]));
        Assert.Equal(0, stream.Length);
    }

    /// <summary>A random file's worth of tensors and metadata.</summary>
    public sealed record RoundTripCase(KeyValuePair<string, FloatTensor>[] Tensors, Dictionary<string, string> Metadata)
    {
        public override string ToString() =>
            string.Join("; ", Tensors.Select(t => $"{t.Key}{t.Value.ShapeText}")) + $" | {Metadata.Count} metadata";
    }

    [Fact]
    public void Round_trip_of_random_tensors_and_metadata_is_bit_exact()
    {
        Gen<float> anyFloat = Gen.Choose(0, 0xFFFF).SelectMany(hi => Gen.Choose(0, 0xFFFF), (hi, lo) => BitConverter.Int32BitsToSingle((hi << 16) | lo));
        Gen<float> niceFloat = Gen.Choose(-1000, 1000).Select(i => i / 8f);
        Gen<float> value = Gen.Frequency((3, anyFloat), (1, niceFloat));
        Gen<string> text = Gen.Elements("a", "Z", "0", "_", ".", " ", "\"", "\\", "/", "\n", "\u0001", "é", "名", "😀", "+", "<", "'")
            .ListOf().Select(parts => string.Concat(parts));
        Gen<FloatTensor> tensor =
            from rank in Gen.Choose(0, 4)
            from shape in Gen.Choose(0, 5).ArrayOf(rank)
            from data in value.ArrayOf(shape.Aggregate(1, (a, b) => a * b))
            select new FloatTensor(data, shape);
        Gen<KeyValuePair<string, FloatTensor>[]> tensors =
            from count in Gen.Choose(0, 6)
            from names in text.ArrayOf(count)
            from values in tensor.ArrayOf(count)
            select names.Select((n, i) => KeyValuePair.Create($"t{i}{n}", values[i])).ToArray();
        Gen<Dictionary<string, string>> metadata =
            Gen.Zip(text, text).ListOf().Select(pairs => pairs
                .GroupBy(p => p.Item1, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => g.First().Item2, StringComparer.Ordinal));
        Gen<RoundTripCase> cases = Gen.Zip(tensors, metadata).Select(p => new RoundTripCase(p.Item1, p.Item2));

        Prop.ForAll(cases.ToArbitrary(), c =>
        {
            byte[] bytes = SafetensorsWriter.ToBytes(c.Tensors, c.Metadata);
            SafetensorsFile file = SafetensorsFile.Parse(bytes);
            Assert.Equal(c.Tensors.Select(t => t.Key), file.TensorNames);
            Assert.Equal(c.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal), file.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));
            long offset = 0;
            foreach ((string name, FloatTensor expected) in c.Tensors)
            {
                SafetensorsTensorInfo info = file.GetTensor(name);
                Assert.Equal(SafetensorsDType.F32, info.DType);
                Assert.Equal(expected.Shape.ToArray(), info.GetShape());
                Assert.Equal(offset, info.DataBegin);
                offset = info.DataEnd;
                FloatTensor actual = file.ReadFloatTensor(name);
                Assert.Equal(expected.Shape.ToArray(), actual.Shape.ToArray());
                Assert.Equal(expected.Data.Select(BitConverter.SingleToUInt32Bits), actual.Data.Select(BitConverter.SingleToUInt32Bits));
            }

            Assert.Equal(file.DataLength, offset);
            Assert.Equal(0, file.HeaderLength % 8);
        }).Check(Config.QuickThrowOnFailure.WithMaxTest(300));
    }
}
