using System.Text;

namespace Mtl.ML.Data;

/// <summary>A confusion matrix: <see cref="Counts"/>[actual][predicted], with per-class precision and recall.</summary>
public sealed class ConfusionMatrix
{
    private readonly double[][] _counts;

    /// <summary>Creates a matrix from counts indexed [actual][predicted].</summary>
    public ConfusionMatrix(double[][] counts, IReadOnlyList<string>? classNames = null)
    {
        ArgumentNullException.ThrowIfNull(counts);
        int k = counts.Length;
        if (counts.Any(r => r.Length != k)) throw new ArgumentException("A confusion matrix must be square.", nameof(counts));
        _counts = counts;
        NumberOfClasses = k;
        ClassNames = classNames ?? Enumerable.Range(0, k).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        PerClassPrecision = Enumerable.Range(0, k).Select(p =>
        {
            double predicted = Enumerable.Range(0, k).Sum(a => counts[a][p]);
            return predicted > 0 ? counts[p][p] / predicted : 0;
        }).ToArray();
        PerClassRecall = Enumerable.Range(0, k).Select(a =>
        {
            double actual = counts[a].Sum();
            return actual > 0 ? counts[a][a] / actual : 0;
        }).ToArray();
    }

    /// <summary>The number of classes.</summary>
    public int NumberOfClasses { get; }

    /// <summary>Class names used when printing.</summary>
    public IReadOnlyList<string> ClassNames { get; }

    /// <summary>Precision of each class: correct predictions of the class / predictions of the class (0 when never predicted).</summary>
    public IReadOnlyList<double> PerClassPrecision { get; }

    /// <summary>Recall of each class: correct predictions of the class / examples of the class (0 when absent).</summary>
    public IReadOnlyList<double> PerClassRecall { get; }

    /// <summary>The counts, indexed [actual class][predicted class].</summary>
    public IReadOnlyList<IReadOnlyList<double>> Counts => _counts;

    /// <summary>The number of examples of class <paramref name="actualClassIndicatorIndex"/> predicted as <paramref name="predictedClassIndicatorIndex"/>.</summary>
    public double GetCountForClassPair(int predictedClassIndicatorIndex, int actualClassIndicatorIndex) =>
        _counts[actualClassIndicatorIndex][predictedClassIndicatorIndex];

    /// <summary>The matrix as a text table (rows = truth, columns = prediction) with precision and recall.</summary>
    public string GetFormattedConfusionTable()
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        int width = Math.Max(8, ClassNames.Max(n => n.Length) + 1);
        var sb = new StringBuilder();
        sb.Append("Confusion table (rows: truth, columns: predicted)").AppendLine();
        sb.Append("".PadRight(width)).Append("||");
        foreach (var n in ClassNames) sb.Append(n.PadLeft(width));
        sb.Append(" | Recall").AppendLine();
        for (int a = 0; a < NumberOfClasses; a++)
        {
            sb.Append(ClassNames[a].PadRight(width)).Append("||");
            for (int p = 0; p < NumberOfClasses; p++) sb.Append(_counts[a][p].ToString("0", inv).PadLeft(width));
            sb.Append(" | ").Append(PerClassRecall[a].ToString("0.0000", inv)).AppendLine();
        }
        sb.Append("Precision".PadRight(width)).Append("||");
        foreach (var p in PerClassPrecision) sb.Append(p.ToString("0.0000", inv).PadLeft(width));
        sb.AppendLine();
        return sb.ToString();
    }
}

/// <summary>Evaluation results of a multiclass classifier (ML.NET's names and definitions).</summary>
public sealed class MulticlassClassificationMetrics
{
    /// <summary>Creates the metrics.</summary>
    public MulticlassClassificationMetrics(double microAccuracy, double macroAccuracy, double logLoss, double logLossReduction,
        int topKPredictionCount, IReadOnlyList<double> topKAccuracyForAllK, IReadOnlyList<double> perClassLogLoss, ConfusionMatrix confusionMatrix)
    {
        MicroAccuracy = microAccuracy;
        MacroAccuracy = macroAccuracy;
        LogLoss = logLoss;
        LogLossReduction = logLossReduction;
        TopKPredictionCount = topKPredictionCount;
        TopKAccuracyForAllK = topKAccuracyForAllK;
        TopKAccuracy = topKPredictionCount > 0 ? topKAccuracyForAllK[topKPredictionCount - 1] : 0;
        PerClassLogLoss = perClassLogLoss;
        ConfusionMatrix = confusionMatrix;
    }

