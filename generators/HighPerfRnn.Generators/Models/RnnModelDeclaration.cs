namespace HighPerfRnn.Generators.Models;

/// <summary>
/// A valid <c>[RnnModel]</c> declaration: everything the emitters need and nothing from the compilation (no
/// symbols, syntax or locations), so the incremental pipeline can compare it by value and skip unchanged ones.
/// </summary>
/// <param name="HintName">The generated file's name: the type's fully qualified metadata name + <c>.g.cs</c>.</param>
/// <param name="Namespace">The containing namespace, empty for the global namespace.</param>
/// <param name="TypeName">The declared type's name.</param>
/// <param name="TypeKeyword">What follows <c>partial</c> in the type's declaration: <c>class</c> or <c>record</c>.</param>
/// <param name="ContainingTypes">Enclosing types, outermost first.</param>
/// <param name="Cell">The cell: <c>Rnn</c>, <c>Lstm</c> or <c>Gru</c> (the names of HighPerfRnn.RnnCell).</param>
/// <param name="ProjSize">The LSTM projection size, 0 for none.</param>
/// <param name="Nonlinearity"><c>Tanh</c> or <c>Relu</c>.</param>
/// <param name="Layers">Each layer's (input, hidden) sizes, bottom first.</param>
internal sealed record RnnModelDeclaration(
    string HintName,
    string Namespace,
    string TypeName,
    string TypeKeyword,
    EquatableArray<ContainingTypeInfo> ContainingTypes,
    string Cell,
    int InputSize,
    int HiddenSize,
    int NumLayers,
    bool Bidirectional,
    bool Bias,
    string Nonlinearity,
    int ProjSize,
    EquatableArray<LayerShape> Layers)
{
    public int NumDirections => Bidirectional ? 2 : 1;

    public int StateSize => ProjSize > 0 ? ProjSize : HiddenSize;

    public int OutputSize => NumDirections * StateSize;

    /// <summary>The type's name as C# shows it with its containing types, e.g. <c>Outer.TinyBiRnn</c>.</summary>
    public string DisplayName
    {
        get
        {
            string name = TypeName;
            for (int i = ContainingTypes.Count - 1; i >= 0; i--)
            {
                name = ContainingTypes[i].Name + "." + name;
            }

            return Namespace.Length == 0 ? name : Namespace + "." + name;
        }
    }
}
