using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// The limits of a recurrent pass beside the FMA peak: at small batches each step reads the layer's whole W_hh, each
/// weight once (a register tile cannot hold it), so the step can go no faster than the core reads those bytes: from L1
/// while W_hh fits there, from L2 once it outgrows it. This measures both rates: one core reading a buffer that lives in
/// L2 (256 KB: more than any L1, less than any L2 these machines have) and one that stays in L1 (16 KB: half the
/// smallest L1), with the widest loads the kernels use, summed into independent accumulators so that only the loads
/// limit it. (On Zen 4 the two are about the same, 32 bytes a cycle: a 512-bit FMA that loads its own weights runs at
/// half the FMA peak even from L1; on cores with two 512-bit loads a cycle L1 reads are much faster.) It also reads the
/// L1 data cache's size from CPUID, to tell which layers stream from L2.
/// </summary>
public static class CacheBandwidth
{
    /// <summary>The buffer read: 256 KB, in L2 on every machine measured (AMD Zen 5: 1 MB L2; Intel Xeon: 2 MB).</summary>
    public const int BufferBytes = 256 * 1024;

    /// <summary>
    /// Pinned, read from <see cref="AlignedStart"/>: 64-byte aligned, as the kernels' packed weights are (unaligned
    /// 64-byte loads split cache lines: 140 GB/s instead of 160 here).
    /// </summary>
    private static readonly float[] Buffer = CreateBuffer();

    private static readonly int AlignedStart = FirstAlignedIndex(Buffer);

    private const int BufferFloats = BufferBytes / sizeof(float);

    /// <summary>The part of the buffer read for the L1 rate: 16 KB, half the smallest L1 of the machines measured.</summary>
    public const int L1BufferBytes = 16 * 1024;

    /// <summary>Reads the buffer <paramref name="passes"/> times; returns the bytes read.</summary>
    public static long Read(int passes) => Read(passes, BufferFloats);

    /// <summary>Reads the buffer's first <see cref="L1BufferBytes"/> <paramref name="passes"/> times (from L1 after the first); returns the bytes read.</summary>
    public static long ReadL1(int passes) => Read(passes, L1BufferBytes / sizeof(float));

    /// <summary>The best rate of reading from L2 over a few half-second rounds, in bytes per nanosecond (= GB/s).</summary>
    public static double MeasureBytesPerNs() => BestRate(() => Read(2000));

    /// <summary>The best rate of reading from L1 over a few rounds, in bytes per nanosecond (= GB/s).</summary>
    public static double MeasureL1BytesPerNs() => BestRate(() => ReadL1(32_000));

    private static long Read(int passes, int floats)
    {
        float sink = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            sink += Sum(Buffer, floats);
        }

        GC.KeepAlive(sink);
        return (long)passes * floats * sizeof(float);
    }

    private static double BestRate(Func<long> read)
    {
        double best = 0;
        for (int round = 0; round < 5; round++)
        {
            long start = Stopwatch.GetTimestamp();
            long bytes = read();
            best = Math.Max(best, bytes / Stopwatch.GetElapsedTime(start).TotalNanoseconds);
        }

        return best;
    }

    /// <summary>
    /// The L1 data cache's size from CPUID (Intel leaf 4, AMD leaf 0x8000001D: the same format), or 32 KB where CPUID
    /// does not say (not x86): the smallest L1 of the machines measured, so a layer counted as fitting does fit.
    /// </summary>
    public static int L1DataBytes { get; } = ReadL1DataBytes() ?? 32 * 1024;

    private static int? ReadL1DataBytes()
    {
        if (!X86Base.IsSupported)
        {
            return null;
        }

        (int vendorMax, int vendor, _, _) = X86Base.CpuId(0, 0);
        bool amd = vendor == 0x68747541; // "Auth"enticAMD
        int leaf = amd ? unchecked((int)0x8000001D) : 4;
        if (!amd && vendorMax < 4)
        {
            return null;
        }

        for (int index = 0; index < 8; index++)
        {
            (int eax, int ebx, int ecx, _) = X86Base.CpuId(leaf, index);
            int type = eax & 0x1F;
            int level = (eax >> 5) & 0x7;
            if (type == 0)
            {
                break;
            }

            if (type == 1 && level == 1)
            {
                int ways = ((ebx >> 22) & 0x3FF) + 1;
                int partitions = ((ebx >> 12) & 0x3FF) + 1;
                int lineSize = (ebx & 0xFFF) + 1;
                int sets = ecx + 1;
                return ways * partitions * lineSize * sets;
            }
        }

        return null;
    }

    private static float[] CreateBuffer()
    {
        var buffer = GC.AllocateArray<float>(BufferFloats + 16, pinned: true);
        for (int i = 0; i < buffer.Length; i++)
        {
            buffer[i] = (i % 7) * 0.125f;
        }

        return buffer;
    }

    /// <summary>The index of the buffer's first 64-byte aligned element (the array is pinned: it never moves).</summary>
    private static int FirstAlignedIndex(float[] buffer)
    {
        GCHandle handle = GCHandle.Alloc(buffer, GCHandleType.Pinned);
        long address = handle.AddrOfPinnedObject();
        handle.Free();
        return (int)((64 - (address & 63)) & 63) / sizeof(float);
    }

    /// <summary>
    /// Eight independent sums of 64-byte (or 32-byte) loads: the load ports, not the adds, set the pace. Compiled
    /// optimized at once: a measurement of 100 ms would otherwise run the unoptimized first tier (35 GB/s, not 170).
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static float Sum(float[] buffer, int floats)
    {
        ref float start = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), AlignedStart);
        if (Vector512.IsHardwareAccelerated || Avx512F.IsSupported)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            for (nuint i = 0; i < (nuint)floats; i += 128)
            {
                s0 += Vector512.LoadUnsafe(ref start, i); s1 += Vector512.LoadUnsafe(ref start, i + 16);
                s2 += Vector512.LoadUnsafe(ref start, i + 32); s3 += Vector512.LoadUnsafe(ref start, i + 48);
                s4 += Vector512.LoadUnsafe(ref start, i + 64); s5 += Vector512.LoadUnsafe(ref start, i + 80);
                s6 += Vector512.LoadUnsafe(ref start, i + 96); s7 += Vector512.LoadUnsafe(ref start, i + 112);
            }

            return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
        }

        Vector256<float> t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
        for (nuint i = 0; i < (nuint)floats; i += 64)
        {
            t0 += Vector256.LoadUnsafe(ref start, i); t1 += Vector256.LoadUnsafe(ref start, i + 8);
            t2 += Vector256.LoadUnsafe(ref start, i + 16); t3 += Vector256.LoadUnsafe(ref start, i + 24);
            t4 += Vector256.LoadUnsafe(ref start, i + 32); t5 += Vector256.LoadUnsafe(ref start, i + 40);
            t6 += Vector256.LoadUnsafe(ref start, i + 48); t7 += Vector256.LoadUnsafe(ref start, i + 56);
        }

        return Vector256.Sum(t0 + t1 + t2 + t3 + t4 + t5 + t6 + t7);
    }
}
