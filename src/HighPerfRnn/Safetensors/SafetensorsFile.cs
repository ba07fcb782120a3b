using System.Buffers.Binary;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Unicode;
using Microsoft.Win32.SafeHandles;

namespace HighPerfRnn.Safetensors;

/// <summary>
/// A safetensors file held in memory, its header parsed and validated: the tensors' names, dtypes, shapes and byte
/// ranges, the <c>__metadata__</c> strings, and the tensor data, readable as float32.
/// </summary>
/// <remarks>
/// <para>
/// The format: 8 bytes little-endian unsigned header length N; N bytes of UTF-8 JSON, an object mapping each tensor
/// name to <c>{"dtype": ..., "shape": [...], "data_offsets": [begin, end]}</c> plus an optional
/// <c>"__metadata__"</c> object of string values; then the data section, the tensors' raw little-endian bytes, at
/// offsets relative to the end of the header.
/// </para>
/// <para>
/// Parsing is strict, and safe for any input bytes: every problem is reported as a
/// <see cref="SafetensorsFormatException"/> naming it, and nothing is read out of bounds or allocated beyond the
/// input's size. Rejected: a header length above 100,000,000 bytes (the reference implementation's limit) or beyond
/// the end of the input; a header that is not UTF-8, not JSON, or not a JSON object; duplicate keys anywhere (JSON
/// parsers take the last silently, this does not); an entry that is not an object, lacks <c>dtype</c>,
/// <c>shape</c> or <c>data_offsets</c>, or has one of the wrong JSON type; a dimension that is not an integer in
/// [0, <see cref="int.MaxValue"/>]; a tensor of more than <see cref="int.MaxValue"/> elements; <c>data_offsets</c>
/// that are not two non-negative integers with begin ≤ end ≤ the data section's length; a byte range whose length
/// differs from element count × element size; byte ranges of two tensors that overlap; <c>__metadata__</c> that is
/// not an object of strings (JSON <c>null</c> is read as no metadata, as the reference implementation does).
/// Unknown members of an entry are ignored.
/// </para>
/// <para>
/// Tolerated, unlike the reference implementation (which requires the tensors to tile the data section exactly):
/// gaps between tensors and bytes after the last one. A dtype name this library does not know (e.g. one added to the
/// format later) does not make the header unparseable: the tensor gets <see cref="SafetensorsDType.Unknown"/>, its
/// byte length cannot be checked against its shape (only its range is), and reading it as float fails.
/// </para>
/// <para>Instances are immutable and safe to use from several threads at once.</para>
/// </remarks>
public sealed class SafetensorsFile
{
    /// <summary>The largest header length accepted, in bytes: 100,000,000, the reference implementation's limit.</summary>
    public const long MaxHeaderLength = 100_000_000;

    private const string MetadataKey = "__metadata__";
    private const int PrefixLength = 8;
    private const int MaxNamesListed = 40;

    private readonly ReadOnlyMemory<byte> _data;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;
    private readonly string? _source;

    private SafetensorsFile(
        ReadOnlyMemory<byte> data,
        int headerLength,
        SafetensorsTensorInfo[] tensors,
        Dictionary<string, SafetensorsTensorInfo> byName,
        Dictionary<string, string> metadata,
        string? source)
    {
        _data = data;
        HeaderLength = headerLength;
        Tensors = Array.AsReadOnly(tensors);
        _byName = byName;
        Metadata = metadata.AsReadOnly();
        _source = source;
    }

    /// <summary>The header's length N in bytes, as the file's first 8 bytes give it (including any padding).</summary>
    public int HeaderLength { get; }

    /// <summary>The length of the data section in bytes: everything after the header.</summary>
    public long DataLength => _data.Length;

    /// <summary>The <c>__metadata__</c> strings; empty when the file has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Every tensor in the file, in the order of their bytes in the data section (by <c>data_offsets</c> begin, then
    /// end, then name in ordinal order), which for files written by <see cref="SafetensorsWriter"/> or the
    /// <c>safetensors</c> library is the order the data was written in.
    /// </summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>The names of all tensors, in the order of <see cref="Tensors"/>.</summary>
    public IEnumerable<string> TensorNames => Tensors.Select(t => t.Name);

