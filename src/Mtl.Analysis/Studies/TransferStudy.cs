using System.Diagnostics;
using Microsoft.ML;
using Mtl.Analysis.Reports;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Trainers.Methods;
using Mtl.Transforms;
using Mtl.Transforms.Corruptions;

namespace Mtl.Analysis.Studies;

/// <summary>
/// <c>mtl study transfer</c> (studies.md A4, Elich et al. appendix A6): per seed, the best clean STL model per task and
/// the best clean MTL model per method (validation over a learning-rate grid); the trunk frozen, the heads fine-tuned on
/// training images that each get a random corruption and severity (fresh every epoch); test accuracy clean and under every
/// corruption × severity; δ_t per method and task (<see cref="TransferDelta"/>) with its spread over seeds.
/// </summary>
public sealed class TransferStudy : IStudy
{
    private readonly TransferProtocol? protocol;

    /// <summary>The study with the presets' protocols (<see cref="TransferProtocol.For"/>).</summary>
    public TransferStudy()
    {
    }

    /// <summary>The study with a protocol of your own, used whatever the context's preset (which still names the report's preset).</summary>
    /// <exception cref="ArgumentException">A field of the protocol is out of range (the message names it).</exception>
    public TransferStudy(TransferProtocol protocol)
    {
        ArgumentNullException.ThrowIfNull(protocol);
        protocol.Validate();
        this.protocol = protocol;
    }

    /// <inheritdoc />
    public string Name => "transfer";

    /// <inheritdoc />
    public string Description => "Corruption transfer (Elich et al. A6): frozen STL/MTL trunks, heads fine-tuned on corrupted data, δ per task over 15 corruptions × 5 severities.";

    /// <inheritdoc />
    public StudyReport Run(StudyContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var watch = Stopwatch.StartNew();
        TransferProtocol protocol = Resolve(context);
        string dataset = context.DatasetOr("multi-fashion");
        (MultiImageSet train, MultiImageSet validation, MultiImageSet test) = LoadDataset(dataset, context.Seed);
        var ml = new MLContext(context.Seed);
        IDataView trainView = ml.Data.TakeRows(train.AsDataView(), protocol.TrainRows);
        IDataView validationView = ml.Data.TakeRows(validation.AsDataView(), protocol.ValidationRows);
        IDataView testView = ml.Data.TakeRows(test.AsDataView(), protocol.TestRows);
        string[] tasks = [MultiTaskDatasets.LeftColumnName, MultiTaskDatasets.RightColumnName];
        TransferModel[] models = [.. tasks.Select(TransferModel.SingleTask), .. protocol.Methods.Select(m => TransferModel.MultiTask(m, tasks))];
        int[] seeds = Enumerable.Range(context.Seed, protocol.Seeds).ToArray();
        var results = new TransferResults(protocol, dataset, tasks, models, seeds);
        var trainer = new TransferTrainer(protocol, test.Normalization, trainView, validationView, context);

        var tuned = new List<(int Seed, TransferModel Model, MultiHeadNetworkTransformer Network)>();
        try
        {
            context.Progress.BeginStage("clean training (learning-rate grid) and head fine-tuning on corrupted data", seeds.Length * models.Length);
            foreach (int seed in seeds)
                foreach (TransferModel model in models)
                {
                    context.Cancellation.ThrowIfCancellationRequested();
                    using MultiHeadNetworkTransformer clean = trainer.SelectClean(seed, model, results);
                    foreach (TaskMetrics m in Evaluate(ml, clean, testView).Tasks)
                        results.BeforeFineTuning[(seed, model.Name, m.Task)] = m.PrimaryMetric;
                    tuned.Add((seed, model, trainer.FineTune(seed, model, clean, results)));
                    context.Progress.Advance($"seed {seed} {model.Name}");
                }
            EvaluateAll(ml, protocol, test.Normalization, testView, tuned, results, context);
        }
        finally
        {
            foreach (var t in tuned) t.Network.Dispose();
        }
        StudyReport report = new TransferReportBuilder(results, context).Build();
        report.Elapsed = watch.Elapsed;
        return report;
    }

