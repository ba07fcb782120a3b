using System.Diagnostics.CodeAnalysis;

namespace HighPerfRnn.Safetensors;

/// <summary>
/// The element types a safetensors header can name in a tensor's <c>dtype</c>. Each member's name is the file's
/// spelling without underscores (<c>F8_E4M3</c> is <see cref="F8E4M3"/>); <see cref="SafetensorsDTypes.GetName"/>
/// gives the file spelling.
/// </summary>
[SuppressMessage("Naming", "CA1720:Identifier contains type name", Justification = "The names are the safetensors format's dtype names.")]
public enum SafetensorsDType
{
    /// <summary>A dtype name this library does not know (e.g. one added to the format later). Its element size is unknown.</summary>
    Unknown = 0,

    /// <summary><c>BOOL</c>: one byte per element, 0 or 1.</summary>
    Bool,

    /// <summary><c>U8</c>: unsigned 8-bit integer.</summary>
    U8,

    /// <summary><c>I8</c>: signed 8-bit integer.</summary>
    I8,

    /// <summary><c>U16</c>: unsigned 16-bit integer.</summary>
    U16,

    /// <summary><c>I16</c>: signed 16-bit integer.</summary>
    I16,

    /// <summary><c>U32</c>: unsigned 32-bit integer.</summary>
    U32,

    /// <summary><c>I32</c>: signed 32-bit integer.</summary>
    I32,

    /// <summary><c>U64</c>: unsigned 64-bit integer.</summary>
    U64,

    /// <summary><c>I64</c>: signed 64-bit integer.</summary>
    I64,

    /// <summary><c>F16</c>: IEEE 754 binary16 (half precision).</summary>
    F16,

    /// <summary><c>BF16</c>: bfloat16, the upper 16 bits of a binary32.</summary>
    BF16,

    /// <summary><c>F32</c>: IEEE 754 binary32.</summary>
    F32,

    /// <summary><c>F64</c>: IEEE 754 binary64.</summary>
    F64,

    /// <summary><c>C64</c>: complex64, two binary32 values (real, imaginary).</summary>
    C64,

    /// <summary><c>F8_E5M2</c>: 8-bit float, 5 exponent and 2 mantissa bits.</summary>
    F8E5M2,

    /// <summary><c>F8_E4M3</c>: 8-bit float, 4 exponent and 3 mantissa bits.</summary>
    F8E4M3,

    /// <summary><c>F8_E8M0</c>: 8-bit power-of-two scale.</summary>
    F8E8M0,

    /// <summary><c>F6_E2M3</c>: 6-bit float (bit-packed).</summary>
    F6E2M3,

    /// <summary><c>F6_E3M2</c>: 6-bit float (bit-packed).</summary>
    F6E3M2,

    /// <summary><c>F4</c>: 4-bit float E2M1 (bit-packed, two per byte).</summary>
    F4,
}

/// <summary>Helpers for <see cref="SafetensorsDType"/>: file names and element sizes.</summary>
public static class SafetensorsDTypes
{
    /// <summary>
    /// Maps a file's <c>dtype</c> string (case-sensitive, as the format spells it: <c>"F32"</c>, <c>"BF16"</c>,
    /// <c>"F8_E4M3"</c>, ...) to the enum.
    /// </summary>
    /// <param name="name">The dtype string from a header.</param>
    /// <param name="dtype">The dtype, or <see cref="SafetensorsDType.Unknown"/> when the name is not known.</param>
    /// <returns>Whether the name is a known dtype.</returns>
    public static bool TryParse(string? name, out SafetensorsDType dtype)
    {
        dtype = name switch
        {
            "BOOL" => SafetensorsDType.Bool,
            "U8" => SafetensorsDType.U8,
            "I8" => SafetensorsDType.I8,
            "U16" => SafetensorsDType.U16,
            "I16" => SafetensorsDType.I16,
            "U32" => SafetensorsDType.U32,
            "I32" => SafetensorsDType.I32,
            "U64" => SafetensorsDType.U64,
            "I64" => SafetensorsDType.I64,
            "F16" => SafetensorsDType.F16,
            "BF16" => SafetensorsDType.BF16,
            "F32" => SafetensorsDType.F32,
            "F64" => SafetensorsDType.F64,
            "C64" => SafetensorsDType.C64,
            "F8_E5M2" => SafetensorsDType.F8E5M2,
            "F8_E4M3" => SafetensorsDType.F8E4M3,
            "F8_E8M0" => SafetensorsDType.F8E8M0,
            "F6_E2M3" => SafetensorsDType.F6E2M3,
            "F6_E3M2" => SafetensorsDType.F6E3M2,
            "F4" => SafetensorsDType.F4,
            _ => SafetensorsDType.Unknown,
        };
        return dtype != SafetensorsDType.Unknown;
    }

