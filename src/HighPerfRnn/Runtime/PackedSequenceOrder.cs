namespace HighPerfRnn.Runtime;

/// <summary>
/// PyTorch's packed-sequence order for a batch of sequences of different lengths (what <c>pack_padded_sequence</c>
/// with <c>enforce_sorted=False</c> builds): the sequences sorted by length, longest first (ties keep the caller's
/// order), and the time steps stored one after the other, each holding only the sequences still running. Sorted
/// sequence j runs at step t exactly while j &lt; <see cref="ActiveAt"/>(t), so a step's rows are always the first
/// ones of its block: rows [<see cref="FirstRow"/>(t), FirstRow(t) + ActiveAt(t)). No row exists past a sequence's
/// end, so no work is done there.
/// </summary>
/// <remarks>Built in O(batch + seqLen) by a counting sort, in caller-provided memory (nothing allocated).</remarks>
internal readonly ref struct PackedSequenceOrder
{
    private readonly ReadOnlySpan<int> _sortedToOriginal;
    private readonly ReadOnlySpan<int> _activeAt;
    private readonly ReadOnlySpan<int> _firstRow;
    private readonly ReadOnlySpan<int> _lengths;

    private PackedSequenceOrder(ReadOnlySpan<int> lengths, ReadOnlySpan<int> sortedToOriginal, ReadOnlySpan<int> activeAt, ReadOnlySpan<int> firstRow, int longest)
    {
        _lengths = lengths;
        _sortedToOriginal = sortedToOriginal;
        _activeAt = activeAt;
        _firstRow = firstRow;
        Longest = longest;
        TotalRows = firstRow[longest];
    }

    /// <summary>Sequences in the batch.</summary>
    public int Batch => _sortedToOriginal.Length;

    /// <summary>The longest sequence's length: the steps that have any row.</summary>
    public int Longest { get; }

    /// <summary>Rows of all steps together: the sum of the lengths.</summary>
    public int TotalRows { get; }

    /// <summary>The ints <see cref="Build"/> needs for <paramref name="batch"/> sequences of at most <paramref name="seqLen"/> steps.</summary>
    public static int IntsNeeded(int batch, int seqLen) => batch + (2 * (seqLen + 1));

    /// <summary>
    /// The order of <paramref name="lengths"/> (each in [1, seqLen], checked by the caller), kept in
    /// <paramref name="memory"/> (at least <see cref="IntsNeeded"/> ints; the order reads it until the call ends).
    /// </summary>
    public static PackedSequenceOrder Build(ReadOnlySpan<int> lengths, int seqLen, Span<int> memory)
    {
        int batch = lengths.Length;
        Span<int> sortedToOriginal = memory[..batch];
        Span<int> activeAt = memory.Slice(batch, seqLen + 1);
        Span<int> firstRow = memory.Slice(batch + seqLen + 1, seqLen + 1);

        // Counting sort, longest first and stable: first, how many sequences have each length.
        Span<int> startOfLength = activeAt; // indexed by length, reused below as the active counts
        startOfLength.Clear();
        int longest = 0;
        foreach (int length in lengths)
        {
            startOfLength[length]++;
            longest = Math.Max(longest, length);
        }

        // The sorted position where each length's sequences start: after every longer one.
        int placed = 0;
        for (int length = seqLen; length >= 1; length--)
        {
            int count = startOfLength[length];
            startOfLength[length] = placed;
            placed += count;
        }

        for (int b = 0; b < batch; b++)
        {
            sortedToOriginal[startOfLength[lengths[b]]++] = b;
        }

        // Now startOfLength[L] counts the sequences of length ≥ L, which are the ones active at step L − 1.
        for (int t = 0; t < longest; t++)
        {
            activeAt[t] = startOfLength[t + 1];
        }

        activeAt[longest..].Clear();
        firstRow[0] = 0;
        for (int t = 0; t < seqLen; t++)
        {
            firstRow[t + 1] = firstRow[t] + activeAt[t];
        }

        return new PackedSequenceOrder(lengths, sortedToOriginal, activeAt, firstRow, longest);
    }

    /// <summary>The caller's index of sorted sequence <paramref name="sorted"/>.</summary>
    public int Original(int sorted) => _sortedToOriginal[sorted];

    /// <summary>The length of sorted sequence <paramref name="sorted"/>.</summary>
    public int LengthOf(int sorted) => _lengths[_sortedToOriginal[sorted]];

    /// <summary>Sequences still running at step <paramref name="time"/> (0 from <see cref="Longest"/> on): sorted sequences [0, ActiveAt).</summary>
    public int ActiveAt(int time) => _activeAt[time];

    /// <summary>The row of sorted sequence 0 at step <paramref name="time"/>; the other running sequences follow it.</summary>
    public int FirstRow(int time) => _firstRow[time];
}
