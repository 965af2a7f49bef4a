using System.Globalization;
using System.Text;
using Mtl.Analysis.AutoTrain;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.Tests.AutoTrain;

/// <summary>A small synthetic table (two numbers, a category; a multiclass and a regression label) and a run over it.</summary>
internal static class AutoTrainTestData
{
    public static string WriteTable(string path, int rows = 160, int seed = 4)
    {
        var random = new Random(seed);
        string[] colours = ["red", "green", "blue"];
        var text = new StringBuilder("x,y,colour,tier,size\n");
        for (int i = 0; i < rows; i++)
        {
            double x = random.NextDouble() * 4 - 2, y = random.NextDouble() * 4 - 2;
            int colour = random.Next(3);
            string tier = x + (colour == 0 ? 1 : 0) > 0.5 ? "high" : x > -0.8 ? "mid" : "low";
            double size = 3 * x - 2 * y + colour + random.NextDouble() * 0.1;
            text.Append(CultureInfo.InvariantCulture, $"{x:F4},{y:F4},{colours[colour]},{(i % 9 == 0 ? "" : tier)},{size:F3}\n");
        }
        File.WriteAllText(path, text.ToString());
        return path;
    }

    /// <summary>A clock-free search: at most <paramref name="maxTrials"/> trials of at most 6 epochs, fast methods only.</summary>
    public static AutoTrainSettings Settings(string data, string outFolder, int maxTrials, int seed = 2) => new()
    {
        DataPath = data,
        Read = new TableReadOptions { Labels = [LabelRequest.Parse("tier"), LabelRequest.Parse("size")] },
        OutFolder = outFolder,
        Name = "shapes",
        Seed = seed,
        TimeBudget = TimeSpan.FromMinutes(10),
        MaxTrials = maxTrials,
        Space = SearchSpace.Default with { Methods = ["ew", "uw", "dwa", "imtl-l"], Epochs = 6 },
        Baselines = BaselinesMode.None,
    };

    public static string NewFolder()
    {
        string path = Path.Combine(Path.GetTempPath(), "mtl-autotrain-tests-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(path);
        return path;
    }
}
