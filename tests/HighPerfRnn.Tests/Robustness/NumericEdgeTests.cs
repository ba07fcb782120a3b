using HighPerfRnn.Reference;
using HighPerfRnn.Tests.Support;
using Xunit.Sdk;

namespace HighPerfRnn.Tests.Robustness;

/// <summary>
/// Issue 7, numerics at the edges, each against the naive double-precision reference (PyTorch's equations) on every
/// SIMD path: pre-activations that drive tanh and sigmoid into saturation (huge inputs, huge weights, infinities),
/// relu RNNs whose states grow by orders of magnitude and then overflow float32, NaN entering through the input or
/// the initial state (NaN must reach exactly the outputs it reaches in PyTorch, and no others), and subnormal
/// inputs, weights and decaying states (computed, not flushed, as PyTorch does by default).
/// </summary>
[Trait("Category", "Kernels")]
public sealed class NumericEdgeTests
{
    private const double Absolute = 2e-5;
    private const double Relative = 2e-5;

    public static TheoryData<string, RnnArchitecture> Models => new()
    {
        { "RNN tanh", new RnnArchitecture(RnnCell.Rnn, 4, 6, bidirectional: true) },
        { "RNN relu", new RnnArchitecture(RnnCell.Rnn, 4, 6, numLayers: 2, bidirectional: true, nonlinearity: RnnNonlinearity.Relu) },
        { "LSTM", new RnnArchitecture(RnnCell.Lstm, 4, 6, numLayers: 2, bidirectional: true) },
        { "LSTM proj_size", new RnnArchitecture(RnnCell.Lstm, 4, 6, numLayers: 2, bidirectional: true, projSize: 3) },
        { "GRU", new RnnArchitecture(RnnCell.Gru, 4, 6, numLayers: 2, bidirectional: true) },
        { "GRU wide", new RnnArchitecture(RnnCell.Gru, 9, 19) },
    };

    /// <summary>The cells whose activations saturate and bound h (relu does not: its growth has tests of its own).</summary>
    public static TheoryData<string, RnnArchitecture> SaturatingModels
    {
        get
        {
            var models = new TheoryData<string, RnnArchitecture>();
            foreach (object[] row in Models)
            {
                // The LSTM's projection is unbounded: huge W_hr multiplies the gates' distance from exact 0 and 1 (2.4e-7
                // at most, see the skipped test below) into large errors, which says nothing about saturation.
                if (((RnnArchitecture)row[1]) is { Nonlinearity: RnnNonlinearity.Tanh, ProjSize: 0 })
                {
                    models.Add((string)row[0], (RnnArchitecture)row[1]);
                }
            }

            return models;
        }
    }

    // ---- Saturation ----------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(SaturatingModels))]
    public void Huge_inputs_saturate_as_in_pytorch(string name, RnnArchitecture a)
    {
        // |x| of 1e6 to 1e30 puts every pre-activation of the first layer far into tanh's and sigmoid's flat tails.
        // (Well below float32's overflow: sums of such products stay finite, as they do in PyTorch.)
        var random = new Random(1);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(a, random);
        float[] input = RandomModels.Uniform(random, 3 * 5 * a.InputSize, 1f).Select((v, i) => v * (i % 3 == 0 ? 1e6f : i % 3 == 1 ? 1e20f : 1e30f)).ToArray();
        CompareWithReference(name, a, weights, input, 3, 5, Absolute, Relative);
    }

