using System.Globalization;
using System.Text.RegularExpressions;
using ScottPlot;
using ScottPlot.TickGenerators;
using SkiaSharp;

namespace HighPerfRnn.Benchmarks.Reporting;

/// <summary>HighPerfRnn's speed-up over ONNX Runtime at one grid point (ONNX Runtime's time ÷ ours) for each model, and the issue's target (null: none).</summary>
public sealed record SpeedUpBar(string Point, double RuntimeSized, double Generated, double? Target);

/// <summary>At one grid point, the limit's time as a percent of HighPerfRnn's time, and which limit that is ("FMA peak", "L2 streaming").</summary>
public sealed record LimitBar(string Point, double PercentOfLimit, string LimitKind);

/// <summary>
/// The report's charts, drawn with ScottPlot and written as SVG: the markdown embeds them and they diff as text.
/// Horizontal bars with one row per point, the first point at the top, so the points read in the order of the report's tables.
/// </summary>
public static partial class ReportCharts
{
    private const int Width = 900;

    /// <summary>
    /// An installed sans-serif font, or null for ScottPlot's default. The Skia that ScottPlot brings on Linux is built without
    /// fontconfig, so its default font is the first one it finds under /usr/share/fonts: on Debian 12, DejaVu Serif.
    /// </summary>
    private static readonly string? SansSerifFont = new[] { "DejaVu Sans", "Liberation Sans", "Noto Sans", "Arial", "Helvetica", "Segoe UI" }
        .FirstOrDefault(SKFontManager.Default.FontFamilies.Contains);

    private static readonly Color RuntimeSizedColor = Color.FromHex("#1f77b4");
    private static readonly Color GeneratedColor = Color.FromHex("#ff7f0e");

    /// <summary>Grouped bars of the speed-up per point on a log axis, the target marked per point and a line at 1×.</summary>
    public static void WriteSpeedUp(string svgPath, IReadOnlyList<SpeedUpBar> points, string cpu)
    {
        using Plot plot = NewPlot("HighPerfRnn speed-up over ONNX Runtime (1 thread)", cpu, points.Select(p => p.Point).ToList());

        // ScottPlot has no log axis: the bars hold log10 of the speed-up and the ticks are placed at log10 of round values.
        // A bar then starts at log10(1) = 0, so a point slower than ONNX Runtime shows as a bar to the left of the 1× line.
        var bars = new List<Bar>();
        for (int i = 0; i < points.Count; i++)
        {
            double row = RowPosition(i, points.Count);
            bars.Add(SpeedUpBarAt(row + 0.2, points[i].RuntimeSized, RuntimeSizedColor));
            bars.Add(SpeedUpBarAt(row - 0.2, points[i].Generated, GeneratedColor));
        }

        AddBars(plot, bars);

        // The targets after the bars, so that they are drawn over them.
        var logValues = bars.Select(b => b.Value).Append(0).ToList();
        for (int i = 0; i < points.Count; i++)
        {
            if (points[i].Target is { } target)
            {
                double row = RowPosition(i, points.Count);
                var marker = plot.Add.Line(Math.Log10(target), row - 0.45, Math.Log10(target), row + 0.45);
                marker.LineWidth = 3;
                marker.LineColor = Colors.Black;
                logValues.Add(Math.Log10(target));
            }
        }

        plot.Add.VerticalLine(0, 1.5f, Colors.Gray, LinePattern.Dashed);

        // Room for the value labels past the ends of the bars: on the left only when a point is slower than ONNX Runtime.
        double left = logValues.Min() - (logValues.Min() < 0 ? 0.12 : 0.05), right = logValues.Max() + 0.2;
        plot.Axes.Bottom.TickGenerator = LogTicks(left, right);
        plot.Axes.Bottom.Label.Text = "speed-up: ONNX Runtime's median ÷ HighPerfRnn's (log scale; higher is better)";
        plot.Axes.SetLimitsX(left, right);
        plot.Legend.ManualItems.AddRange(
        [
            FillItem("runtime-sized", RuntimeSizedColor),
            FillItem("generated", GeneratedColor),
            LineItem("target", Colors.Black, 3, LinePattern.Solid),
            LineItem("1× (as fast as ONNX Runtime)", Colors.Gray, 1.5f, LinePattern.Dashed),
        ]);
        Save(plot, svgPath, points.Count, rowHeight: 50);
    }

