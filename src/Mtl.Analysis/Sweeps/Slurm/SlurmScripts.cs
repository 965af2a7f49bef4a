using System.Globalization;
using System.Text;

namespace Mtl.Analysis.Sweeps.Slurm;

/// <summary>
/// The two batch scripts of a submission, as text: the job array (array task i runs shard i/N of the plan into its own
/// work folder with as many torch threads as Slurm gave it CPUs) and the merge job (joins the shards' results files,
/// prints the status, and for a study writes the report once every run is recorded). The array's index list is given
/// on the <c>sbatch</c> command line, so the same script serves the first submission and every <c>--resume</c>.
/// </summary>
internal static class SlurmScripts
{
    public static string Array(SubmissionLayout layout, SlurmOptions options, AppCommand app)
    {
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --job-name={options.JobName}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={options.CpusPerTask}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --output={layout.LogsFolder}/shard-%a.out");
        s.AppendLine("#SBATCH --open-mode=append");
        AppendPlacement(s, options);
        s.AppendLine(CultureInfo.InvariantCulture, $"# One array task per shard of {options.Shards}; the indices come from sbatch --array (all shards, or the unfinished ones on --resume).");
        s.AppendLine("set -euo pipefail");
        s.AppendLine("shard=\"${SLURM_ARRAY_TASK_ID:?submit this script with sbatch --array}\"");
        s.AppendLine(CultureInfo.InvariantCulture, $"threads=\"${{SLURM_CPUS_PER_TASK:-{options.CpusPerTask}}}\"");
        s.AppendLine("echo \"$(date -u +%FT%TZ) shard $shard/" + options.Shards.ToString(CultureInfo.InvariantCulture) + " on $(hostname), $threads thread(s)\"");
        // exec: the app itself receives Slurm's signals (scancel, time limit) and stops between steps.
        s.AppendLine("exec " + Command(app) + " sweep run --grid " + Quote(layout.PlanPath)
                     + " --work " + Quote(layout.Root) + "/shard-\"$shard\" --shard \"$shard/" + options.Shards.ToString(CultureInfo.InvariantCulture) + "\" --threads \"$threads\"");
        return s.ToString();
    }

    public static string Merge(SubmissionLayout layout, SlurmOptions options, AppCommand app, SlurmFollowUp? followUp)
    {
        string mtl = Command(app);
        var s = new StringBuilder();
        s.AppendLine("#!/bin/bash");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --job-name={options.JobName}-merge");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={options.CpusPerTask}");
        s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --output={layout.LogsFolder}/merge-%j.out");
        AppendPlacement(s, options);
        s.AppendLine("# Runs after the whole array (afterany: also when tasks failed or were cancelled); joins what was recorded.");
        s.AppendLine("set -uo pipefail");
        s.AppendLine("shopt -s nullglob");
        s.AppendLine("results=(" + Quote(layout.Root) + "/shard-*/results.jsonl)");
        string destination = followUp?.MergeInto ?? layout.MergedResultsPath;
        s.AppendLine("if [ ${#results[@]} -gt 0 ]; then");
        s.AppendLine("  " + mtl + " sweep merge --out " + Quote(destination) + " \"${results[@]}\" || exit 1");
        s.AppendLine("fi");
        if (followUp is null)
        {
            s.AppendLine(mtl + " sweep status " + Quote(layout.Root));
        }
        else
        {
            s.AppendLine("if " + mtl + " sweep status " + Quote(layout.Root) + " --complete; then");
            s.AppendLine("  exec " + mtl + " " + string.Join(' ', followUp.Arguments.Select(Quote)));
            s.AppendLine("else");
            s.AppendLine("  echo \"Some runs are not recorded yet: resubmit the unfinished shards with the same command and --resume; the report follows.\"");
            s.AppendLine("  exit 3");
            s.AppendLine("fi");
        }
        return s.ToString();
    }

    private static void AppendPlacement(StringBuilder s, SlurmOptions options)
    {
        if (options.Partition is { } partition) s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --partition={partition}");
        if (options.Time is { } time) s.AppendLine(CultureInfo.InvariantCulture, $"#SBATCH --time={time}");
    }

    private static string Command(AppCommand app) => string.Join(' ', new[] { app.FileName }.Concat(app.Arguments).Select(Quote));

    /// <summary>A word for bash: single-quoted, with embedded single quotes closed, escaped and reopened.</summary>
    public static string Quote(string word) => "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
