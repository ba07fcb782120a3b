using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace HighPerfRnn.Kernels;

/// <summary>
/// The fused gate step (<see cref="FusedGateStep"/>) for two panels of units at once: the gate sums of both panels
/// (LSTM: 4 gates × 2 panels, eight sums; GRU: 3 × 2, six per product) accumulated chunk after chunk of the summation
/// order, each chunk one pass down the same k rows of every gate panel, then joined and handed to the gates.
/// </summary>
/// <remarks>
/// <para>
/// The one-panel kernel runs two chunks side by side (eight chains for an LSTM: 4 gates × 2 chunks) with two broadcasts
/// of x per k. Here the chains are the two unit panels of each gate block, one chunk per pass, with one broadcast per k
/// for all six or eight of them: one load in ten fewer for an LSTM, one in eight for a GRU. Where that pays and where it
/// does not is <c>FusedGateStep.PanelPairsServe</c>'s call.
/// </para>
/// <para>
/// Each sum is the one-panel kernel's: chunk 0 onto the starting value, chunks 1–3 from +0, k ascending in each, joined
/// as (s0 + s1) + (s2 + s3) (<see cref="SummationOrder"/>); the chunks' sums wait in a stack tile until the join. The
/// gates are <see cref="GateKernels.LstmUnitVector"/> and <see cref="GateKernels.GruUnitVector"/>: the same bits.
/// </para>
/// </remarks>
internal static class FusedGatePanelPair
{
    /// <summary>Floats of the stack scratch: four chunk tiles of eight sums of the widest vector, and eight starting sums.</summary>
    private const int ScratchFloats = (4 * 8 * 16) + (8 * 16);

    /// <summary>
    /// Two panels of LSTM units from <paramref name="unitPanel"/>: gates = init + W_ih·x + W_hh·h for both panels in
    /// each gate block (init: the bias, or the step's pre-activations with no input product), then each panel's c and h.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Lstm<TOps, TVec>(in FusedGateStep.Operands o, ref float c, int unitPanel, int gatePanels)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        Span<float> scratchSpan = stackalloc float[ScratchFloats];
        ref float tiles = ref MemoryMarshal.GetReference(scratchSpan);
        ref float sums = ref Unsafe.Add(ref tiles, 4 * 8 * 16);
        GatherStart<TOps, TVec, EightSums>(ref o.Bias, ref sums, unitPanel, gatePanels);
        if (o.InputDepth > 0)
        {
            Accumulate<TOps, TVec, EightSums>(ref sums, ref o.X, ref o.InputWeights, o.InputDepth, unitPanel, gatePanels, ref tiles);
        }

        Accumulate<TOps, TVec, EightSums>(ref sums, ref o.H, ref o.RecurrentWeights, o.RecurrentDepth, unitPanel, gatePanels, ref tiles);

