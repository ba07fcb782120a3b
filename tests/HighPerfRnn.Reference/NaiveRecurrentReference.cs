namespace HighPerfRnn.Reference;

/// <summary>
/// PyTorch's recurrent layers written straight from their equations, in double precision, as plainly as the
/// seed notebook's numpy loop: no packing, no SIMD, no cleverness. Used only by tests and benchmarks as the
/// truth the fast code is measured against.
/// </summary>
/// <remarks>
/// RNN:  h' = act(W_ih x + b_ih + W_hh h + b_hh)
/// LSTM: i, f, g, o = chunks of (W_ih x + b_ih + W_hh h + b_hh); c' = σ(f)c + σ(i)tanh(g); h' = σ(o)tanh(c'); h' = W_hr h' with proj_size
/// GRU:  r = σ(W_ir x + b_ir + W_hr h + b_hr); z likewise; n = tanh(W_in x + b_in + r(W_hn h + b_hn)); h' = (1 − z)n + z h
/// Layer k &gt; 0 reads layer k − 1's output [forward ‖ backward]; the backward direction reads the sequence from its end.
/// </remarks>
public static class NaiveRecurrentReference
{
    /// <summary>The result of a forward pass, in PyTorch's shapes flattened row-major.</summary>
    public sealed record Result(double[] Output, double[] HN, double[]? CN);

    /// <summary>
    /// Runs the model. <paramref name="weights"/> maps PyTorch's parameter names to row-major values.
    /// <paramref name="input"/> is (batch, seq, input) when <paramref name="batchFirst"/>, else (seq, batch, input);
    /// h0 and c0 are (layers × directions, batch, size) or null for zeros. Output uses the input's layout.
    /// With <paramref name="lengths"/>, sequence b runs over its first lengths[b] steps only, as PyTorch's
    /// <c>pack_padded_sequence</c>: the backward direction starts at step lengths[b] − 1, h_n is taken at each
    /// sequence's own end, and output rows past it are zeros (<c>pad_packed_sequence</c>'s padding value).
    /// </summary>
    public static Result Forward(
        ReferenceConfig config,
        IReadOnlyDictionary<string, double[]> weights,
        double[] input,
        int batch,
        int seqLen,
        bool batchFirst,
        double[]? h0 = null,
        double[]? c0 = null,
        int[]? lengths = null)
    {
        int directions = config.Directions;
        int hidden = config.HiddenSize;
        int state = config.StateSize;

        // layerInput[b][t] = the feature vector at time t of sequence b
        var layerInput = new double[batch][][];
        for (int b = 0; b < batch; b++)
        {
            layerInput[b] = new double[seqLen][];
            for (int t = 0; t < seqLen; t++)
            {
                int row = batchFirst ? (b * seqLen) + t : (t * batch) + b;
                layerInput[b][t] = input.AsSpan(row * config.InputSize, config.InputSize).ToArray();
            }
        }

        var hN = new double[config.NumLayers * directions * batch * state];
        double[]? cN = config.Cell == ReferenceCell.Lstm ? new double[config.NumLayers * directions * batch * hidden] : null;

        for (int layer = 0; layer < config.NumLayers; layer++)
        {
            var layerOutput = new double[batch][][];
            for (int b = 0; b < batch; b++)
            {
                layerOutput[b] = new double[seqLen][];
                for (int t = 0; t < seqLen; t++)
                {
                    layerOutput[b][t] = new double[directions * state];
                }
            }

            for (int direction = 0; direction < directions; direction++)
            {
                string suffix = $"_l{layer}" + (direction == 1 ? "_reverse" : "");
                double[] wIh = weights["weight_ih" + suffix];
                double[] wHh = weights["weight_hh" + suffix];
                double[]? bIh = config.Bias ? weights["bias_ih" + suffix] : null;
                double[]? bHh = config.Bias ? weights["bias_hh" + suffix] : null;
                double[]? wHr = config.ProjSize > 0 ? weights["weight_hr" + suffix] : null;
                int stateRow = (layer * directions) + direction;
                int inputSize = layerInput[0][0].Length;

                for (int b = 0; b < batch; b++)
                {
                    double[] h = new double[state];
                    double[] c = new double[hidden];
                    if (h0 is not null)
                    {
                        Array.Copy(h0, ((stateRow * batch) + b) * state, h, 0, state);
                    }

                    if (c0 is not null)
                    {
                        Array.Copy(c0, ((stateRow * batch) + b) * hidden, c, 0, hidden);
                    }

                    int length = lengths?[b] ?? seqLen;
                    for (int step = 0; step < length; step++)
                    {
                        int t = direction == 0 ? step : length - 1 - step;
                        double[] x = layerInput[b][t];
                        double[] gx = Affine(wIh, bIh, x, config.Gates * hidden, inputSize);
                        double[] gh = Affine(wHh, bHh, h, config.Gates * hidden, state);
                        (h, c) = config.Cell switch
                        {
                            ReferenceCell.Rnn => (RnnCell(gx, gh, hidden, config.Relu), c),
                            ReferenceCell.Lstm => LstmCell(gx, gh, c, hidden, wHr, state),
                            _ => (GruCell(gx, gh, h, hidden), c),
                        };
                        Array.Copy(h, 0, layerOutput[b][t], direction * state, state);
                    }

                    Array.Copy(h, 0, hN, ((stateRow * batch) + b) * state, state);
                    if (cN is not null)
                    {
                        Array.Copy(c, 0, cN, ((stateRow * batch) + b) * hidden, hidden);
                    }
                }
            }

            layerInput = layerOutput;
        }

        var output = new double[batch * seqLen * config.OutputSize];
        for (int b = 0; b < batch; b++)
        {
            for (int t = 0; t < seqLen; t++)
            {
                int row = batchFirst ? (b * seqLen) + t : (t * batch) + b;
                Array.Copy(layerInput[b][t], 0, output, row * config.OutputSize, config.OutputSize);
            }
        }

        return new Result(output, hN, cN);
    }

