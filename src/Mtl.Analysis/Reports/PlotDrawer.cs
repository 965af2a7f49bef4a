using System.Globalization;
using ScottPlot;

namespace Mtl.Analysis.Reports;

/// <summary>
/// Draws one <see cref="PlotSpec"/> with ScottPlot, in this process, into a PNG and an SVG, styled for a paper: large
/// fonts, legend outside the data. (ScottPlot 5 and ML.NET 6's ImageAnalytics share SkiaSharp 3.)
/// </summary>
internal static class PlotDrawer
{
    private const float TitleSize = 18, LabelSize = 15, TickSize = 13, LegendSize = 13;
    private const int MaxLabelledCells = 400;

    /// <summary>Draws <paramref name="spec"/> to <paramref name="pathWithoutExtension"/>.png and .svg.</summary>
    public static void Draw(PlotSpec spec, string pathWithoutExtension, int width, int height)
    {
        using Plot plot = Build(spec);
        plot.SavePng(pathWithoutExtension + ".png", width, height);
        plot.SaveSvg(pathWithoutExtension + ".svg", width, height);
    }

    /// <summary><paramref name="spec"/> as an SVG document (for a web page that serves it without a file).</summary>
    public static string Svg(PlotSpec spec, int width, int height)
    {
        using Plot plot = Build(spec);
        return plot.GetSvgXml(width, height);
    }

    private static Plot Build(PlotSpec spec)
    {
        var plot = new Plot();
        plot.Font.Set("DejaVu Sans");
        plot.Title(spec.Title, TitleSize);
        plot.XLabel(spec.XLabel, LabelSize);
        plot.YLabel(spec.YLabel, LabelSize);
        plot.Axes.Bottom.TickLabelStyle.FontSize = TickSize;
        plot.Axes.Left.TickLabelStyle.FontSize = TickSize;

        if (spec.Heatmap is not null) DrawHeatmap(plot, spec.Heatmap);
        else DrawSeries(plot, spec);
        return plot;
    }

    private static void DrawSeries(Plot plot, PlotSpec spec)
    {
        IPalette palette = new ScottPlot.Palettes.Category10();
        Func<double, double> tx = spec.LogX ? Math.Log10 : v => v;
        Func<double, double> ty = spec.LogY ? Math.Log10 : v => v;
        bool anyLegend = false;

        for (int s = 0; s < spec.Series.Count; s++)
        {
            PlotSeries series = spec.Series[s];
            Color color = palette.GetColor(s);
            double[] x = series.X.Select(tx).ToArray();
            double[] y = series.Y.Select(ty).ToArray();
            if (series.Low is not null && series.High is not null)
                DrawBand(plot, x, series.Low.Select(ty).ToArray(), series.High.Select(ty).ToArray(), color);

            // NaN marks a gap: draw each finite run as its own piece, only the first one carries the legend entry.
            bool labelled = false;
            foreach ((int start, int length) in FiniteRuns(x, y))
            {
                var piece = plot.Add.Scatter(x[start..(start + length)], y[start..(start + length)], color);
                Style(piece, series.Style);
                if (!labelled && !string.IsNullOrEmpty(series.Label))
                {
                    piece.LegendText = series.Label;
                    labelled = anyLegend = true;
                }
            }
        }

        foreach ((double lineY, string? lineLabel) in spec.HorizontalLines)
        {
            var reference = plot.Add.HorizontalLine(ty(lineY), 1.5f, Colors.Black.WithAlpha(0.7), LinePattern.Dashed);
            if (!string.IsNullOrEmpty(lineLabel))
            {
                reference.LegendText = lineLabel;
                anyLegend = true;
            }
        }

        if (spec.LogX) UseLogTicks(plot.Axes.Bottom, spec.Series.SelectMany(s => s.X));
        else if (spec.XTickLabels.Count > 0)
        {
            string[] names = spec.XTickLabels.Select(t => t.Label ?? "").ToArray();
            plot.Axes.Bottom.SetTicks(spec.XTickLabels.Select(t => t.X).ToArray(), names);
            // Named ticks that would run into each other (≈ 0.62 em per character over the ≈ 60 ems of the data area) slant.
            if (names.Sum(l => l.Length + 2) > 60) SlantBottomLabels(plot, names);
        }
        if (spec.LogY)
            UseLogTicks(plot.Axes.Left, spec.Series.SelectMany(s => s.Y.Concat(s.Low ?? []).Concat(s.High ?? []))
                .Concat(spec.HorizontalLines.Select(l => l.Y)));
        plot.Axes.Margins(0.05, 0.08);
        if (anyLegend)
        {
            // Outside the data area, so it never hides a point.
            plot.ShowLegend(Edge.Right);
            plot.Legend.FontSize = LegendSize;
        }
    }

    private static void Style(ScottPlot.Plottables.Scatter piece, SeriesStyle style)
    {
        piece.LineWidth = style == SeriesStyle.Scatter ? 0 : 2;
        piece.MarkerSize = style is SeriesStyle.Scatter or SeriesStyle.LineWithMarkers ? 7 : 0;
        if (style == SeriesStyle.Step) piece.ConnectStyle = ConnectStyle.StepHorizontal;
    }

