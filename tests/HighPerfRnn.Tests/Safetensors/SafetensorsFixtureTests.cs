using System.Globalization;
using HighPerfRnn.Safetensors;
using Xunit;

namespace HighPerfRnn.Tests.Safetensors;

/// <summary>Reads every PyTorch fixture and checks it against index.json and the fixtures README.</summary>
public sealed class SafetensorsFixtureTests
{
    public static TheoryData<string> CaseNames()
    {
        var data = new TheoryData<string>();
        foreach (Dictionary<string, string> c in SafetensorsTestFiles.LoadIndex())
        {
            data.Add(c["name"]);
        }

        return data;
    }

    [Fact]
    public void Index_lists_19_cases_and_every_case_has_both_files()
    {
        IReadOnlyList<Dictionary<string, string>> cases = SafetensorsTestFiles.LoadIndex();
        Assert.Equal(19, cases.Count);
        foreach (Dictionary<string, string> c in cases)
        {
            Assert.True(File.Exists(Path.Combine(SafetensorsTestFiles.FixtureDirectory, c["name"] + ".model.safetensors")), c["name"]);
            Assert.True(File.Exists(Path.Combine(SafetensorsTestFiles.FixtureDirectory, c["name"] + ".io.safetensors")), c["name"]);
        }

        int files = Directory.GetFiles(SafetensorsTestFiles.FixtureDirectory, "*.safetensors").Length;
        Assert.Equal(2 * cases.Count, files);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Model_file_holds_exactly_the_state_dict_with_the_index_metadata(string caseName)
    {
        Dictionary<string, string> config = Config(caseName);
        SafetensorsFile file = SafetensorsFile.Open(FixturePath(caseName + ".model.safetensors"));

        AssertMetadata(config, file);
        Dictionary<string, int[]> expected = ExpectedModelShapes(config);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), file.TensorNames.Order(StringComparer.Ordinal));
        foreach (SafetensorsTensorInfo info in file.Tensors)
        {
            Assert.Equal(SafetensorsDType.F32, info.DType);
            Assert.Equal("F32", info.DTypeName);
            Assert.Equal(expected[info.Name], info.GetShape());
            FloatTensor tensor = file.ReadFloatTensor(info.Name);
            Assert.Equal(expected[info.Name], tensor.Shape.ToArray());
            Assert.All(tensor.Data, v => Assert.True(float.IsFinite(v)));
            Assert.Contains(tensor.Data, v => v != 0f);
        }

