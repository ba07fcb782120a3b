using System.Runtime.InteropServices;

namespace HighPerfRnn.Benchmarks;

/// <summary>
/// An ONNX model of a one-layer unidirectional LSTM or GRU that takes its state in and gives it out, for one time step
/// of one stream: inputs X (1, 1, input), initial_h (1, 1, hidden) and for an LSTM initial_c; outputs Y (1, 1, 1,
/// hidden), Y_h and Y_c. One ONNX <c>LSTM</c>/<c>GRU</c> node (opset 17) over the weights of a HighPerfRnn model,
/// reordered from PyTorch's gates (i f g o; r z n) to ONNX's (i o f c; z r h), GRU with <c>linear_before_reset=1</c>
/// (PyTorch's form). This is the node PyTorch's exporter writes for these layers, without the Transposes
/// <c>batch_first</c> adds. Built here because the shipped ONNX models (Models/) have no 64-unit LSTM or GRU and
/// this machine has no PyTorch to export one; <see cref="StreamSetBenchmarks"/> checks its outputs against HighPerfRnn's.
/// </summary>
internal static class OnnxStreamingModel
{
    private const int FloatType = 1;
    private const int IntAttribute = 2;

    public static byte[] Build(RnnModel model)
    {
        RnnArchitecture a = model.Architecture;
        if (a.NumLayers != 1 || a.Bidirectional || a.ProjSize != 0 || !a.Bias || a.Cell == RnnCell.Rnn)
        {
            throw new ArgumentException($"Builds one-layer unidirectional LSTMs and GRUs with biases, not {a}.", nameof(model));
        }

        bool lstm = a.Cell == RnnCell.Lstm;
        int hidden = a.HiddenSize;
        // ONNX's gate blocks, as indices of PyTorch's.
        int[] order = lstm ? [0, 3, 1, 2] : [1, 0, 2];
        IReadOnlyDictionary<string, FloatTensor> weights = model.StateDict;
        float[] w = Reorder(weights["weight_ih_l0"].Data, order, hidden * a.InputSize);
        float[] r = Reorder(weights["weight_hh_l0"].Data, order, hidden * hidden);
        float[] b = [.. Reorder(weights["bias_ih_l0"].Data, order, hidden), .. Reorder(weights["bias_hh_l0"].Data, order, hidden)];
        int gates = order.Length * hidden;

        string[] inputs = lstm ? ["X", "W", "R", "B", "", "initial_h", "initial_c"] : ["X", "W", "R", "B", "", "initial_h"];
        string[] outputs = lstm ? ["Y", "Y_h", "Y_c"] : ["Y", "Y_h"];
        return new ProtobufWriter()
            .Int(1, 8) // ir_version
            .String(2, "HighPerfRnn.Benchmarks")
            .Message(7, graph =>
            {
                graph.Message(1, node =>
                {
                    foreach (string input in inputs)
                    {
                        node.String(1, input);
                    }

                    foreach (string output in outputs)
                    {
                        node.String(2, output);
                    }

                    node.String(3, "rnn").String(4, lstm ? "LSTM" : "GRU");
                    node.Message(5, attribute => attribute.String(1, "hidden_size").Int(3, hidden).Int(20, IntAttribute));
                    if (!lstm)
                    {
                        node.Message(5, attribute => attribute.String(1, "linear_before_reset").Int(3, 1).Int(20, IntAttribute));
                    }
                });
                graph.String(2, "streaming_step");
                Initializer(graph, "W", w, 1, gates, a.InputSize);
                Initializer(graph, "R", r, 1, gates, hidden);
                Initializer(graph, "B", b, 1, 2 * gates);
                Value(graph, 11, "X", 1, 1, a.InputSize);
                Value(graph, 11, "initial_h", 1, 1, hidden);
                if (lstm)
                {
                    Value(graph, 11, "initial_c", 1, 1, hidden);
                }

                Value(graph, 12, "Y", 1, 1, 1, hidden);
                Value(graph, 12, "Y_h", 1, 1, hidden);
                if (lstm)
                {
                    Value(graph, 12, "Y_c", 1, 1, hidden);
                }
            })
            .Message(8, opset => opset.String(1, string.Empty).Int(2, 17))
            .ToArray();
    }

    /// <summary>PyTorch's gate blocks of <paramref name="blockLength"/> floats in ONNX's order.</summary>
    private static float[] Reorder(float[] pytorch, int[] order, int blockLength)
    {
        var onnx = new float[pytorch.Length];
        for (int block = 0; block < order.Length; block++)
        {
            pytorch.AsSpan(order[block] * blockLength, blockLength).CopyTo(onnx.AsSpan(block * blockLength));
        }

        return onnx;
    }

    private static void Initializer(ProtobufWriter graph, string name, float[] values, params long[] dims)
        => graph.Message(5, tensor =>
        {
            foreach (long dim in dims)
            {
                tensor.Int(1, dim);
            }

            // raw_data is little-endian; so is every machine this benchmark runs on (x86-64, Arm64).
            tensor.Int(2, FloatType).String(8, name).Bytes(9, MemoryMarshal.AsBytes(values.AsSpan()));
        });

    private static void Value(ProtobufWriter graph, int field, string name, params long[] dims)
        => graph.Message(field, value => value
            .String(1, name)
            .Message(2, type => type.Message(1, tensorType => tensorType
                .Int(1, FloatType)
                .Message(2, shape =>
                {
                    foreach (long dim in dims)
                    {
                        shape.Message(1, dimension => dimension.Int(1, dim));
                    }
                }))));
}
