using System.Buffers.Binary;
using FsCheck;
using FsCheck.Fluent;
using HighPerfRnn.Safetensors;
using Xunit;

namespace HighPerfRnn.Tests.Safetensors;

/// <summary>
/// Mutated fixtures (truncated, bytes flipped or replaced, header length overwritten, bytes inserted into the header):
/// parsing and reading every tensor either succeeds or throws <see cref="SafetensorsFormatException"/>, nothing else,
/// and what parses is consistent.
/// </summary>
public sealed class SafetensorsFuzzTests
{
    private static readonly byte[][] Seeds =
    [
        .. new[] { "rnn_len1_h1.io", "rnn_seed_numpy.model", "lstm_basic.io", "gru_basic.model" }
            .Select(n => File.ReadAllBytes(Path.Combine(SafetensorsTestFiles.FixtureDirectory, n + ".safetensors"))),
    ];

    private static readonly byte[] JsonBytes = "{}[]\":,-.0123456789eE \\u_".Select(c => (byte)c).ToArray();

    /// <summary>One mutation of one seed file, with a description for failure reports.</summary>
    public sealed record Mutant(byte[] Bytes, string Description)
    {
        public override string ToString() => Description;
    }

    [Fact]
    public void Mutated_fixtures_parse_or_throw_SafetensorsFormatException_only()
    {
        Gen<Mutant> mutants =
            from seed in Gen.Choose(0, Seeds.Length - 1)
            from kind in Gen.Choose(0, 5)
            from a in Gen.Choose(0, int.MaxValue)
            from b in Gen.Choose(0, int.MaxValue)
            from c in Gen.Choose(1, 8)
            select Mutate(seed, kind, a, b, c);

        Prop.ForAll(mutants.ToArbitrary(), m => Check(m.Bytes))
            .Check(Config.QuickThrowOnFailure.WithMaxTest(4000));
    }

    [Fact]
    public void Every_truncation_of_a_small_fixture_is_rejected_cleanly()
    {
        byte[] seed = Seeds[0];
        for (int length = 0; length < seed.Length; length++)
        {
            Assert.Throws<SafetensorsFormatException>(() => SafetensorsFile.Parse(seed.AsMemory(0, length)));
        }

        Check(seed);
    }

    private static Mutant Mutate(int seedIndex, int kind, int a, int b, int count)
    {
        byte[] bytes = (byte[])Seeds[seedIndex].Clone();
        int headerEnd = 8 + (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        int InHeader(int r) => 8 + (r % (headerEnd - 8));
        switch (kind)
        {
            case 0: // Truncate.
                return new Mutant(bytes.AsSpan(0, a % bytes.Length).ToArray(), $"seed {seedIndex} truncated to {a % bytes.Length}");
            case 1: // Flip bits of random bytes, mostly in the header.
                var rng = new Random(a);
                for (int i = 0; i < count; i++)
                {
                    int at = rng.Next(4) == 0 ? rng.Next(bytes.Length) : InHeader(rng.Next());
                    bytes[at] ^= (byte)rng.Next(1, 256);
                }

                return new Mutant(bytes, $"seed {seedIndex}: {count} bytes flipped, rng {a}");
            case 2: // Overwrite the header length.
                ulong[] lengths = [0, 1, 2, (ulong)(headerEnd - 8 + (b % 17) - 8), (ulong)(bytes.Length - 8), (ulong)(bytes.Length - 7), 100_000_000, 100_000_001, ulong.MaxValue, 1UL << 63, (ulong)a, ((ulong)a << 32) | (uint)b];
                ulong length = lengths[b % lengths.Length];
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
                return new Mutant(bytes, $"seed {seedIndex}: header length {length}");
            case 3: // Replace header bytes with JSON punctuation or digits.
                var rng3 = new Random(a);
                for (int i = 0; i < count; i++)
                {
                    bytes[InHeader(rng3.Next())] = JsonBytes[rng3.Next(JsonBytes.Length)];
                }

                return new Mutant(bytes, $"seed {seedIndex}: {count} header bytes replaced, rng {a}");
            case 4: // Change a digit in the header (shapes, offsets, metadata) to another digit.
                var rng4 = new Random(a);
                for (int i = 0; i < count; i++)
                {
                    int at = InHeader(rng4.Next());
                    for (int j = 0; j < headerEnd - 8 && !char.IsAsciiDigit((char)bytes[at]); j++)
                    {
                        at = at + 1 < headerEnd ? at + 1 : 8;
                    }

                    bytes[at] = (byte)('0' + rng4.Next(10));
                }

                return new Mutant(bytes, $"seed {seedIndex}: {count} header digits changed, rng {a}");
            default: // Insert or delete a header byte and fix up the length, keeping the data section in place.
                int pos = InHeader(a);
                bool insert = b % 2 == 0;
                byte[] result = insert ? new byte[bytes.Length + 1] : new byte[bytes.Length - 1];
                bytes.AsSpan(0, pos).CopyTo(result);
                if (insert)
                {
                    result[pos] = JsonBytes[b % JsonBytes.Length];
                    bytes.AsSpan(pos).CopyTo(result.AsSpan(pos + 1));
                }
                else
                {
                    bytes.AsSpan(pos + 1).CopyTo(result.AsSpan(pos));
                }

                BinaryPrimitives.WriteUInt64LittleEndian(result, (ulong)(headerEnd - 8 + (insert ? 1 : -1)));
                return new Mutant(result, $"seed {seedIndex}: header byte {(insert ? "inserted" : "deleted")} at {pos}");
        }
    }

    /// <summary>Parses and reads everything; only <see cref="SafetensorsFormatException"/> may escape, and success must be consistent.</summary>
    private static void Check(byte[] bytes)
    {
        SafetensorsFile file;
        try
        {
            file = SafetensorsFile.Parse(bytes);
        }
        catch (SafetensorsFormatException ex)
        {
            Assert.False(string.IsNullOrWhiteSpace(ex.Message));
            return;
        }

        Assert.Equal(bytes.Length - 8 - file.HeaderLength, file.DataLength);
        long furthest = 0;
        foreach (SafetensorsTensorInfo info in file.Tensors)
        {
            Assert.InRange(info.DataBegin, 0, info.DataEnd);
            Assert.InRange(info.DataEnd, info.DataBegin, file.DataLength);
            if (info.ByteLength > 0)
            {
                Assert.True(info.DataBegin >= furthest, $"{info.Name} overlaps an earlier tensor");
                furthest = info.DataEnd;
            }

            Assert.Same(info, file.GetTensor(info.Name));
            Assert.Equal(info.ByteLength, file.GetTensorBytes(info.Name).Length);
            try
            {
                float[] values = file.ReadFloat32(info.Name);
                Assert.Equal(info.ElementCount, values.Length);
                Assert.Equal(info.GetShape(), file.ReadFloatTensor(info.Name).Shape.ToArray());
            }
            catch (SafetensorsFormatException)
            {
                Assert.False(SafetensorsDTypes.IsReadableAsFloat32(info.DType));
            }
        }

        _ = file.Metadata.Count;
    }
}
