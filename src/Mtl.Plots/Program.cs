using System.Text.Json;
using Mtl.Analysis.Reports.Plotting;

namespace Mtl.Plots;

/// <summary>Entry point: <c>dotnet Mtl.Plots.dll &lt;specs.json&gt; &lt;outdir&gt;</c> draws every plot to outdir/{name}.png and .svg.</summary>
public static class Program
{
    /// <summary>Draws the plots; exit code 0 on success, 2 for bad arguments, 1 for any other failure (message on stderr).</summary>
    public static int Main(string[] args)
    {
        if (args.Length != 2)
        {
            Console.Error.WriteLine("usage: dotnet Mtl.Plots.dll <specs.json> <output folder>");
            return 2;
        }
        try
        {
            PlotterInput input = JsonSerializer.Deserialize<PlotterInput>(File.ReadAllText(args[0]), PlotterInput.JsonOptions)
                ?? throw new InvalidDataException($"'{args[0]}' holds no plot specs (JSON null).");
            if (input.Width < 100 || input.Height < 100)
                throw new InvalidDataException($"Image size {input.Width}×{input.Height} in '{args[0]}' is too small (at least 100×100).");
            Directory.CreateDirectory(args[1]);
            foreach (PlotterPlot plot in input.Plots)
            {
                try
                {
                    PlotDrawer.Draw(plot, Path.Combine(args[1], plot.Name), input.Width, input.Height);
                }
                catch (Exception e)
                {
                    throw new InvalidOperationException($"Plot '{plot.Name}' could not be drawn: {e.Message}", e);
                }
            }
            return 0;
        }
        catch (Exception e)
        {
            Console.Error.WriteLine($"Mtl.Plots: {e.Message}");
            Console.Error.WriteLine(e);
            return 1;
        }
    }
}
