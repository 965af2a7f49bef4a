using Mtl.Analysis.Gradients;

namespace Mtl.Analysis.Statistics;

/// <summary>
/// Collects the pairs of every <see cref="ConflictSample"/> of an epoch and summarises them per (kind, group, metric).
/// Call <see cref="Summarize"/> at the epoch's end and <see cref="Clear"/> before the next one.
/// </summary>
public sealed class ConflictAccumulator
{
    // Keyed by (kind, group); groups keep their first-seen order so tables come out in task order.
    private readonly Dictionary<(PairKind Kind, string Group), List<PairSimilarity>> values = new();
    private readonly List<(PairKind Kind, string Group)> order = new();

    /// <summary>Number of measurements added since the last <see cref="Clear"/>.</summary>
    public int Measurements { get; private set; }

    /// <summary>Adds every pair of one measurement.</summary>
    public void Add(ConflictSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        foreach (GradientPair pair in sample.Pairs)
        {
            var key = (pair.Kind, pair.Group);
            if (!values.TryGetValue(key, out List<PairSimilarity>? list))
            {
                values[key] = list = new List<PairSimilarity>();
                order.Add(key);
            }
            list.Add(pair.Similarity);
        }
        Measurements++;
    }

    /// <summary>Number of pairs collected for one kind and group.</summary>
    public int PairCount(PairKind kind, string group) => values.TryGetValue((kind, group), out var list) ? list.Count : 0;

    /// <summary>One row per (kind, group, metric): inter-task groups first, then inter-sample, metrics in enum order.</summary>
    public IReadOnlyList<ConflictSummaryRow> Summarize()
    {
        var rows = new List<ConflictSummaryRow>();
        foreach (var key in order.OrderBy(k => k.Kind))
            foreach (SimilarityMetric metric in Enum.GetValues<SimilarityMetric>())
                rows.Add(new ConflictSummaryRow(key.Kind, key.Group, metric, DistributionSummary.Of(values[key].Select(s => s[metric]))));
        return rows;
    }

    /// <summary>Forgets everything (start of a new epoch).</summary>
    public void Clear()
    {
        values.Clear();
        order.Clear();
        Measurements = 0;
    }
}
