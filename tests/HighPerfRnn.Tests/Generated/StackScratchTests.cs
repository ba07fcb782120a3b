using HighPerfRnn.Generated;

namespace HighPerfRnn.Tests.Generated;

/// <summary>
/// The aligned stack scratch the generated kernels address (<see cref="StackScratch"/>): at every starting offset a
/// buffer's aligned part begins on a 64-byte boundary, inside the buffer, and holds what was asked for.
/// </summary>
public sealed class StackScratchTests
{
    [Fact]
    public void Every_start_gives_an_aligned_part_within_the_buffer()
    {
        Span<float> stack = stackalloc float[64 + StackScratch.SlackFloats + 16];
        for (int start = 0; start < 16; start++)
        {
            Span<float> buffer = stack.Slice(start, 64 + StackScratch.SlackFloats);
            Span<float> aligned = StackScratch.Aligned(buffer, 64);
            Assert.Equal(64, aligned.Length);
            Assert.Equal(0, AddressOf(ref aligned[0]) % 64);
            long skipped = (AddressOf(ref aligned[0]) - AddressOf(ref buffer[0])) / sizeof(float);
            Assert.InRange(skipped, 0, StackScratch.SlackFloats);
            Assert.True(buffer.Overlaps(aligned, out int offset) && offset == skipped);
            Assert.Equal(AddressOf(ref aligned[0]), AddressOf(ref StackScratch.Aligned(ref buffer[0])));
        }
    }

    [Fact]
    public void An_empty_part_is_empty()
    {
        Span<float> buffer = stackalloc float[StackScratch.SlackFloats];
        Assert.True(StackScratch.Aligned(buffer, 0).IsEmpty);
    }

    [Fact]
    public void A_buffer_without_the_slack_is_refused_naming_it()
    {
        float[] buffer = new float[64 + StackScratch.SlackFloats - 1];
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => StackScratch.Aligned(buffer, 64));
        Assert.Equal("buffer", error.ParamName);
        Assert.Contains("79", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>("length", () => StackScratch.Aligned(new float[20], -1));
    }

    private static unsafe long AddressOf(ref float value) => (long)System.Runtime.CompilerServices.Unsafe.AsPointer(ref value);
}
