using Xunit.Sdk;

namespace HighPerfRnn.Tests.Support;

/// <summary>Bit equality of float results: the library's guarantee is the same bits, so a tolerance would hide a change of summation order.</summary>
internal static class Bits
{
    /// <summary>Fails unless both hold the same bits, naming the first element that differs (its value and bits on each side).</summary>
    public static void AssertEqual(ReadOnlySpan<float> expected, ReadOnlySpan<float> actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            int expectedBits = BitConverter.SingleToInt32Bits(expected[i]);
            int actualBits = BitConverter.SingleToInt32Bits(actual[i]);
            if (expectedBits != actualBits)
            {
                throw new XunitException($"{what}: element {i} of {expected.Length} is {actual[i]:R} (0x{actualBits:X8}), expected {expected[i]:R} (0x{expectedBits:X8}).");
            }
        }
    }
}
