namespace HighPerfRnn;

/// <summary>Options for loading a model from a safetensors file or a <c>state_dict</c> in memory.</summary>
public sealed record RnnLoadOptions
{
    /// <summary>
    /// The Elman RNN's activation. A <c>state_dict</c> cannot show it; when null it comes from the file's
    /// metadata key <c>nonlinearity</c>, else PyTorch's default, tanh.
    /// </summary>
    public RnnNonlinearity? Nonlinearity { get; init; }

    /// <summary>
    /// A prefix the parameter names carry when the recurrent layer is a submodule, e.g. <c>"rnn."</c> for a
    /// model whose <c>state_dict</c> has <c>rnn.weight_ih_l0</c>. Tensors without it are ignored.
    /// </summary>
    public string TensorPrefix { get; init; } = string.Empty;

    /// <summary>The instruction-set path to pack the weights for and run on; <see cref="SimdPath.Auto"/> by default.</summary>
    public SimdPath SimdPath { get; init; } = SimdPath.Auto;
}
