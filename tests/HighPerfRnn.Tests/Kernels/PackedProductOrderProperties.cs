using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using HighPerfRnn.Kernels;
using HighPerfRnn.Packing;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using HighPerfRnn.Tests.Support;

namespace HighPerfRnn.Tests.Kernels;

/// <summary>A packed product's shape: rows of A, W's rows (the output columns), the depth, and whether init is one shared row.</summary>
public sealed record ProductCase(int Rows, int Columns, int Depth, int RowPadding, bool SharedInit, int Seed)
{
    public override string ToString() => $"{Rows} rows × {Columns} columns × depth {Depth}, lda = depth + {RowPadding}, {(SharedInit ? "one init row" : "an init row per row")}, seed {Seed}";
}

/// <summary>
/// Shapes that reach every tile of the product: row counts below, at and between the six- and four-row tiles and the
/// 64-row blocks, odd panel counts, and depths with every remainder mod 4 (chunk 0's lead terms).
/// </summary>
public static class ProductCaseArbitrary
{
    public static Arbitrary<ProductCase> Cases() =>
        (from rows in Gen.Choose(1, 70)
         from columns in Gen.Choose(1, 70)
         from depth in Gen.Choose(1, 90)
         from padding in Gen.Elements(0, 3)
         from shared in Gen.Elements(true, false)
         from seed in Gen.Choose(0, int.MaxValue)
         select new ProductCase(rows, columns, depth, padding, shared, seed))
        .ToArbitrary();
}

/// <summary>
/// The packed product against the library's one order of summation written out in scalar code (docs/numerics.md:
/// four contiguous chunks of the depth, chunk 0 onto init, the others from zero, one multiply-add per term, joined as
/// (s0 + s1) + (s2 + s3)), bit for bit, on every path: whatever tile a row lands in (six, four, three or two rows, one
/// chunk or two at a time on the 512-bit path, the single-row and single-panel remainders), the sums must be these.
/// </summary>
[Trait("Category", "Kernels")]
public sealed class PackedProductOrderProperties
{
    [Property(Arbitrary = [typeof(ProductCaseArbitrary)], MaxTest = 120)]
    public void Every_path_and_tile_sums_in_the_one_order(ProductCase pc)
    {
        var random = new Random(pc.Seed);
        int lda = pc.Depth + pc.RowPadding;
        float[] a = RandomFloats(random, ((pc.Rows - 1) * lda) + pc.Depth);
        float[] w = RandomFloats(random, pc.Columns * pc.Depth);
        foreach (SimdPath path in TestPaths.All)
        {
            PackedMatrix packed = PackedMatrix.Pack(w, pc.Columns, pc.Depth, SimdPaths.LaneCount(path));
            int width = packed.PaddedRows;
            int ldInit = pc.SharedInit ? 0 : width;
            float[] init = RandomFloats(random, pc.SharedInit ? width : pc.Rows * width);
            float[] c = new float[pc.Rows * width];
            PackedGemm.MultiplyAdd(path, a, lda, pc.Rows, packed, init, ldInit, c, width);

            float[] expected = new float[pc.Rows * pc.Columns];
            float[] actual = new float[pc.Rows * pc.Columns];
            for (int r = 0; r < pc.Rows; r++)
            {
                for (int n = 0; n < pc.Columns; n++)
                {
                    expected[(r * pc.Columns) + n] = InOrder(a.AsSpan(r * lda, pc.Depth), w.AsSpan(n * pc.Depth, pc.Depth), init[(r * ldInit) + n]);
                    actual[(r * pc.Columns) + n] = c[(r * width) + n];
                }
            }

            Bits.AssertEqual(expected, actual, $"{path}, {pc}");
        }
    }

