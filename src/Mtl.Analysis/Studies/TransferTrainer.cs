using System.Globalization;
using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers;
using Mtl.Transforms.Corruptions;

namespace Mtl.Analysis.Studies;

/// <summary>The two training stages of the transfer study: clean training over the learning-rate grid, then head fine-tuning.</summary>
internal sealed class TransferTrainer
{
    private readonly TransferProtocol protocol;
    private readonly ImageNormalization normalization;
    private readonly IDataView train;
    private readonly IDataView validation;
    private readonly StudyContext context;
    private readonly CorruptionSampler sampler;

    public TransferTrainer(TransferProtocol protocol, ImageNormalization normalization, IDataView train, IDataView validation, StudyContext context)
    {
        this.protocol = protocol;
        this.normalization = normalization;
        this.train = train;
        this.validation = validation;
        this.context = context;
        // Uniform over the (corruption, severity) pairs = corruption and severity drawn independently and uniformly.
        sampler = new CorruptionSampler(ImageCorruption.Suite(protocol.Corruptions, protocol.Severities));
    }

    private TrainingConfig BaseConfig(int seed, TransferModel model, double learningRate) => new()
    {
        Method = model.Method, LearningRate = learningRate, BatchSize = protocol.BatchSize, Seed = seed, Trunk = "multilenet",
    };

    private MultiHeadNetworkTrainer.Options ToOptions(TrainingConfig config, TransferModel model, IDataView? validationSet) =>
        config.ToOptions(MultiTaskDatasets.ImageColumnName, model.Tasks.Select(t => new TaskDefinition(t)), validationSet);

    /// <summary>Trains the model at every learning rate of the grid and returns the one with the best validation metric.</summary>
    public MultiHeadNetworkTransformer SelectClean(int seed, TransferModel model, TransferResults results)
    {
        MultiHeadNetworkTransformer? best = null;
        double bestMetric = double.NegativeInfinity;
        var runs = new List<TransferSelectionRun>();
        try
        {
            foreach (double lr in protocol.LearningRates)
            {
                context.Cancellation.ThrowIfCancellationRequested();
                MultiHeadNetworkTrainer.Options options = ToOptions(
                    BaseConfig(seed, model, lr) with { Epochs = protocol.Epochs, EarlyStoppingPatience = protocol.EarlyStoppingPatience }, model, validation);
                MultiHeadNetworkTransformer candidate;
                try
                {
                    candidate = new MLContext(seed).MultiTask().Trainers.MultiHead(options).Fit(train);
                }
                catch (NonFiniteLossException e)
                {
                    // The grid's large rates diverge for some models; such a run is recorded and never chosen.
                    runs.Add(new TransferSelectionRun(seed, model, lr, double.NaN, 0, double.NaN, false));
                    context.Progress.Info(string.Create(CultureInfo.InvariantCulture, $"seed {seed} {model.Name} lr {lr:G3}: diverged ({e.Message})"));
                    continue;
                }
                TrainingReport report = candidate.TrainingReport!;
                // The validation accuracy of the kept (best) epoch: accuracy for STL, mean accuracy over tasks for MTL.
                double metric = report.Epochs.Concat(report.EarlierEpochs).First(e => e.Epoch == report.SelectedEpoch).Tasks.Average(t => t.ValidationMetric);
                runs.Add(new TransferSelectionRun(seed, model, lr, metric, report.SelectedEpoch, report.TrainingSeconds, false));
                context.Progress.Info(string.Create(CultureInfo.InvariantCulture,
                    $"seed {seed} {model.Name} lr {lr:G3}: validation {metric:F4} at epoch {report.SelectedEpoch}"));
                // Strictly better keeps the first of equal runs (grid order), so ties resolve the same way every time.
                if (double.IsFinite(metric) && metric > bestMetric)
                {
                    best?.Dispose();
                    (best, bestMetric) = (candidate, metric);
                }
                else candidate.Dispose();
            }
        }
        catch
        {
            best?.Dispose();
            throw;
        }
        if (best is null)
            throw new InvalidOperationException($"Seed {seed}, {model.Name}: no learning rate of the grid gave a finite validation metric.");
        int chosen = runs.FindIndex(r => r.ValidationMetric == bestMetric);
        results.Selections.AddRange(runs.Select((r, i) => r with { Chosen = i == chosen }));
        return best;
    }

    /// <summary>
    /// Fine-tunes the heads of <paramref name="clean"/> (trunk frozen, at its selected learning rate) on training images that each
    /// get a random corruption and severity, drawn afresh every epoch by the trainer's augmentation in [0, 1] pixel space.
    /// </summary>
    public MultiHeadNetworkTransformer FineTune(int seed, TransferModel model, MultiHeadNetworkTransformer clean, TransferResults results)
    {
        double lr = results.Selections.Single(r => r.Seed == seed && r.Model == model && r.Chosen).LearningRate;
        // No validation set and early stopping: fine-tuning runs its fixed number of epochs.
        MultiHeadNetworkTrainer.Options options = ToOptions(BaseConfig(seed, model, lr) with { Epochs = protocol.FineTuneEpochs, EarlyStoppingPatience = 0 }, model, null);
        options.FreezeTrunk = true;
        options.Augmentation = sampler;
        options.AugmentationPixelScale = normalization.Std;
        options.AugmentationPixelOffset = normalization.Mean;
        MultiHeadNetworkTransformer tuned = new MLContext(seed).MultiTask().Trainers.MultiHead(options).Fit(train, new TrainingHooks { InitialModel = clean });
        IReadOnlyList<EpochReport> epochs = tuned.TrainingReport!.Epochs;
        results.FineTunes.Add(new TransferFineTuneRun(seed, model, lr, epochs[0].Tasks.Average(t => t.TrainLoss), epochs[^1].Tasks.Average(t => t.TrainLoss),
            tuned.TrainingReport.TrainingSeconds));
        return tuned;
    }
}
