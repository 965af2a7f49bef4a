namespace Mtl.Analysis.Reports;

/// <summary>
/// Checks a report before anything is written, so that a bad plot or table never leaves a half-written folder. Every
/// problem is listed in one <see cref="ArgumentException"/>, each naming the plot, table or run row.
/// </summary>
internal static class ReportValidator
{
    /// <summary>Heatmaps larger than this per side are a mistake (a transposed matrix, a per-sample dump), not a figure.</summary>
    public const int MaxHeatmapSide = 256;

    /// <summary>Throws <see cref="ArgumentException"/> listing every problem found.</summary>
    public static void Validate(StudyReport report)
    {
        var problems = new List<string>();
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (int i = 0; i < report.Plots.Count; i++)
        {
            PlotSpec? plot = report.Plots[i];
            if (plot is null) { problems.Add($"Plot #{i} is null."); continue; }
            if (!names.Add(plot.Name)) problems.Add($"Plot '{plot.Name}': another plot has the same name (file names would collide).");
            CheckPlot(plot, problems);
        }
        for (int i = 0; i < report.Tables.Count; i++) CheckTable(report.Tables[i], i, problems);
        for (int i = 0; i < report.Verdicts.Count; i++)
            if (report.Verdicts[i] is null || string.IsNullOrWhiteSpace(report.Verdicts[i].Claim))
                problems.Add($"Verdict #{i} has no claim.");
        for (int i = 0; i < report.Runs.Count; i++) CheckRun(report.Runs[i], i, problems);

        if (problems.Count > 0)
            throw new ArgumentException(
                $"Report '{report.Study}' cannot be written ({problems.Count} problem{(problems.Count == 1 ? "" : "s")}; nothing was written):"
                + Environment.NewLine + string.Join(Environment.NewLine, problems.Select(p => "  - " + p)),
                nameof(report));
    }

    private static void CheckPlot(PlotSpec plot, List<string> problems)
    {
        string where = $"Plot '{plot.Name}'";
        if (plot.Heatmap is not null)
        {
            if (plot.Series.Count > 0) problems.Add($"{where}: has both a heatmap and {plot.Series.Count} series; a plot is one or the other.");
            if (plot.LogX || plot.LogY) problems.Add($"{where}: a heatmap cannot have a log axis.");
            if (plot.HorizontalLines.Count > 0) problems.Add($"{where}: a heatmap cannot have horizontal reference lines.");
            if (plot.XTickLabels.Count > 0) problems.Add($"{where}: a heatmap names its columns in HeatmapData.ColumnLabels, not in XTickLabels.");
            CheckHeatmap(plot.Heatmap, where, problems);
            return;
        }
        if (plot.Series.Count == 0) problems.Add($"{where}: has neither series nor a heatmap.");
        for (int s = 0; s < plot.Series.Count; s++)
        {
            PlotSeries? series = plot.Series[s];
            if (series is null) { problems.Add($"{where}: series #{s} is null."); continue; }
            CheckSeries(series, $"{where}, series '{series.Label}' (#{s})", plot, problems);
        }
        if (plot.XTickLabels.Count > 0 && plot.LogX) problems.Add($"{where}: named x ticks cannot go on a logarithmic x axis.");
        foreach ((double x, string label) in plot.XTickLabels)
            if (!double.IsFinite(x)) problems.Add($"{where}: x tick '{label}' is at x = {N(x)}; it must be finite.");
        foreach ((double y, string label) in plot.HorizontalLines)
        {
            if (!double.IsFinite(y)) problems.Add($"{where}: reference line '{label}' is at y = {N(y)}; it must be finite.");
            else if (plot.LogY && y <= 0) problems.Add($"{where}: reference line '{label}' is at y = {N(y)}, but the y axis is logarithmic (values must be > 0).");
        }
    }

    private static void CheckSeries(PlotSeries series, string where, PlotSpec plot, List<string> problems)
    {
        if (series.X is null || series.Y is null) { problems.Add($"{where}: X and Y must both be given."); return; }
        if (!Enum.IsDefined(series.Style)) problems.Add($"{where}: style {(int)series.Style} is not a SeriesStyle.");
        if (series.X.Length == 0) problems.Add($"{where}: has no points.");
        if (series.X.Length != series.Y.Length)
            problems.Add($"{where}: has {series.X.Length} X values but {series.Y.Length} Y values; they must agree.");
        if ((series.Low is null) != (series.High is null))
            problems.Add($"{where}: a band needs both Low and High (only {(series.Low is null ? "High" : "Low")} is given).");
        foreach ((string edge, double[]? values) in new[] { ("Low", series.Low), ("High", series.High) })
            if (values is not null && values.Length != series.X.Length)
                problems.Add($"{where}: band edge {edge} has {values.Length} values but X has {series.X.Length}; the band must be complete.");

        CheckAxisValues(series.X, "X", plot.LogX, "x", where, problems);
        CheckAxisValues(series.Y, "Y", plot.LogY, "y", where, problems);
        if (series.Low is not null) CheckAxisValues(series.Low, "Low", plot.LogY, "y", where, problems);
        if (series.High is not null) CheckAxisValues(series.High, "High", plot.LogY, "y", where, problems);
        if (series.Low is not null && series.High is not null && series.Low.Length == series.High.Length)
        {
            int swapped = Enumerable.Range(0, series.Low.Length).FirstOrDefault(i => series.Low[i] > series.High[i], -1);
            if (swapped >= 0)
                problems.Add($"{where}: band Low[{swapped}] = {N(series.Low[swapped])} is above High[{swapped}] = {N(series.High[swapped])}; are the edges swapped?");
        }
    }

