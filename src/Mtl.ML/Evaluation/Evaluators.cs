namespace Mtl.ML;

using Mtl.ML.Data;

/// <summary>Shared column access for evaluators.</summary>
internal static class EvaluatorColumns
{
    public static DataViewSchema.Column Find(IDataView data, string name, string role, string paramName) =>
        SchemaExceptions.FindColumn(data.Schema, name, role, paramName);

    /// <summary>Reads a scalar Single/Double column as double.</summary>
    public static Func<double> Real(DataViewRow row, DataViewSchema.Column column, string role, string paramName)
    {
        if (column.Type != NumberDataViewType.Single && column.Type != NumberDataViewType.Double)
            throw SchemaExceptions.Mismatch(paramName, role, column.Name, "Single or Double", column.Type.ToString()!);
        return NumericReader.Make(row, column);
    }
}

public sealed partial class MulticlassClassificationCatalog
{
    /// <summary>
    /// Evaluates multiclass scores. The label is a key (class = key − 1; key 0 = missing, skipped) or a Single/Double class
    /// index (NaN skipped); the score is a known-size Single vector with one value per class; the predicted class is the arg-max
    /// of the score (first on ties). <paramref name="predictedLabelColumnName"/> is checked when present but not needed.
    /// </summary>
    public MulticlassClassificationMetrics Evaluate(IDataView data, string labelColumnName = DefaultColumnNames.Label,
        string scoreColumnName = DefaultColumnNames.Score, string predictedLabelColumnName = DefaultColumnNames.PredictedLabel,
        int topKPredictionCount = 0)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (topKPredictionCount < 0) throw new ArgumentOutOfRangeException(nameof(topKPredictionCount), "topKPredictionCount must be non-negative.");
        var label = EvaluatorColumns.Find(data, labelColumnName, "Label", nameof(labelColumnName));
        var score = EvaluatorColumns.Find(data, scoreColumnName, "Score", nameof(scoreColumnName));
        if (score.Type is not VectorDataViewType { IsKnownSize: true } scoreType || scoreType.ItemType != NumberDataViewType.Single)
            throw SchemaExceptions.Mismatch(nameof(scoreColumnName), "Score", scoreColumnName, "a known-size vector of Single", score.Type.ToString()!);
        int k = scoreType.Size;
        if (label.Type is not KeyDataViewType && label.Type != NumberDataViewType.Single && label.Type != NumberDataViewType.Double)
            throw SchemaExceptions.Mismatch(nameof(labelColumnName), "Label", labelColumnName, "a key or Single/Double class index", label.Type.ToString()!);
        if (label.Type is KeyDataViewType key && key.Count != (ulong)k)
            throw SchemaExceptions.Mismatch(nameof(labelColumnName), "Label", labelColumnName, $"a key with {k} values (the score size)", label.Type.ToString()!);
        if (data.Schema.GetColumnOrNull(predictedLabelColumnName) is DataViewSchema.Column predicted && predicted.Type is not KeyDataViewType
            && predicted.Type != NumberDataViewType.Single && predicted.Type != NumberDataViewType.UInt32)
            throw SchemaExceptions.Mismatch(nameof(predictedLabelColumnName), "Predicted label", predictedLabelColumnName, "a key", predicted.Type.ToString()!);
        int maxK = Math.Min(topKPredictionCount, k);

