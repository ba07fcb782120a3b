using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>
/// The second limit of a recurrent pass beside the FMA peak: at small batches each step reads the layer's whole W_hh,
/// and once that outgrows the L1 data cache it streams from L2 every step. This measures the rate at which one core
/// reads a buffer that lives in L2 (256 KB: more than any L1, less than any L2 these machines have), with the widest
/// loads the kernels use, summed into independent accumulators so that only the loads limit it. It also reads the L1
/// data cache's size from CPUID, to tell which layers stream.
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

    /// <summary>Reads the buffer <paramref name="passes"/> times; returns the bytes read.</summary>
    public static long Read(int passes)
    {
        float sink = 0;
        for (int pass = 0; pass < passes; pass++)
        {
            sink += Sum(Buffer);
        }

        GC.KeepAlive(sink);
        return (long)passes * BufferBytes;
    }

    /// <summary>The best rate over a few half-second rounds, in bytes per nanosecond (= GB/s).</summary>
    public static double MeasureBytesPerNs()
    {
        double best = 0;
        for (int round = 0; round < 5; round++)
        {
            long start = Stopwatch.GetTimestamp();
            long bytes = Read(2000);
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
    private static float Sum(float[] buffer)
    {
        ref float start = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(buffer), AlignedStart);
        if (Vector512.IsHardwareAccelerated || Avx512F.IsSupported)
        {
            Vector512<float> s0 = default, s1 = default, s2 = default, s3 = default, s4 = default, s5 = default, s6 = default, s7 = default;
            for (nuint i = 0; i < BufferFloats; i += 128)
            {
                s0 += Vector512.LoadUnsafe(ref start, i); s1 += Vector512.LoadUnsafe(ref start, i + 16);
                s2 += Vector512.LoadUnsafe(ref start, i + 32); s3 += Vector512.LoadUnsafe(ref start, i + 48);
                s4 += Vector512.LoadUnsafe(ref start, i + 64); s5 += Vector512.LoadUnsafe(ref start, i + 80);
                s6 += Vector512.LoadUnsafe(ref start, i + 96); s7 += Vector512.LoadUnsafe(ref start, i + 112);
            }

            return Vector512.Sum(s0 + s1 + s2 + s3 + s4 + s5 + s6 + s7);
        }

        Vector256<float> t0 = default, t1 = default, t2 = default, t3 = default, t4 = default, t5 = default, t6 = default, t7 = default;
        for (nuint i = 0; i < BufferFloats; i += 64)
        {
            t0 += Vector256.LoadUnsafe(ref start, i); t1 += Vector256.LoadUnsafe(ref start, i + 8);
            t2 += Vector256.LoadUnsafe(ref start, i + 16); t3 += Vector256.LoadUnsafe(ref start, i + 24);
            t4 += Vector256.LoadUnsafe(ref start, i + 32); t5 += Vector256.LoadUnsafe(ref start, i + 40);
            t6 += Vector256.LoadUnsafe(ref start, i + 48); t7 += Vector256.LoadUnsafe(ref start, i + 56);
        }

        return Vector256.Sum(t0 + t1 + t2 + t3 + t4 + t5 + t6 + t7);
    }
}
