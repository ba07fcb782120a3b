namespace HighPerfRnn;

/// <summary>Which kernel runs a layer's time steps (see <see cref="ExecutionPlan"/>).</summary>
public enum LayerKernel
{
    /// <summary>
    /// Elman layer at batch 1, or a small one at batch > 1: each direction's (and batch row's) whole time loop in one
    /// kernel call, in place on the pre-activation rows (one activated single-row product per step), two such chains
    /// side by side.
    /// </summary>
    ElmanSequence = 0,

    /// <summary>
    /// Elman layer whose hidden state is exactly one vector, at any batch: the sequence kernel also projects each step's
    /// input itself, and stores h straight into the output columns (the seed notebook's models), each batch row's
    /// sequence one chain, two chains side by side.
    /// </summary>
    ElmanSequenceProjecting = 1,

    /// <summary>
    /// Gated layer at batch 1: for each pair of unit panels, the gate sums of every gate accumulated in registers in
    /// one pass over the weights, then the gate passes (in <c>Step</c> the input product is in that pass too).
    /// </summary>
    FusedGateStep = 2,

    /// <summary>The runtime's general step: the packed, register-tiled product over all batch rows, then the gate or activation pass.</summary>
    GeneralStep = 3,

    /// <summary>The step kernel the source generator emitted for a declared model's sizes (same sums, same bits).</summary>
    GeneratedStep = 4,

    /// <summary>
    /// A declared unidirectional model at batch 1: the generated whole-model kernel runs every layer of a <c>Step</c> (and
    /// each time step of a <c>Forward</c>) at constant sizes, with one check of the caller's spans per call (same sums, same bits).
    /// </summary>
    GeneratedWholeModel = 5,
}