    private static void DrawBand(Plot plot, double[] x, double[] low, double[] high, Color color)
    {
        foreach ((int start, int length) in FiniteRuns(x, low, high))
        {
            var band = plot.Add.FillY(x[start..(start + length)], low[start..(start + length)], high[start..(start + length)]);
            band.FillColor = color.WithAlpha(0.22);
            band.LineWidth = 0;
        }
    }

    /// <summary>Maximal index runs where every given array is finite.</summary>
    private static IEnumerable<(int Start, int Length)> FiniteRuns(params double[][] arrays)
    {
        int n = arrays[0].Length, start = -1;
        for (int i = 0; i <= n; i++)
        {
            bool finite = i < n && arrays.All(a => double.IsFinite(a[i]));
            if (finite && start < 0) start = i;
            else if (!finite && start >= 0)
            {
                yield return (start, i - start);
                start = -1;
            }
        }
    }

    /// <summary>
    /// The data are drawn as log10 values; ticks are placed by hand on 1·10^k (and on 2·10^k, 5·10^k when the data span
    /// under three decades, so a short axis still has readable numbers), labelled with the original values, with minor
    /// ticks on the other multiples.
    /// </summary>
    private static void UseLogTicks(IAxis axis, IEnumerable<double> values)
    {
        double[] finite = values.Where(v => double.IsFinite(v) && v > 0).ToArray();
        if (finite.Length == 0) return;
        int low = (int)Math.Floor(Math.Log10(finite.Min())), high = (int)Math.Ceiling(Math.Log10(finite.Max()));
        if (high == low) high++;
        int[] majors = high - low < 3 ? new[] { 1, 2, 5 } : new[] { 1 };
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (int k = low; k <= high; k++)
            for (int m = 1; m <= 9; m++)
            {
                double value = m * Math.Pow(10, k);
                if (majors.Contains(m)) ticks.AddMajor(Math.Log10(value), TickLabel(m, k));
                else ticks.AddMinor(Math.Log10(value));
            }
        axis.TickGenerator = ticks;
    }

    private static string TickLabel(int mantissa, int exponent) =>
        exponent is >= -3 and <= 4
            ? (mantissa * Math.Pow(10, exponent)).ToString("0.###", CultureInfo.InvariantCulture)
            : mantissa.ToString(CultureInfo.InvariantCulture) + "e" + exponent.ToString(CultureInfo.InvariantCulture);

    private static void DrawHeatmap(Plot plot, HeatmapData spec)
    {
        // ReportValidator has checked the shape and the labels; ScottPlot keeps the array, so it gets a copy.
        double[,] values = (double[,])spec.Values.Clone();
        int rows = values.GetLength(0), columns = values.GetLength(1);

        var heatmap = plot.Add.Heatmap(values);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.NaNCellColor = Colors.Transparent;
        // ScottPlot centres cell (r, c) on x = c, y = rows − 1 − r: row 0 at the top, as in a table.
        var colorbar = plot.Add.ColorBar(heatmap);
        colorbar.Label = spec.ColorbarLabel ?? "";
        colorbar.LabelStyle.FontSize = LabelSize;

        double[] finite = values.Cast<double>().Where(double.IsFinite).ToArray();
        double min = finite.Length > 0 ? finite.Min() : 0, max = finite.Length > 0 ? finite.Max() : 1;
        // A constant map would give the colorbar an empty range (no ticks): centre the value in a unit range instead.
        if (max == min) heatmap.ManualRange = new ScottPlot.Range(min - 1, max + 1);
        if (rows * columns <= MaxLabelledCells)
        {
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < columns; c++)
                {
                    double v = values[r, c];
                    if (!double.IsFinite(v)) continue;
                    var text = plot.Add.Text(v.ToString("G3", CultureInfo.InvariantCulture), c, rows - 1 - r);
                    text.LabelAlignment = Alignment.MiddleCenter;
                    text.LabelFontSize = rows * columns <= 60 ? 13 : 10;
                    // Viridis is dark at the low end: white text there, black on the bright end.
                    double t = max > min ? (v - min) / (max - min) : 0.5;
                    text.LabelFontColor = t < 0.6 ? Colors.White : Colors.Black;
                }
        }

        plot.Axes.Bottom.SetTicks(Enumerable.Range(0, columns).Select(c => (double)c).ToArray(), spec.ColumnLabels);
        plot.Axes.Left.SetTicks(Enumerable.Range(0, rows).Select(r => (double)(rows - 1 - r)).ToArray(), spec.RowLabels);
        if (spec.ColumnLabels.Any(l => l.Length > 6)) SlantBottomLabels(plot, spec.ColumnLabels);
        plot.Axes.SetLimits(-0.5, columns - 0.5, -0.5, rows - 0.5);
        plot.Grid.IsVisible = false;
    }

    /// <summary>Long tick names slant down to the right from their tick; the axis grows to hold the longest one.</summary>
    private static void SlantBottomLabels(Plot plot, IReadOnlyList<string> labels)
    {
        plot.Axes.Bottom.TickLabelStyle.Rotation = 40;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        int longest = labels.Max(l => l.Length);
        plot.Axes.Bottom.MinimumSize = (float)(Math.Sin(40 * Math.PI / 180) * longest * TickSize * 0.62 + 2.5 * LabelSize);
    }
}
