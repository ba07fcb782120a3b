namespace HighPerfRnn.Tests.Runtime;

/// <summary>
/// A one-layer model's batch-1 Step takes a short path with its own, shorter checks (SingleLayerStep). Whatever it
/// does not accept must reach the general checks: every wrong length and every overlap is refused with the
/// argument's name, before anything is written, exactly as for the models that never take the short path.
/// </summary>
public sealed class SingleLayerStepTests
{
    private const float Sentinel = -12345f;

    public static TheoryData<RnnCell, int> Models => new()
    {
        // Hidden 8: whole vectors on every path (the fused LSTM/GRU step); hidden 5: the Elman chain and the general gated step.
        { RnnCell.Rnn, 8 },
        { RnnCell.Lstm, 8 },
        { RnnCell.Gru, 8 },
        { RnnCell.Rnn, 5 },
        { RnnCell.Lstm, 5 },
        { RnnCell.Gru, 5 },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_span_of_a_wrong_length_is_refused_by_name_before_anything_is_written(RnnCell cell, int hidden)
    {
        const int InputSize = 3;
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(cell, InputSize, hidden), seed: 5);
        foreach (int delta in new[] { -1, 1 })
        {
            Check(model, "input", InputSize + delta, hidden, hidden, hidden);
            Check(model, "state", InputSize, hidden + delta, hidden, hidden);
            Check(model, "output", InputSize, hidden, hidden, hidden + delta);
            if (cell == RnnCell.Lstm)
            {
                Check(model, "cellState", InputSize, hidden, hidden + delta, hidden);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Every_pair_of_overlapping_spans_is_refused_before_anything_is_written(RnnCell cell, int hidden)
    {
        const int InputSize = 3;
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(cell, InputSize, hidden), seed: 6);
        bool lstm = cell == RnnCell.Lstm;
        string[] names = lstm ? ["input", "state", "cellState", "output"] : ["input", "state", "output"];
        for (int first = 0; first < names.Length; first++)
        {
            for (int second = first + 1; second < names.Length; second++)
            {
                // All spans in one array, apart, except that the second starts on the first's last float.
                int[] lengths = names.Select(name => name == "input" ? InputSize : hidden).ToArray();
                int[] starts = new int[names.Length];
                int next = 0;
                for (int i = 0; i < names.Length; i++)
                {
                    starts[i] = i == second ? starts[first] + lengths[first] - 1 : next;
                    next = Math.Max(next, starts[i] + lengths[i]) + 1;
                }

                float[] all = Enumerable.Repeat(Sentinel, next).ToArray();
                float[] before = (float[])all.Clone();
                Assert.ThrowsAny<ArgumentException>(() =>
                {
                    Span<float> Of(string name) => all.AsSpan(starts[Array.IndexOf(names, name)], lengths[Array.IndexOf(names, name)]);
                    if (lstm)
                    {
                        model.Step(Of("input"), Of("state"), Of("cellState"), Of("output"));
                    }
                    else
                    {
                        model.Step(Of("input"), Of("state"), Of("output"));
                    }
                });
                Assert.Equal(before, all);
            }
        }
    }

    [Fact]
    public void The_wrong_overload_for_the_cell_is_refused()
    {
        RnnModel lstm = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Lstm, 3, 8), seed: 7);
        RnnModel gru = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 3, 8), seed: 7);
        Assert.Throws<InvalidOperationException>(() => lstm.Step(new float[3], new float[8], new float[8]));
        Assert.Throws<InvalidOperationException>(() => gru.Step(new float[3], new float[8], new float[8], new float[8]));
    }

    private static void Check(RnnModel model, string wrong, int inputLength, int stateLength, int cellLength, int outputLength)
    {
        float[] input = Filled(inputLength), state = Filled(stateLength), cellState = Filled(cellLength), output = Filled(outputLength);
        ArgumentException error = Assert.ThrowsAny<ArgumentException>(() =>
        {
            if (model.Architecture.Cell == RnnCell.Lstm)
            {
                model.Step(input, state, cellState, output);
            }
            else
            {
                model.Step(input, state, output);
            }
        });
        Assert.Equal(wrong, error.ParamName);
        Assert.All(state.Concat(cellState).Concat(output), value => Assert.Equal(Sentinel, value));
    }

    private static float[] Filled(int length) => Enumerable.Repeat(Sentinel, length).ToArray();
}
