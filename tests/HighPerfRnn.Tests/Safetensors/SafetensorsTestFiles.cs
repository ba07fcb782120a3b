using System.Buffers.Binary;
using System.Text;
using System.Text.Json;

namespace HighPerfRnn.Tests.Safetensors;

/// <summary>Builds safetensors bytes by hand, and locates the PyTorch fixtures.</summary>
internal static class SafetensorsTestFiles
{
    public static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch");

    /// <summary>The file: 8-byte little-endian length of <paramref name="headerJson"/>'s UTF-8, the header, then <paramref name="data"/>.</summary>
    public static byte[] Build(string headerJson, params byte[] data) => BuildRaw(Encoding.UTF8.GetBytes(headerJson), data);

    /// <summary>As <see cref="Build"/>, with the header given as raw bytes (which need not be UTF-8).</summary>
    public static byte[] BuildRaw(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    /// <summary>Little-endian bytes of the given 16-bit patterns, written byte by byte.</summary>
    public static byte[] Le16(params ushort[] values)
    {
        var bytes = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            bytes[2 * i] = (byte)values[i];
            bytes[(2 * i) + 1] = (byte)(values[i] >> 8);
        }

        return bytes;
    }

    /// <summary>Little-endian bytes of the given 32-bit patterns, written byte by byte.</summary>
    public static byte[] Le32(params uint[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            for (int b = 0; b < 4; b++)
            {
                bytes[(4 * i) + b] = (byte)(values[i] >> (8 * b));
            }
        }

        return bytes;
    }

    /// <summary>Little-endian bytes of the given 64-bit patterns, written byte by byte.</summary>
    public static byte[] Le64(params ulong[] values)
    {
        var bytes = new byte[values.Length * 8];
        for (int i = 0; i < values.Length; i++)
        {
            for (int b = 0; b < 8; b++)
            {
                bytes[(8 * i) + b] = (byte)(values[i] >> (8 * b));
            }
        }

        return bytes;
    }

    /// <summary>A one-tensor header, with the JSON for dtype, shape and data_offsets given verbatim.</summary>
    public static string OneTensor(string name, string dtype, string shape, string offsets) =>
        $"{{\"{name}\":{{\"dtype\":{dtype},\"shape\":{shape},\"data_offsets\":{offsets}}}}}";

    /// <summary>The configurations in <c>index.json</c>, each a string-to-string map including "name".</summary>
    public static IReadOnlyList<Dictionary<string, string>> LoadIndex()
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(FixtureDirectory, "index.json")));
        var cases = new List<Dictionary<string, string>>();
        foreach (JsonElement entry in doc.RootElement.EnumerateArray())
        {
            var map = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty p in entry.EnumerateObject())
            {
                map[p.Name] = p.Value.GetString()!;
            }

            cases.Add(map);
        }

        return cases;
    }
}
