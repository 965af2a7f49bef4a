using Mtl.Analysis.Gradients;
using Mtl.Analysis.Monitors;
using Mtl.Analysis.Statistics;

namespace Mtl.Analysis.Studies;

/// <summary>The numbers of the conflicts study, computed from monitored runs (pure functions, no training).</summary>
public static class ConflictsAnalysis
{
    /// <summary>Fewest values on each side for a direction/magnitude verdict to be decided.</summary>
    public const int MinimumValuesForVerdict = 20;

    /// <summary>|rank-biserial r| below this counts as "alike" (a small effect by the usual convention).</summary>
    public const double AlikeEffectSize = 0.2;

    /// <summary>Significance level of the magnitude verdict.</summary>
    public const double Alpha = 0.05;

    /// <summary>Fewest (epoch, decrease) points for a correlation verdict.</summary>
    public const int MinimumPointsForCorrelation = 4;

    /// <summary>Defined values of one kind and metric, pooled over groups, over the given epochs.</summary>
    public static double[] Pooled(IEnumerable<ConflictEpoch> epochs, PairKind kind, SimilarityMetric metric) =>
        epochs.SelectMany(e => e.Values(kind, metric)).Where(v => !double.IsNaN(v)).ToArray();

    /// <summary>Compares inter-task with inter-sample values of <paramref name="metric"/> over <paramref name="epochs"/>.</summary>
    public static ConflictsComparison Compare(IReadOnlyCollection<ConflictEpoch> epochs, SimilarityMetric metric)
    {
        double[] task = Pooled(epochs, PairKind.InterTask, metric);
        double[] sample = Pooled(epochs, PairKind.InterSample, metric);
        bool testable = task.Length > 0 && sample.Length > 0;
        return new ConflictsComparison(metric, DistributionSummary.Of(task), DistributionSummary.Of(sample),
            testable ? Statistics.MannWhitney.Test(task, sample) : null,
            testable ? Statistics.KolmogorovSmirnov.Test(task, sample) : null);
    }

    /// <summary>Fraction of the epoch's defined inter-task cosines below 0 (NaN without any).</summary>
    public static double ConflictFraction(ConflictEpoch epoch)
    {
        double[] cosines = epoch.Values(PairKind.InterTask, SimilarityMetric.Cosine).Where(v => !double.IsNaN(v)).ToArray();
        return cosines.Length == 0 ? double.NaN : cosines.Count(v => v < 0) / (double)cosines.Length;
    }

    /// <summary>Per epoch e ≥ 2 of each run: the epoch's conflict fraction and <paramref name="task"/>'s training-loss decrease from e−1.</summary>
    public static IReadOnlyList<ConflictsLossPoint> ConflictVsLossDecrease(IEnumerable<ConflictsRun> runs, string task)
    {
        var points = new List<ConflictsLossPoint>();
        foreach (ConflictsRun run in runs)
            for (int i = 1; i < run.Epochs.Count; i++)
            {
                double conflict = ConflictFraction(run.Epochs[i]);
                if (double.IsNaN(conflict)) continue;
                points.Add(new ConflictsLossPoint(run.Seed, run.Epochs[i].Epoch, conflict,
                    run.Epochs[i - 1].TrainLosses[task] - run.Epochs[i].TrainLosses[task]));
            }
        return points;
    }

    /// <summary>Kolmogorov–Smirnov D below this counts as "the same shape": the two empirical CDFs never differ by more than 0.1.</summary>
    public const double AlikeDistributionDistance = 0.1;

    /// <summary>
    /// (a) Direction alike: the two S_cos distributions agree in location (|rank-biserial r| below <see cref="AlikeEffectSize"/>)
    /// and in shape (KS D below <see cref="AlikeDistributionDistance"/>). Location alone would call a narrow and a wide
    /// distribution around the same centre "alike".
    /// </summary>
    public static bool? DirectionAlike(ConflictsComparison cosine) =>
        Decidable(cosine) ? Math.Abs(cosine.MannWhitney!.RankBiserial) < AlikeEffectSize && cosine.KolmogorovSmirnov!.D < AlikeDistributionDistance : null;

    /// <summary>(b) Magnitude differs: inter-task S_mag median below inter-sample's and Mann–Whitney p &lt; <see cref="Alpha"/>.</summary>
    public static bool? MagnitudeLowerBetweenTasks(ConflictsComparison magnitude) =>
        Decidable(magnitude)
            ? magnitude.MannWhitney!.FirstMedian < magnitude.MannWhitney.SecondMedian && magnitude.MannWhitney.PValue < Alpha
            : null;

    /// <summary>Spearman's ρ of conflict vs loss decrease, NaN with fewer than <see cref="MinimumPointsForCorrelation"/> points or a constant side.</summary>
    public static double Spearman(IReadOnlyList<ConflictsLossPoint> points) =>
        points.Count < MinimumPointsForCorrelation ? double.NaN : Correlation.Spearman(points.Select(p => p.Conflict), points.Select(p => p.LossDecrease));

    /// <summary>Pearson's r of the same points (NaN under the same conditions).</summary>
    public static double Pearson(IReadOnlyList<ConflictsLossPoint> points) =>
        points.Count < MinimumPointsForCorrelation ? double.NaN : Correlation.Pearson(points.Select(p => p.Conflict), points.Select(p => p.LossDecrease));

    private static bool Decidable(ConflictsComparison c) =>
        c.MannWhitney is not null && c.InterTask.Count >= MinimumValuesForVerdict && c.InterSample.Count >= MinimumValuesForVerdict;
}
