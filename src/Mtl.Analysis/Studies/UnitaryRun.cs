using Mtl.Analysis.Sweeps;

namespace Mtl.Analysis.Studies;

/// <summary>What the unitary study needs of one finished run: test accuracy per task at the selected epoch and the epoch times.</summary>
/// <param name="Dataset">Dataset name.</param>
/// <param name="Method">The method.</param>
/// <param name="Seed">Seed.</param>
/// <param name="Tasks">Task names.</param>
/// <param name="TestAccuracy">Test accuracy per task at the epoch of best validation average.</param>
/// <param name="EpochSeconds">Wall time of every epoch's training steps.</param>
/// <param name="SelectedEpoch">The best-validation epoch.</param>
/// <param name="StoppedEarly">Whether early stopping ended the run.</param>
public sealed record UnitaryRun(string Dataset, UnitaryMethod Method, int Seed, IReadOnlyList<string> Tasks, double[] TestAccuracy,
    double[] EpochSeconds, int SelectedEpoch, bool StoppedEarly)
{
    /// <summary>
    /// The epoch times that enter the timing figures: every epoch but the first when there are several, since the first
    /// also pays one-off warm-up (JIT compilation, allocator growth).
    /// </summary>
    public IEnumerable<double> TimedEpochSeconds => EpochSeconds.Length > 1 ? EpochSeconds.Skip(1) : EpochSeconds;

    /// <summary>Mean test accuracy over the tasks (the paper's figure).</summary>
    public double MeanTestAccuracy => TestAccuracy.Average();

    /// <summary>
    /// The run of a sweep result, or null with <paramref name="reason"/> when the result has nothing to report (diverged or
    /// not applicable).
    /// </summary>
    /// <exception cref="ArgumentException">The result's method is not one of the study's.</exception>
    public static UnitaryRun? From(RunResult result, out string? reason)
    {
        ArgumentNullException.ThrowIfNull(result);
        UnitaryMethod method = UnitaryMethod.Find(result.Config.Method);
        if (!result.IsFinished || result.TestAtSelected is null)
        {
            reason = $"{result.Config.Dataset} {method.Display} seed {result.Config.Seed}: {result.Status}{(result.Reason is null ? "" : $" ({result.Reason})")}";
            return null;
        }
        reason = null;
        return new UnitaryRun(result.Config.Dataset, method, result.Config.Seed.GetValueOrDefault(), result.Tasks, result.TestAtSelected.Metric.ToArray(),
            result.Epochs.Select(e => e.Seconds).ToArray(), result.SelectedEpoch, result.StoppedEarly);
    }
}