    /// <summary>The fraction of examples whose highest score is at their label.</summary>
    public double MicroAccuracy { get; }
    /// <summary>The mean over classes present in the labels of the per-class accuracy (recall).</summary>
    public double MacroAccuracy { get; }
    /// <summary>The mean of -ln(score at the label), with scores clamped below at 1e-15.</summary>
    public double LogLoss { get; }
    /// <summary>(prior log-loss − <see cref="LogLoss"/>) / prior log-loss; the prior predicts the label frequencies. 1 is perfect, 0 is as good as the prior.</summary>
    public double LogLossReduction { get; }
    /// <summary>The fraction of examples whose label is among the <see cref="TopKPredictionCount"/> highest scores (0 when K = 0).</summary>
    public double TopKAccuracy { get; }
    /// <summary>The K used for <see cref="TopKAccuracy"/>.</summary>
    public int TopKPredictionCount { get; }
    /// <summary>Top-k accuracy for k = 1..K.</summary>
    public IReadOnlyList<double> TopKAccuracyForAllK { get; }
    /// <summary>The log-loss of the examples of each class (0 for absent classes).</summary>
    public IReadOnlyList<double> PerClassLogLoss { get; }
    /// <summary>The confusion matrix (rows = truth, columns = prediction).</summary>
    public ConfusionMatrix ConfusionMatrix { get; }
}

/// <summary>Evaluation results of a binary classifier.</summary>
public class BinaryClassificationMetrics
{
    /// <summary>Creates the metrics.</summary>
    public BinaryClassificationMetrics(double areaUnderRocCurve, double accuracy, double positivePrecision, double positiveRecall,
        double negativePrecision, double negativeRecall, double f1Score, double areaUnderPrecisionRecallCurve, ConfusionMatrix confusionMatrix)
    {
        AreaUnderRocCurve = areaUnderRocCurve;
        Accuracy = accuracy;
        PositivePrecision = positivePrecision;
        PositiveRecall = positiveRecall;
        NegativePrecision = negativePrecision;
        NegativeRecall = negativeRecall;
        F1Score = f1Score;
        AreaUnderPrecisionRecallCurve = areaUnderPrecisionRecallCurve;
        ConfusionMatrix = confusionMatrix;
    }

    /// <summary>The probability that a random positive scores above a random negative (ties count one half).</summary>
    public double AreaUnderRocCurve { get; }
    /// <summary>The fraction of correct predictions.</summary>
    public double Accuracy { get; }
    /// <summary>TP / (TP + FP).</summary>
    public double PositivePrecision { get; }
    /// <summary>TP / (TP + FN).</summary>
    public double PositiveRecall { get; }
    /// <summary>TN / (TN + FN).</summary>
    public double NegativePrecision { get; }
    /// <summary>TN / (TN + FP).</summary>
    public double NegativeRecall { get; }
    /// <summary>The harmonic mean of positive precision and recall.</summary>
    public double F1Score { get; }
    /// <summary>The area under the precision-recall curve, as average precision over the distinct score thresholds.</summary>
    public double AreaUnderPrecisionRecallCurve { get; }
    /// <summary>The confusion matrix; class 0 is positive, class 1 negative (as ML.NET prints it).</summary>
    public ConfusionMatrix ConfusionMatrix { get; }
}

/// <summary>Evaluation results of a binary classifier with probabilities.</summary>
public sealed class CalibratedBinaryClassificationMetrics : BinaryClassificationMetrics
{
    /// <summary>Creates the metrics.</summary>
    public CalibratedBinaryClassificationMetrics(BinaryClassificationMetrics basic, double logLoss, double logLossReduction, double entropy)
        : base(basic.AreaUnderRocCurve, basic.Accuracy, basic.PositivePrecision, basic.PositiveRecall, basic.NegativePrecision,
            basic.NegativeRecall, basic.F1Score, basic.AreaUnderPrecisionRecallCurve, basic.ConfusionMatrix)
    {
        LogLoss = logLoss;
        LogLossReduction = logLossReduction;
        Entropy = entropy;
    }

    /// <summary>The mean of -log2 of the probability given to the true class (probabilities clamped to [1e-15, 1 - 1e-15]).</summary>
    public double LogLoss { get; }
    /// <summary>(<see cref="Entropy"/> − <see cref="LogLoss"/>) / <see cref="Entropy"/>.</summary>
    public double LogLossReduction { get; }
    /// <summary>The entropy (bits) of the label prior: the log-loss of always predicting the positive rate.</summary>
    public double Entropy { get; }
}

/// <summary>Evaluation results of a regression model.</summary>
public sealed class RegressionMetrics
{
    /// <summary>Creates the metrics.</summary>
    public RegressionMetrics(double meanAbsoluteError, double meanSquaredError, double rootMeanSquaredError, double lossFunction, double rSquared)
    {
        MeanAbsoluteError = meanAbsoluteError;
        MeanSquaredError = meanSquaredError;
        RootMeanSquaredError = rootMeanSquaredError;
        LossFunction = lossFunction;
        RSquared = rSquared;
    }

    /// <summary>The mean of |label − score|.</summary>
    public double MeanAbsoluteError { get; }
    /// <summary>The mean of (label − score)².</summary>
    public double MeanSquaredError { get; }
    /// <summary>The square root of <see cref="MeanSquaredError"/>.</summary>
    public double RootMeanSquaredError { get; }
    /// <summary>The mean of the loss function (squared loss, as ML.NET's default).</summary>
    public double LossFunction { get; }
    /// <summary>1 − (sum of squared residuals)/(sum of squared deviations of the label from its mean).</summary>
    public double RSquared { get; }
}