    /// <summary>
    /// Reads and parses the file at <paramref name="path"/>. The file is read into memory whole, after its header length
    /// has been checked against the file's size, so a corrupt length never causes a large allocation.
    /// </summary>
    /// <param name="path">The file's path.</param>
    /// <returns>The parsed file; exception messages about it end with the path.</returns>
    /// <exception cref="SafetensorsFormatException">The file is not a valid safetensors file (see the remarks on <see cref="SafetensorsFile"/>).</exception>
    /// <exception cref="NotSupportedException">The file is larger than the largest byte array .NET can hold (about 2 GB).</exception>
    /// <exception cref="IOException">The file cannot be read, or shrank while it was being read.</exception>
    /// <exception cref="UnauthorizedAccessException">Access to the file is denied.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        long length = RandomAccess.GetLength(handle);
        if (length < PrefixLength)
        {
            throw Fail(path, Inv($"The file is {length} bytes long, shorter than the 8-byte header length that starts a safetensors file."));
        }

        Span<byte> prefix = stackalloc byte[PrefixLength];
        ReadExactly(handle, prefix, 0, path);
        int headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(prefix), length, path);
        if (length > Array.MaxLength)
        {
            throw new NotSupportedException(Inv(
                $"The file '{path}' is {length} bytes long; SafetensorsFile reads files into memory and handles at most {Array.MaxLength} bytes."));
        }

        byte[] bytes = GC.AllocateUninitializedArray<byte>((int)length);
        prefix.CopyTo(bytes);
        ReadExactly(handle, bytes.AsSpan(PrefixLength), PrefixLength, path);
        return ParseValidated(bytes, headerLength, path);
    }

    /// <summary>
    /// Parses a safetensors file held in memory. The bytes are not copied: the returned instance reads tensors from
    /// them, so they must not change while it is in use. A <see cref="byte"/> array converts implicitly.
    /// </summary>
    /// <param name="bytes">The whole file.</param>
    /// <returns>The parsed file.</returns>
    /// <exception cref="SafetensorsFormatException">The bytes are not a valid safetensors file (see the remarks on <see cref="SafetensorsFile"/>).</exception>
    public static SafetensorsFile Parse(ReadOnlyMemory<byte> bytes)
    {
        ReadOnlySpan<byte> span = bytes.Span;
        if (span.Length < PrefixLength)
        {
            throw Fail(null, Inv($"The data is {span.Length} bytes long, shorter than the 8-byte header length that starts a safetensors file."));
        }

        int headerLength = CheckHeaderLength(BinaryPrimitives.ReadUInt64LittleEndian(span), span.Length, null);
        return ParseValidated(bytes, headerLength, null);
    }

    /// <summary>Whether the file holds a tensor named <paramref name="name"/> (ordinal comparison).</summary>
    public bool Contains(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.ContainsKey(name);
    }

    /// <summary>Looks up a tensor's header entry by name (ordinal comparison).</summary>
    /// <param name="name">The tensor's name.</param>
    /// <param name="info">The entry, or <see langword="null"/> when there is no such tensor.</param>
    /// <returns>Whether the tensor exists.</returns>
    public bool TryGetTensor(string name, [NotNullWhen(true)] out SafetensorsTensorInfo? info)
    {
        ArgumentNullException.ThrowIfNull(name);
        return _byName.TryGetValue(name, out info);
    }

    /// <summary>A tensor's header entry by name (ordinal comparison).</summary>
    /// <exception cref="KeyNotFoundException">There is no such tensor; the message names it and lists the tensors present.</exception>
    public SafetensorsTensorInfo GetTensor(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out SafetensorsTensorInfo? info))
        {
            return info;
        }

        throw new KeyNotFoundException(MissingTensorMessage(name));
    }

    /// <summary>The raw little-endian bytes of a tensor, as stored in the file (no copy).</summary>
    /// <exception cref="KeyNotFoundException">There is no such tensor.</exception>
    public ReadOnlyMemory<byte> GetTensorBytes(string name)
    {
        SafetensorsTensorInfo info = GetTensor(name);
        return _data.Slice((int)info.DataBegin, (int)info.ByteLength);
    }

    /// <summary>
    /// Reads a tensor's values as float32, row-major: F32 as stored, F64 rounded to nearest, F16 and BF16 widened
    /// exactly. NaN, infinities and subnormals carry over (F64 values beyond float range become infinities).
    /// </summary>
    /// <exception cref="KeyNotFoundException">There is no such tensor.</exception>
    /// <exception cref="SafetensorsFormatException">The tensor's dtype is not F32, F64, F16 or BF16.</exception>
    public float[] ReadFloat32(string name)
    {
        SafetensorsTensorInfo info = GetTensor(name);
        CheckFloatDType(info);
        float[] values = info.ElementCount == 0 ? [] : GC.AllocateUninitializedArray<float>(info.ElementCount);
        Convert(info, values);
        return values;
    }

    /// <summary>Reads a tensor's values as float32 into <paramref name="destination"/>, converting as <see cref="ReadFloat32(string)"/> does.</summary>
    /// <exception cref="KeyNotFoundException">There is no such tensor.</exception>
    /// <exception cref="SafetensorsFormatException">The tensor's dtype is not F32, F64, F16 or BF16.</exception>
    /// <exception cref="ArgumentException"><paramref name="destination"/>'s length differs from the tensor's element count.</exception>
    public void ReadFloat32(string name, Span<float> destination)
    {
        SafetensorsTensorInfo info = GetTensor(name);
        CheckFloatDType(info);
        if (destination.Length != info.ElementCount)
        {
            throw new ArgumentException(Inv(
                $"Tensor '{name}' has shape {info.ShapeText}, {info.ElementCount} elements, but the destination holds {destination.Length}."),
                nameof(destination));
        }

        Convert(info, destination);
    }

    /// <summary>
    /// Reads a tensor's values as float64, row-major: F64 as stored, F32, F16 and BF16 widened exactly. For reference
    /// values stored in double precision, which <see cref="ReadFloat32(string)"/> would round.
    /// </summary>
    /// <exception cref="KeyNotFoundException">There is no such tensor.</exception>
    /// <exception cref="SafetensorsFormatException">The tensor's dtype is not F32, F64, F16 or BF16.</exception>
    public double[] ReadFloat64(string name)
    {
        SafetensorsTensorInfo info = GetTensor(name);
        CheckFloatDType(info);
        var values = new double[info.ElementCount];
        if (info.DType == SafetensorsDType.F64)
        {
            ReadOnlySpan<byte> src = _data.Span.Slice((int)info.DataBegin, (int)info.ByteLength);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadDoubleLittleEndian(src.Slice(i * 8, 8));
            }
        }
        else
        {
            float[] narrow = ReadFloat32(name);
            for (int i = 0; i < values.Length; i++)
            {
                values[i] = narrow[i];
            }
        }

        return values;
    }

    /// <summary>Reads a tensor as a <see cref="FloatTensor"/> of its shape, converting as <see cref="ReadFloat32(string)"/> does.</summary>
    /// <exception cref="KeyNotFoundException">There is no such tensor.</exception>
    /// <exception cref="SafetensorsFormatException">The tensor's dtype is not F32, F64, F16 or BF16.</exception>
    public FloatTensor ReadFloatTensor(string name)
    {
        SafetensorsTensorInfo info = GetTensor(name);
        return new FloatTensor(ReadFloat32(name), info.GetShape());
    }

    /// <summary>
    /// Reads an integer tensor's values as int64, row-major, exactly: I64, I32, I16, I8, U32, U16 and U8 (PyTorch's
    /// <c>lengths</c> are I64). U64 values above <see cref="long.MaxValue"/> are refused rather than wrapped.
    /// </summary>
    /// <exception cref="KeyNotFoundException">There is no such tensor.</exception>
    /// <exception cref="SafetensorsFormatException">The tensor's dtype is not an integer type, or a U64 value does not fit.</exception>
    public long[] ReadInt64(string name)
    {
        SafetensorsTensorInfo info = GetTensor(name);
        if (info.DType is not (SafetensorsDType.I64 or SafetensorsDType.U64 or SafetensorsDType.I32 or SafetensorsDType.U32
            or SafetensorsDType.I16 or SafetensorsDType.U16 or SafetensorsDType.I8 or SafetensorsDType.U8))
        {
            throw Fail(_source, Inv($"Tensor '{info.Name}' has dtype '{info.DTypeName}', which is not an integer type: expected I64, I32, I16, I8, U64, U32, U16 or U8."), info.Name);
        }

        ReadOnlySpan<byte> src = _data.Span.Slice((int)info.DataBegin, (int)info.ByteLength);
        var values = new long[info.ElementCount];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = info.DType switch
            {
                SafetensorsDType.I64 => BinaryPrimitives.ReadInt64LittleEndian(src[(i * 8)..]),
                SafetensorsDType.U64 => ReadUInt64AsInt64(info, src, i),
                SafetensorsDType.I32 => BinaryPrimitives.ReadInt32LittleEndian(src[(i * 4)..]),
                SafetensorsDType.U32 => BinaryPrimitives.ReadUInt32LittleEndian(src[(i * 4)..]),
                SafetensorsDType.I16 => BinaryPrimitives.ReadInt16LittleEndian(src[(i * 2)..]),
                SafetensorsDType.U16 => BinaryPrimitives.ReadUInt16LittleEndian(src[(i * 2)..]),
                SafetensorsDType.I8 => (sbyte)src[i],
                _ => src[i], // U8
            };
        }

        return values;
    }

    private long ReadUInt64AsInt64(SafetensorsTensorInfo info, ReadOnlySpan<byte> src, int index)
    {
        ulong value = BinaryPrimitives.ReadUInt64LittleEndian(src[(index * 8)..]);
        return value <= long.MaxValue ? (long)value : throw Fail(_source, Inv($"Tensor '{info.Name}' element {index} is {value}, beyond int64."), info.Name);
    }

    private void CheckFloatDType(SafetensorsTensorInfo info)
    {
        if (!SafetensorsDTypes.IsReadableAsFloat32(info.DType))
        {
            string kind = info.DType == SafetensorsDType.Unknown ? "an unknown dtype" : "a dtype";
            throw Fail(_source, Inv(
                $"Tensor '{info.Name}' has {kind} '{info.DTypeName}', which cannot be read as float32: expected F32, F64, F16 or BF16."),
                info.Name);
        }
    }

    private void Convert(SafetensorsTensorInfo info, Span<float> destination)
    {
        ReadOnlySpan<byte> src = _data.Span.Slice((int)info.DataBegin, (int)info.ByteLength);
        switch (info.DType)
        {
            case SafetensorsDType.F32:
                if (BitConverter.IsLittleEndian)
                {
                    src.CopyTo(MemoryMarshal.AsBytes(destination));
                }
                else
                {
                    for (int i = 0; i < destination.Length; i++)
                    {
                        destination[i] = BinaryPrimitives.ReadSingleLittleEndian(src.Slice(i * 4, 4));
                    }
                }

                break;
            case SafetensorsDType.F64:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(src.Slice(i * 8, 8));
                }

                break;
            case SafetensorsDType.F16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = (float)BinaryPrimitives.ReadHalfLittleEndian(src.Slice(i * 2, 2));
                }

                break;
            case SafetensorsDType.BF16:
                for (int i = 0; i < destination.Length; i++)
                {
                    destination[i] = BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(src.Slice(i * 2, 2)) << 16);
                }

                break;
            default:
                throw new InvalidOperationException("Unreachable: the dtype was checked.");
        }
    }

    private string MissingTensorMessage(string name)
    {
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"The safetensors file holds no tensor named '{name}'. ");
        if (Tensors.Count == 0)
        {
            sb.Append("It holds no tensors.");
        }
        else
        {
            sb.Append(CultureInfo.InvariantCulture, $"Tensors present ({Tensors.Count}): ");
            IEnumerable<string> names = Tensors.Select(t => t.Name).Order(StringComparer.Ordinal).Take(MaxNamesListed).Select(n => "'" + n + "'");
            sb.AppendJoin(", ", names);
            sb.Append(Tensors.Count > MaxNamesListed ? ", ..." : ".");
        }

        if (_source is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $" (file: {_source})");
        }

        return sb.ToString();
    }

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset, string path)
    {
        while (!buffer.IsEmpty)
        {
            int read = RandomAccess.Read(handle, buffer, offset);
            if (read <= 0)
            {
                throw new IOException(Inv($"The file '{path}' ended at byte {offset} while being read; it was changed during the read."));
            }

            buffer = buffer[read..];
            offset += read;
        }
    }

    /// <summary>Validates the header length against the limit and the total input length; returns it as an int.</summary>
    private static int CheckHeaderLength(ulong headerLength, long totalLength, string? source)
    {
        if (headerLength > MaxHeaderLength)
        {
            throw Fail(source, Inv($"The header length is {headerLength} bytes, above the limit of {MaxHeaderLength} bytes."));
        }

        long available = totalLength - PrefixLength;
        if ((long)headerLength > available)
        {
            throw Fail(source, Inv(
                $"The header length is {headerLength} bytes, but only {available} bytes follow the 8-byte length prefix."));
        }

        if (headerLength < 2)
        {
            throw Fail(source, Inv($"The header length is {headerLength} bytes, too short for a JSON object (at least 2 bytes: {{}})."));
        }

        return (int)headerLength;
    }

    private static SafetensorsFile ParseValidated(ReadOnlyMemory<byte> bytes, int headerLength, string? source)
    {
        ReadOnlyMemory<byte> header = bytes.Slice(PrefixLength, headerLength);
        ReadOnlyMemory<byte> data = bytes[(PrefixLength + headerLength)..];
        CheckUtf8(header.Span, source);

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(header, new JsonDocumentOptions { AllowTrailingCommas = false, CommentHandling = JsonCommentHandling.Disallow });
        }
        catch (JsonException ex)
        {
            throw Fail(source, "The header is not valid JSON: " + ex.Message, null, ex);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Fail(source, $"The header must be a JSON object, but is {Describe(root)}.");
            }

            var keys = new HashSet<string>(StringComparer.Ordinal);
            var tensors = new List<SafetensorsTensorInfo>();
            Dictionary<string, string>? metadata = null;
            foreach (JsonProperty property in root.EnumerateObject())
            {
                string name = PropertyName(property, "A header key", source);
                if (!keys.Add(name))
                {
                    throw name == MetadataKey
                        ? Fail(source, "The header holds '__metadata__' more than once.")
                        : Fail(source, $"Tensor '{name}' appears more than once in the header.", name);
                }

                if (name == MetadataKey)
                {
                    metadata = ParseMetadata(property.Value, source);
                }
                else
                {
                    tensors.Add(ParseTensor(name, property.Value, data.Length, source));
                }
            }

            SafetensorsTensorInfo[] ordered = [.. tensors];
            Array.Sort(ordered, CompareByOffsets);
            CheckOverlaps(ordered, source);
            var byName = new Dictionary<string, SafetensorsTensorInfo>(ordered.Length, StringComparer.Ordinal);
            foreach (SafetensorsTensorInfo info in ordered)
            {
                byName.Add(info.Name, info);
            }

            return new SafetensorsFile(data, headerLength, ordered, byName, metadata ?? new Dictionary<string, string>(StringComparer.Ordinal), source);
        }
    }

    private static int CompareByOffsets(SafetensorsTensorInfo a, SafetensorsTensorInfo b)
    {
        int c = a.DataBegin.CompareTo(b.DataBegin);
        if (c == 0)
        {
            c = a.DataEnd.CompareTo(b.DataEnd);
        }

        return c != 0 ? c : string.CompareOrdinal(a.Name, b.Name);
    }

    private static void CheckOverlaps(SafetensorsTensorInfo[] ordered, string? source)
    {
        SafetensorsTensorInfo? furthest = null;
        foreach (SafetensorsTensorInfo info in ordered)
        {
            if (info.ByteLength == 0)
            {
                continue;
            }

            if (furthest is not null && info.DataBegin < furthest.DataEnd)
            {
                throw Fail(source, Inv(
                    $"Tensors '{furthest.Name}' and '{info.Name}' overlap: '{furthest.Name}' occupies data bytes [{furthest.DataBegin}, {furthest.DataEnd}) and '{info.Name}' [{info.DataBegin}, {info.DataEnd})."),
                    info.Name);
            }

            if (furthest is null || info.DataEnd > furthest.DataEnd)
            {
                furthest = info;
            }
        }
    }

    private static void CheckUtf8(ReadOnlySpan<byte> header, string? source)
    {
        if (Utf8.IsValid(header))
        {
            return;
        }

        int offset = 0;
        while (offset < header.Length)
        {
            if (System.Text.Rune.DecodeFromUtf8(header[offset..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
            {
                break;
            }

            offset += consumed;
        }

        string b = offset < header.Length ? Inv($" (0x{header[offset]:X2})") : string.Empty;
        throw Fail(source, Inv($"The header is not valid UTF-8: invalid byte sequence at header byte {offset}{b}."));
    }

    private static Dictionary<string, string>? ParseMetadata(JsonElement value, string? source)
    {
        if (value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Object)
        {
            throw Fail(source, $"'__metadata__' must be a JSON object of string values, but is {Describe(value)}.");
        }

        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (JsonProperty property in value.EnumerateObject())
        {
            string key = PropertyName(property, "A '__metadata__' key", source);
            if (metadata.ContainsKey(key))
            {
                throw Fail(source, $"Metadata key '{key}' appears more than once in '__metadata__'.");
            }

            if (property.Value.ValueKind != JsonValueKind.String)
            {
                throw Fail(source, $"Metadata '{key}' must be a string, but is {Describe(property.Value)}.");
            }

            metadata.Add(key, StringValue(property.Value, $"Metadata '{key}'", source, null));
        }

        return metadata;
    }

    private static SafetensorsTensorInfo ParseTensor(string name, JsonElement entry, long dataLength, string? source)
    {
        if (entry.ValueKind != JsonValueKind.Object)
        {
            throw Fail(source, $"Tensor '{name}': the entry must be a JSON object with dtype, shape and data_offsets, but is {Describe(entry)}.", name);
        }

        JsonElement? dtypeElement = null, shapeElement = null, offsetsElement = null;
        foreach (JsonProperty property in entry.EnumerateObject())
        {
            string key = PropertyName(property, $"Tensor '{name}': a key", source);
            switch (key)
            {
                case "dtype":
                    Set(ref dtypeElement, property.Value, key);
                    break;
                case "shape":
                    Set(ref shapeElement, property.Value, key);
                    break;
                case "data_offsets":
                    Set(ref offsetsElement, property.Value, key);
                    break;
                default:
                    break; // Unknown members are ignored, as serde does.
            }
        }

        // dtype
        JsonElement dtypeValue = Require(dtypeElement, "dtype");
        if (dtypeValue.ValueKind != JsonValueKind.String)
        {
            throw Fail(source, $"Tensor '{name}': 'dtype' must be a string, but is {Describe(dtypeValue)}.", name);
        }

        string dtypeName = StringValue(dtypeValue, $"Tensor '{name}': 'dtype'", source, name);
        // An unknown name leaves dtype Unknown: the header still parses (see the class remarks).
        _ = SafetensorsDTypes.TryParse(dtypeName, out SafetensorsDType dtype);

        // shape
        JsonElement shapeValue = Require(shapeElement, "shape");
        if (shapeValue.ValueKind != JsonValueKind.Array)
        {
            throw Fail(source, $"Tensor '{name}': 'shape' must be an array of integers, but is {Describe(shapeValue)}.", name);
        }

        int[] shape = new int[shapeValue.GetArrayLength()];
        bool hasZero = false;
        int index = 0;
        foreach (JsonElement dim in shapeValue.EnumerateArray())
        {
            if (dim.ValueKind != JsonValueKind.Number || !dim.TryGetInt64(out long d))
            {
                throw Fail(source, Inv($"Tensor '{name}': shape[{index}] must be a non-negative integer, but is {Describe(dim)}."), name);
            }

            if (d < 0)
            {
                throw Fail(source, Inv($"Tensor '{name}': shape[{index}] is {d}; dimensions must be non-negative."), name);
            }

            if (d > int.MaxValue)
            {
                throw Fail(source, Inv($"Tensor '{name}': shape[{index}] is {d}, above the largest supported dimension {int.MaxValue}."), name);
            }

            hasZero |= d == 0;
            shape[index++] = (int)d;
        }

        long count = 1;
        if (hasZero)
        {
            count = 0;
        }
        else
        {
            foreach (int d in shape)
            {
                count *= d; // Both factors are at most int.MaxValue, so this cannot overflow a long.
                if (count > int.MaxValue)
                {
                    throw Fail(source, Inv(
                        $"Tensor '{name}': shape {FloatTensor.FormatShape(shape)} holds more than {int.MaxValue} elements, the most supported."), name);
                }
            }
        }

        // data_offsets
        JsonElement offsetsValue = Require(offsetsElement, "data_offsets");
        if (offsetsValue.ValueKind != JsonValueKind.Array)
        {
            throw Fail(source, $"Tensor '{name}': 'data_offsets' must be an array [begin, end], but is {Describe(offsetsValue)}.", name);
        }

        int offsetCount = offsetsValue.GetArrayLength();
        if (offsetCount != 2)
        {
            throw Fail(source, Inv($"Tensor '{name}': 'data_offsets' must hold 2 integers [begin, end], but holds {offsetCount} values."), name);
        }

        long begin = Offset(offsetsValue[0], "begin");
        long end = Offset(offsetsValue[1], "end");
        if (begin > end)
        {
            throw Fail(source, Inv($"Tensor '{name}': data_offsets [{begin}, {end}] begin after they end."), name);
        }

        long byteLength = end - begin;
        string dtypeText = dtype == SafetensorsDType.Unknown ? dtypeName : SafetensorsDTypes.GetName(dtype);
        if (dtype != SafetensorsDType.Unknown)
        {
            long? expected = SafetensorsDTypes.TryGetByteCount(dtype, count);
            if (expected is null)
            {
                throw Fail(source, Inv(
                    $"Tensor '{name}': shape {FloatTensor.FormatShape(shape)} of {dtypeText} is {count * SafetensorsDTypes.GetBitSize(dtype)} bits, not a whole number of bytes."), name);
            }

            if (expected.Value != byteLength)
            {
                throw Fail(source, Inv(
                    $"Tensor '{name}': data_offsets [{begin}, {end}] hold {byteLength} bytes, but shape {FloatTensor.FormatShape(shape)} of {dtypeText} needs {expected.Value} bytes."), name);
            }
        }

        if (end > dataLength)
        {
            throw Fail(source, Inv(
                $"Tensor '{name}': data_offsets [{begin}, {end}] end at byte {end}, beyond the end of the {dataLength}-byte data section."), name);
        }

        return new SafetensorsTensorInfo(name, dtype, dtypeName, shape, (int)count, begin, end);

        void Set(ref JsonElement? slot, JsonElement value, string key)
        {
            if (slot is not null)
            {
                throw Fail(source, $"Tensor '{name}': '{key}' appears more than once in its entry.", name);
            }

            slot = value;
        }

        JsonElement Require(JsonElement? element, string key) =>
            element ?? throw Fail(source, $"Tensor '{name}': the entry has no '{key}'; it must have dtype, shape and data_offsets.", name);

        long Offset(JsonElement element, string which)
        {
            if (element.ValueKind != JsonValueKind.Number || !element.TryGetInt64(out long value) || value < 0)
            {
                throw Fail(source, $"Tensor '{name}': data_offsets {which} must be a non-negative integer, but is {Describe(element)}.", name);
            }

            return value;
        }
    }

    private static string PropertyName(JsonProperty property, string what, string? source)
    {
        try
        {
            return property.Name;
        }
        catch (InvalidOperationException ex)
        {
            // Escapes such as "\ud800" that decode to invalid UTF-16.
            throw Fail(source, $"{what} is not valid Unicode text: {ex.Message}", null, ex);
        }
    }

    private static string StringValue(JsonElement element, string what, string? source, string? tensorName)
    {
        try
        {
            return element.GetString() ?? string.Empty;
        }
        catch (InvalidOperationException ex)
        {
            throw Fail(source, $"{what} is not valid Unicode text: {ex.Message}", tensorName, ex);
        }
    }

    /// <summary>A short description of a JSON value for messages: its kind and (truncated) text.</summary>
    private static string Describe(JsonElement element)
    {
        const int MaxText = 40;
        string kind = element.ValueKind switch
        {
            JsonValueKind.Object => "an object",
            JsonValueKind.Array => "an array",
            JsonValueKind.String => "a string",
            JsonValueKind.Number => "a number",
            JsonValueKind.True or JsonValueKind.False => "a boolean",
            JsonValueKind.Null => "null",
            _ => "undefined",
        };
        if (element.ValueKind is JsonValueKind.Null or JsonValueKind.Object or JsonValueKind.Array)
        {
            return kind;
        }

        string text = element.GetRawText();
        if (text.Length > MaxText)
        {
            text = string.Concat(text.AsSpan(0, MaxText), "...");
        }

        return $"{kind} ({text})";
    }

    private static SafetensorsFormatException Fail(string? source, string message, string? tensorName = null, Exception? inner = null) =>
        new(source is null ? message : message + " (file: " + source + ")", tensorName, inner);

    private static string Inv(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
