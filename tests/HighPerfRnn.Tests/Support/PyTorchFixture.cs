using System.Globalization;
using System.Text.Json;
using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Tests.Support;

/// <summary>
/// One case produced by real PyTorch (Fixtures/pytorch, see its README): the model's state_dict, its input and
/// initial state, and PyTorch's float64 results, which are the ground truth.
/// </summary>
internal sealed class PyTorchFixture
{
    public static readonly string Directory = Path.Combine(AppContext.BaseDirectory, "Fixtures", "pytorch");

    private PyTorchFixture(string name)
    {
        Name = name;
        ModelPath = Path.Combine(Directory, name + ".model.safetensors");
        IoPath = Path.Combine(Directory, name + ".io.safetensors");
        Io = SafetensorsFile.Open(IoPath);
        Metadata = Io.Metadata;
    }

    public string Name { get; }

    public string ModelPath { get; }

    public string IoPath { get; }

    public SafetensorsFile Io { get; }

    public IReadOnlyDictionary<string, string> Metadata { get; }

    public string Mode => Metadata["mode"];

    public bool Unbatched => bool.Parse(Metadata["unbatched"]);

    public bool BatchFirst => bool.Parse(Metadata["batch_first"]);

    public int Batch => Unbatched ? 1 : int.Parse(Metadata["batch"], CultureInfo.InvariantCulture);

    public int SeqLen => int.Parse(Metadata["seq_len"], CultureInfo.InvariantCulture);

    public SequenceLayout Layout => Unbatched ? SequenceLayout.Unbatched : (BatchFirst ? SequenceLayout.BatchFirst : SequenceLayout.SequenceFirst);

    public float[] Tensor(string name) => Io.ReadFloat32(name);

    /// <summary>The float64 results, read at full precision (F64 in the file).</summary>
    public double[] Float64(string name) => Io.ReadFloat64(name);

    public float[]? OptionalTensor(string name) => Io.Contains(name) ? Io.ReadFloat32(name) : null;

    public static PyTorchFixture Load(string name) => new(name);

    /// <summary>Case names from index.json whose mode is <paramref name="mode"/> (RNN, LSTM, GRU), for a theory.</summary>
    public static TheoryData<string> Names(string mode) => new(NameList(mode));

    /// <summary>Case names from index.json whose mode is <paramref name="mode"/>.</summary>
    public static string[] NameList(string mode)
    {
        using JsonDocument index = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "index.json")));
        return index.RootElement.EnumerateArray()
            .Where(entry => entry.GetProperty("mode").GetString() == mode)
            .Select(entry => entry.GetProperty("name").GetString()!)
            .ToArray();
    }
}
