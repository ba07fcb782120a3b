namespace HighPerfRnn;

/// <summary>
/// Declares a recurrent model of fixed shape on a <c>partial class</c>. The HighPerfRnn source generator then gives
/// the class its shape as constants, loading from safetensors or a <c>state_dict</c> (checked against the
/// declaration), <c>Forward</c>, <c>Step</c> (unidirectional models), and step kernels specialized for exactly
/// these sizes.
/// </summary>
/// <example>
/// <code>
/// [RnnModel(inputSize: 5, hiddenSize: 8, NumLayers = 2, Bidirectional = true)]
/// public partial class TinyBiRnn;
/// </code>
/// </example>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false, Inherited = false)]
public sealed class RnnModelAttribute : Attribute
{
    /// <summary>Declares the model's input and hidden sizes (PyTorch's <c>input_size</c>, <c>hidden_size</c>).</summary>
    public RnnModelAttribute(int inputSize, int hiddenSize)
    {
        InputSize = inputSize;
        HiddenSize = hiddenSize;
    }

    /// <summary>Features per time step of the input.</summary>
    public int InputSize { get; }

    /// <summary>Features of the hidden state.</summary>
    public int HiddenSize { get; }

    /// <summary>Stacked layers; 1 by default.</summary>
    public int NumLayers { get; set; } = 1;

    /// <summary>Whether each layer also runs backwards; false by default.</summary>
    public bool Bidirectional { get; set; }

    /// <summary>The Elman RNN's activation; tanh by default. Only <see cref="RnnCell.Rnn"/> takes relu.</summary>
    public RnnNonlinearity Nonlinearity { get; set; } = RnnNonlinearity.Tanh;

    /// <summary>Whether the layers have bias vectors; true by default.</summary>
    public bool Bias { get; set; } = true;

    /// <summary>The cell: <see cref="RnnCell.Rnn"/> by default.</summary>
    public RnnCell Cell { get; set; } = RnnCell.Rnn;

    /// <summary>LSTM projection size (<c>proj_size</c>); 0 (none) by default. Only <see cref="RnnCell.Lstm"/> takes it.</summary>
    public int ProjSize { get; set; }
}
