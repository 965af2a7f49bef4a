using Microsoft.ML;
using Mtl.Trainers;

namespace Mtl.Analysis.AutoTrain;

/// <summary>What a single-task baseline trains on: ML.NET's own trainers over the features, or our network with one head.</summary>
public enum BaselineFamily
{
    /// <summary>ML.NET's trainers for the task's kind (LightGbm, SDCA, L-BFGS, FastTree): the baselines for tables.</summary>
    MlNetTrainers,

    /// <summary>The same network with one head (the multi-task run's settings, one task, equal weighting): the baseline for images.</summary>
    SingleHeadNetwork,
}

/// <summary>
/// One single-task trainer a baseline may try: a name as ML.NET's CLI prints it and an estimator for a label column and the
/// feature column. The estimator's output follows ML.NET's trainers (<c>Score</c>, <c>PredictedLabel</c>, and for binary
/// <c>Probability</c>); binary trainers take a Boolean label.
/// </summary>
/// <param name="Name">The trainer's name, e.g. "LightGbmMulti".</param>
/// <param name="Create">The estimator for (label column, feature column, seed).</param>
internal sealed record BaselineCandidate(string Name, Func<MLContext, string, string, int, IEstimator<ITransformer>> Create);

/// <summary>
/// ML.NET's trainers per task kind, cheapest-and-strongest first (a tight budget tries only the first ones): gradient boosting
/// (LightGbm), then the linear learners (SDCA, L-BFGS; regression: SDCA only, L-BFGS Poisson needs non-negative targets), then
/// FastTree / FastForest. Defaults as ML.NET ships them, seeded where the
/// trainer takes a seed; LightGbm runs on one thread less than the machine has, at least one.
/// </summary>
internal static class BaselineCandidates
{
    public static IReadOnlyList<BaselineCandidate> For(TaskKind kind) => kind switch
    {
        TaskKind.Multiclass =>
        [
            new("LightGbmMulti", (ml, label, features, seed) => ml.MulticlassClassification.Trainers.LightGbm(
                new Microsoft.ML.Trainers.LightGbm.LightGbmMulticlassTrainer.Options { LabelColumnName = label, FeatureColumnName = features, Seed = seed, NumberOfThreads = Threads })),
            new("SdcaMaximumEntropyMulti", (ml, label, features, _) => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(label, features)),
            new("LbfgsMaximumEntropyMulti", (ml, label, features, _) => ml.MulticlassClassification.Trainers.LbfgsMaximumEntropy(label, features)),
            new("FastTreeOva", (ml, label, features, _) => ml.MulticlassClassification.Trainers.OneVersusAll(
                ml.BinaryClassification.Trainers.FastTree(label, features), label)),
        ],
        TaskKind.Binary =>
        [
            new("LightGbmBinary", (ml, label, features, seed) => ml.BinaryClassification.Trainers.LightGbm(
                new Microsoft.ML.Trainers.LightGbm.LightGbmBinaryTrainer.Options { LabelColumnName = label, FeatureColumnName = features, Seed = seed, NumberOfThreads = Threads })),
            new("SdcaLogisticRegressionBinary", (ml, label, features, _) => ml.BinaryClassification.Trainers.SdcaLogisticRegression(label, features)),
            new("LbfgsLogisticRegressionBinary", (ml, label, features, _) => ml.BinaryClassification.Trainers.LbfgsLogisticRegression(label, features)),
            new("FastTreeBinary", (ml, label, features, _) => ml.BinaryClassification.Trainers.FastTree(label, features)),
        ],
        TaskKind.Regression =>
        [
            new("LightGbmRegression", (ml, label, features, seed) => ml.Regression.Trainers.LightGbm(
                new Microsoft.ML.Trainers.LightGbm.LightGbmRegressionTrainer.Options { LabelColumnName = label, FeatureColumnName = features, Seed = seed, NumberOfThreads = Threads })),
            new("SdcaRegression", (ml, label, features, _) => ml.Regression.Trainers.Sdca(label, features)),
            new("FastForestRegression", (ml, label, features, _) => ml.Regression.Trainers.FastForest(label, features)),
            new("FastTreeRegression", (ml, label, features, _) => ml.Regression.Trainers.FastTree(label, features)),
        ],
        _ => throw new NotSupportedException($"There are no single-task baselines for task kind {kind}."),
    };

    // LightGbm otherwise takes every core; the caller's process (a progress display, the web app) keeps one.
    private static int Threads => Math.Max(1, Environment.ProcessorCount - 1);
}
