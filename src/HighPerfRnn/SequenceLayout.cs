namespace HighPerfRnn;

/// <summary>How the input and output sequences are laid out in memory, as PyTorch's <c>batch_first</c> describes.</summary>
public enum SequenceLayout
{
    /// <summary>(batch, seq, features): PyTorch's <c>batch_first=True</c>.</summary>
    BatchFirst = 0,

    /// <summary>(seq, batch, features): PyTorch's default, <c>batch_first=False</c>.</summary>
    SequenceFirst = 1,

    /// <summary>(seq, features), with no batch axis: PyTorch's unbatched input. Batch must be 1; h0 and h_n are (layers × directions, hidden).</summary>
    Unbatched = 2,
}
