using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Tests.Sweeps;

/// <summary>Tiny runs (a few hundred Multi-Fashion rows, 2–3 epochs) and throw-away work folders.</summary>
internal static class SweepTestSupport
{
    public static RunConfig Tiny { get; } = new()
    {
        Dataset = "multi-fashion",
        TrainRows = 256,
        ValidationRows = 128,
        TestRows = 128,
        Epochs = 2,
        BatchSize = 64,
        LearningRate = 1e-2,
    };

    private static string Root => Path.Combine(Path.GetTempPath(), $"mtl-sweep-tests-{Environment.ProcessId}");

    public static string NewFolder(string name)
    {
        string path = Path.Combine(Root, $"{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path);
        return path;
    }

    /// <summary>Removes every folder <see cref="NewFolder"/> made in this process (classes run one at a time).</summary>
    public static void DeleteAll()
    {
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
    }

    /// <summary>A finished-looking result without training (for file and merge tests).</summary>
    public static RunResult FakeResult(RunConfig config, int index, double testMetric) => new()
    {
        Id = config.Id,
        Index = index,
        Config = config,
        Status = RunStatus.Finished,
        Tasks = ["Left", "Right"],
        SelectedEpoch = 1,
        TestAtSelected = new SplitFigures([0.5, 0.6], [testMetric, testMetric]),
        WallSeconds = 1.5,
    };
}
