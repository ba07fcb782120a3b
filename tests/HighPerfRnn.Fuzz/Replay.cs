namespace HighPerfRnn.Fuzz;

/// <summary><c>--replay</c>: runs the target on saved inputs (a corpus, or afl-fuzz's crashes) and reports each.</summary>
internal static class Replay
{
    public static int Run(IEnumerable<string> paths)
    {
        int failures = 0, count = 0;
        var tally = new Dictionary<LoadTarget.Outcome, int>();
        foreach (string path in paths.SelectMany(Expand))
        {
            count++;
            try
            {
                LoadTarget.Outcome outcome = LoadTarget.Run(File.ReadAllBytes(path));
                tally[outcome] = tally.GetValueOrDefault(outcome) + 1;
            }
#pragma warning disable CA1031 // Reporting every undocumented exception is the point.
            catch (Exception error)
#pragma warning restore CA1031
            {
                failures++;
                Console.WriteLine($"CRASH {path}: {error}");
            }
        }

        Console.WriteLine($"{count} inputs: {string.Join(", ", tally.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}; undocumented exceptions {failures}");
        return failures == 0 ? 0 : 1;
    }

    private static IEnumerable<string> Expand(string path)
        => Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.') && Path.GetFileName(f) != "README.txt").Order(StringComparer.Ordinal)
            : [path];
}
