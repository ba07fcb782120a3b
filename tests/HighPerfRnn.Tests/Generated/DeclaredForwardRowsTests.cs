using HighPerfRnn.Planning;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Generated;

/// <summary>
/// A declared model's Forward of a few sequences runs each sequence through its whole-model Forward, one after the other
/// (<see cref="ExecutionPlan.RunsRowByRow"/>), where the plan says so. DeclaredBitIdentityTests holds it to the
/// runtime-sized model's bits in both layouts, with and without initial states; here what only the rows have: a
/// sequence's h0, h_n, c0 and c_n rows lie a batch apart per layer and pass through rows of their own, so h0 may be h_n
/// and c0 may be c_n; a call whose spans the rows' checks decline still gets the runtime's message; and the routes.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class DeclaredForwardRowsTests
{
    private const int SeqLen = 7;

    /// <summary>Declared models the plan runs row by row (one and several layers, every cell, a projection; bidirectional ones since session 32, those whose Forward projects its input sequences first since session 34).</summary>
    public static TheoryData<string> RowModels =>
    [
        nameof(Hidden7Relu), nameof(Hidden9NoBias), nameof(Hidden17Deep), nameof(Hidden24DeepRelu), nameof(FixtureLstmBasic), nameof(LstmHidden4Deep), nameof(LstmHidden16Deep),
        nameof(LstmHidden9Proj4), nameof(FixtureGruBasic), nameof(GruHidden9Deep), nameof(GruHidden16Deep), nameof(GruHidden32), nameof(GruHidden32Deep),
        nameof(Hidden40LayerByLayer), nameof(LstmHidden32Proj20LayerByLayer), nameof(GruHidden30LayerByLayer),
        nameof(TinyBiRnn), nameof(Hidden15Bidirectional), nameof(GruHidden16Bidirectional), nameof(LstmHidden16Proj8), nameof(FixtureGruDeepBidirNoBias),
        nameof(LstmHidden32Input32BidirectionalProjecting), nameof(LstmHidden32Proj16BidirectionalProjecting), nameof(GruHidden32BidirectionalNoBiasProjecting), nameof(FixtureLstmDeepBidir),
        nameof(LstmHidden24Input100Projecting), nameof(LstmHidden32Proj16Input200Projecting), nameof(LstmHidden32BidirectionalProjecting),
        nameof(LstmHidden32Proj24BidirectionalProjecting), nameof(GruHidden36Input64Projecting), nameof(GruHidden24BidirectionalProjecting), nameof(GruHidden33Everything),
    ];

    [Theory]
    [MemberData(nameof(RowModels))]
    public void Initial_states_may_be_the_final_states_buffers(string model)
    {
        RnnArchitecture a = DeclaredCases.Named(model).Architecture;
        bool lstm = a.Cell == RnnCell.Lstm;
        var random = new Random(model.Length * 31);
        Dictionary<string, FloatTensor> stateDict = RandomModels.StateDict(a, random);
        // Batch 1 too: the whole-model Forward itself (a stacked model's layers as a wavefront or one after the other).
        foreach ((SimdPath path, int batch) in TestPaths.Hardware.SelectMany(path => new[] { 1, 2, 3, 5 }.Select(batch => (path, batch))))
        {
            IDeclaredModel generated = DeclaredCases.Named(model).Wrap(RnnModel.FromStateDictOnAnyPath(a, stateDict, path));
            bool rows = batch == 1 || generated.Runtime.DescribePlan(RnnCall.Forward, batch, declared: true).RunsRowByRow;
            Assert.True(rows || batch > 3, $"{model} [{path}] batch {batch} should run row by row");
            if (!rows)
            {
                continue; // two gated layers from batch 4: their generated step (the planner's tests pin the lines)
            }

            foreach (SequenceLayout layout in new[] { SequenceLayout.BatchFirst, SequenceLayout.SequenceFirst })
            {
                string what = $"{model} [{path}] batch {batch} {layout}";
                float[] input = RandomModels.Uniform(random, batch * SeqLen * a.InputSize, 1f);
                float[] h0 = RandomModels.Uniform(random, a.StateRows * batch * a.StateSize, 1f);
                float[] c0 = lstm ? RandomModels.Uniform(random, a.StateRows * batch * a.HiddenSize, 1f) : [];

                var expectedOutput = new float[batch * SeqLen * a.OutputSize];
                var expectedHN = new float[h0.Length];
                var expectedCN = new float[c0.Length];
                if (lstm)
                {
                    generated.Runtime.Forward(input, expectedOutput, expectedHN, expectedCN, batch, SeqLen, layout, h0, c0);
                }
                else
                {
                    generated.Runtime.Forward(input, expectedOutput, expectedHN, batch, SeqLen, layout, h0);
                }

                // h0 in the h_n buffer, c0 in the c_n buffer: each is read, row by row, before it is overwritten.
                float[] state = (float[])h0.Clone();
                float[] cells = (float[])c0.Clone();
                var output = new float[expectedOutput.Length];
                generated.Forward(input, output, state, cells, batch, SeqLen, layout, state, cells, null);

                Bits.AssertEqual(expectedOutput, output, what + ": output");
                Bits.AssertEqual(expectedHN, state, what + ": h_n over h0");
                Bits.AssertEqual(expectedCN, cells, what + ": c_n over c0");
            }
        }
    }

    [Fact]
    public void Spans_the_rows_decline_get_the_runtime_s_message()
    {
        RnnArchitecture a = DeclaredCases.Named(nameof(FixtureLstmBasic)).Architecture;
        var generated = (ILstmModel)DeclaredCases.Named(nameof(FixtureLstmBasic)).Wrap(RnnModel.FromStateDict(RandomModels.StateDict(a, new Random(3))));
        const int Batch = 3;
        Assert.True(generated.Runtime.DescribePlan(RnnCall.Forward, Batch, declared: true).RunsRowByRow);
        var input = new float[Batch * SeqLen * a.InputSize];
        var output = new float[Batch * SeqLen * a.OutputSize];
        var hN = new float[Batch * a.StateSize];
        var cN = new float[Batch * a.HiddenSize];

        var shortHN = Assert.Throws<ArgumentException>(() => generated.Forward(input, output, hN.AsSpan(1), cN, Batch, SeqLen, SequenceLayout.BatchFirst, default, default, null));
        Assert.Equal("hN", shortHN.ParamName);
        var shortCN = Assert.Throws<ArgumentException>(() => generated.Forward(input, output, hN, cN.AsSpan(1), Batch, SeqLen, SequenceLayout.BatchFirst, default, default, null));
        Assert.Equal("cN", shortCN.ParamName);
        var unbatched = Assert.ThrowsAny<ArgumentException>(() => generated.Forward(input, output, hN, cN, Batch, SeqLen, SequenceLayout.Unbatched, default, default, null));
        Assert.Contains("batch", unbatched.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(RnnCell.Lstm, 16, 1, false, 2, true)]
    [InlineData(RnnCell.Lstm, 16, 1, false, 15, true)]
    [InlineData(RnnCell.Lstm, 16, 1, false, 16, false)] // a gated layer from batch 16: its generated step
    [InlineData(RnnCell.Lstm, 16, 1, false, 32, false)] // the runtime's product of the rows from batch 32
    [InlineData(RnnCell.Gru, 16, 2, false, 2, true)]
    [InlineData(RnnCell.Gru, 16, 2, false, 4, false)] // two gated layers from batch 4: their generated step
    [InlineData(RnnCell.Rnn, 24, 2, false, 31, true)]
    [InlineData(RnnCell.Rnn, 32, 1, false, 3, true)]
    [InlineData(RnnCell.Rnn, 32, 1, false, 4, false)] // Elman from batch 4 within 3 KB of W_hh only
    [InlineData(RnnCell.Lstm, 64, 1, false, 2, false)] // W_hh 64 KB: no whole-model kernel
    [InlineData(RnnCell.Gru, 8, 1, true, 2, true)] // bidirectional (since session 32: its layer sequences in the workspace)
    [InlineData(RnnCell.Gru, 8, 1, true, 31, true)] // a bidirectional gated model to 31 within 12 KB of W_hh a direction
    [InlineData(RnnCell.Lstm, 16, 2, true, 16, true)]
    [InlineData(RnnCell.Gru, 8, 1, true, 32, false)] // the runtime's product of the rows from batch 32
    [InlineData(RnnCell.Rnn, 32, 1, true, 3, true)]
    [InlineData(RnnCell.Rnn, 32, 1, true, 4, false)] // bidirectional Elman as the unidirectional: from 4 within 3 KB only
    [InlineData(RnnCell.Gru, 32, 1, true, 2, true)] // both directions' weights 48 KB a step, one's 24 KB: the directions one after the other, rows at 2-3
    [InlineData(RnnCell.Gru, 32, 1, true, 4, false)] // and from 4 the runtime's product
    [InlineData(RnnCell.Gru, 40, 1, true, 2, false)] // 30 KB of W_hh: no whole-model Forward
    public void A_declared_forward_of_a_few_sequences_runs_row_by_row_below_the_line(RnnCell cell, int hidden, int layers, bool bidirectional, int batch, bool rows)
    {
        var architecture = new RnnArchitecture(cell, hidden, hidden, numLayers: layers, bidirectional: bidirectional);
        int batchClass = ExecutionPlanner.BatchClass(batch);
        ExecutionPlan plan = ExecutionPlanner.Plan(architecture, SimdPath.Vector256, "test", RnnCall.Forward, batchClass, declared: true);
        Assert.Equal(rows, plan.RunsRowByRow);
        Assert.False(ExecutionPlanner.Plan(architecture, SimdPath.Vector256, "test", RnnCall.Forward, batchClass, declared: false).RunsRowByRow); // runtime-sized: never
        if (rows)
        {
            Assert.All(plan.Layers, l => Assert.Equal(LayerKernel.GeneratedWholeModel, l.Kernel));
            Assert.Contains("each row through the batch-1 pass", plan.ToString(), StringComparison.Ordinal);
        }
    }
}
