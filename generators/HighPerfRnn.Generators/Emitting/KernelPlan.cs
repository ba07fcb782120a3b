using System;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// How one step kernel computes a matrix-vector product y = init + W·x of fixed sizes on one vector width (W_hh·h of
/// the RNN, the LSTM's and GRU's gate rows, the LSTM's projection W_hr·h): which output vectors there are, how many
/// are accumulated at once (a group), and whether the k loop is unrolled completely or kept as a loop with constant
/// bounds. The arithmetic of each output is fixed by docs/numerics.md whatever the plan: see <see cref="Chunks"/>.
/// </summary>
/// <remarks>
/// The rows come in <see cref="Blocks"/> blocks of <see cref="BlockRows"/> (the gates: packed layout version 2 pads
/// each gate block to whole panels, so gate g's unit j is row g·<see cref="PaddedBlockRows"/> + j). Output vectors
/// cover the real rows of each block, rounded up to whole vectors: with vectors as wide as the panels that is every
/// panel of the matrix; with narrower ones (256-bit code on 16-float panels when a block has at most 8 rows) the
/// upper halves, which are all padding, are skipped.
/// </remarks>
internal sealed class KernelPlan
{
    /// <summary>
    /// Every product is summed in 4 contiguous chunks of k (docs/numerics.md, "The order of one product"): with
    /// q = Depth / 4 and r = Depth % 4, chunk 0 is k in [0, q + r) accumulated onto the init, chunk c = 1..3 is k in
    /// [r + c·q, r + (c + 1)·q) accumulated from +0, every term an FMA, and y = (s0 + s1) + (s2 + s3). The four
    /// chunks are four independent dependency chains, each about Depth / 4 FMAs long.
    /// </summary>
    public const int Chunks = 4;

    /// <summary>
    /// Full unrolling stops here: 256 vector FMAs per product (LSTMs and GRUs to hidden 32 on 512-bit vectors, to 21
    /// and 24 on 256-bit ones), and a method holds at most two such products (the whole-model step's input product,
    /// then its row's recurrent one, which is a call of its own past <see cref="InlineRowLimit"/>). The line is the
    /// JIT's inlining budget: each FMA is a call of <c>RnnMath.MultiplyAdd</c> to be inlined, and past some 350 of them
    /// in one method the JIT stops inlining and emits the calls: the LSTM 32 step on 256-bit vectors (512 FMAs per
    /// product, when the line was 512) made 176 calls per product and ran 2.5× slower than the runtime's kernel, the
    /// GRU 32 (384) made 21 and ran 1.2× slower (AVX2 path, measured on AVX-512 hardware with
    /// <c>DOTNET_EnableAVX512=0</c>). Beyond the line the kernel keeps loops with constant bounds: one loop over the
    /// position in the chunks, with the four chunks' accumulators of a group of output vectors side by side; at that
    /// size the step is bound by FMA throughput rather than by latency, so the loop costs its counter (one instruction
    /// per several FMAs), and the code stays within the decoded-µop cache.
    /// </summary>
    public const int UnrollLimit = 256;

    /// <summary>
    /// A step whose recurrent product is at most this many vector FMAs (output vectors × depth) has its <c>Row</c> method
    /// inlined into its callers (the whole-model kernels, the step loop); a larger one stays a call. Inlined, the smallest
    /// steps lose the call (Step of GRU 8 and LSTM 8: 10–25% less time); at 192 FMAs (GRU 32 on 512-bit vectors) and 256
    /// (Elman 64) the callers outgrew the JIT's inlining budget, which then turned vector operations into calls: 2.5–4×
    /// slower (measured on AVX-512).
    /// </summary>
    public const int InlineRowLimit = 64;

    /// <summary>
    /// The attribute of every generated kernel method that is a call of its own: compiled optimized at once (a kernel is
    /// hot from its first call, and unoptimized SIMD code is many times slower) and never inlined. AggressiveOptimization
    /// alone does not stop inlining: a tiered caller recompiled with profile data (the declared type's Step) inlined a
    /// whole-model kernel, ran out of budget for its activations, which became calls, and a declared RNN 16 Step took
    /// 70–380 ns instead of 40. A generator test checks every such method carries both.
    /// </summary>
    public const string KernelAttribute = "[MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]";