    [Theory]
    [MemberData(nameof(SaturatingModels))]
    public void Huge_weights_saturate_as_in_pytorch(string name, RnnArchitecture a)
    {
        var random = new Random(2);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(a, random, scale: 1e7f);
        float[] input = RandomModels.Uniform(random, 3 * 5 * a.InputSize, 1f);
        float[] h0 = RandomModels.Uniform(random, a.StateRows * 3 * a.StateSize, 1f);
        CompareWithReference(name, a, weights, input, 3, 5, Absolute, Relative, h0);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Infinite_inputs_give_pytorchs_saturated_values_and_nans(string name, RnnArchitecture a)
    {
        // One infinity in a row saturates (w·∞ = ±∞ is a single term); two of opposite products give ∞ − ∞ = NaN.
        // Either way the reference, with IEEE arithmetic as PyTorch's, says which.
        var random = new Random(3);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(a, random);
        float[] input = RandomModels.Uniform(random, 3 * 5 * a.InputSize, 1f);
        input[0] = float.PositiveInfinity;
        input[(5 * a.InputSize) + 2] = float.NegativeInfinity;
        input[(2 * 5 * a.InputSize) + a.InputSize] = float.PositiveInfinity;
        input[(2 * 5 * a.InputSize) + a.InputSize + 1] = float.NegativeInfinity;
        CompareWithReference(name, a, weights, input, 3, 5, Absolute, Relative);
    }

    // ---- NaN ------------------------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Models))]
    public void A_nan_input_reaches_exactly_the_outputs_it_reaches_in_pytorch(string name, RnnArchitecture a)
    {
        const int Batch = 3, SeqLen = 5;
        var random = new Random(4);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(a, random);
        float[] clean = RandomModels.Uniform(random, Batch * SeqLen * a.InputSize, 1f);
        float[] input = (float[])clean.Clone();

        // Sequence 1 (batch-first), time 2, one feature.
        input[(((1 * SeqLen) + 2) * a.InputSize) + 1] = float.NaN;
        float[] output = CompareWithReference(name, a, weights, input, Batch, SeqLen, Absolute, Relative);

        // Spelled out for one layer: the forward half of sequence 1 is NaN from time 2 on, the backward half up to
        // time 2 (a second layer's directions read both halves, so there it is NaN throughout). In every case the
        // other sequences are untouched: bit for bit as without the NaN.
        int state = a.StateSize;
        for (int t = 0; t < SeqLen && a.NumLayers == 1; t++)
        {
            ReadOnlySpan<float> row = output.AsSpan(((1 * SeqLen) + t) * a.OutputSize, a.OutputSize);
            Assert.True(t >= 2 == float.IsNaN(row[0]), $"{name}: forward output at t = {t}");
            if (a.Bidirectional)
            {
                Assert.True(t <= 2 == float.IsNaN(row[state]), $"{name}: backward output at t = {t}");
            }
        }

        RnnModel model = RnnModel.FromStateDictOnAnyPath(a, weights, TestPaths.All[^1]);
        float[] withoutNan = Run(model, clean, Batch, SeqLen, null, null).Output;
        foreach (int b in new[] { 0, 2 })
        {
            int length = SeqLen * a.OutputSize;
            Assert.True(
                ConcurrencyTests.BitEqual(withoutNan.AsSpan(b * length, length), output.AsSpan(b * length, length)),
                $"{name}: the NaN in sequence 1 changed sequence {b}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Nan_in_the_initial_state_propagates_as_in_pytorch(string name, RnnArchitecture a)
    {
        var random = new Random(5);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(a, random);
        float[] input = RandomModels.Uniform(random, 2 * 4 * a.InputSize, 1f);
        float[] h0 = RandomModels.Uniform(random, a.StateRows * 2 * a.StateSize, 1f);
        float[] c0 = RandomModels.Uniform(random, a.StateRows * 2 * a.HiddenSize, 1f);
        h0[0] = float.NaN;
        h0[^1] = float.NaN;
        c0[^2] = float.NaN;
        CompareWithReference(name, a, weights, input, 2, 4, Absolute, Relative, h0, a.Cell == RnnCell.Lstm ? c0 : null);
    }

    /// <summary>
    /// ±∞ in h0 or c0. PyTorch's saturated gates are exactly 0 and 1 (sigmoid(−∞) = 0), so a gate that closes on an
    /// infinite state gives 0·∞ = NaN. FastActivations returns exactly ±1 for |x| ≥ 9 (as float32 tanh does), so
    /// saturated gates are exactly 0 and 1 here too.
    /// </summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void Infinity_in_the_initial_state_propagates_as_in_pytorch(string name, RnnArchitecture a)
    {
        var random = new Random(5);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(a, random);
        float[] input = RandomModels.Uniform(random, 2 * 4 * a.InputSize, 1f);
        float[] h0 = RandomModels.Uniform(random, a.StateRows * 2 * a.StateSize, 1f);
        float[] c0 = RandomModels.Uniform(random, a.StateRows * 2 * a.HiddenSize, 1f);
        h0[^1] = float.PositiveInfinity;
        c0[^2] = float.NegativeInfinity;
        CompareWithReference(name, a, weights, input, 2, 4, Absolute, Relative, h0, a.Cell == RnnCell.Lstm ? c0 : null);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Nan_and_infinite_weights_propagate_as_in_pytorch_when_h0_is_given(string name, RnnArchitecture a)
    {
        // With h0 given, W_hh·h0 is computed at the first step as PyTorch computes it, so 0·∞ = NaN appears where it does there.
        var random = new Random(6);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(a, random);
        weights["weight_ih_l0"].Data[3] = float.NaN;
        weights["weight_hh_l0"].Data[1] = float.PositiveInfinity;
        if (a.Bias)
        {
            weights["bias_hh_l0"].Data[^1] = float.NegativeInfinity;
        }

        float[] input = RandomModels.Uniform(random, 2 * 4 * a.InputSize, 1f);
        float[] h0 = RandomModels.Uniform(random, a.StateRows * 2 * a.StateSize, 1f);
        CompareWithReference(name, a, weights, input, 2, 4, Absolute, Relative, h0);
    }

    // ---- Growth and overflow ------------------------------------------------------------------------------

    [Fact]
    public void Relu_states_that_grow_by_orders_of_magnitude_stay_relatively_accurate()
    {
        // Positive weights and inputs: no cancellation, so the float32 result must stay within a small relative
        // error of the exact one while the state grows about 3× per step, to ~1e17 after 36 steps.
        var a = new RnnArchitecture(RnnCell.Rnn, 3, 5, bidirectional: true, nonlinearity: RnnNonlinearity.Relu);
        var random = new Random(7);
        Dictionary<string, FloatTensor> weights = PositiveWeights(a, random, 2.5f, 3.5f);
        float[] input = Enumerable.Range(0, 2 * 36 * a.InputSize).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        float[] output = CompareWithReference("relu growth", a, weights, input, 2, 36, 1e-30, 1e-4);
        Assert.True(output.Max() > 1e15f, $"the state should have grown large, but peaked at {output.Max()}");
    }

    [Fact]
    public void Relu_states_that_overflow_float32_become_infinity_as_in_pytorch()
    {
        // ~1000× per step: past float32's 3.4e38 after 13 steps. PyTorch's float32 state is then +∞ (and stays so:
        // positive weights, no ∞ − ∞); the double reference is finite, so compare in float32 terms.
        var a = new RnnArchitecture(RnnCell.Rnn, 2, 4, nonlinearity: RnnNonlinearity.Relu);
        var random = new Random(8);
        Dictionary<string, FloatTensor> weights = PositiveWeights(a, random, 200f, 300f);
        float[] input = Enumerable.Range(0, 20 * a.InputSize).Select(_ => (float)(0.5 + random.NextDouble())).ToArray();
        NaiveRecurrentReference.Result expected = Reference(a, weights, input, 1, 20, null, null);
        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel model = RnnModel.FromStateDictOnAnyPath(a, weights, path);
            float[] output = Run(model, input, 1, 20, null, null).Output;
            bool overflowed = false;
            for (int i = 0; i < output.Length; i++)
            {
                double exact = expected.Output[i];
                if (exact > float.MaxValue * 1.01)
                {
                    Assert.True(float.IsPositiveInfinity(output[i]), $"[{path}] output[{i}] = {output[i]:R}, exact {exact:R}: expected +∞");
                    overflowed = true;
                }
                else if (exact < float.MaxValue * 0.99)
                {
                    Assert.True(Math.Abs(output[i] - exact) <= 1e-4 * exact, $"[{path}] output[{i}] = {output[i]:R}, exact {exact:R}");
                }
            }

            Assert.True(overflowed, "the test should reach overflow");
        }
    }

    // ---- Subnormals ---------------------------------------------------------------------------------------

    /// <summary>A few dozen subnormal ulps (1.4e-45 each) of absolute error; relative error as for normal values.</summary>
    private const double SubnormalAbsolute = 1e-43;

    [Theory]
    [MemberData(nameof(Models))]
    public void Subnormal_inputs_are_computed_not_flushed(string name, RnnArchitecture a)
    {
        // No bias, so the first layer's pre-activations are themselves subnormal (|w·x| ~ 1e-39), and tanh(x) = x,
        // sigmoid(x) = ½ there: results are subnormal numbers that must match the exact ones, not zeros.
        RnnArchitecture noBias = WithoutBias(a);
        var random = new Random(9);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(noBias, random);
        float[] input = RandomModels.Uniform(random, 2 * 4 * a.InputSize, 1f).Select(v => v * 1e-38f).ToArray();
        Assert.Contains(input, v => float.IsSubnormal(v));
        float[] output = CompareWithReference(name, noBias, weights, input, 2, 4, SubnormalAbsolute, 1e-4);
        if (a.Cell != RnnCell.Lstm || a.ProjSize == 0)
        {
            Assert.Contains(output, v => float.IsSubnormal(v));
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Subnormal_weights_are_computed_not_flushed(string name, RnnArchitecture a)
    {
        RnnArchitecture noBias = WithoutBias(a);
        var random = new Random(10);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(noBias, random, scale: 1e-38f);
        Assert.Contains(weights.Values.SelectMany(t => t.Data), v => float.IsSubnormal(v));
        float[] input = RandomModels.Uniform(random, 2 * 4 * a.InputSize, 1f);
        CompareWithReference(name, noBias, weights, input, 2, 4, SubnormalAbsolute, 1e-4);
    }

    [Theory]
    [InlineData(RnnCell.Rnn)]
    [InlineData(RnnCell.Lstm)]
    [InlineData(RnnCell.Gru)]
    public void A_state_decaying_through_the_subnormal_range_to_zero_matches_pytorch(RnnCell cell)
    {
        // Weights ×0.02 and inputs only at the first step: h shrinks ~50× per step, through 1e-38 (subnormal) to 0.
        var a = new RnnArchitecture(cell, 3, 8, bias: false);
        var random = new Random(11);
        Dictionary<string, FloatTensor> weights = RandomModels.StateDict(a, random, scale: cell == RnnCell.Rnn ? 0.05f : 1f);
        if (cell != RnnCell.Rnn)
        {
            // Gates sit at ½ with small pre-activations; scale the candidate's weights so c and h decay.
            foreach (FloatTensor tensor in weights.Values)
            {
                for (int i = 0; i < tensor.Data.Length; i++)
                {
                    tensor.Data[i] *= 0.05f;
                }
            }
        }

        // f, z ≈ ½ halve an LSTM's c and a GRU's h per step: 300 steps take them through 1e-38 to 0 as well.
        const int SeqLen = 300;
        var input = new float[SeqLen * a.InputSize];
        RandomModels.Uniform(random, a.InputSize, 1f).CopyTo(input, 0);
        NaiveRecurrentReference.Result expected = Reference(a, weights, input, 1, SeqLen, null, null);
        bool sawSubnormal = false;
        foreach (SimdPath path in TestPaths.All)
        {
            float[] output = Run(RnnModel.FromStateDictOnAnyPath(a, weights, path), input, 1, SeqLen, null, null).Output;

            // Each step's error is measured against that step's magnitude: the state shrinks by 30 orders of
            // magnitude, and elementwise relative error means little for an element that cancels to near 0.
            for (int t = 0; t < SeqLen; t++)
            {
                double scale = Enumerable.Range(t * 8, 8).Max(i => Math.Abs(expected.Output[i]));
                for (int i = t * 8; i < (t + 1) * 8; i++)
                {
                    double error = Math.Abs(output[i] - expected.Output[i]);
                    Assert.True(error <= SubnormalAbsolute + (1e-4 * scale), $"{cell} [{path}] t = {t}: output[{i}] = {output[i]:R}, expected {expected.Output[i]:R}");
                    sawSubnormal |= float.IsSubnormal(output[i]);
                }
            }
        }

        Assert.True(sawSubnormal, "the state should pass through the subnormal range");
    }

    // ---- Helpers ---------------------------------------------------------------------------------------------

    private static RnnArchitecture WithoutBias(RnnArchitecture a)
        => new(a.Cell, a.InputSize, a.HiddenSize, a.NumLayers, a.Bidirectional, bias: false, a.Nonlinearity, a.ProjSize);

    private static Dictionary<string, FloatTensor> PositiveWeights(RnnArchitecture a, Random random, float low, float high)
    {
        var weights = new Dictionary<string, FloatTensor>(StringComparer.Ordinal);
        foreach ((string name, int[] shape) in RandomModels.ExpectedTensors(a))
        {
            int count = shape.Aggregate(1, (x, y) => x * y);
            float scale = name.StartsWith("bias", StringComparison.Ordinal) ? 0.01f : 1f / shape[^1];
            weights[name] = new FloatTensor(Enumerable.Range(0, count).Select(_ => (float)(low + ((high - low) * random.NextDouble())) * scale).ToArray(), shape);
        }

        return weights;
    }

    private static NaiveRecurrentReference.Result Reference(RnnArchitecture a, Dictionary<string, FloatTensor> weights, float[] input, int batch, int seqLen, float[]? h0, float[]? c0)
        => NaiveRecurrentReference.Forward(
            RandomModels.ToReference(a),
            RandomModels.ToDouble(weights),
            RandomModels.ToDouble(input),
            batch,
            seqLen,
            batchFirst: true,
            h0 is null ? null : RandomModels.ToDouble(h0),
            c0 is null ? null : RandomModels.ToDouble(c0));

    private static (float[] Output, float[] HN, float[]? CN) Run(RnnModel model, float[] input, int batch, int seqLen, float[]? h0, float[]? c0)
    {
        RnnArchitecture a = model.Architecture;
        var output = new float[batch * seqLen * a.OutputSize];
        var hN = new float[a.StateRows * batch * a.StateSize];
        if (a.Cell == RnnCell.Lstm)
        {
            var cN = new float[a.StateRows * batch * a.HiddenSize];
            model.Forward(input, output, hN, cN, batch, seqLen, SequenceLayout.BatchFirst, h0, c0);
            return (output, hN, cN);
        }

        model.Forward(input, output, hN, batch, seqLen, SequenceLayout.BatchFirst, h0);
        return (output, hN, null);
    }

    /// <summary>Runs every path against the reference (batch-first); returns the output of the last path, <c>TestPaths.All[^1]</c>.</summary>
    private static float[] CompareWithReference(
        string name, RnnArchitecture a, Dictionary<string, FloatTensor> weights, float[] input, int batch, int seqLen, double absolute, double relative, float[]? h0 = null, float[]? c0 = null)
    {
        NaiveRecurrentReference.Result expected = Reference(a, weights, input, batch, seqLen, h0, c0);
        float[] output = [];
        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel model = RnnModel.FromStateDictOnAnyPath(a, weights, path);
            (output, float[] hN, float[]? cN) = Run(model, input, batch, seqLen, h0, c0);
            AssertClose(output, expected.Output, absolute, relative, $"{name} [{path}] output");
            AssertClose(hN, expected.HN, absolute, relative, $"{name} [{path}] h_n");
            if (cN is not null)
            {
                AssertClose(cN, expected.CN!, absolute, relative, $"{name} [{path}] c_n");
            }
        }

        return output;
    }

    /// <summary><see cref="Tolerance.AssertClose"/>, plus infinities matching in sign (which the tolerance alone would let pass).</summary>
    private static void AssertClose(float[] actual, double[] expected, double absolute, double relative, string what)
    {
        Tolerance.AssertClose(actual, expected, absolute, relative, what);
        for (int i = 0; i < actual.Length; i++)
        {
            if (double.IsInfinity(expected[i]) && actual[i] != expected[i])
            {
                throw new XunitException($"{what}[{i}] = {actual[i]:R}, expected {expected[i]:R}.");
            }
        }
    }
}
