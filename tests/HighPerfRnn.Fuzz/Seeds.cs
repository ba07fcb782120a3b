using HighPerfRnn.Safetensors;

namespace HighPerfRnn.Fuzz;

/// <summary>
/// <c>--write-seeds</c>: a starting corpus of tiny valid model files, one per cell and option (afl-fuzz works best
/// from small inputs: these are 200 to 900 bytes). The fuzzer's dictionary (safetensors.dict) supplies the other
/// dtype names, keys and numbers.
/// </summary>
internal static class Seeds
{
    public static void Write(string directory)
    {
        Directory.CreateDirectory(directory);
        var models = new (string Name, RnnArchitecture Architecture, Dictionary<string, string>? Metadata)[]
        {
            ("rnn", new RnnArchitecture(RnnCell.Rnn, 2, 2), null),
            ("rnn_relu_bidir_2layers", new RnnArchitecture(RnnCell.Rnn, 1, 2, numLayers: 2, bidirectional: true, nonlinearity: RnnNonlinearity.Relu), new() { ["nonlinearity"] = "relu", ["mode"] = "RNN_RELU" }),
            ("lstm", new RnnArchitecture(RnnCell.Lstm, 2, 2), new() { ["mode"] = "LSTM" }),
            ("lstm_proj", new RnnArchitecture(RnnCell.Lstm, 1, 2, projSize: 1), null),
            ("gru_nobias", new RnnArchitecture(RnnCell.Gru, 2, 2, bias: false), null),
        };
        foreach ((string name, RnnArchitecture architecture, Dictionary<string, string>? metadata) in models)
        {
            RnnModel model = RnnModel.CreateRandom(architecture, seed: name.Length);
            File.WriteAllBytes(Path.Combine(directory, name + ".safetensors"), SafetensorsWriter.ToBytes(model.StateDict, metadata));
        }
    }
}