    /// <summary>
    /// Small batches on every path, with enough panels for every tile that serves them: 2 and 3 rows (one tile of all the
    /// rows against four panels at a time, then the panels left over one by one), 4 and 8 (on the 16-register paths four
    /// rows against three panels), 5, 7 and 9 (tiles and a row left over). Columns give 4 to 7 panels and a partial one;
    /// depths every remainder mod 4.
    /// </summary>
    [Property(MaxTest = 40)]
    public void Small_batches_sum_in_the_one_order_in_every_tile(byte rowsPick, byte extraPanels, byte depthPick, bool sharedInit, int seed)
    {
        int rows = new[] { 2, 3, 4, 5, 7, 8, 9 }[rowsPick % 7];
        int depth = 1 + (depthPick % 70);
        var random = new Random(seed);
        foreach (SimdPath path in TestPaths.All)
        {
            int lanes = SimdPaths.LaneCount(path);
            int columns = ((4 + (extraPanels % 4)) * lanes) + (extraPanels % 3);
            float[] a = RandomFloats(random, rows * depth);
            float[] w = RandomFloats(random, columns * depth);
            PackedMatrix packed = PackedMatrix.Pack(w, columns, depth, lanes);
            int width = packed.PaddedRows;
            int ldInit = sharedInit ? 0 : width;
            float[] init = RandomFloats(random, sharedInit ? width : rows * width);
            float[] c = new float[rows * width];
            PackedGemm.MultiplyAdd(path, a, depth, rows, packed, init, ldInit, c, width);

            float[] expected = new float[rows * columns];
            float[] actual = new float[rows * columns];
            for (int r = 0; r < rows; r++)
            {
                for (int n = 0; n < columns; n++)
                {
                    expected[(r * columns) + n] = InOrder(a.AsSpan(r * depth, depth), w.AsSpan(n * depth, depth), init[(r * ldInit) + n]);
                    actual[(r * columns) + n] = c[(r * width) + n];
                }
            }

            Bits.AssertEqual(expected, actual, $"{path}, {rows} rows × {columns} columns × depth {depth}, {(sharedInit ? "one init row" : "an init row per row")}");
        }
    }

    /// <summary>
    /// A batch-1 product (<see cref="PackedGemm.MultiplyAddRow"/>, a step's: eight panels and a few more, in place on init or
    /// not) walked forward and backward, as a recurrence alternates them: both in the one order, bit for bit. The depths
    /// straddle the line above which a backward walk over one group of eight panels takes its chunks last to first
    /// (<c>ReverseChunksAboveGroupBytes</c>, 32 KB: a depth of 1024 / lanes), so each path runs both joins of the chunks.
    /// </summary>
    [Property(MaxTest = 25)]
    public void A_single_row_sums_in_the_one_order_walked_either_way(byte extraPanels, sbyte depthAroundLine, bool inPlace, int seed)
    {
        var random = new Random(seed);
        foreach (SimdPath path in TestPaths.All)
        {
            int lanes = SimdPaths.LaneCount(path);
            int columns = ((8 + (extraPanels % 4)) * lanes) - (extraPanels % lanes);
            int depth = Math.Max(1, (1024 / lanes) + (depthAroundLine % 24));
            (float[] x, float[] w, PackedMatrix packed, float[] init) = RowOperands(random, columns, depth, lanes);
            float[] expected = new float[columns];
            for (int n = 0; n < columns; n++)
            {
                expected[n] = InOrder(x, w.AsSpan(n * depth, depth), init[n]);
            }

            foreach (bool reverse in new[] { false, true })
            {
                float[] y = inPlace ? (float[])init.Clone() : new float[packed.PaddedRows];
                PackedGemm.MultiplyAddRow(path, x, packed, inPlace ? y : init, y, reverse);
                Bits.AssertEqual(expected, y.AsSpan(0, columns).ToArray(), $"{path}, {columns} columns × depth {depth}, {(reverse ? "backward" : "forward")}, {(inPlace ? "in place" : "into another row")}");
            }
        }
    }

