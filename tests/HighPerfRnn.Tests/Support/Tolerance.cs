using Xunit.Sdk;

namespace HighPerfRnn.Tests.Support;

/// <summary>Element-wise comparison of float32 results with double-precision truth, failing with the worst element.</summary>
internal static class Tolerance
{
    /// <summary>Asserts |actual[i] − expected[i]| ≤ absolute + relative·|expected[i]| for every i, NaN matching NaN.</summary>
    public static void AssertClose(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected, double absolute, double relative, string what)
    {
        if (actual.Length != expected.Length)
        {
            throw new XunitException($"{what}: length {actual.Length}, expected {expected.Length}.");
        }

        int worst = -1;
        double worstExcess = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            if (double.IsNaN(expected[i]) || double.IsNaN(actual[i]))
            {
                if (double.IsNaN(expected[i]) != double.IsNaN(actual[i]))
                {
                    throw new XunitException($"{what}[{i}] = {actual[i]}, expected {expected[i]} (NaN mismatch).");
                }

                continue;
            }

            double error = Math.Abs(actual[i] - expected[i]);
            double allowed = absolute + (relative * Math.Abs(expected[i]));
            if (!(error <= allowed) && error - allowed > worstExcess)
            {
                worst = i;
                worstExcess = error - allowed;
            }
        }

        if (worst >= 0)
        {
            throw new XunitException(
                $"{what}[{worst}] = {actual[worst]:R}, expected {expected[worst]:R}: error {Math.Abs(actual[worst] - expected[worst]):E3} exceeds {absolute:E1} + {relative:E1}·|expected|.");
        }
    }

    public static double MaxAbsError(ReadOnlySpan<float> actual, ReadOnlySpan<double> expected)
    {
        double max = 0;
        for (int i = 0; i < actual.Length; i++)
        {
            max = Math.Max(max, Math.Abs(actual[i] - expected[i]));
        }

        return max;
    }
}