    /// <summary>The dtype's spelling in a safetensors header, e.g. <c>"F8_E4M3"</c> for <see cref="SafetensorsDType.F8E4M3"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is <see cref="SafetensorsDType.Unknown"/> or not a defined value.</exception>
    public static string GetName(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.Bool => "BOOL",
        SafetensorsDType.U8 => "U8",
        SafetensorsDType.I8 => "I8",
        SafetensorsDType.U16 => "U16",
        SafetensorsDType.I16 => "I16",
        SafetensorsDType.U32 => "U32",
        SafetensorsDType.I32 => "I32",
        SafetensorsDType.U64 => "U64",
        SafetensorsDType.I64 => "I64",
        SafetensorsDType.F16 => "F16",
        SafetensorsDType.BF16 => "BF16",
        SafetensorsDType.F32 => "F32",
        SafetensorsDType.F64 => "F64",
        SafetensorsDType.C64 => "C64",
        SafetensorsDType.F8E5M2 => "F8_E5M2",
        SafetensorsDType.F8E4M3 => "F8_E4M3",
        SafetensorsDType.F8E8M0 => "F8_E8M0",
        SafetensorsDType.F6E2M3 => "F6_E2M3",
        SafetensorsDType.F6E3M2 => "F6_E3M2",
        SafetensorsDType.F4 => "F4",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "The dtype has no safetensors name."),
    };

    /// <summary>The size of one element in bits: 4 for <c>F4</c>, 6 for the <c>F6</c> types, 8 × the byte size otherwise.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is <see cref="SafetensorsDType.Unknown"/> or not a defined value.</exception>
    public static int GetBitSize(SafetensorsDType dtype) => dtype switch
    {
        SafetensorsDType.F4 => 4,
        SafetensorsDType.F6E2M3 or SafetensorsDType.F6E3M2 => 6,
        SafetensorsDType.Bool or SafetensorsDType.U8 or SafetensorsDType.I8
            or SafetensorsDType.F8E5M2 or SafetensorsDType.F8E4M3 or SafetensorsDType.F8E8M0 => 8,
        SafetensorsDType.U16 or SafetensorsDType.I16 or SafetensorsDType.F16 or SafetensorsDType.BF16 => 16,
        SafetensorsDType.U32 or SafetensorsDType.I32 or SafetensorsDType.F32 => 32,
        SafetensorsDType.U64 or SafetensorsDType.I64 or SafetensorsDType.F64 or SafetensorsDType.C64 => 64,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "The dtype's size is unknown."),
    };

    /// <summary>
    /// The size of one element in bytes (1, 2, 4 or 8). The bit-packed types <c>F4</c> and <c>F6_*</c>, whose
    /// elements are smaller than a byte, have no byte size: use <see cref="GetBitSize"/> for them.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dtype"/> is <see cref="SafetensorsDType.Unknown"/>,
    /// a sub-byte type, or not a defined value.</exception>
    public static int GetElementSize(SafetensorsDType dtype)
    {
        int bits = GetBitSize(dtype);
        if (bits % 8 != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(dtype), dtype, "The dtype's elements are smaller than a byte; use GetBitSize.");
        }

        return bits / 8;
    }

    /// <summary>Whether <see cref="SafetensorsFile.ReadFloat32(string)"/> converts this dtype: F32, F64, F16 and BF16.</summary>
    public static bool IsReadableAsFloat32(SafetensorsDType dtype) =>
        dtype is SafetensorsDType.F32 or SafetensorsDType.F64 or SafetensorsDType.F16 or SafetensorsDType.BF16;

    /// <summary>
    /// The number of bytes <paramref name="elementCount"/> elements occupy, or <see langword="null"/> when the count
    /// of bits is not a whole number of bytes (only possible for the sub-byte types).
    /// </summary>
    internal static long? TryGetByteCount(SafetensorsDType dtype, long elementCount)
    {
        long bits = checked(elementCount * GetBitSize(dtype));
        return bits % 8 == 0 ? bits / 8 : null;
    }
}