    /// <summary>W·x + b for a row-major (rows × columns) W, as torch.nn.functional.linear.</summary>
    public static double[] Affine(double[] w, double[]? b, double[] x, int rows, int columns)
    {
        var y = new double[rows];
        for (int r = 0; r < rows; r++)
        {
            double sum = b is null ? 0 : b[r];
            for (int k = 0; k < columns; k++)
            {
                sum += w[(r * columns) + k] * x[k];
            }

            y[r] = sum;
        }

        return y;
    }

    public static double Sigmoid(double x) => 1.0 / (1.0 + Math.Exp(-x));

    private static double[] RnnCell(double[] gx, double[] gh, int hidden, bool relu)
    {
        var h = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double pre = gx[j] + gh[j];
            h[j] = relu ? (double.IsNaN(pre) ? pre : Math.Max(pre, 0)) : Math.Tanh(pre);
        }

        return h;
    }

    private static (double[] H, double[] C) LstmCell(double[] gx, double[] gh, double[] c, int hidden, double[]? wHr, int state)
    {
        var cNew = new double[hidden];
        var hFull = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double i = Sigmoid(gx[j] + gh[j]);
            double f = Sigmoid(gx[hidden + j] + gh[hidden + j]);
            double g = Math.Tanh(gx[(2 * hidden) + j] + gh[(2 * hidden) + j]);
            double o = Sigmoid(gx[(3 * hidden) + j] + gh[(3 * hidden) + j]);
            cNew[j] = (f * c[j]) + (i * g);
            hFull[j] = o * Math.Tanh(cNew[j]);
        }

        return (wHr is null ? hFull : Affine(wHr, null, hFull, state, hidden), cNew);
    }

    private static double[] GruCell(double[] gx, double[] gh, double[] h, int hidden)
    {
        var hNew = new double[hidden];
        for (int j = 0; j < hidden; j++)
        {
            double r = Sigmoid(gx[j] + gh[j]);
            double z = Sigmoid(gx[hidden + j] + gh[hidden + j]);
            double n = Math.Tanh(gx[(2 * hidden) + j] + (r * gh[(2 * hidden) + j]));
            hNew[j] = ((1 - z) * n) + (z * h[j]);
        }

        return hNew;
    }
}
