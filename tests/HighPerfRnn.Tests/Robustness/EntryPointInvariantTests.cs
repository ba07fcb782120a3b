using System.Reflection;
using HighPerfRnn.Kernels;
using HighPerfRnn.Packing;
using HighPerfRnn.Safetensors;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Robustness;

/// <summary>
/// Issue 7, every entry point checks spans and sizes before touching memory. The kernels address memory through
/// unchecked references (<c>Unsafe.Add</c>, <c>LoadUnsafe</c>), made safe by the length checks at their entry; these
/// tests try to break each check by one element, on every SIMD path, and watch sentinels just past each buffer to
/// prove that a call that passes writes nothing outside its spans and a call that fails writes nothing at all.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class EntryPointInvariantTests
{
    /// <summary>A value no kernel computes from the inputs used here: a NaN with a payload.</summary>
    private static readonly float Sentinel = BitConverter.Int32BitsToSingle(0x7FC0_BEEF);

    public static TheoryData<SimdPath> Paths => new(TestPaths.All);

    // ---- PackedGemm.MultiplyAdd --------------------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Paths))]
    public void MultiplyAdd_refuses_every_buffer_one_float_short_and_writes_only_inside_c(SimdPath path)
    {
        int lanes = LaneCount(path);
        foreach (int rows in new[] { 1, 3, 4, 5, 9, 70 })
        {
            foreach ((int outputs, int depth) in new[] { (1, 1), (5, 3), (17, 8), (40, 13) })
            {
                var random = new Random((rows * 100) + outputs);
                PackedMatrix w = PackedMatrix.Pack(RandomModels.Uniform(random, outputs * depth, 1f), outputs, depth, lanes);
                int padded = w.PaddedRows;
                int lda = depth + 2, ldInit = padded + 3, ldc = padded + 1;
                int aLength = ((rows - 1) * lda) + depth, initLength = ((rows - 1) * ldInit) + padded, cLength = ((rows - 1) * ldc) + padded;
                float[] a = RandomModels.Uniform(random, aLength, 1f);
                float[] init = RandomModels.Uniform(random, initLength, 1f);

                // One float short, each buffer in turn: refused before anything is written.
                float[] c = Sentinels(cLength + 8);
                AssertRefused(() => PackedGemm.MultiplyAdd(path, a.AsSpan(0, aLength - 1), lda, rows, w, init, ldInit, c.AsSpan(0, cLength), ldc), "a", c);
                AssertRefused(() => PackedGemm.MultiplyAdd(path, a, lda, rows, w, init.AsSpan(0, initLength - 1), ldInit, c.AsSpan(0, cLength), ldc), "init", c);
                AssertRefused(() => PackedGemm.MultiplyAdd(path, a, lda, rows, w, init, ldInit, c.AsSpan(0, cLength - 1), ldc), "c", c);

                // Exact lengths: every row's padded columns written, nothing between the rows' strides or past the end.
                PackedGemm.MultiplyAdd(path, a, lda, rows, w, init, ldInit, c.AsSpan(0, cLength), ldc);
                for (int i = 0; i < c.Length; i++)
                {
                    bool inside = i < cLength && i % ldc < padded;
                    Assert.True(inside == !IsSentinel(c[i]), $"[{path}] rows {rows}, {outputs}×{depth}: c[{i}] {(inside ? "not written" : "written outside the product")}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void MultiplyAdd_refuses_weights_of_another_path_or_not_whole_panels(SimdPath path)
    {
        int lanes = LaneCount(path);
        PackedMatrix w = PackedMatrix.Pack(new float[6 * 4], 6, 4, lanes);
        float[] c = Sentinels(64);
        SimdPath other = path == SimdPath.Scalar ? SimdPath.Vector128 : SimdPath.Scalar;
        AssertRefused(() => PackedGemm.MultiplyAdd(other, new float[4], 4, 1, w, new float[64], 0, c, 64), "w", c);

        // The raw overload: a weight span that is not whole panels of the depth, or a depth of 0.
        AssertRefused(() => PackedGemm.MultiplyAdd(path, new float[4], 4, 1, w.Data[..^1], 4, new float[64], 0, c, 64), "packedWeights", c);
        AssertRefused(() => PackedGemm.MultiplyAdd(path, new float[4], 4, 1, w.Data, 0, new float[64], 0, c, 64), "depth", c);

        // No rows: nothing to check and nothing touched, even with empty spans.
        PackedGemm.MultiplyAdd(path, default, 4, 0, w, default, 0, default, 64);
    }

    /// <summary>
    /// Negative strides would let the length checks pass while rows are read and written before the spans' start.
    /// MultiplyAdd refuses them before touching memory.
    /// </summary>
    [Theory]
    [MemberData(nameof(Paths))]
    public void MultiplyAdd_refuses_negative_strides(SimdPath path)
    {
        int lanes = LaneCount(path);
        PackedMatrix w = PackedMatrix.Pack(new float[4 * 4], 4, 4, lanes);
        float[] c = Sentinels(2 * w.PaddedRows);
        Assert.ThrowsAny<ArgumentException>(() => PackedGemm.MultiplyAdd(path, new float[4], -4, 2, w, new float[2 * w.PaddedRows], 0, c, w.PaddedRows));
        Assert.ThrowsAny<ArgumentException>(() => PackedGemm.MultiplyAdd(path, new float[8], 4, 2, w, new float[w.PaddedRows], -w.PaddedRows, c, w.PaddedRows));
        Assert.ThrowsAny<ArgumentException>(() => PackedGemm.MultiplyAdd(path, new float[8], 4, 2, w, new float[2 * w.PaddedRows], 0, c.AsSpan(w.PaddedRows), -w.PaddedRows));
    }

    // ---- GateKernels and ActivationKernels ----------------------------------------------------------------------

    [Theory]
    [MemberData(nameof(Paths))]
    public void Lstm_gates_refuse_each_buffer_one_float_short_and_write_only_cell_and_hidden(SimdPath path)
    {
        foreach (int hidden in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 33 })
        {
            // Gate blocks padded to whole vectors (layout version 2): the pre-activation row is 4 × Hp.
            var random = new Random(hidden);
            int padded = (hidden + LaneCount(path) - 1) / LaneCount(path) * LaneCount(path);
            float[] pre = RandomModels.Uniform(random, 4 * padded, 3f);
            float[] cell = [.. RandomModels.Uniform(random, hidden, 1f), .. Sentinels(16)];
            float[] h = Sentinels(hidden + 16);
            float[] cellBefore = (float[])cell.Clone();
            Assert.Throws<ArgumentException>(() => GateKernels.Lstm(path, pre.AsSpan(0, (4 * padded) - 1), cell.AsSpan(0, hidden), h.AsSpan(0, hidden), hidden));
            Assert.Throws<ArgumentException>(() => GateKernels.Lstm(path, pre, cell.AsSpan(0, hidden - 1), h.AsSpan(0, hidden), hidden));
            Assert.Throws<ArgumentException>(() => GateKernels.Lstm(path, pre, cell.AsSpan(0, hidden), h.AsSpan(0, hidden - 1), hidden));
            Assert.True(ConcurrencyTests.BitEqual(cellBefore, cell), $"[{path}] hidden {hidden}: a refused call changed the cell state");
            Assert.All(h, v => Assert.True(IsSentinel(v)));

            GateKernels.Lstm(path, pre, cell.AsSpan(0, hidden), h.AsSpan(0, hidden), hidden);
            AssertWrittenExactly(h, hidden, $"[{path}] LSTM hidden {hidden}: h");
            AssertWrittenExactly(cell, hidden, $"[{path}] LSTM hidden {hidden}: c");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Gru_gates_refuse_each_buffer_one_float_short_and_write_only_hidden(SimdPath path)
    {
        foreach (int hidden in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 33 })
        {
            // Gate blocks padded to whole vectors (layout version 2): the gate rows are 3 × Hp.
            var random = new Random(hidden);
            int padded = (hidden + LaneCount(path) - 1) / LaneCount(path) * LaneCount(path);
            float[] pre = RandomModels.Uniform(random, 3 * padded, 3f);
            float[] recurrent = RandomModels.Uniform(random, 3 * padded, 3f);
            float[] previous = RandomModels.Uniform(random, hidden, 1f);
            float[] h = Sentinels(hidden + 16);
            Assert.Throws<ArgumentException>(() => GateKernels.Gru(path, pre.AsSpan(0, (3 * padded) - 1), recurrent, previous, h.AsSpan(0, hidden), hidden));
            Assert.Throws<ArgumentException>(() => GateKernels.Gru(path, pre, recurrent.AsSpan(0, (3 * padded) - 1), previous, h.AsSpan(0, hidden), hidden));
            Assert.Throws<ArgumentException>(() => GateKernels.Gru(path, pre, recurrent, previous.AsSpan(0, hidden - 1), h.AsSpan(0, hidden), hidden));
            Assert.Throws<ArgumentException>(() => GateKernels.Gru(path, pre, recurrent, previous, h.AsSpan(0, hidden - 1), hidden));
            Assert.All(h, v => Assert.True(IsSentinel(v)));

            GateKernels.Gru(path, pre, recurrent, previous, h.AsSpan(0, hidden), hidden);
            AssertWrittenExactly(h, hidden, $"[{path}] GRU hidden {hidden}: h");
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Activation_refuses_a_source_short_of_whole_vectors_and_writes_only_the_destination(SimdPath path)
    {
        int lanes = LaneCount(path);
        foreach (RnnNonlinearity nonlinearity in new[] { RnnNonlinearity.Tanh, RnnNonlinearity.Relu })
        {
            for (int count = 0; count <= 40; count++)
            {
                int padded = (count + lanes - 1) / lanes * lanes;
                float[] source = RandomModels.Uniform(new Random(count), padded, 4f);
                float[] destination = Sentinels(count + 16);
                if (padded > 0)
                {
                    Assert.Throws<ArgumentException>(() => ActivationKernels.Apply(path, nonlinearity, source.AsSpan(0, padded - 1), destination.AsSpan(0, count)));
                    Assert.All(destination, v => Assert.True(IsSentinel(v)));
                }

                ActivationKernels.Apply(path, nonlinearity, source, destination.AsSpan(0, count));
                AssertWrittenExactly(destination, count, $"[{path}] {nonlinearity} of {count}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Paths))]
    public void Activation_of_rows_refuses_buffers_one_float_short_writes_only_each_row_s_units_and_gives_the_scalar_formula_s_bits(SimdPath path)
    {
        int lanes = LaneCount(path);
        foreach (RnnNonlinearity nonlinearity in new[] { RnnNonlinearity.Tanh, RnnNonlinearity.Relu })
        {
            foreach (int count in new[] { 1, 3, 4, 7, 8, 15, 16, 17, 33 })
            {
                int padded = (count + lanes - 1) / lanes * lanes;
                const int rows = 5;
                int sourceStride = padded + lanes;      // rows apart by more than a row, as the gate rows of a step
                int destinationStride = count + 3;      // as a batch-first output's rows
                float[] source = RandomModels.Uniform(new Random(count), ((rows - 1) * sourceStride) + padded, 4f);
                int destinationLength = ((rows - 1) * destinationStride) + count;
                float[] destination = Sentinels(destinationLength + 16);
                Assert.Throws<ArgumentException>(() => ActivationKernels.ApplyRows(path, nonlinearity, source.AsSpan(0, source.Length - 1), sourceStride, rows, destination.AsSpan(0, destinationLength), destinationStride, count));
                Assert.Throws<ArgumentException>(() => ActivationKernels.ApplyRows(path, nonlinearity, source, sourceStride, rows, destination.AsSpan(0, destinationLength - 1), destinationStride, count));
                Assert.All(destination, v => Assert.True(IsSentinel(v)));

                ActivationKernels.ApplyRows(path, nonlinearity, source, sourceStride, rows, destination.AsSpan(0, destinationLength), destinationStride, count);
                for (int i = 0; i < destination.Length; i++)
                {
                    (int row, int unit) = Math.DivRem(i, destinationStride);
                    bool inside = row < rows && unit < count;
                    Assert.True(inside == !IsSentinel(destination[i]), $"[{path}] {nonlinearity} of {rows} × {count}: [{i}] {(inside ? "not written" : "written outside the rows")}");
                }

                // Every path's activation is the scalar formula's arithmetic (FastActivations), so each lane's bits are its.
                for (int row = 0; row < rows; row++)
                {
                    float[] expected = source.AsSpan(row * sourceStride, count).ToArray()
                        .Select(x => nonlinearity == RnnNonlinearity.Tanh ? FastActivations.Tanh(x) : MathF.Max(x, 0f)).ToArray();
                    Bits.AssertEqual(expected, destination.AsSpan(row * destinationStride, count).ToArray(), $"[{path}] {nonlinearity} of {count}, row {row}");
                }
            }
        }
    }

    // ---- RecurrentStepArgs ----------------------------------------------------------------------------------

    [Fact]
    public void Step_arguments_can_only_be_built_inside_the_library()
    {
        // Kernels address RecurrentStepArgs' spans unchecked because only the driver, after its checks, builds one.
        Type type = typeof(RecurrentStepArgs);
        Assert.Empty(type.GetConstructors(BindingFlags.Public | BindingFlags.Instance));
        Assert.All(type.GetConstructors(BindingFlags.NonPublic | BindingFlags.Instance), c => Assert.True(c.IsAssembly, $"{c} should be internal"));
        Assert.All(type.GetProperties(), p => Assert.Null(p.SetMethod));
        Assert.True(type.IsByRefLike, "a ref struct cannot be stored, so a kernel cannot keep spans past the step");
    }

    [Fact]
    public void The_only_step_arguments_user_code_can_make_touch_no_memory()
    {
        // default(RecurrentStepArgs) is the one value outside code can create: no rows, no spans, no sizes.
        // The runtime kernel must do nothing with it (it used to divide by its zero panel width).
        RuntimeStepKernel.Step(default);
        Assert.True(RuntimeStepKernel.TryStep(default));
    }

    // ---- The public API: Forward and Step, every span ------------------------------------------------------

    public static TheoryData<string, RnnArchitecture> Models => new()
    {
        { "RNN", new RnnArchitecture(RnnCell.Rnn, 3, 5) },
        { "RNN 2 layers bidirectional", new RnnArchitecture(RnnCell.Rnn, 3, 5, numLayers: 2, bidirectional: true) },
        { "LSTM", new RnnArchitecture(RnnCell.Lstm, 3, 5, numLayers: 2) },
        { "LSTM proj_size bidirectional", new RnnArchitecture(RnnCell.Lstm, 3, 5, bidirectional: true, projSize: 2) },
        { "GRU", new RnnArchitecture(RnnCell.Gru, 3, 5, numLayers: 2) },
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_refuses_every_span_of_a_wrong_length_before_writing_anything(string name, RnnArchitecture a)
    {
        RnnModel model = RnnModel.CreateRandom(a, seed: 1);
        const int Batch = 2, SeqLen = 3;
        int inputLength = Batch * SeqLen * a.InputSize, outputLength = Batch * SeqLen * a.OutputSize;
        int stateLength = a.StateRows * Batch * a.StateSize, cellLength = a.StateRows * Batch * a.HiddenSize;
        bool lstm = a.Cell == RnnCell.Lstm;
        int[] deltas = [-1, 1];

        void Check(string parameter, int input, int output, int hN, int h0, int cN, int c0)
        {
            float[] outputs = Sentinels(output), hNs = Sentinels(hN), cNs = Sentinels(cN);
            var error = Assert.ThrowsAny<ArgumentException>(() =>
            {
                if (lstm)
                {
                    model.Forward(new float[input], outputs, hNs, cNs, Batch, SeqLen, SequenceLayout.BatchFirst, new float[h0], new float[c0]);
                }
                else
                {
                    model.Forward(new float[input], outputs, hNs, Batch, SeqLen, SequenceLayout.BatchFirst, new float[h0]);
                }
            });
            Assert.True(parameter == error.ParamName, $"{name}: expected a complaint about {parameter}, got {error.ParamName}: {error.Message}");
            Assert.All(outputs.Concat(hNs).Concat(cNs), v => Assert.True(IsSentinel(v), $"{name}: a refused call ({parameter}) wrote its outputs"));
        }

        foreach (int d in deltas)
        {
            Check("input", inputLength + d, outputLength, stateLength, 0, cellLength, 0);
            Check("output", inputLength, outputLength + d, stateLength, 0, cellLength, 0);
            Check("hN", inputLength, outputLength, stateLength + d, 0, cellLength, 0);
            Check("h0", inputLength, outputLength, stateLength, stateLength + d, cellLength, 0);
            if (lstm)
            {
                Check("cN", inputLength, outputLength, stateLength, 0, cellLength + d, 0);
                Check("c0", inputLength, outputLength, stateLength, 0, cellLength, cellLength + d);
            }
        }

        Check("input", 0, outputLength, stateLength, 0, cellLength, 0);
        Check("hN", inputLength, outputLength, 0, 0, cellLength, 0);
        if (lstm)
        {
            Check("cN", inputLength, outputLength, stateLength, 0, 0, 0);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_refuses_overlapping_spans_but_allows_state_updated_in_place(string name, RnnArchitecture a)
    {
        RnnModel model = RnnModel.CreateRandom(a, seed: 2);
        const int Batch = 2, SeqLen = 3;
        int inputLength = Batch * SeqLen * a.InputSize, outputLength = Batch * SeqLen * a.OutputSize;
        int stateLength = a.StateRows * Batch * a.StateSize, cellLength = a.StateRows * Batch * a.HiddenSize;
        bool lstm = a.Cell == RnnCell.Lstm;

        // One array holds every span, so each can be placed to overlap any other.
        float[] memory = new float[inputLength + outputLength + (4 * stateLength) + (4 * cellLength) + 64];
        void Run(int input, int output, int hN, int h0, int cN, int c0, bool withH0 = true)
        {
            Span<float> all = memory;
            ReadOnlySpan<float> h0Span = withH0 ? all.Slice(h0, stateLength) : default;
            if (lstm)
            {
                model.Forward(all.Slice(input, inputLength), all.Slice(output, outputLength), all.Slice(hN, stateLength), all.Slice(cN, cellLength), Batch, SeqLen, SequenceLayout.SequenceFirst, h0Span, all.Slice(c0, cellLength));
            }
            else
            {
                model.Forward(all.Slice(input, inputLength), all.Slice(output, outputLength), all.Slice(hN, stateLength), Batch, SeqLen, SequenceLayout.SequenceFirst, h0Span);
            }
        }

        int o = inputLength, h = o + outputLength, h0At = h + stateLength, c = h0At + stateLength, c0At = c + cellLength, end = c0At + cellLength;
        Assert.True(end + cellLength <= memory.Length, name);
        Run(0, o, h, h0At, c, c0At); // disjoint: fine
        Run(0, o, h, h, c, c); // h0 = hN and c0 = cN: the state updated in place
        Assert.ThrowsAny<ArgumentException>(() => Run(0, 1, h, h0At, c, c0At)); // output overlaps input
        Assert.ThrowsAny<ArgumentException>(() => Run(0, o, o + outputLength - 1, h0At, c, c0At)); // hN overlaps output
        Assert.ThrowsAny<ArgumentException>(() => Run(0, o, h, h + 1, c, c0At)); // h0 overlaps hN, shifted
        Assert.ThrowsAny<ArgumentException>(() => Run(0, o, h, 0, c, c0At)); // h0 overlaps input
        if (lstm)
        {
            Assert.ThrowsAny<ArgumentException>(() => Run(0, o, h, h0At, h, c0At)); // cN overlaps hN
            Assert.ThrowsAny<ArgumentException>(() => Run(0, o, h, h0At, c, c + 1)); // c0 overlaps cN, shifted
            Assert.ThrowsAny<ArgumentException>(() => Run(0, o, h, h0At, end, o)); // c0 overlaps output
            Assert.ThrowsAny<ArgumentException>(() => Run(0, o, h, h0At, c, h0At, withH0: true)); // c0 overlaps h0
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Forward_refuses_bad_sizes_and_layouts(string name, RnnArchitecture a)
    {
        RnnModel model = RnnModel.CreateRandom(a, seed: 3);
        bool lstm = a.Cell == RnnCell.Lstm;
        void Forward(int batch, int seqLen, SequenceLayout layout)
        {
            if (lstm)
            {
                model.Forward(new float[a.InputSize], new float[a.OutputSize], new float[a.StateRows * a.StateSize], new float[a.StateRows * a.HiddenSize], batch, seqLen, layout);
            }
            else
            {
                model.Forward(new float[a.InputSize], new float[a.OutputSize], new float[a.StateRows * a.StateSize], batch, seqLen, layout);
            }
        }

        Forward(1, 1, SequenceLayout.Unbatched);
        foreach ((int batch, int seqLen, SequenceLayout layout) in new[]
        {
            (0, 1, SequenceLayout.BatchFirst), (-1, 1, SequenceLayout.BatchFirst), (1, 0, SequenceLayout.BatchFirst), (1, int.MinValue, SequenceLayout.SequenceFirst),
            (1, 1, (SequenceLayout)3), (1, 1, (SequenceLayout)(-1)), (2, 1, SequenceLayout.Unbatched),
        })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() => Forward(batch, seqLen, layout));
        }

        // Sizes whose products overflow int must be compared as longs: a length error, not an OverflowException or a pass.
        var error = Assert.ThrowsAny<ArgumentException>(() => Forward(int.MaxValue, int.MaxValue, SequenceLayout.BatchFirst));
        Assert.Equal("input", error.ParamName);
        error = Assert.ThrowsAny<ArgumentException>(() => Forward(65_536, 65_536, SequenceLayout.SequenceFirst));
        Assert.True(error.ParamName == "input", $"{name}: {error.Message}");
    }

    [Fact]
    public void A_call_whose_scratch_would_overflow_an_int_is_refused_up_front()
    {
        // proj_size 1 keeps the input and output small while each step's gates are 4 × 4096 floats wide: 70,000 steps
        // need 70,000 × 16,384 floats of pre-activations, beyond what one call takes. It must say so, naming seqLen,
        // rather than overflow a size or try to allocate.
        var a = new RnnArchitecture(RnnCell.Lstm, 1, 4096, projSize: 1);
        RnnModel model = RnnModel.CreateRandom(a, seed: 4);
        const int SeqLen = 70_000;
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => model.Forward(new float[SeqLen], new float[SeqLen], new float[1], new float[4096], 1, SeqLen, SequenceLayout.Unbatched));
        Assert.Equal("seqLen", error.ParamName);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void Step_refuses_every_span_of_a_wrong_length_before_writing_anything(string name, RnnArchitecture a)
    {
        RnnModel model = RnnModel.CreateRandom(a, seed: 5);
        bool lstm = a.Cell == RnnCell.Lstm;
        const int Batch = 2;
        if (a.Bidirectional)
        {
            Assert.Throws<InvalidOperationException>(() => model.Step(new float[Batch * a.InputSize], new float[a.NumLayers * Batch * a.StateSize], new float[Batch * a.StateSize], Batch));
            Assert.Throws<InvalidOperationException>(() => model.Step(new float[Batch * a.InputSize], new float[a.NumLayers * Batch * a.StateSize], new float[a.NumLayers * Batch * a.HiddenSize], new float[Batch * a.StateSize], Batch));
            return;
        }

        int inputLength = Batch * a.InputSize, stateLength = a.NumLayers * Batch * a.StateSize, cellLength = a.NumLayers * Batch * a.HiddenSize, outputLength = Batch * a.StateSize;
        void Check(string parameter, int input, int state, int cell, int output)
        {
            float[] states = Sentinels(state), cells = Sentinels(cell), outputs = Sentinels(output);
            var error = Assert.ThrowsAny<ArgumentException>(() =>
            {
                if (lstm)
                {
                    model.Step(new float[input], states, cells, outputs, Batch);
                }
                else
                {
                    model.Step(new float[input], states, outputs, Batch);
                }
            });
            Assert.True(parameter == error.ParamName, $"{name}: expected a complaint about {parameter}, got {error.ParamName}: {error.Message}");
            Assert.All(states.Concat(cells).Concat(outputs), v => Assert.True(IsSentinel(v), $"{name}: a refused step ({parameter}) wrote its state"));
        }

        foreach (int d in new[] { -1, 1 })
        {
            Check("input", inputLength + d, stateLength, cellLength, outputLength);
            Check("state", inputLength, stateLength + d, cellLength, outputLength);
            Check("output", inputLength, stateLength, cellLength, outputLength + d);
            if (lstm)
            {
                Check("cellState", inputLength, stateLength, cellLength + d, outputLength);
            }
        }

        Check("state", inputLength, 0, cellLength, outputLength);
        if (lstm)
        {
            Check("cellState", inputLength, stateLength, 0, outputLength);
            Assert.Throws<InvalidOperationException>(() => model.Step(new float[inputLength], new float[stateLength], new float[outputLength], Batch));
        }
        else
        {
            Assert.Throws<InvalidOperationException>(() => model.Step(new float[inputLength], new float[stateLength], new float[cellLength], new float[outputLength], Batch));
        }

        foreach (int batch in new[] { 0, -1, int.MinValue })
        {
            Assert.Throws<ArgumentOutOfRangeException>(() =>
            {
                if (lstm)
                {
                    model.Step(new float[inputLength], new float[stateLength], new float[cellLength], new float[outputLength], batch);
                }
                else
                {
                    model.Step(new float[inputLength], new float[stateLength], new float[outputLength], batch);
                }
            });
        }

        // The state may not overlap the input or the output.
        float[] shared = new float[inputLength + stateLength + cellLength + outputLength];
        Assert.ThrowsAny<ArgumentException>(() =>
        {
            Span<float> all = shared;
            if (lstm)
            {
                model.Step(all[..inputLength], all.Slice(inputLength - 1, stateLength), all.Slice(inputLength + stateLength, cellLength), all.Slice(inputLength + stateLength + cellLength, outputLength), Batch);
            }
            else
            {
                model.Step(all[..inputLength], all.Slice(inputLength, stateLength), all.Slice(inputLength + stateLength - 1, outputLength), Batch);
            }
        });
    }

    [Fact]
    public void The_cell_state_overloads_refuse_models_without_cells()
    {
        RnnModel gru = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 2, 3), seed: 6);
        float[] output = Sentinels(3), hN = Sentinels(3), cN = Sentinels(3);
        Assert.Throws<InvalidOperationException>(() => gru.Forward(new float[2], output, hN, cN, 1, 1, SequenceLayout.Unbatched));
        Assert.All(output.Concat(hN).Concat(cN), v => Assert.True(IsSentinel(v)));
    }

    // ---- Tensors and files -------------------------------------------------------------------------------------

    [Fact]
    public void Tensors_refuse_shapes_that_disagree_with_their_data_or_overflow()
    {
        Assert.Throws<ArgumentException>(() => new FloatTensor(new float[6], 2, 4));
        Assert.Throws<ArgumentException>(() => new FloatTensor(new float[6], 2, -3));
        Assert.Throws<ArgumentException>(() => new FloatTensor(new float[1], 65_536, 65_536));
        Assert.Throws<ArgumentException>(() => new FloatTensor(new float[1], int.MaxValue, int.MaxValue, int.MaxValue, 2));
        Assert.Throws<ArgumentException>(() => new FloatTensor([], int.MaxValue, int.MaxValue, 0, -1));
        Assert.Empty(new FloatTensor([], int.MaxValue, 0).Data);

        // Zero elements whatever the other dimensions, as the safetensors reader accepts (this used to overflow the
        // count before seeing the zero and throw: a file that parsed could not be loaded).
        Assert.Empty(new FloatTensor([], int.MaxValue, int.MaxValue, 0).Data);
    }

    [Fact]
    public void Reading_a_tensor_into_a_span_of_another_length_is_refused()
    {
        var file = SafetensorsFile.Parse(SafetensorsWriter.ToBytes(new Dictionary<string, FloatTensor> { ["t"] = new FloatTensor([1f, 2f, 3f], 3) }));
        float[] destination = Sentinels(8);
        Assert.Throws<ArgumentException>(() => file.ReadFloat32("t", destination.AsSpan(0, 2)));
        Assert.Throws<ArgumentException>(() => file.ReadFloat32("t", destination.AsSpan(0, 4)));
        Assert.Throws<KeyNotFoundException>(() => file.ReadFloat32("u", destination.AsSpan(0, 3)));
        Assert.All(destination, v => Assert.True(IsSentinel(v)));
        file.ReadFloat32("t", destination.AsSpan(0, 3));
        AssertWrittenExactly(destination, 3, "ReadFloat32");
    }

    // ---- Helpers ---------------------------------------------------------------------------------------------

    private static int LaneCount(SimdPath path) => path switch
    {
        SimdPath.Vector512 => 16,
        SimdPath.Vector256 => 8,
        SimdPath.Vector128 => 4,
        _ => 1,
    };

    private static float[] Sentinels(int count)
    {
        var values = new float[count];
        values.AsSpan().Fill(Sentinel);
        return values;
    }

    private static bool IsSentinel(float value) => BitConverter.SingleToInt32Bits(value) == BitConverter.SingleToInt32Bits(Sentinel);

    private static void AssertRefused(Action call, string parameter, float[] untouched)
    {
        var error = Assert.ThrowsAny<ArgumentException>(call);
        Assert.Equal(parameter, error.ParamName);
        Assert.All(untouched, v => Assert.True(IsSentinel(v), $"a call refused for {parameter} wrote its output"));
    }

    /// <summary>The first <paramref name="count"/> values were written (are not the sentinel), the rest were not.</summary>
    private static void AssertWrittenExactly(float[] buffer, int count, string what)
    {
        for (int i = 0; i < buffer.Length; i++)
        {
            Assert.True(i < count == !IsSentinel(buffer[i]), $"{what}: element {i} of {buffer.Length} {(i < count ? "not written" : "written past the end")}");
        }
    }
}