    /// <summary>
    /// The attribute of every generated method meant to be inlined (a small row, a row on its sums in registers, a helper of
    /// the whole-model loops): inlined where the caller's JIT budget allows, and where it does not, still compiled optimized
    /// at once. AggressiveInlining alone leaves a method the budget refused to the JIT's tiers: a GRU 32's row on its sums,
    /// inlined into a single layer's Step but not into a stacked model's layer loops, ran as tier-0 code there for the first
    /// ~0.15 s of a process (a two-layer GRU 32 Forward took 432 µs a call for its first ~2000 calls, then 19; session 29).
    /// A generator test checks every generated method carries AggressiveOptimization.
    /// </summary>
    public const string InlinedKernelAttribute = "[MethodImpl(MethodImplOptions.AggressiveInlining | MethodImplOptions.AggressiveOptimization)]";

    /// <summary>Vector FMAs the plan's product writes out: vectors × depth.</summary>
    public long Fmas => (long)Vectors * Depth;

    /// <summary>The FMAs a step's <c>Row</c> of this plan adds to a method that calls it: all of them where it is inlined (<see cref="RowAttribute"/>), none where it is a call.</summary>
    public long InlinedRowFmas => Fmas <= InlineRowLimit ? Fmas : 0;

    /// <summary>The attribute of a step's <c>Row</c> method: inlined up to <see cref="InlineRowLimit"/> FMAs, else compiled optimized as a method of its own.</summary>
    public string RowAttribute => Fmas <= InlineRowLimit
        ? InlinedKernelAttribute + " // small: inlined into the whole-model kernels and the step loop"
        : KernelAttribute + " // too large to inline without exhausting the JIT's budget";

    /// <summary>The plan of a product of one block of <paramref name="rows"/> rows (the Elman RNN's W_hh, the LSTM's W_hr).</summary>
    public KernelPlan(SimdFlavor flavor, int rows, int depth, int panelWidth)
        : this(flavor, rows, 1, depth, panelWidth)
    {
    }

    /// <summary>
    /// The plan of a product with <paramref name="blocks"/> blocks of <paramref name="blockRows"/> rows, each padded to
    /// whole panels of <paramref name="panelWidth"/>, and <paramref name="depth"/> columns.
    /// </summary>
    public KernelPlan(SimdFlavor flavor, int blockRows, int blocks, int depth, int panelWidth)
    {
        if (panelWidth % flavor.Lanes != 0)
        {
            throw new ArgumentException("A vector must not straddle two panels.", nameof(panelWidth));
        }

        Flavor = flavor;
        BlockRows = blockRows;
        Blocks = blocks;
        Depth = depth;
        PanelWidth = panelWidth;
        PaddedBlockRows = (blockRows + panelWidth - 1) / panelWidth * panelWidth;
        VectorsPerBlock = (blockRows + flavor.Lanes - 1) / flavor.Lanes;
        Vectors = blocks * VectorsPerBlock;
        LastVectorLanes = blockRows - ((VectorsPerBlock - 1) * flavor.Lanes);
        Unrolled = (long)Vectors * depth <= UnrollLimit;

        // Below 4 deep, chunks 1 to 3 are empty: their sums stay +0 (constants), one accumulator per vector is live.
        int liveChains = ChunkLength(1) == 0 ? 1 : Chunks;
        GroupSize = Math.Min(Vectors, Math.Max(1, flavor.AccumulatorBudget / liveChains));

        // Pairs pay where four chunks would split the vectors into groups and the chunks are long enough to be load-bound.
        bool pairsPay = Quotient >= MinPairedChunkLength && Vectors > GroupSize;
        ChunksInPairs = Unrolled && pairsPay && 3 * Vectors <= flavor.AccumulatorBudget;
        PairedGroupSize = !Unrolled && pairsPay ? Math.Min(Vectors, flavor.AccumulatorBudget / 2) : 0;
    }

    public SimdFlavor Flavor { get; }

    /// <summary>Real rows per block (the hidden size for gate blocks, proj_size for the projection).</summary>
    public int BlockRows { get; }

    /// <summary>Blocks of rows: the gates (4 for the LSTM, 3 for the GRU), 1 for the Elman RNN and the projection.</summary>
    public int Blocks { get; }

    /// <summary><see cref="BlockRows"/> rounded up to whole panels: where block b starts (b·PaddedBlockRows), in the weights and in the rows read and written.</summary>
    public int PaddedBlockRows { get; }

    /// <summary>Real rows of the product: Blocks × BlockRows.</summary>
    public int Outputs => Blocks * BlockRows;

    /// <summary>Columns of the matrix: the length of each output's sum (the state size, or hidden for the projection).</summary>
    public int Depth { get; }

