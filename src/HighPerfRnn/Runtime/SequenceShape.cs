namespace HighPerfRnn.Runtime;

/// <summary>
/// Where row (t, b) — time step t of batch row b — sits in an input, output or scratch buffer of a given layout.
/// All buffers of one forward pass share this row order, so the input projection runs over rows in memory order
/// and each step addresses its batch rows with one stride.
/// </summary>
internal readonly record struct SequenceShape(int Batch, int SeqLen, SequenceLayout Layout)
{
    public int Rows => Batch * SeqLen;

    /// <summary>Rows between time t and t + 1 of one batch row.</summary>
    public int TimeStride => Layout == SequenceLayout.SequenceFirst ? Batch : 1;

    /// <summary>Rows between batch row b and b + 1 at one time step.</summary>
    public int BatchStride => Layout == SequenceLayout.SequenceFirst ? 1 : SeqLen;

    public int Row(int time, int batchRow) => (time * TimeStride) + (batchRow * BatchStride);
}
