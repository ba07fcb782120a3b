using HighPerfRnn.Planning;

namespace HighPerfRnn.Tests.Planning;

/// <summary>
/// The routes the planner picks, with the machine it sees fixed (the widest SIMD path passed in), so each rule and
/// threshold of ExecutionPlanner is pinned by a case on each side of it. The bits do not depend on the route (the
/// golden-hash, Step-vs-Forward and declared-vs-runtime tests check that); these check that the route is the intended one.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class ExecutionPlanTests
{
    [Theory]
    [InlineData(SimdPath.Vector512, 8, SimdPath.Vector256)]   // one vector either way: the narrower
    [InlineData(SimdPath.Vector512, 12, SimdPath.Vector512)]  // 1 × 512 against 2 × 256
    [InlineData(SimdPath.Vector512, 16, SimdPath.Vector512)]
    [InlineData(SimdPath.Vector512, 24, SimdPath.Vector512)]  // 2 × 512 against 3 × 256
    [InlineData(SimdPath.Vector512, 40, SimdPath.Vector512)]  // 3 × 512 against 5 × 256
    [InlineData(SimdPath.Vector512, 4, SimdPath.Vector128)]
    [InlineData(SimdPath.Vector256, 8, SimdPath.Vector256)]
    [InlineData(SimdPath.Vector256, 12, SimdPath.Vector256)]  // 2 × 256 against 3 × 128
    [InlineData(SimdPath.Vector256, 3, SimdPath.Vector128)]
    [InlineData(SimdPath.Vector128, 64, SimdPath.Vector128)]
    [InlineData(SimdPath.Scalar, 64, SimdPath.Scalar)]
    public void Auto_takes_the_path_covering_a_gate_block_in_the_fewest_vectors_the_narrower_on_a_tie(SimdPath best, int hidden, SimdPath expected)
    {
        var architecture = new RnnArchitecture(RnnCell.Lstm, 5, hidden);
        Assert.Equal(expected, ExecutionPlanner.ChooseSimdPath(architecture, SimdPath.Auto, best, forcedByEnvironment: false, out _));
    }

    [Fact]
    public void A_requested_or_environment_forced_path_is_kept()
    {
        var architecture = new RnnArchitecture(RnnCell.Gru, 5, 8);
        Assert.Equal(SimdPath.Vector512, ExecutionPlanner.ChooseSimdPath(architecture, SimdPath.Vector512, SimdPath.Vector512, forcedByEnvironment: false, out _));
        Assert.Equal(SimdPath.Vector512, ExecutionPlanner.ChooseSimdPath(architecture, SimdPath.Auto, SimdPath.Vector512, forcedByEnvironment: true, out string reason));
        Assert.Contains(SimdPaths.EnvironmentVariable, reason, StringComparison.Ordinal);
    }

    public static TheoryData<string, RnnArchitecture, SimdPath, RnnCall, int, bool, LayerKernel> Routes => new()
    {
        // Elman at batch 1: the sequence kernel, projecting its own input where hidden is exactly one vector.
        { "seed on 256", new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.ElmanSequenceProjecting },
        { "seed on 512", new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true), SimdPath.Vector512, RnnCall.Forward, 1, false, LayerKernel.ElmanSequence },
        { "rnn 16 on 512", new RnnArchitecture(RnnCell.Rnn, 5, 16), SimdPath.Vector512, RnnCall.Step, 1, false, LayerKernel.ElmanSequenceProjecting },
        { "rnn 128", new RnnArchitecture(RnnCell.Rnn, 128, 128), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.ElmanSequence },
        { "rnn 128 batch 2", new RnnArchitecture(RnnCell.Rnn, 128, 128), SimdPath.Vector256, RnnCall.Forward, 2, false, LayerKernel.GeneralStep },

        // Gated at batch 1: a Step always fused; a Forward fused to 16 KB of W_hh and again where W_hh streams from L2
        // (from 192 KB; on the 512-bit path above 48 KB), the general step between.
        { "lstm 32 forward (16 KB)", new RnnArchitecture(RnnCell.Lstm, 8, 32), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.FusedGateStep },
        { "lstm 40 forward (25 KB)", new RnnArchitecture(RnnCell.Lstm, 8, 40), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.GeneralStep },
        // Within 16 KB a sequence's step fuses on the 512-bit path, and for the LSTM on the 256-bit one; elsewhere the
        // general step measured faster, except for two layers that run as a wavefront.
        { "gru 16 forward on 256 (3 KB): the general step", new RnnArchitecture(RnnCell.Gru, 16, 16), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.GeneralStep },
        { "gru 16 forward on 512 (3 KB)", new RnnArchitecture(RnnCell.Gru, 16, 16), SimdPath.Vector512, RnnCall.Forward, 1, false, LayerKernel.FusedGateStep },
        { "lstm 16 forward on 128 (4 KB): the general step", new RnnArchitecture(RnnCell.Lstm, 16, 16), SimdPath.Vector128, RnnCall.Forward, 1, false, LayerKernel.GeneralStep },
        { "gru 16 forward scalar: the general step", new RnnArchitecture(RnnCell.Gru, 16, 16), SimdPath.Scalar, RnnCall.Forward, 1, false, LayerKernel.GeneralStep },
        { "two-layer gru 16 forward on 256: fused, as a wavefront", new RnnArchitecture(RnnCell.Gru, 16, 16, numLayers: 2), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.FusedGateStep },
        { "gru 16 step on 256: always fused", new RnnArchitecture(RnnCell.Gru, 16, 16), SimdPath.Vector256, RnnCall.Step, 1, false, LayerKernel.FusedGateStep },
        { "lstm 108 forward on 256 (189 KB)", new RnnArchitecture(RnnCell.Lstm, 8, 108), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.GeneralStep },
        // On the 512-bit path the fused step runs chunk by chunk above 48 KB of W_hh, and fuses from there.
        { "lstm 108 forward on 512 (189 KB)", new RnnArchitecture(RnnCell.Lstm, 8, 108), SimdPath.Vector512, RnnCall.Forward, 1, false, LayerKernel.FusedGateStep },
        { "lstm 64 forward on 512 (64 KB)", new RnnArchitecture(RnnCell.Lstm, 8, 64), SimdPath.Vector512, RnnCall.Forward, 1, false, LayerKernel.FusedGateStep },
        { "gru 64 forward on 512 (48 KB): the general step", new RnnArchitecture(RnnCell.Gru, 8, 64), SimdPath.Vector512, RnnCall.Forward, 1, false, LayerKernel.GeneralStep },
        { "lstm 40 forward on 512 (30 KB): the general step", new RnnArchitecture(RnnCell.Lstm, 8, 40), SimdPath.Vector512, RnnCall.Forward, 1, false, LayerKernel.GeneralStep },
        { "lstm 111 forward (194 KB)", new RnnArchitecture(RnnCell.Lstm, 8, 111), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.FusedGateStep },
        { "gru 128 forward (192 KB)", new RnnArchitecture(RnnCell.Gru, 128, 128), SimdPath.Vector512, RnnCall.Forward, 1, false, LayerKernel.FusedGateStep },
        { "gru 127 forward (190 KB)", new RnnArchitecture(RnnCell.Gru, 128, 127), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.GeneralStep },
        { "lstm 512 step (4 MB)", new RnnArchitecture(RnnCell.Lstm, 128, 512), SimdPath.Vector512, RnnCall.Step, 1, false, LayerKernel.FusedGateStep },
        { "lstm 128 forward batch 2", new RnnArchitecture(RnnCell.Lstm, 128, 128), SimdPath.Vector512, RnnCall.Forward, 2, false, LayerKernel.GeneralStep },
        { "lstm 64 step (64 KB)", new RnnArchitecture(RnnCell.Lstm, 8, 64), SimdPath.Vector256, RnnCall.Step, 1, false, LayerKernel.FusedGateStep },
        { "lstm 72 step (81 KB)", new RnnArchitecture(RnnCell.Lstm, 8, 72), SimdPath.Vector256, RnnCall.Step, 1, false, LayerKernel.FusedGateStep },
        { "lstm 72 forward (81 KB)", new RnnArchitecture(RnnCell.Lstm, 8, 72), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.GeneralStep },
        { "gru 12 step: no cliff", new RnnArchitecture(RnnCell.Gru, 12, 12), SimdPath.Vector256, RnnCall.Step, 1, false, LayerKernel.FusedGateStep },
        { "gru 20 step on 512: no cliff", new RnnArchitecture(RnnCell.Gru, 20, 20), SimdPath.Vector512, RnnCall.Step, 1, false, LayerKernel.FusedGateStep },
        { "lstm 8 step on 512: no cliff", new RnnArchitecture(RnnCell.Lstm, 8, 8), SimdPath.Vector512, RnnCall.Step, 1, false, LayerKernel.FusedGateStep },
        { "lstm projected", new RnnArchitecture(RnnCell.Lstm, 8, 16, projSize: 8), SimdPath.Vector256, RnnCall.Step, 1, false, LayerKernel.GeneralStep },

        // Declared models: generated kernels for Elman batches 2-3 within 12 KB, gated W_hh within 32 KB at batches 2-3 and 16 KB from 4.
        { "declared rnn batch 1", new RnnArchitecture(RnnCell.Rnn, 5, 16), SimdPath.Vector256, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared deep rnn 45 step batch 1 (7.9 KB)", new RnnArchitecture(RnnCell.Rnn, 5, 45, numLayers: 3), SimdPath.Vector512, RnnCall.Step, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared rnn 46 batch 1 (beyond the Elman line, 8 KB)", new RnnArchitecture(RnnCell.Rnn, 5, 46), SimdPath.Vector256, RnnCall.Forward, 1, true, LayerKernel.ElmanSequence },
        { "declared rnn 64 step batch 1 (beyond the Elman line)", new RnnArchitecture(RnnCell.Rnn, 5, 64), SimdPath.Vector256, RnnCall.Step, 1, true, LayerKernel.ElmanSequence },
        { "declared rnn 8 forward, one 256-bit vector: the runtime's one-vector kernel", new RnnArchitecture(RnnCell.Rnn, 5, 8), SimdPath.Vector256, RnnCall.Forward, 1, true, LayerKernel.ElmanSequenceProjecting },
        { "declared rnn 8 step, one 256-bit vector: whole model", new RnnArchitecture(RnnCell.Rnn, 5, 8), SimdPath.Vector256, RnnCall.Step, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared rnn 16 forward on 512-bit: the runtime's one-vector kernel", new RnnArchitecture(RnnCell.Rnn, 5, 16), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.ElmanSequenceProjecting },
        { "declared two-layer rnn 8 forward, one 256-bit vector: the generated wavefront", new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2), SimdPath.Vector256, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared two-layer rnn 16 forward on 512-bit: the generated wavefront", new RnnArchitecture(RnnCell.Rnn, 5, 16, numLayers: 2), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared two-layer rnn 4 forward on 128-bit: the generated wavefront", new RnnArchitecture(RnnCell.Rnn, 5, 4, numLayers: 2), SimdPath.Vector128, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared rnn 4 forward on 128-bit, one layer: the runtime's one-vector kernel", new RnnArchitecture(RnnCell.Rnn, 5, 4), SimdPath.Vector128, RnnCall.Forward, 1, true, LayerKernel.ElmanSequenceProjecting },
        { "declared bidirectional rnn batch 1", new RnnArchitecture(RnnCell.Rnn, 5, 8, bidirectional: true), SimdPath.Vector256, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "runtime bidirectional rnn batch 1", new RnnArchitecture(RnnCell.Rnn, 5, 8, bidirectional: true), SimdPath.Vector256, RnnCall.Forward, 1, false, LayerKernel.ElmanSequenceProjecting },
        { "declared lstm 32 step batch 1 (16 KB)", new RnnArchitecture(RnnCell.Lstm, 5, 32), SimdPath.Vector256, RnnCall.Step, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared lstm 33 step batch 1 (beyond 16 KB)", new RnnArchitecture(RnnCell.Lstm, 5, 33), SimdPath.Vector256, RnnCall.Step, 1, true, LayerKernel.FusedGateStep },
        { "declared gru 36 forward batch 1", new RnnArchitecture(RnnCell.Gru, 5, 36), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        // A bidirectional gated model past the Forward's 32 KB: its input sequences projected first.
        { "declared bidirectional lstm 32 of input 32 forward batch 1 (64 KB, 32 KB a direction)", new RnnArchitecture(RnnCell.Lstm, 32, 32, bidirectional: true), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        // Past that (a direction's step too, W_hh within 16 KB): each layer's input sequence projected first, then its loop on W_hh alone.
        { "declared bidirectional lstm 32 of input 33 forward batch 1 (32.5 KB a direction): projecting", new RnnArchitecture(RnnCell.Lstm, 33, 32, bidirectional: true), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared two bidirectional layers of lstm 32 forward batch 1 (48 KB a later direction): projecting", new RnnArchitecture(RnnCell.Lstm, 20, 32, numLayers: 2, bidirectional: true), SimdPath.Vector256, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared lstm 32 of input 128 forward batch 2: projecting, each sequence through the whole-model Forward", new RnnArchitecture(RnnCell.Lstm, 128, 32), SimdPath.Vector512, RnnCall.Forward, 2, true, LayerKernel.GeneratedWholeModel },
        { "declared bidirectional lstm 33 of input 33 forward batch 1 (W_hh 17 KB): the runtime's", new RnnArchitecture(RnnCell.Lstm, 33, 33, bidirectional: true), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.GeneralStep },
        // An LSTM 8 at 16-31 sequences on the 256-bit path: the runtime's kernels (its generated step 1.04-1.08 at 24); 16 and 512-bit keep it.
        { "declared lstm 8 forward batch 24 on 256-bit: the product", new RnnArchitecture(RnnCell.Lstm, 8, 8), SimdPath.Vector256, RnnCall.Forward, 24, true, LayerKernel.GeneralStep },
        { "declared lstm 8 forward batch 24 on 512-bit: the generated step", new RnnArchitecture(RnnCell.Lstm, 8, 8), SimdPath.Vector512, RnnCall.Forward, 24, true, LayerKernel.GeneratedStep },
        { "declared lstm 16 forward batch 24 on 256-bit: the generated step", new RnnArchitecture(RnnCell.Lstm, 16, 16), SimdPath.Vector256, RnnCall.Forward, 24, true, LayerKernel.GeneratedStep },
        { "declared lstm 8 forward batch 8 on 256-bit: rows", new RnnArchitecture(RnnCell.Lstm, 8, 8), SimdPath.Vector256, RnnCall.Forward, 8, true, LayerKernel.GeneratedWholeModel },
        // An Elman layer's input wider than twice its hidden size (within the 16 KB Forward line): the runtime's pass, which
        // projects the sequence in one product (ElmanWholeModelForwardMaxInputPerHidden; the generator's ElmanForwardMaxInputPerHidden).
        { "declared rnn 24 of input 100 forward batch 1 (input > 2 × hidden): the runtime's", new RnnArchitecture(RnnCell.Rnn, 100, 24), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.ElmanSequence },
        { "declared rnn 24 of input 49 forward batch 1 (W_ih 4.6 KB): the runtime's", new RnnArchitecture(RnnCell.Rnn, 49, 24), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.ElmanSequence },
        { "declared rnn 8 of input 32 forward batch 1 (input > 2 × hidden, W_ih 1 KB): the whole model", new RnnArchitecture(RnnCell.Rnn, 32, 8), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared rnn 16 of input 64 forward batch 1 on 256-bit (W_ih 4 KB): the whole model", new RnnArchitecture(RnnCell.Rnn, 64, 16), SimdPath.Vector256, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared rnn 16 of input 65 forward batch 1 on 256-bit (W_ih 4.06 KB): the runtime's", new RnnArchitecture(RnnCell.Rnn, 65, 16), SimdPath.Vector256, RnnCall.Forward, 1, true, LayerKernel.ElmanSequence },
        { "declared rnn 24 of input 48 forward batch 1: the whole model", new RnnArchitecture(RnnCell.Rnn, 48, 24), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared rnn 32 of input 64 forward batch 1: the whole model", new RnnArchitecture(RnnCell.Rnn, 64, 32), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.GeneratedWholeModel },
        { "declared bidirectional lstm 32 of input 32 forward batch 2 (16 KB of W_hh, projecting): rows", new RnnArchitecture(RnnCell.Lstm, 32, 32, bidirectional: true), SimdPath.Vector256, RnnCall.Forward, 2, true, LayerKernel.GeneratedWholeModel },
        { "declared two bidirectional layers of lstm 24 of input 16 forward batch 3: rows", new RnnArchitecture(RnnCell.Lstm, 16, 24, numLayers: 2, bidirectional: true), SimdPath.Vector512, RnnCall.Forward, 3, true, LayerKernel.GeneratedWholeModel },
        { "declared bidirectional gru 32 of input 32 forward batch 4 (projecting): no rows, the product", new RnnArchitecture(RnnCell.Gru, 32, 32, bidirectional: true), SimdPath.Vector512, RnnCall.Forward, 4, true, LayerKernel.GeneralStep },
        { "declared bidirectional rnn 40 forward batch 1 (25 KB, past the Elman Forward's 16 KB): not apart", new RnnArchitecture(RnnCell.Rnn, 40, 40, bidirectional: true), SimdPath.Vector512, RnnCall.Forward, 1, true, LayerKernel.ElmanSequence },
        { "runtime lstm 8 step batch 1", new RnnArchitecture(RnnCell.Lstm, 5, 8), SimdPath.Vector256, RnnCall.Step, 1, false, LayerKernel.FusedGateStep },
        { "declared rnn 16 forward batch 3: each sequence through the whole-model Forward", new RnnArchitecture(RnnCell.Rnn, 5, 16), SimdPath.Vector256, RnnCall.Forward, 3, true, LayerKernel.GeneratedWholeModel },
        { "declared rnn 16 forward batch 4 (1 KB ≤ 3 KB): whole-model rows", new RnnArchitecture(RnnCell.Rnn, 5, 16), SimdPath.Vector256, RnnCall.Forward, 4, true, LayerKernel.GeneratedWholeModel },
        { "declared rnn 48 forward batch 3 (past the whole-model line): the generated step", new RnnArchitecture(RnnCell.Rnn, 5, 48), SimdPath.Vector256, RnnCall.Forward, 3, true, LayerKernel.GeneratedStep },
        { "declared rnn 48 forward batch 4: the product", new RnnArchitecture(RnnCell.Rnn, 5, 48), SimdPath.Vector256, RnnCall.Forward, 4, true, LayerKernel.GeneralStep },
        { "declared rnn 128 batch 2 (64 KB)", new RnnArchitecture(RnnCell.Rnn, 5, 128), SimdPath.Vector256, RnnCall.Forward, 2, true, LayerKernel.GeneralStep },
        { "declared rnn 64 batch 2 (16 KB > 12 KB)", new RnnArchitecture(RnnCell.Rnn, 5, 64), SimdPath.Vector256, RnnCall.Step, 2, true, LayerKernel.GeneralStep },
        { "declared two-layer rnn 48 batch 2 (9 KB)", new RnnArchitecture(RnnCell.Rnn, 5, 48, numLayers: 2), SimdPath.Vector256, RnnCall.Step, 2, true, LayerKernel.GeneratedStep },
        { "declared gru 64 batch 8 (48 KB > 16 KB from batch 4)", new RnnArchitecture(RnnCell.Gru, 5, 64), SimdPath.Vector256, RnnCall.Step, 8, true, LayerKernel.GeneralStep },
        { "declared gru 64 batch 3 (48 KB > 32 KB)", new RnnArchitecture(RnnCell.Gru, 5, 64), SimdPath.Vector256, RnnCall.Step, 3, true, LayerKernel.GeneralStep },
        { "declared gru 48 batch 3 (27 KB)", new RnnArchitecture(RnnCell.Gru, 5, 48), SimdPath.Vector256, RnnCall.Step, 3, true, LayerKernel.GeneratedStep },
        { "declared lstm 44 batch 2 on 512-bit (33 KB padded)", new RnnArchitecture(RnnCell.Lstm, 5, 44), SimdPath.Vector512, RnnCall.Forward, 2, true, LayerKernel.GeneralStep },
        { "declared lstm 40 batch 2 on 512-bit (30 KB padded)", new RnnArchitecture(RnnCell.Lstm, 5, 40), SimdPath.Vector512, RnnCall.Forward, 2, true, LayerKernel.GeneratedStep },
        { "declared gru 32 step batch 16 (12 KB > 8 KB): the runtime's product", new RnnArchitecture(RnnCell.Gru, 5, 32), SimdPath.Vector256, RnnCall.Step, 16, true, LayerKernel.GeneralStep },
        { "declared gru 32 forward batch 3 (12 KB ≤ 14 KB): each row through the whole-model Forward", new RnnArchitecture(RnnCell.Gru, 5, 32), SimdPath.Vector256, RnnCall.Forward, 3, true, LayerKernel.GeneratedWholeModel },
        { "declared gru 32 forward batch 8 (12 KB > 8 KB from 4): the runtime's product", new RnnArchitecture(RnnCell.Gru, 5, 32), SimdPath.Vector256, RnnCall.Forward, 8, true, LayerKernel.GeneralStep },
        { "declared gru 24 forward batch 8 (7 KB ≤ 8 KB): each row through the whole-model Forward", new RnnArchitecture(RnnCell.Gru, 5, 24), SimdPath.Vector256, RnnCall.Forward, 8, true, LayerKernel.GeneratedWholeModel },
        { "declared two-layer gru 32 forward batch 8 (12 KB > 8 KB from batch 4): the runtime's product", new RnnArchitecture(RnnCell.Gru, 5, 32, numLayers: 2), SimdPath.Vector256, RnnCall.Forward, 8, true, LayerKernel.GeneralStep },
        { "declared two-layer lstm 16 forward batch 31 (4 KB): the last batch of the generated step", new RnnArchitecture(RnnCell.Lstm, 5, 16, numLayers: 2), SimdPath.Vector256, RnnCall.Forward, 31, true, LayerKernel.GeneratedStep },
        { "declared two-layer gru 16 forward batch 31 on 512-bit (3 KB): the generated step", new RnnArchitecture(RnnCell.Gru, 5, 16, numLayers: 2), SimdPath.Vector512, RnnCall.Forward, 31, true, LayerKernel.GeneratedStep },
        { "declared two-layer gru 16 forward batch 16 on 256-bit: a GRU at 16-31 on the narrow paths, the runtime's product", new RnnArchitecture(RnnCell.Gru, 5, 16, numLayers: 2), SimdPath.Vector256, RnnCall.Forward, 16, true, LayerKernel.GeneralStep },
        { "declared lstm 16 forward batch 24 on 512-bit (4 KB): the generated step, not rows past 15", new RnnArchitecture(RnnCell.Lstm, 5, 16), SimdPath.Vector512, RnnCall.Forward, 24, true, LayerKernel.GeneratedStep },
        { "declared lstm 32 forward batch 8 on 512-bit (16 KB > 8 KB, > 14 KB for rows): the runtime's product", new RnnArchitecture(RnnCell.Lstm, 5, 32), SimdPath.Vector512, RnnCall.Forward, 8, true, LayerKernel.GeneralStep },
        { "declared gru 32 forward batch 16 (12 KB): past the gated rows' batches and the 8 KB line, the runtime's product", new RnnArchitecture(RnnCell.Gru, 5, 32), SimdPath.Vector256, RnnCall.Forward, 16, true, LayerKernel.GeneralStep },
        { "declared lstm 8 step batch 32: the runtime's product", new RnnArchitecture(RnnCell.Lstm, 5, 8), SimdPath.Vector256, RnnCall.Step, 32, true, LayerKernel.GeneralStep },
        { "declared two-layer lstm 8 forward batch 64: the runtime's product", new RnnArchitecture(RnnCell.Lstm, 5, 8, numLayers: 2), SimdPath.Vector256, RnnCall.Forward, 64, true, LayerKernel.GeneralStep },
        { "declared gru 16 forward batch 48 on 512-bit: the runtime's product", new RnnArchitecture(RnnCell.Gru, 5, 16), SimdPath.Vector512, RnnCall.Forward, 48, true, LayerKernel.GeneralStep },
        { "declared lstm 64 batch 8 (64 KB)", new RnnArchitecture(RnnCell.Lstm, 5, 64), SimdPath.Vector256, RnnCall.Step, 8, true, LayerKernel.GeneralStep },
        { "runtime gru 16 batch 8", new RnnArchitecture(RnnCell.Gru, 5, 16), SimdPath.Vector256, RnnCall.Step, 8, false, LayerKernel.GeneralStep },

        // Elman Forward at batch > 1: each row's sequence through the sequence kernel where a gate block is one panel (every
        // batch), or at batches 2-3 within 12 KB of W_hh; else the blocked product. A Step keeps the product.
        { "rnn 16 on 512-bit batch 2: one vector, rows", new RnnArchitecture(RnnCell.Rnn, 5, 16), SimdPath.Vector512, RnnCall.Forward, 2, false, LayerKernel.ElmanSequenceProjecting },
        { "rnn 8 on 256-bit batch 64: one vector, rows", new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true), SimdPath.Vector256, RnnCall.Forward, 64, false, LayerKernel.ElmanSequenceProjecting },
        { "declared rnn 16 on 512-bit batch 3: rows, not the generated step", new RnnArchitecture(RnnCell.Rnn, 5, 16), SimdPath.Vector512, RnnCall.Forward, 3, true, LayerKernel.ElmanSequenceProjecting },
        { "rnn 12 on 512-bit batch 8: one panel, rows", new RnnArchitecture(RnnCell.Rnn, 5, 12), SimdPath.Vector512, RnnCall.Forward, 8, false, LayerKernel.ElmanSequence },
        { "rnn 6 on 256-bit batch 40: one panel, rows", new RnnArchitecture(RnnCell.Rnn, 5, 6), SimdPath.Vector256, RnnCall.Forward, 40, false, LayerKernel.ElmanSequence },
        { "rnn 48 on 256-bit batch 3 (9 KB): rows", new RnnArchitecture(RnnCell.Rnn, 5, 48), SimdPath.Vector256, RnnCall.Forward, 3, false, LayerKernel.ElmanSequence },
        { "rnn 64 on 256-bit batch 2 (16 KB > 12 KB): the product", new RnnArchitecture(RnnCell.Rnn, 5, 64), SimdPath.Vector256, RnnCall.Forward, 2, false, LayerKernel.GeneralStep },
        { "rnn 24 on 512-bit batch 4 (two panels): the product", new RnnArchitecture(RnnCell.Rnn, 5, 24), SimdPath.Vector512, RnnCall.Forward, 4, false, LayerKernel.GeneralStep },
        { "two-layer rnn 16 on 512-bit step batch 2: the product", new RnnArchitecture(RnnCell.Rnn, 5, 16, numLayers: 2), SimdPath.Vector512, RnnCall.Step, 2, false, LayerKernel.GeneralStep },
        { "declared rnn 48 on 256-bit forward batch 2 (9 KB, six panels): the generated step", new RnnArchitecture(RnnCell.Rnn, 5, 48), SimdPath.Vector256, RnnCall.Forward, 2, true, LayerKernel.GeneratedStep },
        { "declared bidirectional rnn 32 forward batch 2: each sequence through the whole-model Forward", new RnnArchitecture(RnnCell.Rnn, 5, 32, bidirectional: true), SimdPath.Vector512, RnnCall.Forward, 2, true, LayerKernel.GeneratedWholeModel },
        { "declared bidirectional rnn 32 forward batch 4 (4 KB, past the Elman rows' 3 KB): the blocked product", new RnnArchitecture(RnnCell.Rnn, 5, 32, bidirectional: true), SimdPath.Vector512, RnnCall.Forward, 4, true, LayerKernel.GeneralStep },
        { "declared two bidirectional layers of rnn 48 on 256-bit forward batch 3: the rows", new RnnArchitecture(RnnCell.Rnn, 5, 48, numLayers: 2, bidirectional: true), SimdPath.Vector256, RnnCall.Forward, 3, true, LayerKernel.ElmanSequence },
    };

    /// <summary>
    /// A declared gated model whose largest layer's time step (all directions, the gate rows padded to 16-float panels) reads
    /// more than 32 KB of weights, with W_hh within 16 KB, runs its generated Forward at batch 1 on every path, each layer's
    /// input sequence projected first (the generator's WholeModelEmitter.ForwardProjectsInputs at the same lines:
    /// GeneratedCodeCompilesTests' Lstm32DeepInput40, Gru36DeepInput50, Gru36Deep, Gru16BiInput69/70 and Gru20BiInput48),
    /// and 2-3 sequences each through it; no other batch runs it row by row.
    /// </summary>
    [Theory]
    [InlineData(RnnCell.Lstm, 40, 32, 2, false, true)]    // layer 0's step 36 KB, W_hh 16 KB
    [InlineData(RnnCell.Lstm, 24, 32, 2, false, false)]   // 28 and 32 KB a layer: one layer after the other, no projecting
    [InlineData(RnnCell.Lstm, 40, 33, 2, false, false)]   // W_hh 17 KB: the runtime's kernels
    [InlineData(RnnCell.Gru, 50, 36, 2, false, true)]     // 3 × 48 × 86 × 4 B = 48.4 KB padded, W_hh 15.2 KB
    [InlineData(RnnCell.Gru, 6, 36, 2, false, true)]      // the later layer 3 × 48 × 72 × 4 B = 40.5 KB padded (31.1 KB unpadded)
    [InlineData(RnnCell.Lstm, 32, 32, 1, true, true)]     // 64 KB a step of both directions
    [InlineData(RnnCell.Gru, 40, 32, 1, true, true)]      // 54 KB
    [InlineData(RnnCell.Lstm, 16, 24, 2, true, true)]     // layer 1: 73.7 KB padded
    [InlineData(RnnCell.Lstm, 20, 32, 2, true, true)]     // the later layer 96 KB
    [InlineData(RnnCell.Gru, 69, 16, 1, true, false)]     // 2 × 3 × 16 × 85 = 8160 weights: both directions' products in the loop
    [InlineData(RnnCell.Gru, 70, 16, 1, true, true)]      // 8256
    [InlineData(RnnCell.Gru, 48, 20, 1, true, true)]      // 8160 unpadded, 13056 padded to 32 units
    [InlineData(RnnCell.Lstm, 16, 16, 1, true, false)]    // 16 KB
    [InlineData(RnnCell.Rnn, 70, 40, 2, false, false)]    // Elman: the runtime's pass past its line
    [InlineData(RnnCell.Rnn, 40, 40, 1, true, false)]
    public void A_declared_gated_forward_past_l1_projects_its_input_sequences_first(RnnCell cell, int input, int hidden, int layers, bool bidirectional, bool projects)
    {
        var architecture = new RnnArchitecture(cell, input, hidden, numLayers: layers, bidirectional: bidirectional);
        Assert.Equal(projects, ExecutionPlanner.DeclaredForwardProjectsInputs(architecture));
        foreach (SimdPath path in new[] { SimdPath.Vector512, SimdPath.Vector256, SimdPath.Vector128, SimdPath.Scalar })
        {
            ExecutionPlan plan = ExecutionPlanner.Plan(architecture, path, "fixed by the test", RnnCall.Forward, 0, declared: true);
            Assert.Equal(projects, plan.ToString().Contains("each layer's input sequence in one product first", StringComparison.Ordinal));
            if (projects)
            {
                Assert.Equal(LayerKernel.GeneratedWholeModel, plan.Layers[0].Kernel);
                foreach (int batch in new[] { 2, 3, 4, 5, 16 })
                {
                    Assert.Equal(batch <= 3, ExecutionPlanner.Plan(architecture, path, "fixed by the test", RnnCall.Forward, ExecutionPlanner.BatchClass(batch), declared: true).RunsRowByRow);
                }
            }
        }
    }

    [Fact]
    public void A_declared_gru_past_its_generated_step_on_a_narrow_path_says_why()
    {
        // GRU 16 (3 KB of W_hh, within the generated step's 8 KB line) at 16-31 rows on the 256-bit path takes the product
        // for the narrow path's sake, not its size: the reason must not claim W_hh is past the line.
        var gru = new RnnArchitecture(RnnCell.Gru, 5, 16);
        string reason = ExecutionPlanner.Plan(gru, SimdPath.Vector256, "fixed by the test", RnnCall.Forward, ExecutionPlanner.BatchClass(16), declared: true).Layers[0].Reason;
        Assert.Contains("a GRU at 16 to 31 rows on the Vector256 path", reason, StringComparison.Ordinal);
        Assert.DoesNotContain("> 8 KB", reason, StringComparison.Ordinal);
    }

    [Fact]
    public void A_declared_bidirectional_elman_of_one_vector_names_the_steps_its_generated_forward_takes()
    {
        // The generator emits the same line (WholeModelEmitter.OneVectorBidirectionalMaxSteps; tests/HighPerfRnn.Generators.Tests
        // finds "seqLen > 32" in the seed's TryForward): change both, and both tests, together.
        Assert.Equal(32, ExecutionPlanner.OneVectorBidirectionalWholeModelMaxSteps);
        var seed = new RnnArchitecture(RnnCell.Rnn, 5, 8, numLayers: 2, bidirectional: true);
        ExecutionPlan onOneVector = ExecutionPlanner.Plan(seed, SimdPath.Vector256, "fixed by the test", RnnCall.Forward, 0, declared: true);
        Assert.Equal(LayerKernel.GeneratedWholeModel, onOneVector.Layers[0].Kernel);
        Assert.Contains("up to 32 steps (longer sequences: the runtime's one-vector kernel", onOneVector.Layers[0].Reason, StringComparison.Ordinal);

        // Not one vector on the 512-bit path, nor unidirectional: no line.
        Assert.DoesNotContain("steps", ExecutionPlanner.Plan(seed, SimdPath.Vector512, "fixed by the test", RnnCall.Forward, 0, declared: true).Layers[0].Reason, StringComparison.Ordinal);
        var tinyUni = new RnnArchitecture(RnnCell.Rnn, 5, 16);
        Assert.DoesNotContain("steps", ExecutionPlanner.Plan(tinyUni, SimdPath.Vector256, "fixed by the test", RnnCall.Forward, 0, declared: true).Layers[0].Reason, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public void The_planner_picks_the_route_its_rules_name(string name, RnnArchitecture architecture, SimdPath path, RnnCall call, int batch, bool declared, LayerKernel expected)
    {
        ExecutionPlan plan = ExecutionPlanner.Plan(architecture, path, "fixed by the test", call, ExecutionPlanner.BatchClass(batch), declared);
        Assert.All(plan.Layers, layer => Assert.True(layer.Kernel == expected, $"{name}: {layer}"));
        Assert.True(plan.MinBatch <= batch && batch <= plan.MaxBatch, $"{name}: batch {batch} outside the plan's {plan.MinBatch}..{plan.MaxBatch}");
    }

    [Theory]
    [InlineData(RnnCell.Lstm, 16, 1, 2, SimdPath.Vector512, false, true, LayerKernel.FusedGateStep)]           // 4 KB
    [InlineData(RnnCell.Lstm, 24, 1, 3, SimdPath.Vector256, false, true, LayerKernel.FusedGateStep)]           // 4·24·24·4 B = 9 KB
    [InlineData(RnnCell.Gru, 32, 1, 2, SimdPath.Vector256, false, true, LayerKernel.FusedGateStep)]            // 12 KB: on the line
    [InlineData(RnnCell.Lstm, 32, 1, 2, SimdPath.Vector256, false, false, LayerKernel.GeneralStep)]            // 16 KB: past it
    [InlineData(RnnCell.Rnn, 16, 1, 3, SimdPath.Vector512, false, true, LayerKernel.ElmanSequenceProjecting)]  // one vector
    [InlineData(RnnCell.Rnn, 48, 1, 2, SimdPath.Vector256, false, true, LayerKernel.ElmanSequence)]            // 9 KB
    [InlineData(RnnCell.Rnn, 64, 1, 2, SimdPath.Vector256, false, false, LayerKernel.GeneralStep)]             // 16 KB
    [InlineData(RnnCell.Gru, 16, 1, 4, SimdPath.Vector512, false, false, LayerKernel.GeneralStep)]             // batch 4: the product
    [InlineData(RnnCell.Gru, 16, 2, 2, SimdPath.Vector512, false, false, LayerKernel.GeneralStep)]             // two layers
    [InlineData(RnnCell.Gru, 16, 1, 2, SimdPath.Vector512, true, true, LayerKernel.GeneratedWholeModel)]       // declared: its whole-model step
    [InlineData(RnnCell.Lstm, 32, 1, 3, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]      // declared: 16 KB, within the whole-model line
    [InlineData(RnnCell.Rnn, 48, 1, 2, SimdPath.Vector256, true, true, LayerKernel.ElmanSequence)]             // declared past the Elman whole-model line (8 KB): the runtime's rows
    [InlineData(RnnCell.Gru, 16, 2, 2, SimdPath.Vector512, true, true, LayerKernel.GeneratedWholeModel)]       // declared, two layers: its whole-model step too
    [InlineData(RnnCell.Lstm, 8, 2, 8, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]       // declared, batch 8: still rows
    [InlineData(RnnCell.Lstm, 8, 2, 15, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]      // declared, batch 15: every model with a whole-model step
    [InlineData(RnnCell.Lstm, 16, 1, 31, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]     // declared, one layer at 16-31: W_hh 4 KB ≤ 8 KB
    [InlineData(RnnCell.Lstm, 16, 2, 31, SimdPath.Vector256, true, false, LayerKernel.GeneralStep)]            // two layers at 16-31: the product
    [InlineData(RnnCell.Lstm, 32, 1, 12, SimdPath.Vector512, true, false, LayerKernel.GeneralStep)]            // one layer at 4-15, W_hh 16 KB > 12 KB: the product
    [InlineData(RnnCell.Gru, 32, 1, 12, SimdPath.Vector512, true, false, LayerKernel.GeneralStep)]             // GRU 32, 12 KB > 8 KB: the product
    [InlineData(RnnCell.Lstm, 16, 1, 12, SimdPath.Vector512, true, true, LayerKernel.GeneratedWholeModel)]     // LSTM 16, 4 KB ≤ 8 KB: rows
    [InlineData(RnnCell.Gru, 32, 1, 15, SimdPath.Vector256, true, false, LayerKernel.GeneralStep)]             // declared, 4-15: W_hh 12 KB > 8 KB, the product
    [InlineData(RnnCell.Gru, 16, 1, 15, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]      // declared, 4-15: W_hh 3 KB, a whole-model step within L1
    [InlineData(RnnCell.Lstm, 32, 2, 8, SimdPath.Vector256, true, false, LayerKernel.GeneralStep)]             // declared, 4-15: a step's weights 64 KB > 32 KB, W_hh 16 KB > 8 KB: the product
    [InlineData(RnnCell.Lstm, 32, 2, 3, SimdPath.Vector256, true, false, LayerKernel.GeneratedStep)]           // declared, 2-3: a step's weights 52 KB > 48 KB, its generated step
    [InlineData(RnnCell.Lstm, 32, 2, 2, SimdPath.Vector512, true, false, LayerKernel.GeneratedStep)]           // the same on the 512-bit path
    [InlineData(RnnCell.Gru, 32, 2, 3, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]       // declared, 2-3: 39 KB ≤ 48 KB, rows
    [InlineData(RnnCell.Gru, 32, 2, 8, SimdPath.Vector256, true, false, LayerKernel.GeneralStep)]              // the same at 4-15: 39 KB > 32 KB, W_hh 12 KB > 8 KB: the product
    [InlineData(RnnCell.Lstm, 16, 4, 8, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]      // declared, four layers of LSTM 16: 29 KB a step, rows
    [InlineData(RnnCell.Lstm, 16, 5, 8, SimdPath.Vector256, true, false, LayerKernel.GeneratedStep)]           // five layers: 37 KB > 32 KB, the generated step
    [InlineData(RnnCell.Lstm, 16, 5, 16, SimdPath.Vector256, true, false, LayerKernel.GeneralStep)]            // five layers at 16-31: W_hh 4 KB, but past L1: the product
    [InlineData(RnnCell.Gru, 32, 1, 16, SimdPath.Vector256, true, false, LayerKernel.GeneralStep)]             // declared, 16-31: 12 KB > 8 KB, the product
    [InlineData(RnnCell.Gru, 32, 1, 4, SimdPath.Vector256, false, false, LayerKernel.GeneralStep)]             // runtime-sized, batch 4: the product
    [InlineData(RnnCell.Gru, 16, 1, 16, SimdPath.Vector256, true, false, LayerKernel.GeneralStep)]             // a GRU at 16-31 on the 256-bit path: 3 KB > 2.5 KB, the product
    [InlineData(RnnCell.Gru, 12, 1, 31, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]      // GRU 12 there: 2.3 KB ≤ 2.5 KB, rows
    [InlineData(RnnCell.Gru, 16, 1, 16, SimdPath.Vector512, true, true, LayerKernel.GeneratedWholeModel)]      // GRU 16 at 16-31 on the 512-bit path: 3 KB ≤ 8 KB, rows
    [InlineData(RnnCell.Gru, 16, 1, 24, SimdPath.Vector128, true, true, LayerKernel.GeneratedWholeModel)]      // and on the 128-bit one
    [InlineData(RnnCell.Lstm, 16, 1, 24, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]     // an LSTM on the 256-bit path keeps 8 KB
    [InlineData(RnnCell.Rnn, 16, 1, 8, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]       // declared Elman, 1 KB: rows
    [InlineData(RnnCell.Rnn, 24, 1, 31, SimdPath.Vector256, true, true, LayerKernel.GeneratedWholeModel)]      // declared Elman, 2.3 KB ≤ 3 KB: rows to 31
    [InlineData(RnnCell.Rnn, 32, 1, 4, SimdPath.Vector256, true, false, LayerKernel.GeneralStep)]              // declared Elman past 3 KB from 4: the product
    public void A_step_of_a_few_streams_of_a_small_model_runs_row_by_row(RnnCell cell, int hidden, int layers, int batch, SimdPath path, bool declared, bool rows, LayerKernel kernel)
    {
        var architecture = new RnnArchitecture(cell, 5, hidden, numLayers: layers);
        ExecutionPlan plan = ExecutionPlanner.Plan(architecture, path, "test", RnnCall.Step, ExecutionPlanner.BatchClass(batch), declared);
        Assert.Equal(rows, plan.RunsRowByRow);
        Assert.Equal(rows, plan.ToString().Contains("each row through the batch-1 step", StringComparison.Ordinal));
        Assert.All(plan.Layers, layer => Assert.Equal(kernel, layer.Kernel));
        Assert.False(ExecutionPlanner.Plan(architecture, path, "test", RnnCall.Forward, ExecutionPlanner.BatchClass(batch), declared: false).RunsRowByRow);
    }

    [Theory]
    [InlineData(128, true)]   // both W_hh 128 KB: interleaved
    [InlineData(256, false)]  // 512 KB: one direction after the other
    public void Bidirectional_layers_interleave_while_both_recurrent_matrices_fit_the_budget(int hidden, bool interleaved)
    {
        var architecture = new RnnArchitecture(RnnCell.Rnn, hidden, hidden, bidirectional: true);
        ExecutionPlan plan = ExecutionPlanner.Plan(architecture, SimdPath.Vector256, "test", RnnCall.Forward, 0, declared: false);
        Assert.Equal(interleaved, plan.Layers[0].InterleaveDirections);
    }

    [Theory]
    [InlineData(RnnCell.Lstm, 16, 2, false, RnnCall.Forward, 0, true)]   // 4·16·(16 + 16 + 16 + 16)·4 B = 16 KB
    [InlineData(RnnCell.Gru, 16, 2, false, RnnCall.Forward, 0, true)]
    [InlineData(RnnCell.Gru, 24, 2, false, RnnCall.Forward, 0, true)]    // 3·24 rows × 96 × 4 B = 27 KB (256-bit panels)
    [InlineData(RnnCell.Lstm, 32, 2, false, RnnCall.Forward, 0, false)]  // 64 KB: past the line
    [InlineData(RnnCell.Lstm, 16, 3, false, RnnCall.Forward, 0, false)]  // three layers: layer by layer
    [InlineData(RnnCell.Lstm, 16, 2, true, RnnCall.Forward, 0, false)]   // bidirectional: layer by layer
    [InlineData(RnnCell.Lstm, 16, 2, false, RnnCall.Step, 0, false)]     // a Step has no sequence
    [InlineData(RnnCell.Lstm, 16, 2, false, RnnCall.Forward, 1, false)]  // batch 2 and up
    [InlineData(RnnCell.Rnn, 16, 2, false, RnnCall.Forward, 0, false)]   // Elman: the sequence kernels
    public void Two_small_gated_layers_run_as_a_wavefront_at_batch_1(RnnCell cell, int hidden, int layers, bool bidirectional, RnnCall call, int batchClass, bool wavefront)
    {
        var architecture = new RnnArchitecture(cell, hidden, hidden, numLayers: layers, bidirectional: bidirectional);
        ExecutionPlan plan = ExecutionPlanner.Plan(architecture, SimdPath.Vector256, "test", call, batchClass, declared: false);
        Assert.Equal(wavefront, plan.LayersAsWavefront);
        Assert.Equal(wavefront, plan.ToString().Contains("as a wavefront", StringComparison.Ordinal));
    }

    /// <summary>
    /// A declared stacked unidirectional model's whole-model Forward runs its layers as a wavefront while one wave (a step of
    /// every layer) reads at most 32 KB of weights (Elman: 16 KB), else one layer after the other while one layer's step
    /// does; past that a gated model projects each layer's input sequence first (W_hh within its line), an Elman one runs the
    /// runtime's kernels.
    /// </summary>
    [Theory]
    [InlineData(RnnCell.Lstm, 16, 16, 2, "the layers as a wavefront")]                  // 16 KB a wave
    [InlineData(RnnCell.Lstm, 24, 32, 2, "one layer after the other")]                  // 60 KB a wave, 28 and 32 KB a layer
    [InlineData(RnnCell.Gru, 30, 30, 3, "one layer after the other")]                   // 65 KB a wave, 21.6 KB a layer
    [InlineData(RnnCell.Rnn, 16, 16, 2, "the layers as a wavefront")]                   // Elman: 4 KB a wave, hidden 16
    [InlineData(RnnCell.Rnn, 32, 32, 2, "one layer after the other")]                   // Elman wider than 16: 16 KB a wave, but layer by layer
    [InlineData(RnnCell.Rnn, 40, 40, 2, "one layer after the other")]                   // 25.6 KB a wave > 16 KB, 12.8 KB a layer
    [InlineData(RnnCell.Lstm, 40, 32, 2, "each layer's input sequence in one product first")] // layer 0's step 36 KB > 32 KB, W_hh 16 KB
    [InlineData(RnnCell.Lstm, 40, 33, 2, null)]                                         // W_hh 17 KB > 16 KB: the runtime's
    [InlineData(RnnCell.Rnn, 70, 40, 2, null)]                                          // Elman: layer 0's step 40·110·4 B = 17.2 KB > 16 KB
    public void Declared_stacked_forwards_run_as_a_wavefront_within_l1_and_layer_by_layer_past_it(RnnCell cell, int input, int hidden, int layers, string? order)
    {
        var architecture = new RnnArchitecture(cell, input, hidden, numLayers: layers);
        ExecutionPlan plan = ExecutionPlanner.Plan(architecture, SimdPath.Vector512, "test", RnnCall.Forward, 0, declared: true);
        Assert.Equal(order is not null, plan.Layers.All(l => l.Kernel == LayerKernel.GeneratedWholeModel));
        if (order is not null)
        {
            Assert.Contains(order, plan.ToString(), StringComparison.Ordinal);
        }
    }

    [Theory]
    [InlineData(RnnCall.Forward, 31, false)]
    [InlineData(RnnCall.Forward, 32, true)]
    [InlineData(RnnCall.Forward, 1000, true)]
    [InlineData(RnnCall.Forward, 1, false)]
    [InlineData(RnnCall.Step, 64, false)]   // a Step has one time step: nothing to hoist
    public void Forward_projects_each_step_from_batch_32(RnnCall call, int batch, bool eachStep)
    {
        var architecture = new RnnArchitecture(RnnCell.Lstm, 16, 24, numLayers: 2, bidirectional: true);
        ExecutionPlan plan = ExecutionPlanner.Plan(architecture, SimdPath.Vector256, "test", call, ExecutionPlanner.BatchClass(batch), declared: false);
        Assert.Equal(eachStep, plan.ProjectsEachStep);
        Assert.InRange(batch, plan.MinBatch, plan.MaxBatch);
        Assert.Equal(eachStep, plan.ToString().Contains("projected step by step", StringComparison.Ordinal));
    }

    [Fact]
    public void A_model_describes_its_plans_and_they_are_made_once()
    {
        RnnModel model = RnnModel.CreateRandom(new RnnArchitecture(RnnCell.Gru, 4, 24, numLayers: 2), seed: 1);
        ExecutionPlan step = model.DescribePlan(RnnCall.Step, batch: 1);
        Assert.Same(step, model.DescribePlan(RnnCall.Step, batch: 1));
        Assert.Same(model.DescribePlan(RnnCall.Forward, 4), model.DescribePlan(RnnCall.Forward, 15));
        Assert.Same(model.DescribePlan(RnnCall.Forward, 16), model.DescribePlan(RnnCall.Forward, 31));
        Assert.Same(model.DescribePlan(RnnCall.Forward, 32), model.DescribePlan(RnnCall.Forward, 64));
        Assert.Equal(model.SimdPath, step.SimdPath);
        Assert.Equal(2, step.Layers.Count);
        string text = step.ToString();
        Assert.Contains("layer 0:", text, StringComparison.Ordinal);
        Assert.Contains("layer 1:", text, StringComparison.Ordinal);

        ArgumentOutOfRangeException batch = Assert.Throws<ArgumentOutOfRangeException>(() => model.DescribePlan(RnnCall.Step, 0));
        Assert.Equal("batch", batch.ParamName);
        ArgumentOutOfRangeException call = Assert.Throws<ArgumentOutOfRangeException>(() => model.DescribePlan((RnnCall)7));
        Assert.Equal("call", call.ParamName);
    }
}
