namespace HighPerfRnn.Packing;

/// <summary>
/// A weight matrix W (rows = outputs, columns = inputs, as PyTorch stores <c>weight_ih</c> and <c>weight_hh</c>)
/// repacked once at load time into column panels for the product y = W·x.
/// </summary>
/// <remarks>
/// Layout: the output rows are cut into panels of <see cref="PanelWidth"/> (one SIMD vector, 16/8/4/1 floats
/// for the 512/256/128-bit/scalar paths); panel p stores, for each input k in order, the PanelWidth weights
/// W[p·PanelWidth + j, k]. The kernel then computes a whole panel of outputs with broadcast(x[k]) × panel[k]
/// FMAs, streaming the panel front to back with no horizontal sums (the layout RTNeural and BLIS use). The
/// last panel is padded with zero rows, so every panel is a whole vector and outputs past <see cref="Rows"/> are 0.
/// </remarks>
internal sealed class PackedMatrix
{
    private readonly AlignedBuffer _data;

    private PackedMatrix(int rows, int columns, int panelWidth)
    {
        Rows = rows;
        Columns = columns;
        PanelWidth = panelWidth;
        PanelCount = (rows + panelWidth - 1) / panelWidth;
        _data = new AlignedBuffer(checked(PanelCount * panelWidth * columns));
    }

    /// <summary>Outputs (PyTorch's first dimension).</summary>
    public int Rows { get; }

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

    /// <summary>
    /// <paramref name="count"/> rounded up to whole panels of <paramref name="panelWidth"/>: the length every padded
    /// row (pre-activations, scratch) has, so that kernels can load and store whole vectors.
    /// </summary>
    public static int PadToPanels(int count, int panelWidth) => (count + panelWidth - 1) / panelWidth * panelWidth;

    /// <summary>Packs a row-major <paramref name="rows"/> × <paramref name="columns"/> matrix.</summary>
    public static PackedMatrix Pack(ReadOnlySpan<float> rowMajor, int rows, int columns, int panelWidth)
    {
        if (rowMajor.Length != checked(rows * columns))
        {
            throw new ArgumentException($"Expected {rows} × {columns} = {rows * columns} weights, got {rowMajor.Length}.", nameof(rowMajor));
        }

        var packed = new PackedMatrix(rows, columns, panelWidth);
        Span<float> destination = packed._data.Span;
        destination.Clear();
        for (int row = 0; row < rows; row++)
        {
            int panel = row / panelWidth;
            int lane = row % panelWidth;
            int panelStart = panel * packed.PanelStride;
            ReadOnlySpan<float> source = rowMajor.Slice(row * columns, columns);
            for (int k = 0; k < columns; k++)
            {
                destination[panelStart + (k * panelWidth) + lane] = source[k];
            }
        }

        return packed;
    }
}
