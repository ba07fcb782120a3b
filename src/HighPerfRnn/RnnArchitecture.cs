using System.Globalization;

namespace HighPerfRnn;

/// <summary>
/// The shape of a recurrent model, in PyTorch's terms: the cell, <c>input_size</c>, <c>hidden_size</c>,
/// <c>num_layers</c>, <c>bidirectional</c>, <c>bias</c>, <c>nonlinearity</c> and <c>proj_size</c>.
/// Immutable and validated on construction.
/// </summary>
public sealed record RnnArchitecture
{
    /// <summary>Creates and validates an architecture.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A size is not positive, <paramref name="projSize"/> is negative or not below <paramref name="hiddenSize"/>.</exception>
    /// <exception cref="ArgumentException">An option does not fit the cell (relu on an LSTM or GRU, proj_size on a cell other than LSTM).</exception>
    public RnnArchitecture(
        RnnCell cell,
        int inputSize,
        int hiddenSize,
        int numLayers = 1,
        bool bidirectional = false,
        bool bias = true,
        RnnNonlinearity nonlinearity = RnnNonlinearity.Tanh,
        int projSize = 0)
    {
        if (!Enum.IsDefined(cell))
        {
            throw new ArgumentOutOfRangeException(nameof(cell), cell, "Expected Rnn, Lstm or Gru.");
        }

        if (!Enum.IsDefined(nonlinearity))
        {
            throw new ArgumentOutOfRangeException(nameof(nonlinearity), nonlinearity, "Expected Tanh or Relu.");
        }

        RequirePositive(inputSize, nameof(inputSize));
        RequirePositive(hiddenSize, nameof(hiddenSize));
        RequirePositive(numLayers, nameof(numLayers));
        if (cell != RnnCell.Rnn && nonlinearity != RnnNonlinearity.Tanh)
        {
            throw new ArgumentException(
                $"Nonlinearity {nonlinearity} applies only to the Elman RNN cell, but the cell is {cell}.", nameof(nonlinearity));
        }

        if (projSize != 0)
        {
            if (cell != RnnCell.Lstm)
            {
                throw new ArgumentException($"proj_size applies only to the LSTM cell, but the cell is {cell} and projSize is {projSize}.", nameof(projSize));
            }

            if (projSize < 0 || projSize >= hiddenSize)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(projSize), projSize, $"projSize must be 0 or between 1 and hiddenSize - 1 ({hiddenSize - 1}).");
            }
        }

        Cell = cell;
        InputSize = inputSize;
        HiddenSize = hiddenSize;
        NumLayers = numLayers;
        Bidirectional = bidirectional;
        Bias = bias;
        Nonlinearity = nonlinearity;
        ProjSize = projSize;
    }

    /// <summary>The recurrent cell.</summary>
    public RnnCell Cell { get; }

    /// <summary>Features per time step of the input (<c>input_size</c>).</summary>
    public int InputSize { get; }

    /// <summary>Features of the hidden state (<c>hidden_size</c>); for an LSTM, also of the cell state.</summary>
    public int HiddenSize { get; }

    /// <summary>Stacked layers (<c>num_layers</c>).</summary>
    public int NumLayers { get; }

    /// <summary>Whether each layer also runs the sequence backwards (<c>bidirectional</c>).</summary>
    public bool Bidirectional { get; }

    /// <summary>Whether the layers have the bias vectors <c>bias_ih</c> and <c>bias_hh</c> (<c>bias</c>).</summary>
    public bool Bias { get; }

    /// <summary>The activation of an Elman RNN; always <see cref="RnnNonlinearity.Tanh"/> for LSTM and GRU.</summary>
    public RnnNonlinearity Nonlinearity { get; }

    /// <summary>LSTM projection size (<c>proj_size</c>), 0 for none.</summary>
    public int ProjSize { get; }

    /// <summary>1, or 2 when bidirectional.</summary>
    public int NumDirections => Bidirectional ? 2 : 1;

    /// <summary>Gate rows per hidden unit in the weight matrices: 1 (RNN), 4 (LSTM), 3 (GRU).</summary>
    public int GateCount => GateCountOf(Cell);

    /// <summary>Features of h (and of each direction's output): <c>proj_size</c> if set, else <c>hidden_size</c>.</summary>
    public int StateSize => ProjSize > 0 ? ProjSize : HiddenSize;

    /// <summary>Features per time step of the output: directions × <see cref="StateSize"/>.</summary>
    public int OutputSize => NumDirections * StateSize;

    /// <summary>Rows of h0 and h_n: layers × directions.</summary>
    public int StateRows => NumLayers * NumDirections;

    /// <summary>Input features of layer <paramref name="layer"/>: <see cref="InputSize"/> for layer 0, <see cref="OutputSize"/> above.</summary>
    public int LayerInputSize(int layer) => layer == 0 ? InputSize : OutputSize;

    /// <summary>The number of learned parameters, as <c>sum(p.numel() for p in model.parameters())</c>.</summary>
    public long ParameterCount
    {
        get
        {
            long total = 0;
            long gateRows = (long)GateCount * HiddenSize;
            for (int layer = 0; layer < NumLayers; layer++)
            {
                long perDirection = (gateRows * LayerInputSize(layer)) + (gateRows * StateSize);
                if (Bias)
                {
                    perDirection += 2 * gateRows;
                }

                if (ProjSize > 0)
                {
                    perDirection += (long)ProjSize * HiddenSize;
                }

                total += perDirection * NumDirections;
            }

            return total;
        }
    }

    /// <summary>The gate multiple of a cell: 1, 4 or 3.</summary>
    public static int GateCountOf(RnnCell cell) => cell switch
    {
        RnnCell.Rnn => 1,
        RnnCell.Lstm => 4,
        RnnCell.Gru => 3,
        _ => throw new ArgumentOutOfRangeException(nameof(cell), cell, "Expected Rnn, Lstm or Gru."),
    };

    /// <summary>The PyTorch constructor call that builds this architecture, e.g. <c>nn.RNN(5, 8, num_layers=2)</c>.</summary>
    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"nn.{CellName(Cell)}({InputSize}, {HiddenSize}");
        if (NumLayers != 1)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", num_layers={NumLayers}");
        }

        if (Cell == RnnCell.Rnn && Nonlinearity == RnnNonlinearity.Relu)
        {
            text += ", nonlinearity='relu'";
        }

        if (!Bias)
        {
            text += ", bias=False";
        }

        if (Bidirectional)
        {
            text += ", bidirectional=True";
        }

        if (ProjSize > 0)
        {
            text += string.Create(CultureInfo.InvariantCulture, $", proj_size={ProjSize}");
        }

        return text + ")";
    }

    internal static string CellName(RnnCell cell) => cell switch
    {
        RnnCell.Lstm => "LSTM",
        RnnCell.Gru => "GRU",
        _ => "RNN",
    };

    private static void RequirePositive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
        }
    }
}
