using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace HighPerfRnn.Safetensors;

/// <summary>
/// Writes float32 tensors as a safetensors file that the official <c>safetensors</c> library (Python, Rust) and
/// <see cref="SafetensorsFile"/> read.
/// </summary>
/// <remarks>
/// Layout: the header JSON holds <c>__metadata__</c> first (when there is any; keys in ordinal order), then the
/// tensors in the order given, each <c>{"dtype":"F32","shape":[...],"data_offsets":[begin,end]}</c>; the header is
/// padded with spaces to a multiple of 8 bytes, as the official library does; the tensors' little-endian bytes
/// follow back to back in the same order, the first at offset 0 and the last ending at the end of the file.
/// </remarks>
public static class SafetensorsWriter
{
    private const string MetadataKey = "__metadata__";
    private const int ChunkFloats = 4096;

    private static readonly JsonWriterOptions WriterOptions = new()
    {
        // Valid JSON for every reader; keeps text such as "2.11.0+cu130" readable instead of "\u002B".
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Writes the tensors (as F32) and optional metadata to a new file at <paramref name="path"/>, replacing any file there.</summary>
    /// <param name="path">The file to create.</param>
    /// <param name="tensors">Name and tensor pairs, written in this order.</param>
    /// <param name="metadata">Strings to store in <c>__metadata__</c>; <see langword="null"/> or empty for none.</param>
    /// <exception cref="ArgumentException">A name is duplicated, is <c>__metadata__</c>, or is not valid UTF-16; a tensor or metadata value is null; or the header would exceed <see cref="SafetensorsFile.MaxHeaderLength"/>.</exception>
    /// <exception cref="IOException">The file cannot be written.</exception>
    public static void Write(string path, IEnumerable<KeyValuePair<string, FloatTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        Plan plan = CreatePlan(tensors, metadata); // Validates everything before the file is touched.
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        WritePlan(stream, plan);
    }

    /// <summary>Writes the tensors (as F32) and optional metadata to <paramref name="stream"/>, from its current position.</summary>
    /// <param name="stream">A writable stream; it is not closed.</param>
    /// <param name="tensors">Name and tensor pairs, written in this order.</param>
    /// <param name="metadata">Strings to store in <c>__metadata__</c>; <see langword="null"/> or empty for none.</param>
    /// <exception cref="ArgumentException">A name is duplicated, is <c>__metadata__</c>, or is not valid UTF-16; a tensor or metadata value is null; or the header would exceed <see cref="SafetensorsFile.MaxHeaderLength"/>.</exception>
    public static void Write(Stream stream, IEnumerable<KeyValuePair<string, FloatTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Plan plan = CreatePlan(tensors, metadata);
        WritePlan(stream, plan);
    }

    /// <summary>Returns the bytes of a safetensors file holding the tensors (as F32) and optional metadata.</summary>
    /// <param name="tensors">Name and tensor pairs, written in this order.</param>
    /// <param name="metadata">Strings to store in <c>__metadata__</c>; <see langword="null"/> or empty for none.</param>
    /// <exception cref="ArgumentException">As for <see cref="Write(Stream, IEnumerable{KeyValuePair{string, FloatTensor}}, IReadOnlyDictionary{string, string}?)"/>, or the file would not fit in a byte array.</exception>
    public static byte[] ToBytes(IEnumerable<KeyValuePair<string, FloatTensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        Plan plan = CreatePlan(tensors, metadata);
        long total = 8 + plan.Header.Length + plan.DataLength;
        if (total > Array.MaxLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The file would be {total} bytes long, more than a byte array holds; write it to a stream instead."),
                nameof(tensors));
        }

        byte[] bytes = new byte[total];
        using var stream = new MemoryStream(bytes, writable: true);
        WritePlan(stream, plan);
        return bytes;
    }

    private sealed record Plan(byte[] Header, KeyValuePair<string, FloatTensor>[] Tensors, long DataLength);

