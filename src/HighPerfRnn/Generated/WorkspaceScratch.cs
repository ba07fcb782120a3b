using System.ComponentModel;

namespace HighPerfRnn.Generated;

/// <summary>
/// Scratch for the kernels the source generator emits that outgrows a few vectors: a bidirectional model's layer output
/// sequences (the next layer's input). It comes from the caller's <see cref="RnnWorkspace"/>, or the one kept per thread
/// when the caller gives none, as the runtime's <c>Forward</c> takes its own. Generated code cannot take it from the stack
/// without paying for it: a user's assembly zero-fills every <c>stackalloc</c> (<c>SkipLocalsInit</c> needs unsafe code
/// there): that fill took 3–5% of the seed model's <c>Forward</c> (a bidirectional RNN 5→8 of two layers, 10 steps: 640
/// bytes), and the call went from 1.07–1.08 to 1.00–1.03 of its bare kernel's time with the workspace (paired, Zen 5).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class WorkspaceScratch
{
    /// <summary>
    /// <paramref name="floats"/> floats of <paramref name="workspace"/> (or the calling thread's workspace when null), starting
    /// on a 64-byte boundary, with whatever an earlier call left there. The workspace grows (allocates) only when smaller.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="floats"/> is negative or more than a workspace holds.</exception>
    public static Span<float> Rent(RnnWorkspace? workspace, int floats)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(floats);
        RnnWorkspace.RequireScratch(floats, nameof(floats), floats);
        return (workspace ?? RnnWorkspace.ThreadDefault).Rent(floats);
    }
}
