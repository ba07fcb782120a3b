using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using HighPerfRnn;
using HighPerfRnn.Golden;

// Golden output hashes (README.md in this folder):
//   --write FILE      run every case, write "<case-name> <sha256>" lines under a Numerics.Version header
//   --check FILE      run every case, print every case whose hash differs from FILE; exit 1 on any difference
//   --simd PATH       auto (default: the CPU's best, or HIGHPERFRNN_SIMD), scalar, 128, 256 or 512
//   --fixtures DIR    the PyTorch fixtures (default: Fixtures/pytorch next to the executable)
string? write = null, check = null, fixtures = null;
SimdPath path = SimdPath.Auto;
for (int i = 0; i < args.Length; i++)
{
    string? value = i + 1 < args.Length ? args[i + 1] : null;
    switch (args[i])
    {
        case "--write" when value is not null: write = value; i++; break;
        case "--check" when value is not null: check = value; i++; break;
        case "--fixtures" when value is not null: fixtures = value; i++; break;
        case "--simd" when value is not null && ParsePath(value) is { } parsed: path = parsed; i++; break;
        default: return Usage($"unexpected argument '{args[i]}'{(value is null ? "" : $" (or its value '{value}')")}");
    }
}

if ((write is null) == (check is null))
{
    return Usage("give exactly one of --write FILE and --check FILE");
}

SimdPath resolved;
GoldenFile? expected = null;
IReadOnlyList<GoldenCase> cases;
try
{
    resolved = SimdPaths.Resolve(path);
    expected = check is null ? null : GoldenFile.Read(check);
    cases = GoldenCases.All(fixtures ?? GoldenCases.DefaultFixturesDirectory);
}
catch (Exception e) when (e is PlatformNotSupportedException or IOException or FormatException)
{
    Console.Error.WriteLine($"golden: {e.Message}");
    return 2;
}

string where = $"{resolved} {RuntimeInformation.ProcessArchitecture}";
var stopwatch = Stopwatch.StartNew();
SortedDictionary<string, string> hashes = GoldenCases.ComputeHashes(cases, path, (name, e) => Console.Error.WriteLine($"{name} threw {e}"));
string elapsed = string.Create(CultureInfo.InvariantCulture, $"{stopwatch.Elapsed.TotalSeconds:0.0} s");

if (write is not null)
{
    GoldenFile.Write(write, hashes);
    Console.WriteLine($"{hashes.Count} cases written to {write} on {where} ({elapsed}, Numerics.Version {Numerics.Version})");
    return 0;
}

IReadOnlyList<string> differences = expected!.Differences(hashes);
foreach (string difference in differences)
{
    Console.WriteLine($"MISMATCH {difference}");
}

if (expected.VersionDifference is { } versionDifference)
{
    Console.WriteLine($"MISMATCH {versionDifference}");
}

if (differences.Count > 0 || expected.VersionDifference is not null)
{
    Console.WriteLine($"{differences.Count} of {hashes.Count} cases differ from {check} on {where} ({elapsed})");
    return 1;
}

Console.WriteLine($"{hashes.Count} cases identical to {check} on {where} ({elapsed})");
return 0;

static SimdPath? ParsePath(string text) => text.ToUpperInvariant() switch
{
    "AUTO" => SimdPath.Auto,
    "SCALAR" => SimdPath.Scalar,
    "128" or "VECTOR128" => SimdPath.Vector128,
    "256" or "VECTOR256" => SimdPath.Vector256,
    "512" or "VECTOR512" => SimdPath.Vector512,
    _ => null,
};

static int Usage(string problem)
{
    Console.Error.WriteLine($"golden: {problem}");
    Console.Error.WriteLine("usage: HighPerfRnn.Golden (--write FILE | --check FILE) [--simd auto|scalar|128|256|512] [--fixtures DIR]");
    return 2;
}
