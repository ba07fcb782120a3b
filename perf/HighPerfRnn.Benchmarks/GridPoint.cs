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

        // Issue 15's batched gated points: the same exported models (dynamic batch and sequence axes).
        new("lstm-batch8", "lstm_i128_h128_l1", RnnCell.Lstm, 128, 128, 1, false, 50, 8),
        new("gru-batch16", "gru_i128_h128_l1", RnnCell.Gru, 128, 128, 1, false, 50, 16),
    ];

    public int Directions => Bidirectional ? 2 : 1;

    public int Gates => RnnArchitecture.GateCountOf(Cell);

    /// <summary>Multiply-adds × 2 of one forward pass: per layer, direction, step and row, 2·G·H·(I + H).</summary>
    public double Flops
    {
        get
        {
            double total = 0;
            for (int layer = 0; layer < NumLayers; layer++)
            {
                total += 2.0 * Gates * HiddenSize * (LayerInputSize(layer) + HiddenSize) * Directions * SeqLen * Batch;
            }

            return total;
        }
    }

    /// <summary>
    /// The least time any kernel could take on this core, and which bound sets it. Per layer and direction: the input
    /// product at the FMA peak, then the recurrence at the slowest of the FMA peak and reading all of the direction's
    /// W_hh once per step (issue 15's bound; every row of the batch shares that read): from L2 where W_hh takes more than
    /// <see cref="StreamingL1Multiple"/> times the L1 data cache, else at the rate of reading from L1. (Below that
    /// multiple a large part of W_hh stays in L1 across steps and beats the L2 bound: Elman 128, 64 KB against a 32 KB
    /// L1, ran at 114% of it, measured. On Zen 4 L1 feeds 512-bit loads no faster than L2 does, 32 bytes a cycle, so a
    /// batch-1 step is bound by its weight bytes wherever they live.) Where steps are short, their dependency chain binds
    /// instead (<paramref name="stepLatencyNs"/>): the seed's 20 steps in a row.
    /// </summary>
    /// <param name="stepLatencyNs">
    /// The dependency chain of one step of this cell and size alone (<see cref="StepLatencyFloor.Measure"/>; 0 to leave it
    /// out): a step cannot start before the last one's h exists, so a pass takes at least <see cref="ChainSteps"/> of them,
    /// whatever the throughput allows. It binds only where a step is short (the seed: a few dozen nanoseconds).
    /// </param>
    public PointLimit LimitAt(double peakGflops, double l2BytesPerNs, double l1BytesPerNs, int l1DataBytes, double stepLatencyNs = 0)
        => Bound(peakGflops, l2BytesPerNs, l1BytesPerNs, l1DataBytes, tanhNsPerFloat: 0, sigmoidNsPerFloat: 0, stepLatencyNs);

    /// <summary>
    /// Steps in a row on the pass's longest dependency chain: the two directions of a layer are independent chains side by
    /// side, and a bidirectional layer waits for the whole of the layer below (its backward direction ends at t = 0);
    /// unidirectional layers can run as a wavefront, layer l's step t beside layer l − 1's step t + 1.
    /// </summary>
    public int ChainSteps => Bidirectional ? NumLayers * SeqLen : SeqLen + NumLayers - 1;

    /// <summary>
    /// <see cref="LimitAt"/> with the activations added to the recurrence's arithmetic, at the rates measured on this core
    /// (<see cref="Reporting.ActivationCost"/>): the least time a kernel could take with the activation formula the
    /// bit-for-bit guarantee fixes. Its tanh and σ run on the FMA pipes too, so they add to the products' time rather
    /// than hide under it; where W_hh streams from L2, the reads can still hide both.
    /// </summary>
    public double FloorWithActivationsAt(double peakGflops, double l2BytesPerNs, double l1BytesPerNs, int l1DataBytes, double tanhNsPerFloat, double sigmoidNsPerFloat, double stepLatencyNs = 0)
        => Bound(peakGflops, l2BytesPerNs, l1BytesPerNs, l1DataBytes, tanhNsPerFloat, sigmoidNsPerFloat, stepLatencyNs).Ns;

    /// <summary>Per unit and step: the tanh and σ evaluations of the cell (RNN: tanh; LSTM: σ of i, f, o, tanh of g and c; GRU: σ of r, z, tanh of n).</summary>
    public (int Tanh, int Sigmoid) ActivationsPerUnit => ActivationsPerUnitOf(Cell);

    /// <summary>As <see cref="ActivationsPerUnit"/>, for a cell (the grid's Elman models all use tanh).</summary>
    public static (int Tanh, int Sigmoid) ActivationsPerUnitOf(RnnCell cell) => cell switch { RnnCell.Lstm => (2, 3), RnnCell.Gru => (1, 2), _ => (1, 0) };

    private PointLimit Bound(double peakGflops, double l2BytesPerNs, double l1BytesPerNs, int l1DataBytes, double tanhNsPerFloat, double sigmoidNsPerFloat, double stepLatencyNs)
    {
        double ns = 0;
        bool fromL2 = false, fromL1 = false;
        (int tanhPerUnit, int sigmoidPerUnit) = ActivationsPerUnit;
        for (int layer = 0; layer < NumLayers; layer++)
        {
            double inputFlops = 2.0 * Gates * HiddenSize * LayerInputSize(layer) * SeqLen * Batch;
            double recurrentFlops = 2.0 * Gates * HiddenSize * HiddenSize * SeqLen * Batch;
            double recurrentBytes = 4.0 * Gates * HiddenSize * HiddenSize;
            double activationNs = (double)HiddenSize * SeqLen * Batch * ((tanhPerUnit * tanhNsPerFloat) + (sigmoidPerUnit * sigmoidNsPerFloat));
            double arithmeticNs = (recurrentFlops / peakGflops) + activationNs;
            bool streamsFromL2 = recurrentBytes > StreamingL1Multiple * l1DataBytes;
            double readNs = recurrentBytes * SeqLen / (streamsFromL2 ? l2BytesPerNs : l1BytesPerNs);
            fromL2 |= streamsFromL2 && readNs > arithmeticNs;
            fromL1 |= !streamsFromL2 && readNs > arithmeticNs;
            ns += Directions * ((inputFlops / peakGflops) + Math.Max(arithmeticNs, readNs));
        }

        double chainNs = ChainSteps * stepLatencyNs;
        if (chainNs > ns)
        {
            return new PointLimit(chainNs, LimitKind.Latency);
        }

        return new PointLimit(ns, fromL2 ? LimitKind.L2Streaming : fromL1 ? LimitKind.L1Streaming : LimitKind.FmaPeak);
    }

    /// <summary>Features of a layer's input: the model's input, then both directions' h of the layer below.</summary>
    private int LayerInputSize(int layer) => layer == 0 ? InputSize : Directions * HiddenSize;

    /// <summary>How many times the L1 data cache a direction's W_hh must take for the L2 streaming bound to apply.</summary>
    public const int StreamingL1Multiple = 4;

    public string ModelDirectory => Path.Combine(AppContext.BaseDirectory, "Models");

    public string OnnxPath => Path.Combine(ModelDirectory, ModelFile + ".onnx");

    public string SafetensorsPath => Path.Combine(ModelDirectory, ModelFile + ".model.safetensors");

    /// <summary>What BenchmarkDotNet prints in the Point column.</summary>
    public override string ToString() => Name;

    public string Description => string.Create(CultureInfo.InvariantCulture, $"{Cell} {InputSize}→{HiddenSize}, {NumLayers} layer(s){(Bidirectional ? ", bidirectional" : "")}, seq {SeqLen}, batch {Batch}");
}

/// <summary>Which of the machine's limits bounds a point's time.</summary>
public enum LimitKind
{
    /// <summary>The arithmetic: every flop at the measured FMA peak.</summary>
    FmaPeak,

    /// <summary>The recurrent weights read from L2 every step at the measured rate (small batches, W_hh beyond L1).</summary>
    L2Streaming,

    /// <summary>The recurrent weights read from L1 every step at the measured rate (small batches, W_hh within L1).</summary>
    L1Streaming,

    /// <summary>The steps' dependency chain: each step's h waits for the last one's (batch 1, short steps).</summary>
    Latency,
}

/// <summary>A point's least possible time on this core (nanoseconds) and the bound that sets it.</summary>
public sealed record PointLimit(double Ns, LimitKind Kind)
{
    public string KindName => NameOf(Kind);

    public static string NameOf(LimitKind kind) => kind switch { LimitKind.FmaPeak => "FMA peak", LimitKind.L2Streaming => "L2 streaming", LimitKind.L1Streaming => "L1 streaming", _ => "latency" };

    /// <summary>Issue 15's targets: the share of its limit a point bound by the FMA peak, or by streaming from L2, should reach.</summary>
    public const double FmaBoundTargetPercent = 85, L2BoundTargetPercent = 80;
}
