using System.Runtime.CompilerServices;

namespace HighPerfRnn.Packing;

/// <summary>
/// A float buffer whose first element sits on a 64-byte boundary (a cache line, and one 512-bit vector), so
/// that vector loads of packed panels never straddle cache lines. Backed by a pinned array on the pinned
/// object heap, whose address never changes, so the alignment offset computed once stays valid.
/// </summary>
internal sealed class AlignedBuffer
{
    private const int AlignmentBytes = 64;
    private const int AlignmentFloats = AlignmentBytes / sizeof(float);

    private readonly float[] _storage;
    private readonly int _offset;

    public AlignedBuffer(int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        _storage = GC.AllocateArray<float>(length + AlignmentFloats, pinned: true);
        _offset = AlignmentOffset(_storage);
        Length = length;
    }

    public int Length { get; }

    public Span<float> Span => _storage.AsSpan(_offset, Length);

    /// <summary>The first float (aligned), unchecked: for callers that address the buffer by constant offsets they have proven in range.</summary>
    public ref float First => ref Unsafe.Add(ref System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_storage), _offset);

    /// <summary>Floats to skip from the array's start to reach a 64-byte boundary.</summary>
    private static unsafe int AlignmentOffset(float[] pinnedArray)
    {
        // The array lives on the pinned object heap: its address is fixed for its lifetime.
        nuint address = (nuint)Unsafe.AsPointer(ref pinnedArray[0]);
        int misalignment = (int)(address % AlignmentBytes);
        return misalignment == 0 ? 0 : (AlignmentBytes - misalignment) / sizeof(float);
    }
}
