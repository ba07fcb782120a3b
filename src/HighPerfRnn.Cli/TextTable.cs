namespace HighPerfRnn.Cli;

/// <summary>A table printed in aligned columns: the first <c>leftAligned</c> columns (names) left-aligned, the others (numbers) right-aligned, a rule under the header.</summary>
internal static class TextTable
{
    public static void Write(TextWriter output, IReadOnlyList<string[]> rows, int leftAligned = 1)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(rows);
        var widths = new int[rows[0].Length];
        foreach (string[] row in rows)
        {
            for (int c = 0; c < row.Length; c++)
            {
                widths[c] = Math.Max(widths[c], row[c].Length);
            }
        }

        for (int r = 0; r < rows.Count; r++)
        {
            string[] row = rows[r];
            var cells = new string[row.Length];
            for (int c = 0; c < row.Length; c++)
            {
                cells[c] = c < leftAligned ? row[c].PadRight(widths[c]) : row[c].PadLeft(widths[c]);
            }

            output.WriteLine(string.Join("  ", cells).TrimEnd());
            if (r == 0)
            {
                output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
            }
        }
    }
}
