using System.Diagnostics;
using Mtl.Analysis.Reports;
using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Studies;

/// <summary>
/// <c>mtl study unitary</c> (Kurin et al., studies.md C): regularised unitary scalarization against IMTL, MGDA, GradDrop,
/// PCGrad, RLW-Dirichlet and RLW-Normal over several seeds on Multi-MNIST and Multi-Fashion. The runs go through the
/// sweep runner (work folder <c>sweep/</c> under the report folder, so an interrupted study resumes); the report holds a
/// table per dataset in the paper's shape (mean test accuracy ± 95 % CI, epoch-time IQR), whether every method lies
/// within US's interval, and what the specialised methods cost per epoch.
/// </summary>
public sealed class UnitaryStudy : ISweepStudy
{
    /// <inheritdoc />
    public string Name => "unitary";

    /// <inheritdoc />
    public string Description =>
        "Kurin et al.: regularised unitary scalarization vs IMTL, MGDA, GradDrop, PCGrad, RLW over seeds (accuracy ± 95% CI, epoch times).";

    /// <inheritdoc />
    public IReadOnlyList<RunConfig> Plan(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return UnitaryProtocol.For(context).Configs();
    }

    /// <inheritdoc />
    public StudyReport Run(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var watch = Stopwatch.StartNew();
        UnitaryProtocol protocol = UnitaryProtocol.For(context);
        IReadOnlyList<RunConfig> plan = protocol.Configs();
        context.Progress.Info($"unitary: {plan.Count} runs ({protocol.Datasets.Count} datasets × {protocol.Methods.Count} methods × {protocol.Seeds.Count} seeds), {context.Jobs} job(s)");
        IReadOnlyList<RunResult> results = StudySweep.Run(context, plan);

        var runs = new List<UnitaryRun>();
        var unfinished = new List<string>();
        foreach (RunResult result in results)
        {
            if (UnitaryRun.From(result, out string? reason) is { } run) runs.Add(run);
            else unfinished.Add(reason!);
        }
        UnitaryDatasetResult[] perDataset = protocol.Datasets
            .Select(d => UnitaryDatasetResult.Of(d, protocol.Methods, runs.Where(r => r.Dataset == d).ToArray()))
            .ToArray();
        StudyReport report = UnitaryReportBuilder.Build(protocol, perDataset, runs, unfinished);
        return report.Stamped(context, watch.Elapsed);
    }
}
