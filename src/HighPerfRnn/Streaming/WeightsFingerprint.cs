using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace HighPerfRnn.Streaming;

/// <summary>
/// A model's weights in 16 bytes: the first half of the SHA-256 of its <c>state_dict</c> (every tensor, in ordinal
/// order of name: the UTF-8 name, its shape and its float32 values, all little-endian). Stream-state snapshots carry
/// it, so a state restored into a model with other weights (another checkpoint of the same shape) is refused rather
/// than run into garbage. It depends on the weights only, not on the CPU or the SIMD path they are packed for.
/// </summary>
internal static class WeightsFingerprint
{
    /// <summary>Bytes kept of the SHA-256: 128 bits make an accidental match between two checkpoints out of the question.</summary>
    public const int Length = 16;

    public static byte[] Compute(IReadOnlyDictionary<string, FloatTensor> stateDict)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> number = stackalloc byte[4];
        byte[] chunk = new byte[4096];
        foreach (string name in stateDict.Keys.Order(StringComparer.Ordinal))
        {
            FloatTensor tensor = stateDict[name];
            hash.AppendData(Encoding.UTF8.GetBytes(name));
            BinaryPrimitives.WriteInt32LittleEndian(number, tensor.Shape.Length);
            hash.AppendData(number);
            foreach (int dimension in tensor.Shape)
            {
                BinaryPrimitives.WriteInt32LittleEndian(number, dimension);
                hash.AppendData(number);
            }

            // Little-endian whatever the machine, so the fingerprint is the same everywhere.
            float[] values = tensor.Data;
            for (int start = 0; start < values.Length; start += chunk.Length / sizeof(float))
            {
                int count = Math.Min(chunk.Length / sizeof(float), values.Length - start);
                for (int i = 0; i < count; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(chunk.AsSpan(i * sizeof(float)), values[start + i]);
                }

                hash.AppendData(chunk, 0, count * sizeof(float));
            }
        }

        return hash.GetHashAndReset()[..Length];
    }
}