        AssertTiled(file);
    }

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Io_file_holds_input_state_and_results_with_the_readme_shapes(string caseName)
    {
        Dictionary<string, string> config = Config(caseName);
        SafetensorsFile file = SafetensorsFile.Open(FixturePath(caseName + ".io.safetensors"));
        AssertMetadata(config, file);

        bool lstm = config["mode"] == "LSTM";
        bool unbatched = config["unbatched"] == "true";
        bool batchFirst = config["batch_first"] == "true";
        int seq = Int(config, "seq_len"), batch = Int(config, "batch"), input = Int(config, "input_size");
        int hidden = Int(config, "hidden_size"), layers = Int(config, "num_layers"), proj = Int(config, "proj_size");
        int directions = config["bidirectional"] == "true" ? 2 : 1;
        int hout = proj > 0 ? proj : hidden;

        int[] Seq(int features) => unbatched ? [seq, features] : batchFirst ? [batch, seq, features] : [seq, batch, features];
        int[] State(int features) => unbatched ? [directions * layers, features] : [directions * layers, batch, features];

        var expected = new Dictionary<string, (int[] Shape, SafetensorsDType DType)>(StringComparer.Ordinal)
        {
            ["input"] = (Seq(input), SafetensorsDType.F32),
            ["output"] = (Seq(directions * hout), SafetensorsDType.F32),
            ["h_n"] = (State(hout), SafetensorsDType.F32),
            ["output_f64"] = (Seq(directions * hout), SafetensorsDType.F64),
            ["h_n_f64"] = (State(hout), SafetensorsDType.F64),
        };
        if (lstm)
        {
            expected["c_n"] = (State(hidden), SafetensorsDType.F32);
            expected["c_n_f64"] = (State(hidden), SafetensorsDType.F64);
        }

        // index.json does not say whether a case passes an initial state: h0 (and c0 for an LSTM) are optional together.
        if (file.Contains("h0"))
        {
            expected["h0"] = (State(hout), SafetensorsDType.F32);
            if (lstm)
            {
                expected["c0"] = (State(hidden), SafetensorsDType.F32);
            }
        }

        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), file.TensorNames.Order(StringComparer.Ordinal));
        foreach (SafetensorsTensorInfo info in file.Tensors)
        {
            Assert.Equal(expected[info.Name].DType, info.DType);
            Assert.Equal(expected[info.Name].Shape, info.GetShape());
            Assert.Equal(expected[info.Name].Shape, file.ReadFloatTensor(info.Name).Shape.ToArray());
        }

        // The float64 results, read through the F64 -> float32 conversion, agree with PyTorch's float32 results
        // to within the README's 2e-6 (plus float32 rounding of the F64 values).
        foreach (string result in lstm ? new[] { "output", "h_n", "c_n" } : ["output", "h_n"])
        {
            float[] f32 = file.ReadFloat32(result);
            float[] f64 = file.ReadFloat32(result + "_f64");
            Assert.Equal(f32.Length, f64.Length);
            double maxDiff = f32.Zip(f64, (a, b) => Math.Abs((double)a - b)).DefaultIfEmpty(0).Max();
            Assert.True(maxDiff < 5e-6, $"{caseName} {result}: max |f32 - f64| = {maxDiff}");
        }

        AssertTiled(file);
    }

    [Fact]
    public void Open_and_Parse_of_the_same_fixture_agree()
    {
        string path = FixturePath("lstm_proj.model.safetensors");
        SafetensorsFile opened = SafetensorsFile.Open(path);
        SafetensorsFile parsed = SafetensorsFile.Parse(File.ReadAllBytes(path));
        Assert.Equal(opened.HeaderLength, parsed.HeaderLength);
        Assert.Equal(opened.DataLength, parsed.DataLength);
        Assert.Equal(opened.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal), parsed.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(opened.Tensors.Select(t => t.ToString()), parsed.Tensors.Select(t => t.ToString()));
        foreach (string name in opened.TensorNames)
        {
            Assert.Equal(opened.ReadFloat32(name), parsed.ReadFloat32(name));
            Assert.True(opened.GetTensorBytes(name).Span.SequenceEqual(parsed.GetTensorBytes(name).Span));
        }
    }

    [Fact]
    public void Fixture_values_are_read_little_endian_as_stored()
    {
        string path = FixturePath("rnn_len1_h1.model.safetensors");
        byte[] bytes = File.ReadAllBytes(path);
        SafetensorsFile file = SafetensorsFile.Parse(bytes);
        SafetensorsTensorInfo info = file.GetTensor("weight_ih_l0");
        Assert.Equal([1, 1], info.GetShape());
        long at = 8 + file.HeaderLength + info.DataBegin;
        uint bits = bytes[at] | ((uint)bytes[at + 1] << 8) | ((uint)bytes[at + 2] << 16) | ((uint)bytes[at + 3] << 24);
        Assert.Equal(BitConverter.UInt32BitsToSingle(bits), file.ReadFloat32("weight_ih_l0")[0]);
    }

    [Fact]
    public void Rewriting_a_fixture_with_the_writer_keeps_every_tensor_and_the_metadata()
    {
        SafetensorsFile original = SafetensorsFile.Open(FixturePath("lstm_deep_bidir_h0.model.safetensors"));
        byte[] rewritten = SafetensorsWriter.ToBytes(
            original.TensorNames.Select(n => KeyValuePair.Create(n, original.ReadFloatTensor(n))),
            original.Metadata);
        SafetensorsFile copy = SafetensorsFile.Parse(rewritten);
        Assert.Equal(original.TensorNames, copy.TensorNames);
        Assert.Equal(original.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal), copy.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        foreach (SafetensorsTensorInfo info in original.Tensors)
        {
            Assert.Equal(info.GetShape(), copy.GetTensor(info.Name).GetShape());
            Assert.True(original.GetTensorBytes(info.Name).Span.SequenceEqual(copy.GetTensorBytes(info.Name).Span));
        }
    }

    private static string FixturePath(string file) => Path.Combine(SafetensorsTestFiles.FixtureDirectory, file);

    private static Dictionary<string, string> Config(string caseName) =>
        SafetensorsTestFiles.LoadIndex().Single(c => c["name"] == caseName);

    private static int Int(Dictionary<string, string> config, string key) => int.Parse(config[key], CultureInfo.InvariantCulture);

    private static void AssertMetadata(Dictionary<string, string> config, SafetensorsFile file)
    {
        var expected = config.Where(kv => kv.Key != "name").OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(13, expected.Count);
        Assert.Equal(expected, file.Metadata.OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    /// <summary>What the official writer produces: the tensors tile the data section from 0 to its end.</summary>
    private static void AssertTiled(SafetensorsFile file)
    {
        long next = 0;
        foreach (SafetensorsTensorInfo info in file.Tensors)
        {
            Assert.Equal(next, info.DataBegin);
            next = info.DataEnd;
        }

        Assert.Equal(file.DataLength, next);
        Assert.Equal(0, (8 + file.HeaderLength) % 8);
    }

    private static Dictionary<string, int[]> ExpectedModelShapes(Dictionary<string, string> config)
    {
        int gates = config["mode"] switch { "LSTM" => 4, "GRU" => 3, _ => 1 };
        int input = Int(config, "input_size"), hidden = Int(config, "hidden_size"), layers = Int(config, "num_layers");
        int proj = Int(config, "proj_size");
        int directions = config["bidirectional"] == "true" ? 2 : 1;
        bool bias = config["bias"] == "true";
        int hout = proj > 0 ? proj : hidden;

        var shapes = new Dictionary<string, int[]>(StringComparer.Ordinal);
        for (int layer = 0; layer < layers; layer++)
        {
            foreach (string suffix in directions == 2 ? new[] { "", "_reverse" } : [""])
            {
                string l = string.Create(CultureInfo.InvariantCulture, $"l{layer}{suffix}");
                shapes["weight_ih_" + l] = [gates * hidden, layer == 0 ? input : directions * hout];
                shapes["weight_hh_" + l] = [gates * hidden, hout];
                if (bias)
                {
                    shapes["bias_ih_" + l] = [gates * hidden];
                    shapes["bias_hh_" + l] = [gates * hidden];
                }

                if (proj > 0)
                {
                    shapes["weight_hr_" + l] = [proj, hidden];
                }
            }
        }

        return shapes;
    }
}
