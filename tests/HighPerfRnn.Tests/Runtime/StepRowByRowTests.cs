using HighPerfRnn.Reference;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Runtime;

/// <summary>
/// A Step of two or three streams of a small one-layer model runs each stream's row through the batch-1 step
/// (<see cref="ExecutionPlan.RunsRowByRow"/>), after the batch-1 step's checks over the whole spans. Checked on every path
/// for every cell: each row bit for bit against that stream stepped alone, and the sequence against the naive
/// reference; and a call those checks decline (a wrong length) still gets the general path's message.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class StepRowByRowTests
{
    [Theory]
    [InlineData(RnnCell.Rnn, 2)]
    [InlineData(RnnCell.Rnn, 3)]
    [InlineData(RnnCell.Lstm, 2)]
    [InlineData(RnnCell.Lstm, 3)]
    [InlineData(RnnCell.Gru, 2)]
    [InlineData(RnnCell.Gru, 3)]
    public void Each_stream_of_a_row_by_row_step_gets_its_bits_alone_and_the_references_values(RnnCell cell, int batch)
    {
        const int Steps = 6, InputSize = 5;
        bool lstm = cell == RnnCell.Lstm;
        foreach (SimdPath path in TestPaths.All)
        {
            int lanes = SimdPaths.LaneCount(path);
            foreach (int hidden in new[] { lanes, Math.Max(1, lanes - 3), lanes + 5 })
            {
                var architecture = new RnnArchitecture(cell, InputSize, hidden);
                var random = new Random((hidden * 7) + batch);
                Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(architecture, random);
                RnnModel model = RnnModel.FromStateDictOnAnyPath(architecture, stateDict, path);
                string label = $"{architecture} [{path}] batch {batch}";
                if (!model.DescribePlan(RnnCall.Step, batch).RunsRowByRow)
                {
                    continue; // past the line (the planner's tests pin it)
                }

                float[] input = RandomModels.Uniform(random, Steps * batch * InputSize, 1f); // time-major
                float[] h0 = RandomModels.Uniform(random, batch * hidden, 1f);
                float[] c0 = RandomModels.Uniform(random, batch * hidden, 1f);
                float[] state = (float[])h0.Clone(), cellState = (float[])c0.Clone();
                float[][] alone = [.. Enumerable.Range(0, batch).Select(b => h0.AsSpan(b * hidden, hidden).ToArray())];
                float[][] aloneCells = [.. Enumerable.Range(0, batch).Select(b => c0.AsSpan(b * hidden, hidden).ToArray())];
                var output = new float[batch * hidden];
                var aloneOutput = new float[hidden];
                var outputs = new float[Steps * batch * hidden];
                for (int t = 0; t < Steps; t++)
                {
                    ReadOnlySpan<float> x = input.AsSpan(t * batch * InputSize, batch * InputSize);
                    if (lstm)
                    {
                        model.Step(x, state, cellState, output, batch);
                    }
                    else
                    {
                        model.Step(x, state, output, batch);
                    }

                    output.CopyTo(outputs.AsSpan(t * batch * hidden));
                    for (int b = 0; b < batch; b++)
                    {
                        if (lstm)
                        {
                            model.Step(x.Slice(b * InputSize, InputSize), alone[b], aloneCells[b], aloneOutput);
                        }
                        else
                        {
                            model.Step(x.Slice(b * InputSize, InputSize), alone[b], aloneOutput);
                        }

                        Bits.AssertEqual(aloneOutput, output.AsSpan(b * hidden, hidden), $"{label}: stream {b} at step {t} vs alone");
                    }
                }

                NaiveRecurrentReference.Result expected = NaiveRecurrentReference.Forward(
                    RandomModels.ToReference(architecture),
                    RandomModels.ToDouble(stateDict),
                    RandomModels.ToDouble(input),
                    batch,
                    Steps,
                    batchFirst: false,
                    RandomModels.ToDouble(h0),
                    lstm ? RandomModels.ToDouble(c0) : null);
                Tolerance.AssertClose(outputs, expected.Output, 2e-5, 2e-5, $"{label} outputs");
                Tolerance.AssertClose(state, expected.HN, 2e-5, 2e-5, $"{label} state");
            }
        }
    }

    [Fact]
    public void A_call_the_row_checks_decline_gets_the_general_paths_message()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 5, 16), seed: 3);
        Assert.True(model.DescribePlan(RnnCall.Step, 2).RunsRowByRow);
        var state = new float[2 * 16];
        ArgumentException error = Assert.Throws<ArgumentException>(() => model.Step(new float[2 * 5], state, new float[(2 * 16) - 1], 2));
        Assert.Equal("output", error.ParamName);
        Assert.Contains("31", error.Message, StringComparison.Ordinal);
    }
}