    /// <summary>Outputs per packed panel of the matrix (16, 8 or 1): may be wider than the flavor's vectors.</summary>
    public int PanelWidth { get; }

    /// <summary>Output vectors per block: BlockRows rounded up to whole vectors.</summary>
    public int VectorsPerBlock { get; }

    /// <summary>Output vectors per batch row.</summary>
    public int Vectors { get; }

    /// <summary>The lanes of each block's last output vector that are real rows (the rest is panel padding).</summary>
    public int LastVectorLanes { get; }

    /// <summary>Output vectors accumulated together (their four chunks' accumulators all live in registers).</summary>
    public int GroupSize { get; }

    /// <summary>
    /// Whether an unrolled product that four chunks' accumulators would split into groups runs as one group with its
    /// chunks in pairs instead: chunks 0 and 1 of every output vector side by side, then s0 + s1 held while chunks 2 and 3
    /// run (3 live sums per vector rather than 4, the same sums in the same order). Each broadcast x[k] then serves every
    /// output vector, where each group broadcast it again: the LSTM 17–32 on 512-bit vectors (8 output vectors, groups of
    /// 6 and 2) issued 320 loads per 256 FMAs, and the product, reading its weights from L1, is bound by those loads;
    /// in pairs 288. Only where each chunk has at least <see cref="MinPairedChunkLength"/> terms (see there).
    /// </summary>
    public bool ChunksInPairs { get; }

    /// <summary>
    /// The shortest chunk a paired product has: below it the product is a few FMAs bound by its chains' latency rather than
    /// by its loads, and pairs gain nothing (an LSTM 8 on 256-bit vectors, chunks of 2: 0.98–1.04× the time, paired; the
    /// Elman 32 on 256-bit vectors, chunks of 8, 0.86–0.91×; AMD EPYC Zen 5).
    /// </summary>
    public const int MinPairedChunkLength = 4;

    /// <summary>
    /// For a looped product, the output vectors a group takes with its chunks in pairs (two accumulators each, twice as many
    /// vectors as a group of four chunks): chunks 0 and 1 in one loop, s0 + s1 stored to the destination, chunks 2 and 3 in a
    /// second loop, then y = (s0 + s1) + (s2 + s3) from it. Each broadcast then serves twice the vectors. 0 where the plan
    /// does not (unrolled, short chunks, or one group of four chunks already holds every vector).
    /// </summary>
    public int PairedGroupSize { get; }

    /// <summary>Whether the k loop is written out completely.</summary>
    public bool Unrolled { get; }

    /// <summary>Groups per batch row.</summary>
    public int Groups => (Vectors + GroupSize - 1) / GroupSize;

    /// <summary>Floats of the matrix per panel: Depth inputs × PanelWidth outputs.</summary>
    public int PanelStride => Depth * PanelWidth;

    /// <summary>q = Depth / 4: the length of chunks 1 to 3.</summary>
    public int Quotient => Depth / Chunks;

    /// <summary>r = Depth % 4: chunk 0 is r terms longer than the others.</summary>
    public int Remainder => Depth % Chunks;

    /// <summary>The first k of chunk <paramref name="chunk"/>: 0 for chunk 0, r + c·q for the others.</summary>
    public int ChunkStart(int chunk) => chunk == 0 ? 0 : Remainder + (chunk * Quotient);

    /// <summary>The terms of chunk <paramref name="chunk"/>: q + r for chunk 0, q for the others.</summary>
    public int ChunkLength(int chunk) => chunk == 0 ? Quotient + Remainder : Quotient;

    /// <summary>The first row of output vector <paramref name="vector"/>, in the padded row numbering (the offset in the rows read and written).</summary>
    public int RowOf(int vector)
        => ((vector / VectorsPerBlock) * PaddedBlockRows) + ((vector % VectorsPerBlock) * Flavor.Lanes);

    /// <summary>Whether <paramref name="vector"/> is the last of its block and holds padding lanes past the block's real rows.</summary>
    public bool IsPartial(int vector) => vector % VectorsPerBlock == VectorsPerBlock - 1 && LastVectorLanes != Flavor.Lanes;

    /// <summary>Where W[first row of vector <paramref name="vector"/>, <paramref name="k"/>] sits in the packed weights.</summary>
    public int WeightOffset(int vector, int k)
    {
        int row = RowOf(vector);
        return ((((row / PanelWidth) * Depth) + k) * PanelWidth) + (row % PanelWidth);
    }
}
