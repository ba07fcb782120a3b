using HighPerfRnn.Packing;

namespace HighPerfRnn.Kernels;

/// <summary>
/// Hidden units [<see cref="First"/>, <see cref="First"/> + <see cref="Count"/>) of a layer: one thread's share of a step
/// whose gate columns several threads split (<see cref="RnnParallelRunner"/>). A share starts on a vector of the path
/// and ends on one or at the layer's last unit, so its panels of each gate block are whole panels of the packed weights
/// (every gate block starts on a panel: layout version 2) and its vectors never reach another share's units.
/// </summary>
internal readonly record struct UnitRange(int First, int Count)
{
    /// <summary>The first panel of the share in each gate block.</summary>
    public int FirstPanel(int lanes) => First / lanes;

    /// <summary>The share's panels in each gate block (the last may be partly padding).</summary>
    public int Panels(int lanes) => PackedMatrix.PadToPanels(Count, lanes) / lanes;

    /// <summary>
    /// Share <paramref name="index"/> of <paramref name="shares"/>: the layer's panels of a gate block split as evenly as
    /// whole panels allow (a share may be empty where there are fewer panels than shares).
    /// </summary>
    public static UnitRange Share(int index, int shares, int hidden, int lanes)
    {
        int panels = PackedMatrix.PadToPanels(hidden, lanes) / lanes;
        int firstPanel = (int)((long)panels * index / shares);
        int endPanel = (int)((long)panels * (index + 1) / shares);
        int first = firstPanel * lanes;
        int end = Math.Min(endPanel * lanes, hidden);
        return new UnitRange(first, Math.Max(0, end - first));
    }

    /// <summary>Throws unless <paramref name="units"/> lies within <paramref name="hidden"/> units and starts (and ends, unless at the last unit) on a vector of <paramref name="lanes"/>.</summary>
    public static void Require(UnitRange units, int hidden, int lanes)
    {
        int end = units.First + units.Count;
        if (units.First < 0 || units.Count < 0 || end > hidden || units.First % lanes != 0 || (end != hidden && end % lanes != 0))
        {
            throw new ArgumentOutOfRangeException(
                nameof(units),
                units,
                $"A share of units must lie within the layer's {hidden} units and start, and end unless at the last, on a {lanes}-float vector.");
        }
    }
}
