using Mtl.Analysis.Reports;
using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Studies;

/// <summary>
/// What the sweep-based studies (optimizers, pareto, unitary) share: their runs go through the sweep runner into
/// <c>&lt;report folder&gt;/sweep/</c>, so a rerun of the study skips finished runs and resumes an interrupted one.
/// </summary>
internal static class StudySweep
{
    /// <summary>The work folder's name inside the report folder.</summary>
    public const string WorkFolderName = "sweep";

    /// <summary>Runs (or resumes) <paramref name="plan"/> with the context's jobs, progress and cancellation; the results in grid order.</summary>
    public static IReadOnlyList<RunResult> Run(StudyContext context, IReadOnlyList<RunConfig> plan)
    {
        SweepOutcome outcome = SweepRunner.Run(plan, Path.Combine(context.OutputFolder, WorkFolderName),
            new SweepOptions { Jobs = context.Jobs, Progress = context.Progress, Cancellation = context.Cancellation });
        foreach (string warning in outcome.Warnings) context.Progress.Info(warning);
        return outcome.Results;
    }

    /// <summary>Writes the run's preset, command and wall time into the report's header fields.</summary>
    public static StudyReport Stamped(this StudyReport report, StudyContext context, TimeSpan elapsed)
    {
        report.Preset = context.Preset.ToString().ToLowerInvariant();
        report.Command = context.Command;
        report.Elapsed = elapsed;
        return report;
    }
}
