using System.Globalization;

namespace HighPerfRnn.Benchmarks;

/// <summary>One point of the benchmark grid (issue 4): a model exported from PyTorch, a sequence length and a batch.</summary>
public sealed record GridPoint(string Name, string ModelFile, RnnCell Cell, int InputSize, int HiddenSize, int NumLayers, bool Bidirectional, int SeqLen, int Batch)
{
    /// <summary>The grid, in the issue's order.</summary>
    public static readonly GridPoint[] All =
    [
        new("seed", "rnn_i5_h8_l2_bi", RnnCell.Rnn, 5, 8, 2, true, 10, 1),
        new("small", "rnn_i64_h64_l1", RnnCell.Rnn, 64, 64, 1, false, 100, 1),
        new("medium", "rnn_i128_h128_l1", RnnCell.Rnn, 128, 128, 1, false, 100, 1),
        new("deep-bi", "rnn_i256_h256_l2_bi", RnnCell.Rnn, 256, 256, 2, true, 100, 1),
        new("batch", "rnn_i128_h128_l1", RnnCell.Rnn, 128, 128, 1, false, 100, 64),
        new("large", "rnn_i512_h512_l1", RnnCell.Rnn, 512, 512, 1, false, 100, 64),
        new("lstm", "lstm_i128_h128_l1", RnnCell.Lstm, 128, 128, 1, false, 100, 1),
        new("lstm-big", "lstm_i256_h256_l2_bi", RnnCell.Lstm, 256, 256, 2, true, 100, 32),
        new("gru", "gru_i128_h128_l1", RnnCell.Gru, 128, 128, 1, false, 100, 1),
    ];

    public int Directions => Bidirectional ? 2 : 1;

    public int Gates => Cell switch { RnnCell.Lstm => 4, RnnCell.Gru => 3, _ => 1 };

    /// <summary>Multiply-adds × 2 of one forward pass: per layer, direction, step and row, 2·G·H·(I + H).</summary>
    public double Flops
    {
        get
        {
            double total = 0;
            for (int layer = 0; layer < NumLayers; layer++)
            {
                int input = layer == 0 ? InputSize : Directions * HiddenSize;
                total += 2.0 * Gates * HiddenSize * (input + HiddenSize) * Directions * SeqLen * Batch;
            }

            return total;
        }
    }

    public string ModelDirectory => Path.Combine(AppContext.BaseDirectory, "Models");

    public string OnnxPath => Path.Combine(ModelDirectory, ModelFile + ".onnx");

    public string SafetensorsPath => Path.Combine(ModelDirectory, ModelFile + ".model.safetensors");

    /// <summary>What BenchmarkDotNet prints in the Point column.</summary>
    public override string ToString() => Name;

    public string Description => string.Create(CultureInfo.InvariantCulture, $"{Cell} {InputSize}→{HiddenSize}, {NumLayers} layer(s){(Bidirectional ? ", bidirectional" : "")}, seq {SeqLen}, batch {Batch}");
}
