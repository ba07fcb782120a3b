using System;

namespace HighPerfRnn.Generators.Emitting;

/// <summary>
/// How one step kernel computes a matrix-vector product y = init + W·x of fixed sizes on one vector width (W_hh·h of
/// the RNN, the LSTM's and GRU's gate rows, the LSTM's projection W_hr·h): how many output vectors, how many are
/// accumulated at once (a group), into how many independent partial sums (chains) each, and whether the k loop is
/// unrolled completely or kept as a loop with constant bounds.
/// </summary>
internal sealed class KernelPlan
{
    /// <summary>
    /// Full unrolling stops here: 512 vector FMAs per batch row (hidden 64 on 256-bit vectors, about 80 on
    /// 512-bit, 22 on scalar). Each FMA with its weight operand is 6 to 7 bytes of machine code, so beyond this a
    /// step's code outgrows about 3.5 KB, the decoded-µop cache and a good share of L1i, which the driver's loop
    /// and the input projection also need; and at that size the step is bound by FMA throughput rather than by
    /// latency, so unrolling would only save the loop's counter (one instruction per several FMAs). Beyond the
    /// line the kernel keeps loops with constant bounds: groups of 4 output vectors × 2 chains (8 accumulators).
    /// </summary>
    public const int UnrollLimit = 512;

    /// <summary>Output vectors per group and chains per vector in the looped form.</summary>
    public const int LoopGroup = 4;

    public const int LoopChains = 2;

    // Latency in cycles of a vector FMA and add on current x64 cores (Skylake to Zen 4: 4 and 3 to 4; 4 for both keeps it simple).
    private const int FmaLatency = 4;
    private const int AddLatency = 4;

    // FMAs issued per cycle (two FMA ports).
    private const double FmaThroughput = 2.0;

    /// <summary>The plan of the Elman RNN's square product (hidden outputs, hidden deep).</summary>
    public KernelPlan(SimdFlavor flavor, int hiddenSize, int panelWidth)
        : this(flavor, hiddenSize, hiddenSize, panelWidth)
    {
    }

    /// <summary>The plan of a product with <paramref name="outputs"/> rows (the packed matrix's rows) and <paramref name="depth"/> columns.</summary>
    public KernelPlan(SimdFlavor flavor, int outputs, int depth, int panelWidth)
    {
        if (panelWidth % flavor.Lanes != 0)
        {
            throw new ArgumentException("A vector must not straddle two panels.", nameof(panelWidth));
        }

        Flavor = flavor;
        Outputs = outputs;
        Depth = depth;
        PanelWidth = panelWidth;
        Vectors = (outputs + flavor.Lanes - 1) / flavor.Lanes;
        LastVectorLanes = outputs - ((Vectors - 1) * flavor.Lanes);
        Unrolled = (long)Vectors * depth <= UnrollLimit;
        if (Unrolled)
        {
            GroupSize = Math.Min(Vectors, flavor.AccumulatorBudget);
            Chains = ChooseChains(GroupSize, depth, flavor.AccumulatorBudget);
        }
        else
        {
            GroupSize = Math.Min(Vectors, LoopGroup);
            Chains = Math.Min(LoopChains, depth);
        }
    }

    public SimdFlavor Flavor { get; }

    /// <summary>Rows of the product (hidden for the RNN, gates × hidden for LSTM and GRU, proj_size for the projection).</summary>
    public int Outputs { get; }

    /// <summary>Columns of the matrix: the length of each output's sum (the state size, or hidden for the projection).</summary>
    public int Depth { get; }

    /// <summary>Outputs per packed panel of the matrix (16, 8 or 1): may be wider than the flavor's vectors.</summary>
    public int PanelWidth { get; }

    /// <summary>Output vectors per batch row: Outputs rounded up to whole vectors.</summary>
    public int Vectors { get; }

    /// <summary>The lanes of the last output vector that are real outputs (the rest is panel padding).</summary>
    public int LastVectorLanes { get; }

    /// <summary>Output vectors accumulated together (their accumulators all live in registers).</summary>
    public int GroupSize { get; }

    /// <summary>Independent partial sums per output vector: chain c takes the terms k ≡ c (mod Chains).</summary>
    public int Chains { get; }

    /// <summary>Whether the k loop is written out completely.</summary>
    public bool Unrolled { get; }

    /// <summary>Groups per batch row.</summary>
    public int Groups => (Vectors + GroupSize - 1) / GroupSize;

    /// <summary>Floats of the matrix per panel: Depth inputs × PanelWidth outputs.</summary>
    public int PanelStride => Depth * PanelWidth;

    /// <summary>Where W[first output of vector <paramref name="vector"/>, <paramref name="k"/>] sits in the packed weights.</summary>
    public int WeightOffset(int vector, int k)
    {
        int firstOutput = vector * Flavor.Lanes;
        int panel = firstOutput / PanelWidth;
        int lane = firstOutput % PanelWidth;
        return (((panel * Depth) + k) * PanelWidth) + lane;
    }

    /// <summary>
    /// Picks the number of chains that minimizes the estimated cycles of one group: the longer of the dependency
    /// chain (FMAs in a chain, then a tree of adds joining the chains) and the issue time of all FMAs and adds.
    /// One chain of H FMAs waits 4 cycles per term; 8 accumulators in flight keep both FMA ports busy.
    /// </summary>
    private static int ChooseChains(int groupSize, int depth, int budget)
    {
        int maxChains = Math.Min(Math.Min(depth, 8), Math.Max(1, budget / groupSize));
        int best = 1;
        double bestCost = double.MaxValue;
        for (int chains = 1; chains <= maxChains; chains++)
        {
            int termsPerChain = (depth + chains - 1) / chains;
            int treeDepth = chains <= 1 ? 0 : chains <= 2 ? 1 : chains <= 4 ? 2 : 3;
            double latency = (FmaLatency * termsPerChain) + (AddLatency * treeDepth);
            double issue = ((double)groupSize * (depth + chains - 1)) / FmaThroughput;
            double cost = Math.Max(latency, issue);
            if (cost < bestCost)
            {
                best = chains;
                bestCost = cost;
            }
        }

        return best;
    }
}
