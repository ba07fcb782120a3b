using HighPerfRnn.Reference;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>
/// Batch-1 Step has its own kernels: the fused LSTM/GRU step and the single-row
/// Elman step. Each must give Forward's bits exactly (Forward at batch 1 runs the sequence kernels, at batch 3 the
/// general step) and stay within the accuracy budget of the naive reference, on every instruction-set path and with
/// layers stacked (where a layer's output is the next one's input, in scratch).
/// </summary>
[Trait("Category", "Kernels")]
public sealed class StreamingStepFastPathTests
{
    // The accuracy budget against the float64 reference, as everywhere else.
    private const double Absolute = 2e-5;
    private const double Relative = 2e-5;

    public static TheoryData<RnnCell, int, int, int> Cases()
    {
        var data = new TheoryData<RnnCell, int, int, int>();
        foreach (RnnCell cell in new[] { RnnCell.Rnn, RnnCell.Lstm, RnnCell.Gru })
        {
            // Hidden sizes that are whole 4-, 8- and 16-float vectors (fused) and ones that are not (general step).
            foreach (int hidden in new[] { 8, 16, 32, 12, 5 })
            {
                data.Add(cell, 7, hidden, 1);
                data.Add(cell, 16, hidden, 3);
            }
        }

        // Between the fused step's two lines for a sequence (W_hh over 16 KB, under 192 KB): fused in Step, not in Forward;
        // and Step alternates its panel order from call to call. Neither may change a bit.
        data.Add(RnnCell.Lstm, 13, 48, 1);
        data.Add(RnnCell.Lstm, 13, 64, 2);
        data.Add(RnnCell.Gru, 13, 64, 1);
        data.Add(RnnCell.Gru, 13, 72, 2);

        // Past the fused step's second line (W_hh of 192 KB and more, streaming from L2): fused in Forward again, from
        // projected rows, and in Step from x; hidden sizes that leave a part-filled last vector.
        data.Add(RnnCell.Lstm, 13, 115, 1);
        data.Add(RnnCell.Gru, 13, 130, 2);

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Batch_one_steps_equal_forward_bit_for_bit_and_match_the_reference(RnnCell cell, int inputSize, int hidden, int layers)
    {
        const int SeqLen = 9;
        var architecture = new RnnArchitecture(cell, inputSize, hidden, layers);
        var random = new Random((int)cell * 1000 + hidden * 10 + layers);
        var stateDict = RandomModels.StateDict(architecture, random);
        float[] input = RandomModels.Uniform(random, SeqLen * inputSize, 1f);
        float[] h0 = RandomModels.Uniform(random, layers * hidden, 1f);
        float[] c0 = RandomModels.Uniform(random, layers * hidden, 1f);
        bool lstm = cell == RnnCell.Lstm;
        NaiveRecurrentReference.Result expected = NaiveRecurrentReference.Forward(
            RandomModels.ToReference(architecture), RandomModels.ToDouble(stateDict), RandomModels.ToDouble(input), 1, SeqLen,
            batchFirst: true, RandomModels.ToDouble(h0), lstm ? RandomModels.ToDouble(c0) : null);

        foreach (SimdPath path in TestPaths.All)
        {
            RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
            var output = new float[SeqLen * hidden];
            var hN = new float[layers * hidden];
            var cN = new float[layers * hidden];
            if (lstm)
            {
                model.Forward(input, output, hN, cN, 1, SeqLen, SequenceLayout.BatchFirst, h0, c0);
            }
            else
            {
                model.Forward(input, output, hN, 1, SeqLen, SequenceLayout.BatchFirst, h0);
            }

            float[] state = (float[])h0.Clone();
            float[] cellState = (float[])c0.Clone();
            var stepOutput = new float[hidden];
            var stepped = new float[SeqLen * hidden];
            for (int t = 0; t < SeqLen; t++)
            {
                ReadOnlySpan<float> x = input.AsSpan(t * inputSize, inputSize);
                if (lstm)
                {
                    model.Step(x, state, cellState, stepOutput);
                }
                else
                {
                    model.Step(x, state, stepOutput);
                }

                stepOutput.CopyTo(stepped, t * hidden);
            }

            string label = $"{cell} {inputSize}→{hidden} × {layers} [{path}]";
            Assert.True(output.AsSpan().SequenceEqual(stepped), $"{label}: Step differs from Forward");
            Assert.True(hN.AsSpan().SequenceEqual(state), $"{label}: final state differs from Forward's h_n");
            if (lstm)
            {
                Assert.True(cN.AsSpan().SequenceEqual(cellState), $"{label}: final cell state differs from Forward's c_n");
            }

            Tolerance.AssertClose(stepped, expected.Output, Absolute, Relative, $"{label} output vs reference");
        }
    }
}