    private static Plan CreatePlan(IEnumerable<KeyValuePair<string, FloatTensor>> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        KeyValuePair<string, FloatTensor>[] list = [.. tensors];
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach ((string name, FloatTensor tensor) in list)
        {
            if (name is null)
            {
                throw new ArgumentException("A tensor name is null.", nameof(tensors));
            }

            if (name == MetadataKey)
            {
                throw new ArgumentException("'__metadata__' is reserved for the metadata and cannot name a tensor.", nameof(tensors));
            }

            CheckUtf16(name, $"Tensor name '{name}'", nameof(tensors));
            if (!names.Add(name))
            {
                throw new ArgumentException($"Tensor '{name}' is given more than once.", nameof(tensors));
            }

            if (tensor is null)
            {
                throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
            }
        }

        KeyValuePair<string, string>[] meta = metadata is null ? [] : [.. metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal)];
        foreach ((string key, string value) in meta)
        {
            ArgumentNullException.ThrowIfNull(key, nameof(metadata));
            if (value is null)
            {
                throw new ArgumentException($"Metadata '{key}' has a null value.", nameof(metadata));
            }

            CheckUtf16(key, $"Metadata key '{key}'", nameof(metadata));
            CheckUtf16(value, $"Metadata '{key}' value", nameof(metadata));
        }

        var buffer = new ArrayBufferWriter<byte>();
        long offset = 0;
        using (var json = new Utf8JsonWriter(buffer, WriterOptions))
        {
            json.WriteStartObject();
            if (meta.Length > 0)
            {
                json.WriteStartObject(MetadataKey);
                foreach ((string key, string value) in meta)
                {
                    json.WriteString(key, value);
                }

                json.WriteEndObject();
            }

            foreach ((string name, FloatTensor tensor) in list)
            {
                long length = checked(4L * tensor.Data.Length);
                json.WriteStartObject(name);
                json.WriteString("dtype", "F32");
                json.WriteStartArray("shape");
                foreach (int dim in tensor.Shape)
                {
                    json.WriteNumberValue(dim);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset = checked(offset + length);
            }

            json.WriteEndObject();
        }

        int unpadded = buffer.WrittenCount;
        long padded = (unpadded + 7L) / 8 * 8;
        if (padded > SafetensorsFile.MaxHeaderLength)
        {
            throw new ArgumentException(
                string.Create(CultureInfo.InvariantCulture, $"The header would be {padded} bytes, above the limit of {SafetensorsFile.MaxHeaderLength} bytes that readers accept."),
                nameof(tensors));
        }

        byte[] header = new byte[padded];
        buffer.WrittenSpan.CopyTo(header);
        header.AsSpan(unpadded).Fill((byte)' ');
        return new Plan(header, list, offset);
    }

    private static void WritePlan(Stream stream, Plan plan)
    {
        Span<byte> prefix = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)plan.Header.Length);
        stream.Write(prefix);
        stream.Write(plan.Header);
        byte[]? chunk = BitConverter.IsLittleEndian ? null : new byte[ChunkFloats * 4];
        foreach ((_, FloatTensor tensor) in plan.Tensors)
        {
            float[] data = tensor.Data;
            if (chunk is null)
            {
                stream.Write(MemoryMarshal.AsBytes(data.AsSpan()));
                continue;
            }

            for (int start = 0; start < data.Length; start += ChunkFloats)
            {
                int n = Math.Min(ChunkFloats, data.Length - start);
                for (int i = 0; i < n; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(i * 4, 4), data[start + i]);
                }

                stream.Write(chunk, 0, n * 4);
            }
        }

        stream.Flush();
    }

    private static void CheckUtf16(string text, string what, string paramName)
    {
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(c))
            {
                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"{what} holds an unpaired surrogate (U+{(int)c:X4}) at index {i}, which UTF-8 cannot encode."),
                    paramName);
            }
        }
    }
}