    /// <summary>
    /// The Elman step's activated batch-1 product, y = act(init + W·x), on every path: one to five panels (two to four
    /// run as one kernel that activates its sums in registers, <see cref="PackedGemm.ActivatesInRegisters"/>; the others
    /// the product, then an activation pass), the last panel partial, every depth remainder mod 4, in place on init (as
    /// the Elman sequence kernel runs it) or into another row, walked either way: the one order's sums, each activated
    /// as the scalar path activates it, bit for bit.
    /// </summary>
    [Property(MaxTest = 30)]
    public void An_activated_single_row_sums_in_the_one_order(byte panelsPick, byte depthPick, bool inPlace, bool relu, bool reverse, int seed)
    {
        var random = new Random(seed);
        foreach (SimdPath path in TestPaths.All)
        {
            int lanes = SimdPaths.LaneCount(path);
            int panels = 1 + (panelsPick % 5);
            int columns = Math.Max(1, (panels * lanes) - (panelsPick % lanes));
            int depth = 1 + (depthPick % 90);
            (float[] x, float[] w, PackedMatrix packed, float[] init) = RowOperands(random, columns, depth, lanes);
            float[] expected = new float[columns];
            for (int n = 0; n < columns; n++)
            {
                float sum = InOrder(x, w.AsSpan(n * depth, depth), init[n]);
                expected[n] = relu ? ActivationKernels.Relu.Invoke<ScalarOps, float>(sum) : ActivationKernels.Tanh.Invoke<ScalarOps, float>(sum);
            }

            float[] y = inPlace ? (float[])init.Clone() : new float[packed.PaddedRows];
            if (relu)
            {
                ActivatedRow<ActivationKernels.Relu>(path, x, packed, inPlace ? y : init, y, reverse);
            }
            else
            {
                ActivatedRow<ActivationKernels.Tanh>(path, x, packed, inPlace ? y : init, y, reverse);
            }

            Bits.AssertEqual(expected, y.AsSpan(0, columns).ToArray(), $"{path}, {columns} columns × depth {depth}, {(relu ? "relu" : "tanh")}, {(inPlace ? "in place" : "into another row")}, {(reverse ? "backward" : "forward")}");
        }
    }

    private static void ActivatedRow<TActivation>(SimdPath path, float[] x, PackedMatrix w, float[] init, float[] y, bool reverse)
        where TActivation : struct, ActivationKernels.IActivation
    {
        ref float xRef = ref x[0];
        ref float wRef = ref MemoryMarshal.GetReference(w.Data);
        ref float initRef = ref init[0];
        ref float yRef = ref y[0];
        int depth = w.Columns, panels = w.PanelCount, stride = w.PanelStride;
        switch (path)
        {
            case SimdPath.Vector512: PackedGemm.SingleRow<Vector512Ops, Vector512<float>, TActivation>(ref xRef, ref wRef, stride, ref initRef, ref yRef, depth, panels, reverse); break;
            case SimdPath.Vector256: PackedGemm.SingleRow<Vector256Ops, Vector256<float>, TActivation>(ref xRef, ref wRef, stride, ref initRef, ref yRef, depth, panels, reverse); break;
            case SimdPath.Vector128: PackedGemm.SingleRow<Vector128Ops, Vector128<float>, TActivation>(ref xRef, ref wRef, stride, ref initRef, ref yRef, depth, panels, reverse); break;
            default: PackedGemm.SingleRow<ScalarOps, float, TActivation>(ref xRef, ref wRef, stride, ref initRef, ref yRef, depth, panels, reverse); break;
        }
    }

    /// <summary>init + Σₖ x[k]·w[k] in the order of docs/numerics.md, with this process's multiply-add (fused where the hardware has it, as the kernels).</summary>
    private static float InOrder(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float init)
    {
        int depth = x.Length;
        int chunk = depth / 4;
        int head = depth - (3 * chunk);
        float s0 = init, s1 = 0, s2 = 0, s3 = 0;
        for (int k = 0; k < head; k++)
        {
            s0 = MultiplyAdd(x[k], w[k], s0);
        }

        for (int k = 0; k < chunk; k++)
        {
            s1 = MultiplyAdd(x[head + k], w[head + k], s1);
            s2 = MultiplyAdd(x[head + chunk + k], w[head + chunk + k], s2);
            s3 = MultiplyAdd(x[head + (2 * chunk) + k], w[head + (2 * chunk) + k], s3);
        }

        return (s0 + s1) + (s2 + s3);
    }

    private static float MultiplyAdd(float x, float w, float addend)
        => Numerics.FusedMultiplyAddInHardware ? MathF.FusedMultiplyAdd(x, w, addend) : (x * w) + addend;

    /// <summary>A batch-1 product's operands: x, W (columns × depth, row-major), W packed in panels of <paramref name="lanes"/>, and an init row.</summary>
    private static (float[] X, float[] W, PackedMatrix Packed, float[] Init) RowOperands(Random random, int columns, int depth, int lanes)
    {
        float[] x = RandomFloats(random, depth);
        float[] w = RandomFloats(random, columns * depth);
        PackedMatrix packed = PackedMatrix.Pack(w, columns, depth, lanes);
        return (x, w, packed, RandomFloats(random, packed.PaddedRows));
    }

    private static float[] RandomFloats(Random random, int count)
    {
        var values = new float[count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = (float)((random.NextDouble() * 2) - 1);
        }

        return values;
    }
}