        var counts = Enumerable.Range(0, k).Select(_ => new double[k]).ToArray();
        var classLogLoss = new double[k];
        var topKHits = new double[Math.Max(maxK, 0)];
        double n = 0, logLoss = 0;
        using (var cursor = data.GetRowCursor([label, score]))
        {
            Func<double> readLabel;
            if (label.Type is KeyDataViewType)
            {
                var keyReader = NumericReader.MakeInteger(cursor, label);
                readLabel = () => keyReader() is ulong v && v > 0 ? v - 1 : double.NaN;
            }
            else readLabel = NumericReader.Make(cursor, label);
            var scoreGetter = cursor.GetGetter<VBuffer<float>>(score);
            VBuffer<float> scores = default;
            var s = new float[k];
            while (cursor.MoveNext())
            {
                double lv = readLabel();
                if (double.IsNaN(lv)) continue;
                if (lv < 0 || lv >= k || lv != Math.Floor(lv))
                    throw new InvalidOperationException($"Row {cursor.Position}: label {lv} in column '{labelColumnName}' is not a class index in [0, {k}).");
                int y = (int)lv;
                scoreGetter(ref scores);
                scores.CopyTo(s);
                int argmax = 0;
                for (int j = 1; j < k; j++) if (s[j] > s[argmax]) argmax = j;
                counts[y][argmax]++;
                double ll = -Math.Log(Math.Max(s[y], 1e-15));
                logLoss += ll;
                classLogLoss[y] += ll;
                // Rank of the label: classes scoring higher, plus equal scores that come first (consistent with the arg-max).
                int rank = 0;
                for (int j = 0; j < k; j++) if (s[j] > s[y] || (s[j] == s[y] && j < y)) rank++;
                for (int t = rank; t < maxK; t++) topKHits[t]++;
                n++;
            }
        }
        if (n == 0) throw new InvalidOperationException($"No rows with a valid label in column '{labelColumnName}' to evaluate.");
        var perClassCount = counts.Select(r => r.Sum()).ToArray();
        double micro = Enumerable.Range(0, k).Sum(i => counts[i][i]) / n;
        var present = Enumerable.Range(0, k).Where(i => perClassCount[i] > 0).ToArray();
        double macro = present.Average(i => counts[i][i] / perClassCount[i]);
        double prior = -present.Sum(i => perClassCount[i] / n * Math.Log(perClassCount[i] / n));
        double meanLogLoss = logLoss / n;
        double reduction = prior > 0 ? (prior - meanLogLoss) / prior : 0;
        var perClass = Enumerable.Range(0, k).Select(i => perClassCount[i] > 0 ? classLogLoss[i] / perClassCount[i] : 0).ToArray();
        var names = ClassNames(label, k);
        return new MulticlassClassificationMetrics(micro, macro, meanLogLoss, reduction, maxK,
            topKHits.Select(h => h / n).ToArray(), perClass, new ConfusionMatrix(counts, names));
    }

    private static IReadOnlyList<string>? ClassNames(DataViewSchema.Column label, int k)
    {
        if (!label.HasKeyValues()) return null;
        var kvType = (VectorDataViewType)label.Annotations.Schema[AnnotationUtils.Kinds.KeyValues].Type;
        if (kvType.ItemType is not TextDataViewType) return null;
        VBuffer<ReadOnlyMemory<char>> values = default;
        label.GetKeyValues(ref values);
        var names = values.DenseValues().Select(v => v.ToString()).ToArray();
        return names.Length == k ? names : null;
    }
}

public sealed partial class BinaryClassificationCatalog
{
    /// <summary>
    /// Evaluates a calibrated binary classifier. The label is Boolean (or Single, positive when &gt; 0); the score and probability
    /// are Single. The prediction is the <paramref name="predictedLabelColumnName"/> column when present, else probability &gt; 0.5.
    /// Log-losses are in bits, as in ML.NET.
    /// </summary>
    public CalibratedBinaryClassificationMetrics Evaluate(IDataView data, string labelColumnName = DefaultColumnNames.Label,
        string scoreColumnName = DefaultColumnNames.Score, string probabilityColumnName = DefaultColumnNames.Probability,
        string predictedLabelColumnName = DefaultColumnNames.PredictedLabel)
    {
        ArgumentNullException.ThrowIfNull(data);
        var prob = EvaluatorColumns.Find(data, probabilityColumnName, "Probability", nameof(probabilityColumnName));
        var rows = Read(data, labelColumnName, scoreColumnName, prob, predictedLabelColumnName, threshold: 0.5);
        var basic = Compute(rows);
        const double eps = 1e-15;
        double positives = rows.Count(r => r.Label);
        double p = positives / rows.Count;
        double entropy = p is 0 or 1 ? 0 : -(p * Math.Log2(p) + (1 - p) * Math.Log2(1 - p));
        double logLoss = rows.Average(r =>
        {
            double q = Math.Clamp(r.Probability, eps, 1 - eps);
            return -(r.Label ? Math.Log2(q) : Math.Log2(1 - q));
        });
        double reduction = entropy > 0 ? (entropy - logLoss) / entropy : 0;
        return new CalibratedBinaryClassificationMetrics(basic, logLoss, reduction, entropy);
    }

