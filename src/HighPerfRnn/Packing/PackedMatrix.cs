namespace HighPerfRnn.Packing;

/// <summary>
/// A weight matrix W (rows = outputs, columns = inputs, as PyTorch stores <c>weight_ih</c> and <c>weight_hh</c>)
/// repacked once at load time into column panels for the product y = W·x.
/// </summary>
/// <remarks>
/// Layout: the output rows are cut into panels of <see cref="PanelWidth"/> (one SIMD vector, 16/8/4/1 floats
/// for the 512/256/128-bit/scalar paths); panel p stores, for each input k in order, the PanelWidth weights
/// W[p·PanelWidth + j, k]. The kernel then computes a whole panel of outputs with broadcast(x[k]) × panel[k]
/// FMAs, streaming the panel front to back with no horizontal sums (the layout RTNeural and BLIS use).
/// The rows may form several blocks (the gates of an LSTM or GRU, gate-major as PyTorch stores them): each block is
/// padded with zero rows to whole panels, so every block starts on a panel and gate code works in whole vectors at any
/// hidden size (layout version <see cref="PackedLayout.Version"/>, docs/numerics.md). Row j of block g is packed row
/// g·<see cref="PaddedBlockRows"/> + j.
/// </remarks>
internal sealed class PackedMatrix
{
    private readonly AlignedBuffer _data;

    private PackedMatrix(int rows, int columns, int panelWidth, int blocks)
    {
        Rows = rows;
        Columns = columns;
        PanelWidth = panelWidth;
        Blocks = blocks;
        BlockRows = rows / blocks;
        PaddedBlockRows = PadToPanels(BlockRows, panelWidth);
        PanelCount = checked(blocks * PaddedBlockRows) / panelWidth;
        _data = new AlignedBuffer(checked(PanelCount * panelWidth * columns));
    }

    /// <summary>Outputs (PyTorch's first dimension).</summary>
    public int Rows { get; }

    /// <summary>Blocks of rows, each padded to whole panels: the gates of an LSTM (4) or GRU (3), else 1.</summary>
    public int Blocks { get; }

    /// <summary>Rows per block (the hidden size for gate matrices).</summary>
    public int BlockRows { get; }

    /// <summary><see cref="BlockRows"/> rounded up to whole panels: where each block starts.</summary>
    public int PaddedBlockRows { get; }

    /// <summary>Inputs (PyTorch's second dimension).</summary>
    public int Columns { get; }

    /// <summary>Outputs per panel: the vector width of the path the matrix was packed for.</summary>
    public int PanelWidth { get; }

    public int PanelCount { get; }

    /// <summary><see cref="Rows"/> rounded up to whole panels: the row stride of buffers the products write.</summary>
    public int PaddedRows => PanelCount * PanelWidth;

    /// <summary>Floats per panel: <see cref="Columns"/> × <see cref="PanelWidth"/>.</summary>
    public int PanelStride => Columns * PanelWidth;

    public ReadOnlySpan<float> Data => _data.Span;

    /// <summary>The first packed weight (64-byte aligned, pinned), unchecked: see <see cref="Generated.GeneratedKernelWeights"/>.</summary>
    internal ref float First => ref _data.First;

    /// <summary>
    /// <paramref name="count"/> rounded up to whole panels of <paramref name="panelWidth"/>: the length every padded
    /// row (pre-activations, scratch) has, so that kernels can load and store whole vectors.
    /// </summary>
    public static int PadToPanels(int count, int panelWidth) => (count + panelWidth - 1) / panelWidth * panelWidth;

    /// <summary>
    /// Packs a row-major <paramref name="rows"/> × <paramref name="columns"/> matrix whose rows form <paramref name="blocks"/>
    /// equal blocks (gates), each padded to whole panels.
    /// </summary>
    public static PackedMatrix Pack(ReadOnlySpan<float> rowMajor, int rows, int columns, int panelWidth, int blocks = 1)
    {
        if (rowMajor.Length != checked(rows * columns))
        {
            throw new ArgumentException($"Expected {rows} × {columns} = {rows * columns} weights, got {rowMajor.Length}.", nameof(rowMajor));
        }

        if (blocks <= 0 || rows % blocks != 0)
        {
            throw new ArgumentException($"{rows} rows do not form {blocks} equal blocks.", nameof(blocks));
        }

        var packed = new PackedMatrix(rows, columns, panelWidth, blocks);
        Span<float> destination = packed._data.Span;
        destination.Clear();
        for (int row = 0; row < rows; row++)
        {
            int packedRow = packed.PackedRow(row);
            int panel = packedRow / panelWidth;
            int lane = packedRow % panelWidth;
            int panelStart = panel * packed.PanelStride;
            ReadOnlySpan<float> source = rowMajor.Slice(row * columns, columns);
            for (int k = 0; k < columns; k++)
            {
                destination[panelStart + (k * panelWidth) + lane] = source[k];
            }
        }

        return packed;
    }

    /// <summary>Where PyTorch's row <paramref name="row"/> sits among the packed (block-padded) rows.</summary>
    public int PackedRow(int row) => ((row / BlockRows) * PaddedBlockRows) + (row % BlockRows);
}
