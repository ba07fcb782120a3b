namespace HighPerfRnn;

/// <summary>The activation of an Elman RNN (<c>nonlinearity=</c> in <c>torch.nn.RNN</c>).</summary>
public enum RnnNonlinearity
{
    /// <summary>tanh, PyTorch's default.</summary>
    Tanh = 0,

    /// <summary>max(x, 0).</summary>
    Relu = 1,
}
