using System.Diagnostics;
using System.Text.Json;
using Mtl.Analysis.Reports.Plotting;

namespace Mtl.Analysis.Reports;

/// <summary>
/// Runs the plotter (src/Mtl.Plots) as a child process. It lives in its own process because ScottPlot needs SkiaSharp 3
/// and ML.NET's ImageAnalytics needs SkiaSharp 2, and one process cannot load both.
/// </summary>
internal static class PlotterProcess
{
    /// <summary>Environment variable naming Mtl.Plots.dll explicitly.</summary>
    public const string PlotterVariable = "MTL_PLOTTER";

    /// <summary>How long one report's plots may take.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    /// <summary>Draws every plot into <paramref name="folder"/> as {name}.png and {name}.svg.</summary>
    public static void Draw(IReadOnlyList<PlotSpec> plots, string folder, string specsPath, int width, int height)
    {
        string plotter = LocatePlotter();
        string host = LocateDotnetHost();
        var input = new PlotterInput { Width = width, Height = height, Plots = plots.Select(ToPlotter).ToList() };
        File.WriteAllText(specsPath, JsonSerializer.Serialize(input, PlotterInput.JsonOptions));

        var start = new ProcessStartInfo(host)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "exec", plotter, specsPath, folder }) start.ArgumentList.Add(arg);

        using var process = Process.Start(start)
            ?? throw new InvalidOperationException($"The plotter could not be started ('{host} exec {plotter}').");
        // Read both pipes concurrently: a child blocked on a full pipe would never exit.
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"The plotter ('{plotter}') did not finish {plots.Count} plots within {Timeout.TotalMinutes:0} minutes.");
        }
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException(
                $"The plotter ('{host} exec {plotter}') failed with exit code {process.ExitCode}:{Environment.NewLine}"
                + stderr.Result.Trim() + (stdout.Result.Length > 0 ? Environment.NewLine + stdout.Result.Trim() : ""));

        foreach (PlotSpec plot in plots)
            foreach (string extension in new[] { ".png", ".svg" })
                if (!File.Exists(Path.Combine(folder, plot.Name + extension)))
                    throw new InvalidOperationException($"The plotter ('{plotter}') exited cleanly but did not write '{plot.Name}{extension}'.");
    }

    /// <summary>MTL_PLOTTER when set, else plotter/Mtl.Plots.dll beside this app (copied there by build/Plotter.targets).</summary>
    public static string LocatePlotter()
    {
        string? configured = Environment.GetEnvironmentVariable(PlotterVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            string full = Path.GetFullPath(configured);
            if (!File.Exists(full))
                throw new FileNotFoundException(
                    $"{PlotterVariable} names '{full}', which does not exist. Point it at a built Mtl.Plots.dll (dotnet build src/Mtl.Plots) or unset it to use the bundled plotter.",
                    full);
            return full;
        }
        string bundled = Path.Combine(AppContext.BaseDirectory, "plotter", "Mtl.Plots.dll");
        if (!File.Exists(bundled))
            throw new FileNotFoundException(
                $"The plotter was not found at '{bundled}'. Build the app with <BundlePlotter>true</BundlePlotter> in its project "
                + $"(build/Plotter.targets copies src/Mtl.Plots there), or set {PlotterVariable} to the path of Mtl.Plots.dll.",
                bundled);
        return bundled;
    }

    /// <summary>This process's host when it is dotnet, else DOTNET_HOST_PATH, else dotnet on PATH.</summary>
    public static string LocateDotnetHost()
    {
        string? own = Environment.ProcessPath;
        if (own is not null && IsDotnetHost(own)) return own;
        string? hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrWhiteSpace(hostPath) && File.Exists(hostPath)) return hostPath;
        string name = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException(
            "The dotnet host needed to run the plotter was not found: this process is not dotnet, DOTNET_HOST_PATH is not set, "
            + "and there is no dotnet on PATH. Put the .NET SDK's dotnet on PATH or set DOTNET_HOST_PATH.");
    }

    private static bool IsDotnetHost(string path) =>
        string.Equals(Path.GetFileNameWithoutExtension(path), "dotnet", StringComparison.OrdinalIgnoreCase);

    private static PlotterPlot ToPlotter(PlotSpec plot) => new()
    {
        Name = plot.Name,
        Title = plot.Title,
        XLabel = plot.XLabel,
        YLabel = plot.YLabel,
        LogX = plot.LogX,
        LogY = plot.LogY,
        Series = plot.Series.Select(s => new PlotterSeries
        {
            Label = s.Label ?? "",
            X = s.X,
            Y = s.Y,
            Style = s.Style switch
            {
                SeriesStyle.Line => PlotterStyle.Line,
                SeriesStyle.Scatter => PlotterStyle.Scatter,
                SeriesStyle.LineWithMarkers => PlotterStyle.LineWithMarkers,
                SeriesStyle.Step => PlotterStyle.Step,
                _ => throw new ArgumentException($"Plot '{plot.Name}': series style {s.Style} is not known to the plotter."),
            },
            Low = s.Low,
            High = s.High,
        }).ToList(),
        HorizontalLines = plot.HorizontalLines.Select(l => new PlotterLine { Y = l.Y, Label = l.Label ?? "" }).ToList(),
        XTickPositions = plot.XTickLabels.Select(t => t.X).ToArray(),
        XTickLabels = plot.XTickLabels.Select(t => t.Label ?? "").ToArray(),
        Heatmap = plot.Heatmap is not { } h ? null : new PlotterHeatmap
        {
            RowLabels = h.RowLabels,
            ColumnLabels = h.ColumnLabels,
            ColorbarLabel = h.ColorbarLabel ?? "",
            Values = Enumerable.Range(0, h.Values.GetLength(0))
                .Select(r => Enumerable.Range(0, h.Values.GetLength(1)).Select(c => h.Values[r, c]).ToArray()).ToArray(),
        },
    };
}
