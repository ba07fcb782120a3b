namespace HighPerfRnn.Runtime;

/// <summary>
/// The panel order of streaming steps of gated layers: alternated from one step to the next on each thread. Within a
/// sequence a step's index says whether to walk the weight panels forward or backward (so each step starts on what the
/// last one left in L1); a streaming <c>Step</c> has no index, so the thread's own toggle stands in for one. Per thread,
/// not per model, so that threads stepping one model never write to a shared cache line.
/// </summary>
/// <remarks>
/// The order of the panels changes no result: every sum is computed the same way in either order. Which layers
/// alternate is the execution plan's call (<c>ExecutionPlanner.AlternatePanelOrderAboveBytes</c>).
/// </remarks>
internal static class StreamingPanelOrder
{
    [ThreadStatic]
    private static bool t_reverse;

    /// <summary>This step's order (true: backward), and the opposite for the thread's next step.</summary>
    public static bool Next()
    {
        bool reverse = t_reverse;
        t_reverse = !reverse;
        return reverse;
    }
}
