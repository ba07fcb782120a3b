using System.Security.Cryptography;
using HighPerfRnn.Golden;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Conformance;

/// <summary>
/// The golden cases (tests/HighPerfRnn.Golden) against the committed hashes, in-process, on every SIMD path this
/// process runs in hardware: the default one among them, so CI's reruns under DOTNET_EnableAVX512=0,
/// DOTNET_EnableAVX2=0 and DOTNET_EnableHWIntrinsic=0 each check their path too. With FMA in hardware every path must
/// give golden-hashes.txt; without (the last two: a multiply then an add) every path must give golden-hashes-no-fma.txt.
/// Arm64 runs the same cases under QEMU (tests/arm64/run-arm64-golden.sh) against golden-hashes.txt.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class GoldenHashTests
{
    private static readonly Lazy<GoldenFile> Committed = new(() => GoldenFile.Read(GoldenFile.DefaultPath));

    private static readonly Lazy<IReadOnlyList<GoldenCase>> Cases = new(() => GoldenCases.All(GoldenCases.DefaultFixturesDirectory));

    public static TheoryData<SimdPath> HardwarePaths => new(TestPaths.Hardware);

    [Fact]
    public void The_committed_file_is_written_under_the_librarys_numerics_version()
        => Assert.Null(Committed.Value.VersionDifference);

    [Theory]
    [MemberData(nameof(HardwarePaths))]
    public void Every_golden_case_gives_the_committed_hash(SimdPath path)
    {
        SortedDictionary<string, string> hashes = GoldenCases.ComputeHashes(Cases.Value, path);
        IReadOnlyList<string> differences = Committed.Value.Differences(hashes);
        const int Shown = 40;
        Assert.True(
            differences.Count == 0,
            $"{differences.Count} of {hashes.Count} golden cases differ on {path}:\n{string.Join('\n', differences.Take(Shown))}"
            + (differences.Count > Shown ? $"\n… and {differences.Count - Shown} more (all of them, in the same environment: dotnet run -c Release --project tests/HighPerfRnn.Golden -- --check tests/HighPerfRnn.Golden/{GoldenFile.FileName} --simd {path})" : ""));
    }

    [Fact]
    public void The_managed_sha256_is_sha256()
    {
        var random = new Random(5);
        foreach (int length in (int[])[0, 1, 55, 56, 63, 64, 65, 119, 120, 1000])
        {
            var data = new byte[length];
            random.NextBytes(data);
            Assert.Equal(SHA256.HashData(data), Sha256.HashData(data));
        }
    }

    [Fact]
    public void Appending_in_pieces_gives_the_whole_input_s_hash()
    {
        var data = new byte[300];
        new Random(7).NextBytes(data);
        var sha = new Sha256();
        int offset = 0;
        foreach (int piece in (int[])[1, 62, 3, 64, 100, 70])
        {
            sha.Append(data.AsSpan(offset, piece));
            offset += piece;
        }

        Assert.Equal(data.Length, offset);

        Assert.Equal(SHA256.HashData(data), sha.Finish());
    }
}
