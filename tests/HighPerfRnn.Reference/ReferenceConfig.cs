namespace HighPerfRnn.Reference;

/// <summary>The cell of a reference model, named as PyTorch's <c>mode</c>.</summary>
public enum ReferenceCell
{
    Rnn,
    Lstm,
    Gru,
}

/// <summary>
/// A recurrent model's configuration, in PyTorch's words. Deliberately independent of the library's own types,
/// so the reference shares no code with what it checks.
/// </summary>
public sealed record ReferenceConfig(
    ReferenceCell Cell,
    int InputSize,
    int HiddenSize,
    int NumLayers = 1,
    bool Bidirectional = false,
    bool Bias = true,
    bool Relu = false,
    int ProjSize = 0)
{
    public int Directions => Bidirectional ? 2 : 1;

    public int Gates => Cell switch { ReferenceCell.Lstm => 4, ReferenceCell.Gru => 3, _ => 1 };

    /// <summary>Features of h: proj_size when set, else hidden_size.</summary>
    public int StateSize => ProjSize > 0 ? ProjSize : HiddenSize;

    public int OutputSize => Directions * StateSize;
}
