using HighPerfRnn.Streaming;

namespace HighPerfRnn;

public sealed partial class RnnModel
{
    /// <summary>Computed on first use: most models never snapshot a stream, and hashing large weights takes a while.</summary>
    private byte[]? _weightsFingerprint;

    /// <summary>
    /// The first 16 bytes of the SHA-256 of the weights (see <see cref="Streaming.WeightsFingerprint"/>), computed once.
    /// Two threads may both compute it the first time; they get the same bytes, so either may win.
    /// </summary>
    internal ReadOnlySpan<byte> WeightsFingerprint => _weightsFingerprint ??= Streaming.WeightsFingerprint.Compute(_stateDict);
}
