using HighPerfRnn.Packing;

namespace HighPerfRnn;

/// <summary>
/// Scratch memory for forward passes: the projected inputs of each direction and the hidden sequences
/// between layers. Create one per thread and reuse it; it grows to the largest call it has served and then
/// allocates nothing more. Not thread-safe: two threads must not share one workspace at the same time.
/// </summary>
public sealed class RnnWorkspace
{
    /// <summary>Offsets of carved buffers are multiples of this many floats (64 bytes), so each starts on a cache line.</summary>
    internal const int AlignmentFloats = 16;

    [ThreadStatic]
    private static RnnWorkspace? t_threadDefault;

    private AlignedBuffer? _buffer;

    /// <summary>The floats this workspace holds now.</summary>
    public int Capacity => _buffer?.Length ?? 0;

    /// <summary>A workspace kept per thread, used by the overloads that take none.</summary>
    internal static RnnWorkspace ThreadDefault => t_threadDefault ??= new RnnWorkspace();

    /// <summary>The most scratch one workspace holds: one .NET array, less the alignment margin.</summary>
    internal const long MaxFloats = 0x7FFFFFC7L - AlignmentFloats;

    /// <summary>Rounds a buffer length up so the next buffer carved after it stays aligned (no overflow for any call's sizes).</summary>
    internal static long Align(long floats) => (floats + AlignmentFloats - 1) / AlignmentFloats * AlignmentFloats;

    /// <summary>
    /// The scratch a call needs, as an int, or an <see cref="ArgumentOutOfRangeException"/> naming the argument to
    /// shrink when it needs more than one array holds (so such a call fails clearly before touching memory).
    /// </summary>
    internal static int RequireScratch(long floats, string parameterName, int actualValue)
    {
        if (floats > MaxFloats)
        {
            throw new ArgumentOutOfRangeException(
                parameterName,
                actualValue,
                string.Create(System.Globalization.CultureInfo.InvariantCulture, $"This call needs {floats} floats of scratch, more than one workspace holds ({MaxFloats}); split the batch or the sequence."));
        }

        return (int)floats;
    }

    /// <summary>At least <paramref name="floats"/> floats of scratch, 64-byte aligned; grows (allocates) only when too small.</summary>
    internal Span<float> Rent(int floats)
    {
        if (_buffer is null || _buffer.Length < floats)
        {
            _buffer = new AlignedBuffer(floats);
        }

        return _buffer.Span[..floats];
    }
}