    private static void CheckAxisValues(double[] values, string array, bool log, string axis, string where, List<string> problems)
    {
        int infinite = Array.FindIndex(values, double.IsInfinity);
        if (infinite >= 0) problems.Add($"{where}: {array}[{infinite}] is {N(values[infinite])}; use NaN for a gap, infinities cannot be drawn.");
        if (log)
        {
            int bad = Array.FindIndex(values, v => v <= 0);
            if (bad >= 0) problems.Add($"{where}: {array}[{bad}] = {N(values[bad])}, but the {axis} axis is logarithmic (values must be > 0; use NaN for a gap).");
        }
    }

    private static void CheckHeatmap(HeatmapData heatmap, string where, List<string> problems)
    {
        if (heatmap.Values is null || heatmap.RowLabels is null || heatmap.ColumnLabels is null)
        {
            problems.Add($"{where}: the heatmap needs values, row labels and column labels.");
            return;
        }
        int rows = heatmap.Values.GetLength(0), columns = heatmap.Values.GetLength(1);
        if (rows == 0 || columns == 0) problems.Add($"{where}: the heatmap is empty ({rows}×{columns}).");
        if (rows > MaxHeatmapSide || columns > MaxHeatmapSide)
            problems.Add($"{where}: the heatmap is {rows}×{columns}; at most {MaxHeatmapSide} per side can be read as a figure.");
        if (heatmap.RowLabels.Length != rows) problems.Add($"{where}: the heatmap has {rows} rows but {heatmap.RowLabels.Length} row labels.");
        if (heatmap.ColumnLabels.Length != columns) problems.Add($"{where}: the heatmap has {columns} columns but {heatmap.ColumnLabels.Length} column labels.");
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++)
                if (double.IsInfinity(heatmap.Values[r, c]))
                {
                    problems.Add($"{where}: heatmap cell [{r}, {c}] is {N(heatmap.Values[r, c])}; use NaN for a blank cell.");
                    return;
                }
    }

    /// <summary>Numbers in messages print the same on every machine.</summary>
    private static string N(double value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private static void CheckTable(ReportTable? table, int index, List<string> problems)
    {
        if (table is null) { problems.Add($"Table #{index} is null."); return; }
        string where = $"Table '{table.Title}' (#{index})";
        if (table.Columns is null || table.Columns.Count == 0) { problems.Add($"{where}: has no columns."); return; }
        if (table.Rows is null) { problems.Add($"{where}: has no row list."); return; }
        try
        {
            _ = 1.5.ToString(table.Format, System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (FormatException)
        {
            problems.Add($"{where}: '{table.Format}' is not a numeric format for floating-point cells (e.g. \"G4\", \"F3\"; \"D\" and \"X\" are for integers only).");
        }
        for (int r = 0; r < table.Rows.Count; r++)
        {
            IReadOnlyList<object?>? row = table.Rows[r];
            if (row is null) { problems.Add($"{where}: row {r} is null."); continue; }
            if (row.Count != table.Columns.Count)
                problems.Add($"{where}: row {r} has {row.Count} cells but the table has {table.Columns.Count} columns.");
            for (int c = 0; c < row.Count; c++)
                if (!ReportCells.IsSupported(row[c]))
                    problems.Add($"{where}: row {r}, cell {c} is a {row[c]!.GetType().Name}; cells are string, number, bool or null.");
        }
    }

    private static void CheckRun(IReadOnlyDictionary<string, object?>? run, int index, List<string> problems)
    {
        if (run is null) { problems.Add($"Run row {index} is null."); return; }
        foreach ((string key, object? value) in run)
        {
            if (string.IsNullOrEmpty(key)) problems.Add($"Run row {index} has an empty key.");
            if (!ReportCells.IsSupported(value))
                problems.Add($"Run row {index}, key '{key}' is a {value!.GetType().Name}; run values are string, number, bool or null.");
        }
    }
}
