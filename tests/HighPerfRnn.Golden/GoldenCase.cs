using System.Buffers.Binary;

namespace HighPerfRnn.Golden;

/// <summary>
/// One golden case: a name (no whitespace) and a computation that runs a model on a given <see cref="SimdPath"/> and
/// returns its results in a fixed order (output, h_n, c_n; for streaming cases every step's output, then the states).
/// </summary>
public sealed class GoldenCase
{
    private readonly Func<SimdPath, float[][]> _run;

    public GoldenCase(string name, Func<SimdPath, float[][]> run)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(run);
        if (name.Any(char.IsWhiteSpace))
        {
            throw new ArgumentException($"A golden case name has no whitespace: '{name}'.", nameof(name));
        }

        Name = name;
        _run = run;
    }

    public string Name { get; }

    /// <summary>Runs the case on <paramref name="path"/> (<see cref="SimdPath.Auto"/>: the process's default path).</summary>
    public float[][] Run(SimdPath path) => _run(path);

    /// <summary>The lowercase hex SHA-256 of the case's results on <paramref name="path"/>.</summary>
    public string Hash(SimdPath path) => HashOf(Run(path));

    /// <summary>SHA-256 (lowercase hex) of the little-endian bytes of every float of <paramref name="results"/>, in order.</summary>
    public static string HashOf(IEnumerable<float[]> results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var sha = new Sha256();
        foreach (float[] result in results)
        {
            var bytes = new byte[result.Length * sizeof(float)];
            for (int i = 0; i < result.Length; i++)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), result[i]);
            }

            sha.Append(bytes);
        }

        return Convert.ToHexStringLower(sha.Finish());
    }

    public override string ToString() => Name;
}
