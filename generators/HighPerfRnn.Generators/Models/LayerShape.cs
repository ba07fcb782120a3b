namespace HighPerfRnn.Generators.Models;

/// <summary>The sizes of one layer's step: its input features and its hidden features.</summary>
internal sealed record LayerShape(int InputSize, int HiddenSize);
