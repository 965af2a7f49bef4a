using System.Text.Json;
using System.Text.Json.Serialization;

// One source file compiled into both Mtl.Analysis (which writes it) and Mtl.Plots (which reads it), so the two processes
// agree on the format without either referencing the other.
namespace Mtl.Analysis.Reports.Plotting;

/// <summary>What the plotter process is asked to draw: every plot of one report, at one pixel size.</summary>
internal sealed class PlotterInput
{
    /// <summary>Image width in pixels (PNG; the SVG uses the same size).</summary>
    public int Width { get; set; } = 800;

    /// <summary>Image height in pixels.</summary>
    public int Height { get; set; } = 500;

    /// <summary>The plots, each drawn to {Name}.png and {Name}.svg.</summary>
    public List<PlotterPlot> Plots { get; set; } = new();

    /// <summary>NaN must survive the trip (it marks gaps and blank cells); JSON has no NaN, so named literals are allowed.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = false,
    };
}

/// <summary>How a series is drawn (mirrors <c>SeriesStyle</c>).</summary>
internal enum PlotterStyle
{
    /// <summary>Line, no markers.</summary>
    Line,
    /// <summary>Markers only.</summary>
    Scatter,
    /// <summary>Line and markers.</summary>
    LineWithMarkers,
    /// <summary>Staircase.</summary>
    Step,
}

/// <summary>One plot: series on x–y axes or one heatmap.</summary>
internal sealed class PlotterPlot
{
    /// <summary>File stem.</summary>
    public string Name { get; set; } = "";

    /// <summary>Title.</summary>
    public string Title { get; set; } = "";

    /// <summary>X-axis label.</summary>
    public string XLabel { get; set; } = "";

    /// <summary>Y-axis label.</summary>
    public string YLabel { get; set; } = "";

    /// <summary>Log10 x axis.</summary>
    public bool LogX { get; set; }

    /// <summary>Log10 y axis.</summary>
    public bool LogY { get; set; }

    /// <summary>Series.</summary>
    public List<PlotterSeries> Series { get; set; } = new();

    /// <summary>Horizontal reference lines.</summary>
    public List<PlotterLine> HorizontalLines { get; set; } = new();

    /// <summary>Positions of named x ticks (empty: numeric ticks).</summary>
    public double[] XTickPositions { get; set; } = [];

    /// <summary>Labels of the named x ticks, one per position.</summary>
    public string[] XTickLabels { get; set; } = [];

    /// <summary>The heatmap, or null.</summary>
    public PlotterHeatmap? Heatmap { get; set; }
}

/// <summary>One series, with an optional band.</summary>
internal sealed class PlotterSeries
{
    /// <summary>Legend text (empty: not in the legend).</summary>
    public string Label { get; set; } = "";

    /// <summary>X values.</summary>
    public double[] X { get; set; } = Array.Empty<double>();

    /// <summary>Y values (NaN: gap).</summary>
    public double[] Y { get; set; } = Array.Empty<double>();

    /// <summary>Drawing style.</summary>
    public PlotterStyle Style { get; set; }

    /// <summary>Band's lower edge, or null.</summary>
    public double[]? Low { get; set; }

    /// <summary>Band's upper edge, or null.</summary>
    public double[]? High { get; set; }
}

/// <summary>A horizontal reference line.</summary>
internal sealed class PlotterLine
{
    /// <summary>Where it is.</summary>
    public double Y { get; set; }

    /// <summary>Its legend text.</summary>
    public string Label { get; set; } = "";
}

/// <summary>A heatmap (jagged, because System.Text.Json has no 2-D arrays).</summary>
internal sealed class PlotterHeatmap
{
    /// <summary>Row labels, top to bottom.</summary>
    public string[] RowLabels { get; set; } = Array.Empty<string>();

    /// <summary>Column labels, left to right.</summary>
    public string[] ColumnLabels { get; set; } = Array.Empty<string>();

    /// <summary>Values[row][column]; NaN: blank cell.</summary>
    public double[][] Values { get; set; } = Array.Empty<double[]>();

    /// <summary>What the colour means.</summary>
    public string ColorbarLabel { get; set; } = "";
}
