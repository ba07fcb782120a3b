using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Streaming;

/// <summary>The README's streaming example runs, gives the bits of a stream run alone, and is the README's code.</summary>
public sealed class ReadmeStreamingExampleTests
{
    private const string Begin = "// README begin";
    private const string End = "// README end";

    [Fact]
    public void The_example_runs_and_the_moved_stream_equals_running_it_alone()
    {
        (float[] outputs, RnnStreamSet other, RnnStreamHandle aliceThere) = ReadmeStreamingExample.Run();

        // Alice heard 100 frames of silence (the rest state), then two frames of zeros: one in each set.
        RnnModel model = other.Model;
        (float[] expected, float[] expectedState) = SoloRun.Forward(model, new float[102 * 16], default);
        Bits.AssertEqual(expected.AsSpan(101 * 64), outputs.AsSpan(0, 64), "alice's output after the move");
        var state = new float[other.StateLength];
        other.CopyState(aliceThere, state);
        Bits.AssertEqual(expectedState, state, "alice's state after the move");
        Assert.Equal(560, other.SnapshotByteCount);
    }

    [Fact]
    public void The_readme_shows_the_tested_code()
    {
        string root = RepositoryRoot();
        string source = File.ReadAllText(Path.Combine(root, "tests", "HighPerfRnn.Tests", "Streaming", "ReadmeStreamingExample.cs"));
        int start = source.IndexOf(Begin, StringComparison.Ordinal) + Begin.Length;
        int end = source.IndexOf(End, StringComparison.Ordinal);
        // The lines between the markers, blank lines kept, less the common indent of the method body.
        string[] tested = source[start..end].Split('\n').Select(line => line.TrimEnd()).ToArray()[1..^1];
        int indent = tested.Where(line => line.Length > 0).Min(line => line.Length - line.TrimStart().Length);
        string expected = string.Join('\n', tested.Select(line => line.Length == 0 ? line : line[indent..]));
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).Replace("\r\n", "\n", StringComparison.Ordinal);
        Assert.Contains(expected, readme, StringComparison.Ordinal);
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "HighPerfRnn.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No HighPerfRnn.sln above {AppContext.BaseDirectory}.");
    }
}
