namespace Mtl.Cli.Tests.Support;

/// <summary>A finished `mtl train` child process and the zip it wrote.</summary>
internal sealed record TrainedModel(ProcessResult Process, string ModelPath);

/// <summary>
/// Tiny `mtl train` runs shared by the test classes (training is the slow part): each runs at most once per test run,
/// as a child process `dotnet mtl.dll`, and its folder goes at assembly cleanup.
/// </summary>
internal static class TrainedModels
{
    /// <summary>The seed of the shared runs; the test split is drawn from it too.</summary>
    public const int Seed = 7;

    /// <summary>
    /// 4,096 rows in batches of 64 for one epoch: 64 steps, seconds on two cores, and enough for both tasks to leave
    /// chance (0.1) well behind (≈ 0.37 here), so that a model that learnt nothing is caught.
    /// </summary>
    public static readonly string[] TinyRun =
        ["train", "--dataset", "multi-fashion", "--method", "ew", "--train-rows", "4096", "--batch-size", "64", "--epochs", "1",
         "--seed", Seed.ToString(System.Globalization.CultureInfo.InvariantCulture)];

    private static readonly TempFolder Folder = new("mtl-cli-tests-models");
    private static readonly Lazy<TrainedModel> FirstRun = new(() => Train("first"));
    private static readonly Lazy<TrainedModel> SecondRun = new(() => Train("second"));

    /// <summary>The run most tests use.</summary>
    public static TrainedModel First => FirstRun.Value;

    /// <summary>The same command again in another process, for the determinism test.</summary>
    public static TrainedModel Second => SecondRun.Value;

    public static void DeleteAll() => Folder.Dispose();

    private static TrainedModel Train(string name)
    {
        string model = Folder.File(name + ".zip");
        ProcessResult result = ChildProcess.RunDotnet(BuiltApps.MtlCli, Folder.Path, [.. TinyRun, "--model", model]);
        return new TrainedModel(result, model);
    }
}
