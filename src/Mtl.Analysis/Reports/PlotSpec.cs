namespace Mtl.Analysis.Reports;

/// <summary>How a series is drawn.</summary>
public enum SeriesStyle
{
    /// <summary>A line through the points, no markers.</summary>
    Line,
    /// <summary>Markers only.</summary>
    Scatter,
    /// <summary>A line with markers.</summary>
    LineWithMarkers,
    /// <summary>A staircase line (a Pareto front).</summary>
    Step,
}

/// <summary>One series of a plot; <see cref="Low"/>/<see cref="High"/> (both or neither) draw a shaded band (spread over seeds, percentiles).</summary>
/// <param name="Label">Legend text.</param>
/// <param name="X">X values.</param>
/// <param name="Y">Y values (same length as X; NaN leaves a gap / no marker).</param>
/// <param name="Style">How it is drawn.</param>
/// <param name="Low">Lower edge of the band (same length), or null.</param>
/// <param name="High">Upper edge of the band (same length), or null.</param>
public sealed record PlotSeries(string Label, double[] X, double[] Y, SeriesStyle Style = SeriesStyle.Line, double[]? Low = null, double[]? High = null);

/// <summary>A plot: either line/scatter series on x–y axes, or a heatmap (<see cref="Heatmap"/> set, <see cref="Series"/> empty).</summary>
public sealed class PlotSpec
{
    /// <summary>Creates a plot.</summary>
    /// <param name="name">File stem: letters, digits, '-' and '_' only (plots/{name}.png and .svg).</param>
    /// <param name="title">Title drawn above the plot.</param>
    public PlotSpec(string name, string title)
    {
        if (string.IsNullOrEmpty(name) || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            throw new ArgumentException($"Plot name '{name}' must be a non-empty file stem of ASCII letters, digits, '-' and '_'.", nameof(name));
        Name = name;
        Title = title ?? "";
    }

    /// <summary>File stem.</summary>
    public string Name { get; }

    /// <summary>
    /// The plot drawn as an SVG document, as the report writer draws its files (ScottPlot, same styling): for a page that
    /// serves it directly (the web app's curves and evaluation plots).
    /// </summary>
    /// <param name="width">Width in pixels.</param>
    /// <param name="height">Height in pixels.</param>
    public string ToSvg(int width = 800, int height = 450)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 50);
        ArgumentOutOfRangeException.ThrowIfLessThan(height, 50);
        return PlotDrawer.Svg(this, width, height);
    }

    /// <summary>Title.</summary>
    public string Title { get; }

    /// <summary>X-axis label.</summary>
    public string XLabel { get; set; } = "";

    /// <summary>Y-axis label.</summary>
    public string YLabel { get; set; } = "";

    /// <summary>Logarithmic x axis (values must be positive).</summary>
    public bool LogX { get; set; }

    /// <summary>Logarithmic y axis (values must be positive).</summary>
    public bool LogY { get; set; }

    /// <summary>Horizontal reference lines (e.g. y = 1 for a ratio), with their labels.</summary>
    public List<(double Y, string Label)> HorizontalLines { get; } = new();

    /// <summary>
    /// Named x positions (e.g. one per method or per (method, task) pair): when set, the x axis shows exactly these labels
    /// at these positions instead of numbers. Not for log or heatmap axes.
    /// </summary>
    public List<(double X, string Label)> XTickLabels { get; } = new();

    /// <summary>The series (line/scatter plots).</summary>
    public List<PlotSeries> Series { get; } = new();

    /// <summary>The heatmap (heatmap plots), or null.</summary>
    public HeatmapData? Heatmap { get; set; }

    /// <summary>One sentence under the plot in the HTML report: what to read from it.</summary>
    public string Caption { get; set; } = "";
}

/// <summary>A heatmap: Values[row, column] with row and column labels; NaN cells are left blank.</summary>
/// <param name="RowLabels">Labels of the rows (top to bottom).</param>
/// <param name="ColumnLabels">Labels of the columns (left to right).</param>
/// <param name="Values">Rows × columns values.</param>
/// <param name="ColorbarLabel">What the colour means.</param>
public sealed record HeatmapData(string[] RowLabels, string[] ColumnLabels, double[,] Values, string ColorbarLabel);
