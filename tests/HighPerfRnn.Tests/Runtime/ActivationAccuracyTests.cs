using HighPerfRnn.Kernels;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>The rational tanh and the sigmoid built on it, against double precision, over the whole float range.</summary>
[Trait("Category", "Kernels")]
public sealed class ActivationAccuracyTests
{
    /// <summary>The bound FastActivations documents for tanh; sigmoid's is half of it.</summary>
    private const double TanhBound = 1e-6;

    [Fact]
    public void Tanh_is_within_its_stated_bound_everywhere()
    {
        double worst = 0;
        foreach (float x in Samples())
        {
            worst = Math.Max(worst, Math.Abs(FastActivations.Tanh(x) - Math.Tanh(x)));
        }

        Assert.True(worst <= TanhBound, $"max |tanh error| = {worst:E3}");
    }

    [Fact]
    public void Sigmoid_is_within_half_the_tanh_bound_everywhere()
    {
        double worst = 0;
        foreach (float x in Samples())
        {
            worst = Math.Max(worst, Math.Abs(FastActivations.Sigmoid(x) - (1.0 / (1.0 + Math.Exp(-(double)x)))));
        }

        Assert.True(worst <= TanhBound / 2, $"max |sigmoid error| = {worst:E3}");
    }

    [Theory]
    [InlineData(float.PositiveInfinity, 1.0)]
    [InlineData(float.NegativeInfinity, -1.0)]
    [InlineData(0f, 0.0)]
    [InlineData(1e-30f, 1e-30)]
    public void Tanh_limits_match_pytorch(float x, double expected)
        => Assert.Equal(expected, FastActivations.Tanh(x), 1e-6);

    [Fact]
    public void Tanh_and_relu_pass_nan_through_on_every_path()
    {
        foreach (SimdPath path in Support.TestPaths.All)
        {
            var source = new float[16];
            source.AsSpan().Fill(float.NaN);
            var destination = new float[5];
            ActivationKernels.Apply(path, RnnNonlinearity.Tanh, source, destination);
            Assert.All(destination, v => Assert.True(float.IsNaN(v), $"tanh [{path}]"));
            ActivationKernels.Apply(path, RnnNonlinearity.Relu, source, destination);
            Assert.All(destination, v => Assert.True(float.IsNaN(v), $"relu [{path}]"));
        }
    }

    [Fact]
    public void Every_path_computes_the_same_tanh_as_the_scalar_formula()
    {
        float[] samples = Samples().Take(4096).ToArray();
        var expected = Array.ConvertAll(samples, FastActivations.Tanh);
        foreach (SimdPath path in Support.TestPaths.All)
        {
            for (int count = 1; count <= 40; count++)
            {
                var source = new float[count + 16];
                samples.AsSpan(count, count).CopyTo(source);
                var destination = new float[count];
                ActivationKernels.Apply(path, RnnNonlinearity.Tanh, source, destination);
                for (int i = 0; i < count; i++)
                {
                    Assert.True(Math.Abs(destination[i] - expected[count + i]) <= 2e-7, $"[{path}] count {count} lane {i}: {destination[i]} vs {expected[count + i]}");
                }
            }
        }
    }

    /// <summary>A dense grid on [-10, 10], every power of two, and both infinities.</summary>
    private static IEnumerable<float> Samples()
    {
        for (int i = -200_000; i <= 200_000; i++)
        {
            yield return i * 5e-5f;
        }

        for (int e = -126; e < 128; e++)
        {
            yield return MathF.ScaleB(1f, e);
            yield return -MathF.ScaleB(1f, e);
        }

        yield return float.MaxValue;
        yield return float.MinValue;
    }
}