    /// <summary>Evaluates a binary classifier without probabilities; the prediction is <paramref name="predictedLabelColumnName"/> when present, else score &gt; 0.</summary>
    public BinaryClassificationMetrics EvaluateNonCalibrated(IDataView data, string labelColumnName = DefaultColumnNames.Label,
        string scoreColumnName = DefaultColumnNames.Score, string predictedLabelColumnName = DefaultColumnNames.PredictedLabel)
    {
        ArgumentNullException.ThrowIfNull(data);
        return Compute(Read(data, labelColumnName, scoreColumnName, null, predictedLabelColumnName, threshold: 0));
    }

    private readonly record struct BinaryRow(bool Label, double Score, double Probability, bool Predicted);

    private static List<BinaryRow> Read(IDataView data, string labelColumnName, string scoreColumnName, DataViewSchema.Column? prob,
        string predictedLabelColumnName, double threshold)
    {
        var label = EvaluatorColumns.Find(data, labelColumnName, "Label", nameof(labelColumnName));
        var score = EvaluatorColumns.Find(data, scoreColumnName, "Score", nameof(scoreColumnName));
        if (label.Type is not BooleanDataViewType && label.Type != NumberDataViewType.Single && label.Type != NumberDataViewType.Double)
            throw SchemaExceptions.Mismatch(nameof(labelColumnName), "Label", labelColumnName, "Boolean (or Single/Double, positive when > 0)", label.Type.ToString()!);
        var predicted = data.Schema.GetColumnOrNull(predictedLabelColumnName);
        if (predicted is DataViewSchema.Column pc && pc.Type is not BooleanDataViewType)
            throw SchemaExceptions.Mismatch(nameof(predictedLabelColumnName), "Predicted label", predictedLabelColumnName, "Boolean", pc.Type.ToString()!);
        var columns = new List<DataViewSchema.Column> { label, score };
        if (prob is DataViewSchema.Column p) columns.Add(p);
        if (predicted is DataViewSchema.Column pl) columns.Add(pl);
        var rows = new List<BinaryRow>();
        using var cursor = data.GetRowCursor(columns);
        Func<double> readLabel = label.Type is BooleanDataViewType ? BoolAsDouble(cursor, label) : NumericReader.Make(cursor, label);
        var readScore = EvaluatorColumns.Real(cursor, score, "Score", nameof(scoreColumnName));
        var readProb = prob is DataViewSchema.Column pcol ? EvaluatorColumns.Real(cursor, pcol, "Probability", "probabilityColumnName") : null;
        var readPredicted = predicted is DataViewSchema.Column pred ? cursor.GetGetter<bool>(pred) : null;
        while (cursor.MoveNext())
        {
            double l = readLabel();
            if (double.IsNaN(l)) continue;
            double s = readScore();
            double q = readProb?.Invoke() ?? double.NaN;
            bool yhat;
            if (readPredicted is not null)
            {
                bool v = false;
                readPredicted(ref v);
                yhat = v;
            }
            else yhat = (readProb is null ? s : q) > threshold;
            rows.Add(new BinaryRow(l > 0, s, q, yhat));
        }
        if (rows.Count == 0) throw new InvalidOperationException($"No rows with a valid label in column '{labelColumnName}' to evaluate.");
        return rows;
    }

    private static Func<double> BoolAsDouble(DataViewRow row, DataViewSchema.Column column)
    {
        var g = row.GetGetter<bool>(column);
        return () =>
        {
            bool v = false;
            g(ref v);
            return v ? 1 : 0;
        };
    }

