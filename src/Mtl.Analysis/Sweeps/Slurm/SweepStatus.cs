namespace Mtl.Analysis.Sweeps.Slurm;

/// <summary>Where one shard's runs stand.</summary>
/// <param name="Shard">1-based shard number.</param>
/// <param name="Runs">Runs of the plan in this shard.</param>
/// <param name="Finished">Recorded as finished.</param>
/// <param name="NotApplicable">Recorded as not applicable.</param>
/// <param name="Diverged">Recorded as diverged (never retried).</param>
/// <param name="Running">Claimed by a live process on this host, or claimed on another host (cannot be checked from here).</param>
/// <param name="Interrupted">Started but unrecorded, with no live claim: its task was cancelled, timed out or died; a resubmission resumes it from its checkpoint.</param>
public sealed record ShardStatus(int Shard, int Runs, int Finished, int NotApplicable, int Diverged, int Running, int Interrupted)
{
    /// <summary>Runs recorded (finished, not applicable or diverged).</summary>
    public int Recorded => Finished + NotApplicable + Diverged;

    /// <summary>Runs without a results line.</summary>
    public int Unrecorded => Runs - Recorded;

    /// <summary>Runs not started yet.</summary>
    public int Pending => Unrecorded - Running - Interrupted;
}

/// <summary>Every shard of a submission folder.</summary>
/// <param name="Root">The folder.</param>
/// <param name="Shards">Per shard, in order.</param>
/// <param name="Warnings">Torn results lines that were ignored.</param>
public sealed record SubmissionStatus(string Root, IReadOnlyList<ShardStatus> Shards, IReadOnlyList<string> Warnings)
{
    /// <summary>True when every run of the plan is recorded.</summary>
    public bool Complete => Shards.All(s => s.Unrecorded == 0);
}

/// <summary>
/// Reads a submission folder (<see cref="SubmissionLayout"/>) without touching it: per shard, the runs recorded in its
/// results file, those claimed by a live process, those interrupted (a checkpoint or a stale claim, no live process) and
/// those not started. It takes no lock, so it never competes with a worker for a claim.
/// </summary>
public static class SweepStatus
{
    /// <summary>The status of the submission in <paramref name="root"/>, from its own plan and manifest.</summary>
    /// <exception cref="FileNotFoundException">The folder holds no submission.</exception>
    public static SubmissionStatus Read(string root)
    {
        var layout = new SubmissionLayout(Path.GetFullPath(root));
        SubmissionManifest manifest = SubmissionManifest.Read(layout);
        if (!File.Exists(layout.PlanPath))
            throw new FileNotFoundException($"'{layout.PlanPath}' is missing: the submission in '{layout.Root}' is incomplete; submit again into a new folder.", layout.PlanPath);
        return Read(layout.Root, SweepGrid.Load(layout.PlanPath), manifest.Shards);
    }

    /// <summary>The status of <paramref name="plan"/> split in <paramref name="shards"/> shards under <paramref name="root"/>.</summary>
    public static SubmissionStatus Read(string root, IReadOnlyList<RunConfig> plan, int shards)
    {
        var layout = new SubmissionLayout(Path.GetFullPath(root));
        var statuses = new List<ShardStatus>();
        var warnings = new List<string>();
        for (int i = 1; i <= shards; i++)
        {
            string folder = layout.ShardFolder(i);
            ResultsReadout readout = ResultsFile.Read(SweepRunner.ResultsPath(folder));
            if (readout.Warning is { } warning) warnings.Add(warning);
            var recorded = new Dictionary<string, RunStatus>();
            foreach (RunResult r in readout.Results) recorded.TryAdd(r.Id, r.Status);
            int runs = 0, finished = 0, notApplicable = 0, diverged = 0, running = 0, interrupted = 0;
            foreach (int index in new ShardSpec(i, shards).Select(plan.Count))
            {
                runs++;
                string id = plan[index].Id;
                if (recorded.TryGetValue(id, out RunStatus status))
                {
                    if (status == RunStatus.Finished) finished++;
                    else if (status == RunStatus.NotApplicable) notApplicable++;
                    else diverged++;
                    continue;
                }
                switch (RunClaim.Inspect(folder, id))
                {
                    case ClaimState.Live: running++; break;
                    case ClaimState.Stale: interrupted++; break;
                    default:
                        if (Directory.Exists(SweepRunner.CheckpointFolder(folder, id))) interrupted++;
                        break;
                }
            }
            statuses.Add(new ShardStatus(i, runs, finished, notApplicable, diverged, running, interrupted));
        }
        return new SubmissionStatus(layout.Root, statuses, warnings);
    }
}
