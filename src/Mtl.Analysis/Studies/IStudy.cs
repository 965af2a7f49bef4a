using Mtl.Analysis.Reports;
using Mtl.Datasets;

namespace Mtl.Analysis.Studies;

/// <summary>How much of a study's protocol runs.</summary>
public enum StudyPreset
{
    /// <summary>Seconds: a tiny slice of the protocol, used by the tests (verdicts may be undecided).</summary>
    Smoke,
    /// <summary>The default: a reduced protocol that finishes within the study's stated budget on 2 cores.</summary>
    Quick,
    /// <summary>The paper's protocol (hours to days; the report header states the expected time).</summary>
    Paper,
}

/// <summary>
/// One study of <c>docs/studies.md</c>: runs its protocol at a preset and returns a <see cref="StudyReport"/>.
/// Each study lives in its own file under <c>Studies/</c> and is listed once in <see cref="StudyCatalog"/>.
/// </summary>
public interface IStudy
{
    /// <summary>Command name: <c>mtl study {Name}</c>, e.g. "loss-scale".</summary>
    string Name { get; }

    /// <summary>One line for the command's help.</summary>
    string Description { get; }

    /// <summary>Runs the study. Throws <see cref="ArgumentException"/> for settings it cannot use (naming the setting).</summary>
    StudyReport Run(StudyContext context);
}

/// <summary>
/// A study whose runs go through the sweep runner (into <c>&lt;report folder&gt;/sweep/</c>), so they can also be trained
/// elsewhere (a Slurm job array) and the study then only reads the recorded results and writes its report.
/// </summary>
public interface ISweepStudy : IStudy
{
    /// <summary>The runs <see cref="IStudy.Run"/> would train for <paramref name="context"/>, in grid order (nothing is trained).</summary>
    IReadOnlyList<Sweeps.RunConfig> Plan(StudyContext context);

    /// <summary>The sweep work folder inside the report folder <paramref name="reportFolder"/>.</summary>
    static string WorkFolder(string reportFolder) => Path.Combine(reportFolder, StudySweep.WorkFolderName);
}

/// <summary>
/// A study that can also train on the user's table (<c>mtl study {name} --table data.csv --label a --label b …</c>):
/// <see cref="StudyContext.Table"/> and <see cref="StudyContext.TableLabels"/> carry it; without a table the study runs
/// its image part only.
/// </summary>
public interface ITableStudy : IStudy
{
}

/// <summary>What a study run is given: preset, seed, output folder, options and where to report progress.</summary>
public sealed class StudyContext
{
    /// <summary>Creates a context.</summary>
    public StudyContext(StudyPreset preset, string outputFolder, IStudyProgress? progress = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outputFolder);
        Preset = preset;
        OutputFolder = outputFolder;
        Progress = progress ?? StudyProgress.None;
    }

    /// <summary>The preset.</summary>
    public StudyPreset Preset { get; }

    /// <summary>The report folder (the study may keep work files under it, e.g. a sweep's results file and checkpoints).</summary>
    public string OutputFolder { get; }

    /// <summary>Where to report progress.</summary>
    public IStudyProgress Progress { get; }

    /// <summary>The first seed; a study with S seeds uses Seed, Seed+1, ….</summary>
    public int Seed { get; init; } = 1;

    /// <summary>Seeds to run, when the user overrides the preset's count (null = the preset's).</summary>
    /// <exception cref="ArgumentException">Set below 1.</exception>
    public int? Seeds
    {
        get => seeds;
        init => seeds = value is < 1 ? throw new ArgumentException($"--seeds (StudyContext.Seeds) must be at least 1; got {value}.", nameof(Seeds)) : value;
    }

    /// <summary>Methods to run, when the user overrides the study's list (empty = the study's).</summary>
    public IReadOnlyList<string> Methods { get; init; } = Array.Empty<string>();

    /// <summary>Dataset name ("multi-fashion", "multi-mnist", "multi-fashion-mnist"), when the user overrides the study's (null = the study's).</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="MultiTaskDatasets.Names"/>.</exception>
    public string? Dataset
    {
        get => dataset;
        init => dataset = value is null || MultiTaskDatasets.Names.Contains(value) ? value
            : throw new ArgumentException($"Unknown dataset '{value}' (--dataset); use {string.Join(", ", MultiTaskDatasets.Names)}.", nameof(Dataset));
    }

    /// <summary>The dataset to use: the user's (<see cref="Dataset"/>) or the study's default.</summary>
    public string DatasetOr(string studyDefault) => dataset ?? studyDefault;

    private readonly int? seeds;
    private readonly string? dataset;

    /// <summary>A CSV/TSV table an <see cref="ITableStudy"/> also trains on (null = none).</summary>
    public string? Table { get; init; }

    /// <summary>The table's label columns, one task each (<c>column</c> or <c>column:kind</c>, as <c>--label</c>); required with <see cref="Table"/>.</summary>
    public IReadOnlyList<string> TableLabels { get; init; } = Array.Empty<string>();

    /// <summary>Processes a sweep runs side by side (threads split between them).</summary>
    public int Jobs { get; init; } = 1;

    /// <summary>The command line that reproduces the run (written into the report).</summary>
    public string Command { get; init; } = "";

    /// <summary>Cancels the study between steps.</summary>
    public CancellationToken Cancellation { get; init; }
}

/// <summary>Live progress of a study (the CLI draws it; tests ignore it).</summary>
public interface IStudyProgress
{
    /// <summary>A new stage begins, with the number of units it has (runs, epochs); 0 when unknown.</summary>
    void BeginStage(string description, int units);

    /// <summary>One more unit of the current stage is done; <paramref name="detail"/> is a short status line.</summary>
    void Advance(string detail = "");

    /// <summary>A line of information (kept in the terminal's scroll-back).</summary>
    void Info(string message);
}

/// <summary>Progress sinks.</summary>
public static class StudyProgress
{
    /// <summary>Reports nothing.</summary>
    public static IStudyProgress None { get; } = new Silent();

    private sealed class Silent : IStudyProgress
    {
        public void BeginStage(string description, int units) { }
        public void Advance(string detail = "") { }
        public void Info(string message) { }
    }
}