    private static BinaryClassificationMetrics Compute(List<BinaryRow> rows)
    {
        double tp = rows.Count(r => r.Label && r.Predicted), fn = rows.Count(r => r.Label && !r.Predicted);
        double fp = rows.Count(r => !r.Label && r.Predicted), tn = rows.Count(r => !r.Label && !r.Predicted);
        static double Ratio(double a, double b) => b > 0 ? a / b : 0;
        double precision = Ratio(tp, tp + fp), recall = Ratio(tp, tp + fn);
        double f1 = precision + recall > 0 ? 2 * precision * recall / (precision + recall) : 0;
        var matrix = new ConfusionMatrix([[tp, fn], [fp, tn]], ["positive", "negative"]);
        return new BinaryClassificationMetrics(Auc(rows), (tp + tn) / rows.Count, precision, recall, Ratio(tn, tn + fn), Ratio(tn, tn + fp), f1,
            AveragePrecision(rows), matrix);
    }

    private static double Auc(List<BinaryRow> rows)
    {
        // Mann–Whitney: average rank of positives among all scores (ties share their mean rank).
        var sorted = rows.OrderBy(r => r.Score).ToArray();
        double positives = rows.Count(r => r.Label), negatives = rows.Count - positives;
        if (positives == 0 || negatives == 0) return 0;
        double rankSum = 0;
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j < sorted.Length && sorted[j].Score == sorted[i].Score) j++;
            double meanRank = (i + 1 + j) / 2.0;
            for (int t = i; t < j; t++) if (sorted[t].Label) rankSum += meanRank;
            i = j;
        }
        return (rankSum - positives * (positives + 1) / 2) / (positives * negatives);
    }

    private static double AveragePrecision(List<BinaryRow> rows)
    {
        double positives = rows.Count(r => r.Label);
        if (positives == 0) return 0;
        var sorted = rows.OrderByDescending(r => r.Score).ToArray();
        double tp = 0, fp = 0, ap = 0, lastRecall = 0;
        for (int i = 0; i < sorted.Length;)
        {
            int j = i;
            while (j < sorted.Length && sorted[j].Score == sorted[i].Score)
            {
                if (sorted[j].Label) tp++; else fp++;
                j++;
            }
            double recall = tp / positives;
            ap += (recall - lastRecall) * (tp / (tp + fp));
            lastRecall = recall;
            i = j;
        }
        return ap;
    }
}

public sealed partial class RegressionCatalog
{
    /// <summary>Evaluates regression scores against Single/Double labels (rows with a NaN label are skipped).</summary>
    public RegressionMetrics Evaluate(IDataView data, string labelColumnName = DefaultColumnNames.Label, string scoreColumnName = DefaultColumnNames.Score)
    {
        ArgumentNullException.ThrowIfNull(data);
        var label = EvaluatorColumns.Find(data, labelColumnName, "Label", nameof(labelColumnName));
        var score = EvaluatorColumns.Find(data, scoreColumnName, "Score", nameof(scoreColumnName));
        using var cursor = data.GetRowCursor([label, score]);
        var readLabel = EvaluatorColumns.Real(cursor, label, "Label", nameof(labelColumnName));
        var readScore = EvaluatorColumns.Real(cursor, score, "Score", nameof(scoreColumnName));
        double n = 0, abs = 0, sq = 0, labelMean = 0, labelM2 = 0;
        while (cursor.MoveNext())
        {
            double y = readLabel();
            if (double.IsNaN(y)) continue;
            double e = y - readScore();
            abs += Math.Abs(e);
            sq += e * e;
            n++;
            double d = y - labelMean;
            labelMean += d / n;
            labelM2 += d * (y - labelMean);
        }
        if (n == 0) throw new InvalidOperationException($"No rows with a valid label in column '{labelColumnName}' to evaluate.");
        double mse = sq / n;
        double r2 = labelM2 > 0 ? 1 - sq / labelM2 : (sq == 0 ? 1 : double.NegativeInfinity);
        return new RegressionMetrics(abs / n, mse, Math.Sqrt(mse), mse, r2);
    }
}

/// <summary>The default column names, as in ML.NET.</summary>
public static class DefaultColumnNames
{
    /// <summary>"Features".</summary>
    public const string Features = "Features";
    /// <summary>"Label".</summary>
    public const string Label = "Label";
    /// <summary>"Score".</summary>
    public const string Score = "Score";
    /// <summary>"Probability".</summary>
    public const string Probability = "Probability";
    /// <summary>"PredictedLabel".</summary>
    public const string PredictedLabel = "PredictedLabel";
    /// <summary>"Weight".</summary>
    public const string Weight = "Weight";
}
