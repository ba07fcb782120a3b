using System.Globalization;

namespace HighPerfRnn;

/// <summary>How one layer of a model runs for one call class: its kernel, the order it walks the weight panels, and whether a bidirectional layer's two directions advance together.</summary>
/// <param name="Layer">The layer index.</param>
/// <param name="Kernel">The kernel that runs its steps.</param>
/// <param name="AlternatePanelOrder">Whether successive steps walk the weight panels in alternating order (so each starts on what the previous one left in L1). Never changes a result.</param>
/// <param name="InterleaveDirections">Bidirectional layers: whether the forward and backward chains advance in one loop (their latencies overlap) rather than one after the other.</param>
/// <param name="Reason">Why: the rule and threshold of <c>ExecutionPlanner</c> that chose this.</param>
public sealed record LayerPlan(int Layer, LayerKernel Kernel, bool AlternatePanelOrder, bool InterleaveDirections, string Reason)
{
    /// <inheritdoc />
    public override string ToString()
        => string.Create(CultureInfo.InvariantCulture, $"layer {Layer}: {Kernel}{(AlternatePanelOrder ? ", alternating panel order" : string.Empty)}{(InterleaveDirections ? ", directions interleaved" : string.Empty)} ({Reason})");
}