    /// <summary>Bars of the percent of the limit per point, coloured by the kind of limit, with the targets as lines, on a 0–100% axis.</summary>
    public static void WriteLimit(string svgPath, IReadOnlyList<LimitBar> points, string cpu)
    {
        using Plot plot = NewPlot("% of the machine's limit per point", cpu, points.Select(p => p.Point).ToList());

        // Kinds sorted by name, so a kind keeps its colour when another kind joins the chart.
        var kinds = points.Select(p => p.LimitKind).Distinct().Order(StringComparer.Ordinal).ToList();
        var bars = points.Select((point, i) => new Bar
        {
            Position = RowPosition(i, points.Count),
            Value = point.PercentOfLimit,
            Size = 0.7,
            FillColor = KindColor(kinds.IndexOf(point.LimitKind)),
            Label = point.PercentOfLimit.ToString("F0", CultureInfo.InvariantCulture) + "%",
            Orientation = Orientation.Horizontal,
        }).ToList();
        AddBars(plot, bars);
        plot.Add.VerticalLine(PointLimit.FmaBoundTargetPercent, 1.5f, Colors.Black, LinePattern.Dashed);
        plot.Add.VerticalLine(PointLimit.L2BoundTargetPercent, 1.5f, Colors.Black, LinePattern.Dotted);

        // 0–100%, wider only when noise in the measured peak puts a point past its limit; room for the value labels.
        double right = Math.Max(100, points.Count == 0 ? 0 : points.Max(p => p.PercentOfLimit)) + 10;
        var ticks = new NumericManual();
        for (int percent = 0; percent <= right; percent += 10)
        {
            ticks.AddMajor(percent, percent.ToString(CultureInfo.InvariantCulture) + "%");
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.Bottom.Label.Text = "limit's time ÷ HighPerfRnn's better median (100% = at the limit)";
        plot.Axes.SetLimitsX(0, right);
        plot.Legend.ManualItems.AddRange(kinds.Select((kind, k) => FillItem(kind, KindColor(k))));
        plot.Legend.ManualItems.AddRange(
        [
            LineItem($"{PointLimit.FmaBoundTargetPercent}% target (FMA-bound)", Colors.Black, 1.5f, LinePattern.Dashed),
            LineItem($"{PointLimit.L2BoundTargetPercent}% target (L2-bound)", Colors.Black, 1.5f, LinePattern.Dotted),
        ]);
        Save(plot, svgPath, points.Count, rowHeight: 34);
    }

    /// <summary>A plot with the title, the CPU as a subtitle, one row per point named on the left axis, and the legend below.</summary>
    private static Plot NewPlot(string title, string cpu, List<string> pointNames)
    {
        // On a machine without font files (a bare Debian has none) Skia has one font, nameless and empty, and draws no text at all.
        if (SKFontManager.Default.FontFamilies.All(string.IsNullOrEmpty))
        {
            throw new InvalidOperationException("No font found under /usr/share/fonts, so the charts would have no text: on Debian, apt-get install fonts-dejavu-core.");
        }

        // Read by every label as it is created.
        Fonts.Default = SansSerifFont ?? Fonts.Default;
        var plot = new Plot();
        plot.Title(title);

        // A second title panel: added panels sit between the axes and the title, so this one lands right under the title.
        var subtitle = new ScottPlot.Panels.TitlePanel { VerticalPadding = 4 };
        subtitle.Label.Text = "CPU: " + cpu;
        subtitle.Label.FontSize = 12;
        subtitle.Label.Bold = false;
        plot.Axes.AddPanel(subtitle);
        plot.Axes.Bottom.Label.FontSize = 13;
        plot.Axes.Bottom.Label.Bold = false;

        var names = new NumericManual();
        for (int i = 0; i < pointNames.Count; i++)
        {
            names.AddMajor(RowPosition(i, pointNames.Count), pointNames[i]);
        }

        plot.Axes.Left.TickGenerator = names;
        plot.Axes.Left.MajorTickStyle.Length = 0;
        plot.Axes.Left.TickLabelStyle.FontSize = 13;
        plot.Axes.SetLimitsY(-0.6, pointNames.Count - 0.4);

        // Grid lines only across the value axis: rows need none.
        plot.Grid.YAxisStyle.MajorLineStyle.IsVisible = false;
        plot.Grid.XAxisStyle.MinorLineStyle.Width = 1;
        plot.Grid.XAxisStyle.MinorLineStyle.Color = Colors.Black.WithOpacity(0.05);
        plot.ShowLegend(Edge.Bottom);
        plot.Legend.TightHorizontalWrapping = true;
        return plot;
    }

    private static void AddBars(Plot plot, List<Bar> bars)
    {
        var barPlot = plot.Add.Bars(bars);
        barPlot.ValueLabelStyle.FontSize = 11;

        // Value labels drawn last, on white, so that a target line next to a bar's end does not cross its label.
        barPlot.LabelsOnTop = true;
        barPlot.ValueLabelStyle.BackgroundColor = Colors.White;
    }

    /// <summary>Row i of n, counted from the top: ScottPlot's y axis grows upwards.</summary>
    private static double RowPosition(int i, int count) => count - 1 - i;

    private static Bar SpeedUpBarAt(double position, double speedUp, Color color) => new()
    {
        Position = position,
        Value = Math.Log10(speedUp),
        Size = 0.38,
        FillColor = color,
        Label = speedUp.ToString("F1", CultureInfo.InvariantCulture) + "×",
        Orientation = Orientation.Horizontal,
    };

    /// <summary>Ticks for an axis holding log10 of a ratio: labelled at 1, 2 and 5 of each decade, minor ticks at the other whole multiples.</summary>
    private static NumericManual LogTicks(double lowLog, double highLog)
    {
        var ticks = new NumericManual();
        for (int decade = (int)Math.Floor(lowLog); decade <= (int)Math.Ceiling(highLog); decade++)
        {
            for (int multiple = 1; multiple <= 9; multiple++)
            {
                double value = multiple * Math.Pow(10, decade);
                double position = Math.Log10(value);
                if (position < lowLog || position > highLog)
                {
                    continue;
                }

                if (multiple is 1 or 2 or 5)
                {
                    ticks.AddMajor(position, value.ToString("0.##", CultureInfo.InvariantCulture) + "×");
                }
                else
                {
                    ticks.AddMinor(position);
                }
            }
        }

        return ticks;
    }

    /// <summary>The colour of the k-th kind of limit: the colour-blind-friendly palette past its first colour, black, which would hide the target lines.</summary>
    private static Color KindColor(int k) => new ScottPlot.Palettes.ColorblindFriendly().GetColor(k + 1);

    private static LegendItem FillItem(string label, Color color) => new() { LabelText = label, FillColor = color };

    private static LegendItem LineItem(string label, Color color, float width, LinePattern pattern) =>
        new() { LabelText = label, LineColor = color, LineWidth = width, LinePattern = pattern };

    /// <summary>
    /// Writes the SVG, its height growing with the number of rows, with two repairs of the text that Skia writes: a generic
    /// sans-serif after the one font it measured with (DejaVu Sans is rare outside Linux, and a viewer without it would take a
    /// serif font), and no trailing comma in the glyph positions (x="1, 7, "), with which Firefox ignores them (ScottPlot issue 5246).
    /// </summary>
    private static void Save(Plot plot, string svgPath, int rows, int rowHeight)
    {
        string svg = plot.GetSvgXml(Width, 170 + (rows * rowHeight));
        svg = FontFamily().Replace(svg, "font-family=\"$1, sans-serif\"");
        svg = TrailingCommaInPositions().Replace(svg, "$1\"");
        File.WriteAllText(svgPath, svg);
    }

    [GeneratedRegex("font-family=\"([^\"]*)\"")]
    private static partial Regex FontFamily();

    [GeneratedRegex("( [xy]=\"[^\"]*?),\\s*\"")]
    private static partial Regex TrailingCommaInPositions();
}
