using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Cli.Tests;

/// <summary>What one in-process run of the command line printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error)
{
    public string[] ErrorLines => Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}

/// <summary>Runs <c>hprnn</c> in-process, and finds the fixtures.</summary>
internal static class Hprnn
{
    public static CliResult Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int exitCode = HprnnCommandLine.Invoke(args, output, error);
        return new CliResult(exitCode, output.ToString(), error.ToString());
    }

    public static string FixtureDirectory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch");

    public static string Model(string name) => Path.Combine(FixtureDirectory, name + ".model.safetensors");

    public static string Io(string name) => Path.Combine(FixtureDirectory, name + ".io.safetensors");

    /// <summary>Every fixture's name, from the model files present.</summary>
    public static string[] FixtureNames() => Directory.GetFiles(FixtureDirectory, "*.model.safetensors")
        .Select(p => Path.GetFileName(p)[..^".model.safetensors".Length])
        .Order(StringComparer.Ordinal)
        .ToArray();

    public static TheoryData<string> AllFixtures()
    {
        var data = new TheoryData<string>();
        foreach (string name in FixtureNames())
        {
            data.Add(name);
        }

        return data;
    }

    /// <summary>A temporary folder, deleted on dispose.</summary>
    public sealed class TempDirectory : IDisposable
    {
        public TempDirectory()
        {
            Path = Directory.CreateTempSubdirectory("hprnn-cli-tests-").FullName;
        }

        public string Path { get; }

        public string File(string name) => System.IO.Path.Combine(Path, name);

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }

    /// <summary>Writes a safetensors file of float32 tensors.</summary>
    public static void Write(string path, IReadOnlyDictionary<string, string>? metadata, params (string Name, float[] Data, int[] Shape)[] tensors) =>
        SafetensorsWriter.Write(path, tensors.Select(t => new KeyValuePair<string, FloatTensor>(t.Name, new FloatTensor(t.Data, t.Shape))), metadata);
}
