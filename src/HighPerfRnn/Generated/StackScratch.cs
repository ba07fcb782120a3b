using System.ComponentModel;
using System.Runtime.CompilerServices;

namespace HighPerfRnn.Generated;

/// <summary>
/// Vector scratch on the stack, aligned as the packed weights are (<c>AlignedBuffer</c>): the first float of a stack
/// buffer at or after its start that sits on a 64-byte boundary (a cache line, one 512-bit vector). The stack is kept
/// to 16 bytes' alignment only, and where a process's stack put a kernel's scratch 16 or 48 bytes off a line, each
/// 512-bit load and store of it straddled two lines (a declared LSTM 32's step 1.03–1.04× the time). Buffers reserve
/// <see cref="SlackFloats"/> floats beyond what they use, and the kernels the source generator emits address their
/// scratch from here. (The runtime's fused step keeps its tiles in stack scratch too; it measured level either way.)
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class StackScratch
{
    /// <summary>Floats a buffer reserves beyond its use, so that its aligned part still holds them all.</summary>
    public const int SlackFloats = (AlignmentBytes / sizeof(float)) - 1;

    private const int AlignmentBytes = 64;

    /// <summary>
    /// The first float at or after <paramref name="first"/> on a 64-byte boundary: 0 to <see cref="SlackFloats"/>
    /// floats further on. <paramref name="first"/> must be on the stack (or pinned), and 4-byte aligned, as every
    /// float is.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ref float Aligned(ref float first)
    {
        // The byte offset from a null reference is the address itself; a stack address does not move.
        nuint address = (nuint)Unsafe.ByteOffset(ref Unsafe.NullRef<float>(), ref first);
        return ref Unsafe.Add(ref first, ((0 - address) % AlignmentBytes) / sizeof(float));
    }

    /// <summary>
    /// The <paramref name="length"/> floats of <paramref name="buffer"/> (a stack buffer of at least length +
    /// <see cref="SlackFloats"/> floats) that start on a 64-byte boundary.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="buffer"/> is shorter than length + SlackFloats.</exception>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Span<float> Aligned(Span<float> buffer, int length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        ArgumentOutOfRangeException.ThrowIfLessThan(buffer.Length, length + SlackFloats, nameof(buffer));
        return length == 0 ? buffer[..0] : System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref Aligned(ref buffer[0]), length);
    }
}
