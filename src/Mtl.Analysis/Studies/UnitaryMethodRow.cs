using Mtl.Analysis.Comparison;

namespace Mtl.Analysis.Studies;

/// <summary>Where a method's mean lies relative to US's 95 % confidence interval.</summary>
public enum UnitaryPosition
{
    /// <summary>Below the interval's lower end: worse than US.</summary>
    Below,
    /// <summary>Inside the closed interval: indistinguishable from US at this seed count.</summary>
    Within,
    /// <summary>Above the interval's upper end: better than US.</summary>
    Above,
}

/// <summary>One line of the Kurin-shaped table: a method on a dataset, over its seeds.</summary>
/// <param name="Method">The method.</param>
/// <param name="Accuracy">Mean test accuracy (mean over tasks) over seeds, with its Student-t 95 % interval.</param>
/// <param name="PerTask">Per-task test accuracy over seeds.</param>
/// <param name="EpochQ1">25th percentile of the epoch times (all epochs of all seeds), seconds.</param>
/// <param name="EpochMedian">Median epoch time, seconds.</param>
/// <param name="EpochQ3">75th percentile of the epoch times, seconds.</param>
/// <param name="TimeRatio">Median epoch time divided by US's.</param>
/// <param name="Position">The mean's position against US's interval; null when US's interval is undefined (one seed).</param>
/// <param name="PaperPosition">The paper's method mean against the paper's US interval, on the dataset the paper reports (Multi-MNIST); null elsewhere.</param>
public sealed record UnitaryMethodRow(UnitaryMethod Method, SeedSummary Accuracy, IReadOnlyList<SeedSummary> PerTask, double EpochQ1, double EpochMedian,
    double EpochQ3, double TimeRatio, UnitaryPosition? Position, UnitaryPosition? PaperPosition)
{
    /// <summary>The position of <paramref name="mean"/> against the closed interval [low, high].</summary>
    public static UnitaryPosition PositionOf(double mean, double low, double high) =>
        mean < low ? UnitaryPosition.Below : mean > high ? UnitaryPosition.Above : UnitaryPosition.Within;
}
