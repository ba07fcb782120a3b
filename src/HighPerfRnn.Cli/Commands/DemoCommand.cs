using System.CommandLine;
using System.Globalization;
using HighPerfRnn.Kernels;

namespace HighPerfRnn.Cli.Commands;

/// <summary>
/// The seed notebook's four cases, the first thing a newcomer runs: one tanh cell stepped by hand, then
/// nn.RNN(5, 8) with batch_first, two layers, and two layers bidirectional — shapes and values printed the way
/// the notebook prints them, with random weights initialized as PyTorch does.
/// </summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var command = new Command("demo", "Walk through the seed notebook's four cases: a tanh cell by hand, RNN(5, 8), two layers, bidirectional.");
        command.SetAction(parseResult => Run(parseResult.InvocationConfiguration.Output));
        return command;
    }

    public static int Run(TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(output);
        output.WriteLine($"HighPerfRnn demo — SIMD path: {SimdPaths.Best}");
        output.WriteLine();
        TanhCellByHand(output);
        SingleLayer(output);
        TwoLayers(output);
        Bidirectional(output);
        return 0;
    }

    /// <summary>h_t = tanh(Wx·x_t + Wh·h_{t−1} + b), input 4, hidden 8, 10 steps, as the notebook does it in numpy.</summary>
    private static void TanhCellByHand(TextWriter output)
    {
        const int inputSize = 4, hiddenSize = 8, steps = 10;
        output.WriteLine("1. One tanh cell, stepped by hand: h_t = tanh(Wx·x_t + Wh·h_{t-1} + b)");
        var random = new Random(0);
        float[] wx = Uniform(random, hiddenSize * inputSize, 1f / MathF.Sqrt(hiddenSize));
        float[] wh = Uniform(random, hiddenSize * hiddenSize, 1f / MathF.Sqrt(hiddenSize));
        float[] b = Uniform(random, hiddenSize, 1f / MathF.Sqrt(hiddenSize));
        float[] x = Uniform(random, steps * inputSize, 1f);

        var h = new float[hiddenSize];
        for (int t = 0; t < steps; t++)
        {
            var next = new float[hiddenSize];
            for (int j = 0; j < hiddenSize; j++)
            {
                double sum = b[j];
                for (int k = 0; k < inputSize; k++)
                {
                    sum += wx[(j * inputSize) + k] * x[(t * inputSize) + k];
                }

                for (int k = 0; k < hiddenSize; k++)
                {
                    sum += wh[(j * hiddenSize) + k] * h[k];
                }

                next[j] = (float)Math.Tanh(sum);
            }

            h = next;
            if (t < 3 || t == steps - 1)
            {
                output.WriteLine($"   h_{t} = {Format(h)}");
            }
            else if (t == 3)
            {
                output.WriteLine("   ...");
            }
        }

        // The same cell as nn.RNN(4, 8): weight_ih = Wx, weight_hh = Wh, bias_ih = b, bias_hh = 0.
        var stateDict = new Dictionary<string, FloatTensor>
        {
            ["weight_ih_l0"] = new(wx, hiddenSize, inputSize),
            ["weight_hh_l0"] = new(wh, hiddenSize, hiddenSize),
            ["bias_ih_l0"] = new(b, hiddenSize),
            ["bias_hh_l0"] = new(new float[hiddenSize], hiddenSize),
        };
        SeedCell model = SeedCell.FromStateDict(stateDict);
        var modelOutput = new float[steps * hiddenSize];
        var hN = new float[hiddenSize];
        model.Forward(x, modelOutput, hN, batch: 1, seqLen: steps, SequenceLayout.BatchFirst);
        output.WriteLine($"   the same weights in {SeedCell.Architecture} (declared, generated kernels): max |h_n - h_9| = {MaxDifference(hN, h).ToString("0.0e+00", CultureInfo.InvariantCulture)}");
        output.WriteLine();
    }

    private static void SingleLayer(TextWriter output)
    {
        output.WriteLine("2. rnn = nn.RNN(5, 8, batch_first=True); output, h_n = rnn(x) with x of shape (1, 10, 5)");
        SeedRnn model = SeedRnn.CreateRandom(seed: 1);
        Show(output, SeedRnn.Architecture, (x, y, hN) => model.Forward(x, y, hN, 1, 10, SequenceLayout.BatchFirst));
    }

    private static void TwoLayers(TextWriter output)
    {
        output.WriteLine("3. deep = nn.RNN(5, 8, num_layers=2, batch_first=True)");
        SeedDeepRnn model = SeedDeepRnn.CreateRandom(seed: 2);
        Show(output, SeedDeepRnn.Architecture, (x, y, hN) => model.Forward(x, y, hN, 1, 10, SequenceLayout.BatchFirst));
    }

    private static void Bidirectional(TextWriter output)
    {
        output.WriteLine("4. bi = nn.RNN(5, 8, num_layers=2, bidirectional=True, batch_first=True)");
        SeedBiRnn model = SeedBiRnn.CreateRandom(seed: 3);
        Show(output, SeedBiRnn.Architecture, (x, y, hN) => model.Forward(x, y, hN, 1, 10, SequenceLayout.BatchFirst));
    }

    /// <summary>Runs a declared model over a (1, 10, input) sequence and prints what the notebook prints.</summary>
    private static void Show(TextWriter output, RnnArchitecture architecture, Action<float[], float[], float[]> forward)
    {
        const int batch = 1, seqLen = 10;
        float[] x = Uniform(new Random(100 + architecture.NumLayers + architecture.NumDirections), batch * seqLen * architecture.InputSize, 1f);
        var y = new float[batch * seqLen * architecture.OutputSize];
        var hN = new float[architecture.StateRows * batch * architecture.HiddenSize];
        forward(x, y, hN);

        int width = architecture.OutputSize;
        int hidden = architecture.HiddenSize;
        output.WriteLine($"   output.shape = {FloatTensor.FormatShape([batch, seqLen, width])}");
        output.WriteLine($"   h_n.shape    = {FloatTensor.FormatShape([architecture.StateRows, batch, hidden])}");
        output.WriteLine($"   output[0, -1] = {Format(y.AsSpan((seqLen - 1) * width, width))}");
        for (int row = 0; row < architecture.StateRows; row++)
        {
            output.WriteLine($"   h_n[{row}, 0]    = {Format(hN.AsSpan(row * hidden, hidden))}");
        }

        // What the notebook checks: the last layer's forward state is the output at the last step; with two
        // directions the backward state is the output at the first step, second half.
        int lastForward = (architecture.NumLayers - 1) * architecture.NumDirections;
        output.WriteLine($"   h_n[{lastForward}] == output[0, -1, :{hidden}]: {hN.AsSpan(lastForward * hidden, hidden).SequenceEqual(y.AsSpan((seqLen - 1) * width, hidden))}");
        if (architecture.Bidirectional)
        {
            output.WriteLine($"   h_n[{lastForward + 1}] == output[0, 0, {hidden}:]: {hN.AsSpan((lastForward + 1) * hidden, hidden).SequenceEqual(y.AsSpan(hidden, hidden))}");
        }

        output.WriteLine();
    }

    private static float[] Uniform(Random random, int count, float bound)
    {
        var values = new float[count];
        for (int i = 0; i < count; i++)
        {
            values[i] = (float)(((random.NextDouble() * 2) - 1) * bound);
        }

        return values;
    }

    private static string Format(ReadOnlySpan<float> values)
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            parts[i] = values[i].ToString("+0.0000;-0.0000", CultureInfo.InvariantCulture);
        }

        return "[" + string.Join(", ", parts) + "]";
    }

    private static double MaxDifference(ReadOnlySpan<float> left, ReadOnlySpan<float> right)
    {
        double max = 0;
        for (int i = 0; i < left.Length; i++)
        {
            max = Math.Max(max, Math.Abs(left[i] - right[i]));
        }

        return max;
    }
}
