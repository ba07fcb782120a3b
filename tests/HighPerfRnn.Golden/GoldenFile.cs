using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace HighPerfRnn.Golden;

/// <summary>
/// golden-hashes.txt: a comment header naming <see cref="Numerics.Version"/>, then one line per case,
/// <c>&lt;case-name&gt; &lt;sha256&gt;</c>, in ordinal name order, with '\n' line ends.
/// </summary>
public sealed partial class GoldenFile
{
    /// <summary>The command that rewrites the committed file of this process's multiply-add (README.md in this folder says when).</summary>
    public static string RegenerateCommand => (Numerics.FusedMultiplyAddInHardware ? string.Empty : "DOTNET_EnableAVX2=0 ")
        + "dotnet run -c Release --project tests/HighPerfRnn.Golden -- --write tests/HighPerfRnn.Golden/" + FileName;

    /// <summary>
    /// The committed file for this process: golden-hashes.txt where multiply-adds are fused (every CPU with FMA, x86-64
    /// and Arm64), golden-hashes-no-fma.txt where they are a multiply then an add (x86 without FMA; see
    /// <see cref="Numerics.FusedMultiplyAddInHardware"/>).
    /// </summary>
    public static string FileName => Numerics.FusedMultiplyAddInHardware ? "golden-hashes.txt" : "golden-hashes-no-fma.txt";

    private GoldenFile(int numericsVersion, SortedDictionary<string, string> hashes)
    {
        NumericsVersion = numericsVersion;
        Hashes = hashes;
    }

    /// <summary>The committed file as copied next to the executable (and into the output of projects that reference it).</summary>
    public static string DefaultPath => Path.Combine(AppContext.BaseDirectory, FileName);

    /// <summary>The <see cref="Numerics.Version"/> the hashes were written under.</summary>
    public int NumericsVersion { get; }

    /// <summary>Hash by case name.</summary>
    public IReadOnlyDictionary<string, string> Hashes { get; }

    /// <exception cref="FormatException">A line is neither a comment nor "name hash", or the header lacks the numerics version.</exception>
    public static GoldenFile Read(string path)
    {
        int? version = null;
        var hashes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        int lineNumber = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNumber++;
            if (line.StartsWith('#'))
            {
                Match match = VersionPattern().Match(line);
                if (match.Success)
                {
                    version = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                }

                continue;
            }

            if (line.Length == 0)
            {
                continue;
            }

            string[] fields = line.Split(' ');
            if (fields.Length != 2 || !hashes.TryAdd(fields[0], fields[1]))
            {
                throw new FormatException($"{path}:{lineNumber}: expected '<case-name> <sha256>' with a name not seen before, got '{line}'.");
            }
        }

        return new GoldenFile(
            version ?? throw new FormatException($"{path}: no '# Numerics.Version N' header line."),
            hashes);
    }

    /// <summary>Writes <paramref name="hashes"/> under the library's <see cref="Numerics.Version"/>.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, string> hashes)
    {
        ArgumentNullException.ThrowIfNull(hashes);
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"# Numerics.Version {Numerics.Version}\n");
        text.Append(Numerics.FusedMultiplyAddInHardware
            ? "# HighPerfRnn golden outputs: SHA-256 of each case's float32 results (little-endian). Identical on every SIMD path with fused multiply-add, on x86-64 and Arm64.\n"
            : "# HighPerfRnn golden outputs: SHA-256 of each case's float32 results (little-endian), where multiply-adds are a multiply then an add (x86 without FMA). Identical on every SIMD path there.\n");
        text.Append("# Regenerate whenever Numerics.Version changes: ").Append(RegenerateCommand).Append('\n');
        foreach ((string name, string hash) in hashes.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            text.Append(name).Append(' ').Append(hash).Append('\n');
        }

        File.WriteAllText(path, text.ToString());
    }

    /// <summary>Null when the file was written under the library's <see cref="Numerics.Version"/>, else what to do.</summary>
    public string? VersionDifference => NumericsVersion == Numerics.Version ? null : string.Create(
        CultureInfo.InvariantCulture,
        $"the file was written under Numerics.Version {NumericsVersion}, but the library is at {Numerics.Version}: regenerate it ({RegenerateCommand})");

    /// <summary>
    /// The cases whose results differ between this file and <paramref name="actual"/>, one line each: a different
    /// hash, a case missing from the file, or one in the file but no longer computed. Empty when identical.
    /// </summary>
    public IReadOnlyList<string> Differences(IReadOnlyDictionary<string, string> actual)
    {
        ArgumentNullException.ThrowIfNull(actual);
        var differences = new List<string>();
        foreach ((string name, string hash) in actual.OrderBy(pair => pair.Key, StringComparer.Ordinal))
        {
            if (!Hashes.TryGetValue(name, out string? expected))
            {
                differences.Add($"{name}: not in the file (computed {hash})");
            }
            else if (expected != hash)
            {
                differences.Add($"{name}: expected {expected}, got {hash}");
            }
        }

        foreach (string name in Hashes.Keys.Where(name => !actual.ContainsKey(name)))
        {
            differences.Add($"{name}: in the file, but no longer a case");
        }

        return differences;
    }

    [GeneratedRegex(@"Numerics\.Version (\d+)")]
    private static partial Regex VersionPattern();
}
