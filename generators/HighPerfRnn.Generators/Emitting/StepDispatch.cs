using System.Collections.Generic;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>The end of every kernel's <c>TryStep</c>: one step method per panel width the weights may be packed for.</summary>
internal static class StepDispatch
{
    /// <summary>
    /// Writes the switch over <c>args.PanelWidth</c> (16, 8, 4 or 1 floats: the 512-, 256-, 128-bit or scalar path the
    /// model was packed for), calling the method of each width and returning true; any other width declines.
    /// </summary>
    public static void Emit(IndentedWriter writer, IEnumerable<(int PanelWidth, string Method)> methods)
    {
        writer.Line("""
            // The SIMD path was chosen once, when the model was built (by the planner, or forced), and the weights were packed
            // for it; PanelWidth names it. The branch goes the same way at every step.
            """);
        using (writer.Block("switch (args.PanelWidth)"))
        {
            foreach ((int panelWidth, string method) in methods)
            {
                writer.Line($"""
                    case {panelWidth}:
                        {method}(in args);
                        return true;
                    """);
            }

            writer.Line("""
                default:
                    return false;
                """);
        }
    }
}
