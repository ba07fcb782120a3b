using System.Globalization;

namespace HighPerfRnn.Runtime;

/// <summary>
/// The checks every forward entry point makes before touching memory. Each failure names the argument,
/// the length the shape needs (with the arithmetic behind it) and the length it got.
/// </summary>
internal static class ForwardValidation
{
    public static SequenceShape Validate(
        RnnArchitecture architecture,
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> output,
        ReadOnlySpan<float> hN,
        ReadOnlySpan<float> h0,
        int batch,
        int seqLen,
        SequenceLayout layout)
    {
        if (batch <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "batch must be positive.");
        }

        if (seqLen <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(seqLen), seqLen, "seqLen must be positive.");
        }

        // Not Enum.IsDefined: it reads the enum's reflection cache, which the runtime holds only weakly, so the first
        // call after every garbage collection rebuilt it (248 bytes allocated per call after a GC).
        if (layout is not (SequenceLayout.BatchFirst or SequenceLayout.SequenceFirst or SequenceLayout.Unbatched))
        {
            throw new ArgumentOutOfRangeException(nameof(layout), layout, "Expected BatchFirst, SequenceFirst or Unbatched.");
        }

        if (layout == SequenceLayout.Unbatched && batch != 1)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, "An unbatched input is one sequence: batch must be 1.");
        }

        var shape = new SequenceShape(batch, seqLen, layout);
        bool unbatched = layout == SequenceLayout.Unbatched;
        long stateLength = (long)architecture.StateRows * batch * architecture.StateSize;
        if (input.Length != (long)batch * seqLen * architecture.InputSize)
        {
            throw LengthMismatch(nameof(input), input.Length, unbatched, batch, $"seqLen {seqLen} × inputSize {architecture.InputSize}", (long)batch * seqLen * architecture.InputSize);
        }

        if (output.Length != (long)batch * seqLen * architecture.OutputSize)
        {
            throw LengthMismatch(nameof(output), output.Length, unbatched, batch, $"seqLen {seqLen} × outputSize {architecture.OutputSize}", (long)batch * seqLen * architecture.OutputSize);
        }

        if (hN.Length != stateLength)
        {
            throw StateMismatch(nameof(hN), hN.Length, architecture, unbatched, batch, stateLength);
        }

        if (!h0.IsEmpty && h0.Length != stateLength)
        {
            throw StateMismatch(nameof(h0), h0.Length, architecture, unbatched, batch, stateLength);
        }

        // Rows per buffer fit an int with room for padding; larger calls should be split by the caller.
        if ((long)batch * seqLen * Math.Max(architecture.OutputSize, architecture.GateCount * architecture.HiddenSize + 16) > int.MaxValue / 2)
        {
            throw new ArgumentOutOfRangeException(nameof(seqLen), seqLen, Invariant($"batch {batch} × seqLen {seqLen} is too large for one call; split the sequence or the batch."));
        }

        RequireDisjoint(input, output, nameof(input), nameof(output));
        RequireDisjoint(input, hN, nameof(input), nameof(hN));
        RequireDisjoint(output, hN, nameof(output), nameof(hN));
        RequireDisjoint(h0, output, nameof(h0), nameof(output));
        RequireDisjoint(h0, input, nameof(h0), nameof(input));
        if (h0.Overlaps(hN) && !IsSameSpan(h0, hN))
        {
            throw new ArgumentException("h0 and hN overlap without being the same span; pass the same span to update the state in place, or disjoint spans.", nameof(h0));
        }

        return shape;
    }

    /// <summary>
    /// Per-sequence lengths (PyTorch's <c>pack_padded_sequence</c> lengths): one per batch row, each in [1, seqLen], any
    /// order; not for an unbatched input. The message names the index and the value.
    /// </summary>
    public static void ValidateLengths(ReadOnlySpan<int> lengths, int batch, int seqLen, SequenceLayout layout)
    {
        if (layout == SequenceLayout.Unbatched)
        {
            throw new ArgumentException("lengths apply to a batch of sequences, but the input is unbatched (one sequence): pass only its first steps as the input, or use BatchFirst with batch 1.", nameof(lengths));
        }

        if (lengths.Length != batch)
        {
            throw new ArgumentException(Invariant($"lengths must hold one length per sequence, batch {batch}, but has {lengths.Length}."), nameof(lengths));
        }

        for (int b = 0; b < lengths.Length; b++)
        {
            int length = lengths[b];
            if (length < 1 || length > seqLen)
            {
                throw new ArgumentException(Invariant($"lengths[{b}] is {length}, but each length must be between 1 and seqLen {seqLen} (PyTorch rejects empty sequences too)."), nameof(lengths));
            }
        }
    }

    /// <summary>The LSTM's cell-state spans: lengths, and no overlap with the other spans (c0 may be cN itself).</summary>
    public static void ValidateCellState(
        RnnArchitecture architecture,
        ReadOnlySpan<float> cN,
        ReadOnlySpan<float> c0,
        int batch,
        SequenceLayout layout,
        ReadOnlySpan<float> input,
        ReadOnlySpan<float> output,
        ReadOnlySpan<float> hN,
        ReadOnlySpan<float> h0)
    {
        long cellLength = (long)architecture.StateRows * batch * architecture.HiddenSize;
        if (cN.Length != cellLength)
        {
            throw CellMismatch(nameof(cN), cN.Length, architecture, layout == SequenceLayout.Unbatched, batch, cellLength);
        }

        if (!c0.IsEmpty && c0.Length != cellLength)
        {
            throw CellMismatch(nameof(c0), c0.Length, architecture, layout == SequenceLayout.Unbatched, batch, cellLength);
        }

        RequireDisjoint(cN, input, nameof(cN), nameof(input));
        RequireDisjoint(cN, output, nameof(cN), nameof(output));
        RequireDisjoint(cN, hN, nameof(cN), nameof(hN));
        RequireDisjoint(cN, h0, nameof(cN), nameof(h0));
        RequireDisjoint(c0, input, nameof(c0), nameof(input));
        RequireDisjoint(c0, output, nameof(c0), nameof(output));
        RequireDisjoint(c0, hN, nameof(c0), nameof(hN));
        RequireDisjoint(c0, h0, nameof(c0), nameof(h0));
        if (c0.Overlaps(cN) && !IsSameSpan(c0, cN))
        {
            throw new ArgumentException("c0 and cN overlap without being the same span; pass the same span to update the state in place, or disjoint spans.", nameof(c0));
        }
    }

    // Messages are built only on failure: a passing call must not allocate.
    private static ArgumentException LengthMismatch(string name, int actual, bool unbatched, int batch, FormattableString arithmetic, long expected)
    {
        string batchText = unbatched ? string.Empty : Invariant($"batch {batch} × ");
        return new ArgumentException(Invariant($"{name} must hold {batchText}{arithmetic.ToString(CultureInfo.InvariantCulture)} = {expected} floats, but has {actual}."), name);
    }

    private static ArgumentException CellMismatch(string name, int actual, RnnArchitecture architecture, bool unbatched, int batch, long expected)
    {
        string optional = name == "c0" ? " (or be empty for zeros)" : string.Empty;
        string batchText = unbatched ? string.Empty : Invariant($"batch {batch} × ");
        return new ArgumentException(
            Invariant($"{name} must hold layers × directions {architecture.StateRows} × {batchText}hidden {architecture.HiddenSize} = {expected} floats{optional}, but has {actual}."), name);
    }

    private static ArgumentException StateMismatch(string name, int actual, RnnArchitecture architecture, bool unbatched, int batch, long expected)
    {
        string optional = name == "h0" ? " (or be empty for zeros)" : string.Empty;
        string batchText = unbatched ? string.Empty : Invariant($"batch {batch} × ");
        return new ArgumentException(
            Invariant($"{name} must hold layers × directions {architecture.StateRows} × {batchText}hidden {architecture.StateSize} = {expected} floats{optional}, but has {actual}."), name);
    }

    private static void RequireDisjoint(ReadOnlySpan<float> first, ReadOnlySpan<float> second, string firstName, string secondName)
    {
        if (first.Overlaps(second))
        {
            throw new ArgumentException($"{firstName} and {secondName} overlap; they must be separate memory.", firstName);
        }
    }

    private static bool IsSameSpan(ReadOnlySpan<float> first, ReadOnlySpan<float> second)
        => first.Length == second.Length && first.Overlaps(second, out int offset) && offset == 0;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