    /// <summary>The preset's protocol with the user's overrides (seeds, methods), checked.</summary>
    private TransferProtocol Resolve(StudyContext context)
    {
        TransferProtocol protocol = this.protocol ?? TransferProtocol.For(context.Preset);
        if (context.Seeds is int seeds) protocol = protocol with { Seeds = seeds };
        if (context.Methods.Count > 0)
            protocol = protocol with { Methods = context.Methods.Distinct(StringComparer.OrdinalIgnoreCase).ToArray() };
        protocol.Validate();
        foreach (string method in protocol.Methods)
        {
            // A frozen trunk has no shared parameters: only methods that weigh losses can fine-tune the heads.
            MethodRequirements needs = MethodRegistry.Create(method).Requirements;
            if (needs.Gradients != GradientNeed.CombinedLoss || needs.NeedsSharedLayerGradientNorms || needs.SharedGradientClipNorm > 0)
                throw new ArgumentException(
                    $"Method '{method}' needs gradients on the shared trunk, which the transfer study freezes for fine-tuning. " +
                    "Pass loss weightings only (e.g. ew, uw, rlw, dwa).", nameof(context));
        }
        return protocol;
    }

    private static (MultiImageSet Train, MultiImageSet Validation, MultiImageSet Test) LoadDataset(string name, int seed)
    {
        MultiImageSet create(DatasetSplit split) => MultiTaskDatasets.Create(name, split, seed);
        return (create(DatasetSplit.Train), create(DatasetSplit.Validation), create(DatasetSplit.Test));
    }

    // The scored rows are cached: ML.NET's evaluator reads them once per task, and an MTL network would otherwise score twice.
    private static MultiTaskMetrics Evaluate(MLContext ml, MultiHeadNetworkTransformer model, IDataView data) =>
        ml.MultiTask().Evaluate(ml.Data.Cache(model.Transform(data)), model);

    /// <summary>
    /// Scores every fine-tuned model clean and under every condition. Each corrupted test set is made once by an ML.NET
    /// corruption step (in [0, 1] pixel space through the dataset's normalization) and cached, then shared by all models.
    /// </summary>
    private static void EvaluateAll(MLContext ml, TransferProtocol protocol, ImageNormalization normalization, IDataView test,
        IReadOnlyList<(int Seed, TransferModel Model, MultiHeadNetworkTransformer Network)> tuned, TransferResults results, StudyContext context)
    {
        IReadOnlyList<TransferCondition> conditions = protocol.Conditions;
        context.Progress.BeginStage($"testing {tuned.Count} fine-tuned models clean and under {conditions.Count} corruption conditions", conditions.Count + 1);
        Record(ml, ml.Data.Cache(test), null, tuned, results);
        context.Progress.Advance("clean");
        // One context for the corruption steps: the same seed gives the same corrupted test sets in every run.
        var corruptions = new MLContext(context.Seed);
        foreach (TransferCondition condition in conditions)
        {
            context.Cancellation.ThrowIfCancellationRequested();
            CorruptionEstimator step = corruptions.Corruptions.Corrupt(new CorruptionEstimator.Options
            {
                OutputColumnName = MultiTaskDatasets.ImageColumnName,
                Corruptions = [condition.Corruption],
                Severities = [condition.Severity],
                PixelScale = normalization.Std,
                PixelOffset = normalization.Mean,
            });
            Record(ml, ml.Data.Cache(step.Fit(test).Transform(test)), condition, tuned, results);
            context.Progress.Advance(condition.ToString());
        }
    }

    private static void Record(MLContext ml, IDataView data, TransferCondition? condition,
        IReadOnlyList<(int Seed, TransferModel Model, MultiHeadNetworkTransformer Network)> tuned, TransferResults results)
    {
        foreach ((int seed, TransferModel model, MultiHeadNetworkTransformer network) in tuned)
            foreach (TaskMetrics m in Evaluate(ml, network, data).Tasks)
            {
                var key = (seed, model.Name, m.Task);
                results.HigherIsBetter[m.Task] = m.HigherIsBetter;
                if (condition is not TransferCondition c) results.Clean[key] = m.PrimaryMetric;
                else
                {
                    if (!results.Corrupted.TryGetValue(key, out var byCondition)) results.Corrupted[key] = byCondition = new();
                    byCondition[c] = m.PrimaryMetric;
                }
            }
    }
}