        // Slot (gate g, panel j) is sum g·2 + j.
        for (int j = 0; j < 2; j++)
        {
            int first = (unitPanel + j) * width;
            GateKernels.LstmUnitVector<TOps, TVec>(
                TOps.Load(ref Unsafe.Add(ref sums, j * width)), TOps.Load(ref Unsafe.Add(ref sums, (2 + j) * width)),
                TOps.Load(ref Unsafe.Add(ref sums, (4 + j) * width)), TOps.Load(ref Unsafe.Add(ref sums, (6 + j) * width)),
                ref Unsafe.Add(ref c, first), ref Unsafe.Add(ref o.HiddenOut, first), Math.Min(width, o.Hidden - first));
        }
    }

    /// <summary>
    /// Two panels of GRU units from <paramref name="unitPanel"/>: p = init + W_ih·x and q = recurrent bias + W_hh·h for
    /// both panels in each gate block, kept apart, then each panel's h.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    public static void Gru<TOps, TVec>(in FusedGateStep.Operands o, int unitPanel, int gatePanels)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
    {
        int width = TOps.Count;
        Span<float> scratchSpan = stackalloc float[ScratchFloats + (8 * 16)];
        ref float tiles = ref MemoryMarshal.GetReference(scratchSpan);
        ref float p = ref Unsafe.Add(ref tiles, 4 * 8 * 16);
        ref float q = ref Unsafe.Add(ref p, 8 * 16);
        GatherStart<TOps, TVec, SixSums>(ref o.Bias, ref p, unitPanel, gatePanels);
        if (o.InputDepth > 0)
        {
            Accumulate<TOps, TVec, SixSums>(ref p, ref o.X, ref o.InputWeights, o.InputDepth, unitPanel, gatePanels, ref tiles);
        }

        GatherStart<TOps, TVec, SixSums>(ref o.RecurrentBias, ref q, unitPanel, gatePanels);
        Accumulate<TOps, TVec, SixSums>(ref q, ref o.H, ref o.RecurrentWeights, o.RecurrentDepth, unitPanel, gatePanels, ref tiles);
        for (int j = 0; j < 2; j++)
        {
            int first = (unitPanel + j) * width;
            GateKernels.GruUnitVector<TOps, TVec>(
                TOps.Load(ref Unsafe.Add(ref p, j * width)), TOps.Load(ref Unsafe.Add(ref p, (2 + j) * width)), TOps.Load(ref Unsafe.Add(ref p, (4 + j) * width)),
                TOps.Load(ref Unsafe.Add(ref q, j * width)), TOps.Load(ref Unsafe.Add(ref q, (2 + j) * width)), TOps.Load(ref Unsafe.Add(ref q, (4 + j) * width)),
                ref Unsafe.Add(ref o.H, first), ref Unsafe.Add(ref o.HiddenOut, first), Math.Min(width, o.Hidden - first));
        }
    }

    /// <summary>How many gate blocks a product sums: six sums (GRU) or eight (LSTM), as a type, so each compiles apart.</summary>
    private interface ISums
    {
        static abstract int Gates { get; }
    }

    private readonly struct SixSums : ISums
    {
        public static int Gates => 3;
    }

    private readonly struct EightSums : ISums
    {
        public static int Gates => 4;
    }

    /// <summary>The starting sums of the two unit panels in each gate block (slot g·2 + j) from a gate-blocked row.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void GatherStart<TOps, TVec, TSums>(ref float row, ref float sums, int unitPanel, int gatePanels)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TSums : ISums
    {
        int width = TOps.Count;
        for (int g = 0; g < TSums.Gates; g++)
        {
            ref float panel = ref Unsafe.Add(ref row, ((g * gatePanels) + unitPanel) * width);
            TOps.Store(TOps.Load(ref panel), ref Unsafe.Add(ref sums, 2 * g * width));
            TOps.Store(TOps.Load(ref Unsafe.Add(ref panel, width)), ref Unsafe.Add(ref sums, ((2 * g) + 1) * width));
        }
    }

    /// <summary>
    /// sums += W·v for every slot, in the summation order: each chunk a pass of 2 × gates chains from its own start (chunk
    /// 0 from <paramref name="sums"/>, the others from +0) into its tile, then the join back into <paramref name="sums"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Accumulate<TOps, TVec, TSums>(ref float sums, ref float v, ref float weights, int depth, int unitPanel, int gatePanels, ref float tiles)
        where TOps : struct, IVectorOps<TVec>
        where TVec : struct
        where TSums : ISums
    {
        int width = TOps.Count;
        bool eight = TSums.Gates == 4;
        SummationOrder order = SummationOrder.Of(depth);
        nint panelStride = (nint)depth * width;
        nint gate = gatePanels * panelStride;
        nint g2 = 2 * gate, g3 = 3 * gate;
        ref float w0 = ref Unsafe.Add(ref weights, unitPanel * panelStride);
        nint tile = 8 * width;
        for (int chunk = 0; chunk < 4; chunk++)
        {
            TVec a0, a1, b0, b1, c0, c1, d0 = TOps.Zero, d1 = TOps.Zero;
            if (chunk == 0)
            {
                a0 = TOps.Load(ref sums);
                a1 = TOps.Load(ref Unsafe.Add(ref sums, width));
                b0 = TOps.Load(ref Unsafe.Add(ref sums, 2 * width));
                b1 = TOps.Load(ref Unsafe.Add(ref sums, 3 * width));
                c0 = TOps.Load(ref Unsafe.Add(ref sums, 4 * width));
                c1 = TOps.Load(ref Unsafe.Add(ref sums, 5 * width));
                if (eight)
                {
                    d0 = TOps.Load(ref Unsafe.Add(ref sums, 6 * width));
                    d1 = TOps.Load(ref Unsafe.Add(ref sums, 7 * width));
                }
            }
            else
            {
                a0 = a1 = b0 = b1 = c0 = c1 = TOps.Zero;
            }

            int kStart = order.Start(chunk);
            nint kEnd = kStart + order.Length(chunk);
            ref float wk = ref Unsafe.Add(ref w0, (nint)kStart * width);
            // Slot (gate g, panel j): gate block g's panel unitPanel + j, g gate blocks and j panels from the first.
            for (nint k = kStart; k < kEnd; k++)
            {
                TVec vk = TOps.Broadcast(Unsafe.Add(ref v, k));
                a0 = TOps.MultiplyAdd(vk, TOps.Load(ref wk), a0);
                a1 = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, panelStride)), a1);
                b0 = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, gate)), b0);
                b1 = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, gate + panelStride)), b1);
                c0 = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, g2)), c0);
                c1 = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, g2 + panelStride)), c1);
                if (eight)
                {
                    d0 = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, g3)), d0);
                    d1 = TOps.MultiplyAdd(vk, TOps.Load(ref Unsafe.Add(ref wk, g3 + panelStride)), d1);
                }

                wk = ref Unsafe.Add(ref wk, width);
            }

            ref float t = ref Unsafe.Add(ref tiles, chunk * tile);
            TOps.Store(a0, ref t);
            TOps.Store(a1, ref Unsafe.Add(ref t, width));
            TOps.Store(b0, ref Unsafe.Add(ref t, 2 * width));
            TOps.Store(b1, ref Unsafe.Add(ref t, 3 * width));
            TOps.Store(c0, ref Unsafe.Add(ref t, 4 * width));
            TOps.Store(c1, ref Unsafe.Add(ref t, 5 * width));
            if (eight)
            {
                TOps.Store(d0, ref Unsafe.Add(ref t, 6 * width));
                TOps.Store(d1, ref Unsafe.Add(ref t, 7 * width));
            }
        }

        SummationOrder.JoinTiles<TOps, TVec>(ref tiles, tile, 2 * TSums.Gates, ref sums);
    }
}
