using System.Diagnostics;
using Microsoft.ML.Runtime;
using Mtl.Trainers.Data;
using Mtl.Trainers.Engine;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Monitoring;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tasks;
using TorchSharp.Modules;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers;

/// <summary>One training run: epochs of seeded mini-batches, the method's step, validation, early stopping, checkpoints.</summary>
internal sealed class TrainingSession
{
    private readonly IChannel channel;
    private readonly MultiHeadNetworkTrainer.Options options;
    private readonly IReadOnlyList<TaskDefinition> tasks;
    private readonly MultiTaskNetwork network;
    private readonly MtlMethod method;
    private readonly int seed;
    private readonly TrainingStep step;
    private readonly Device device;
    private readonly IReadOnlyList<ITrainingMonitor> monitors;
    // Resolved by the trainer before the session starts (AutomaticChoices).
    private readonly int batchSize, maxEpoch;
    private readonly EarlyStoppingOptions earlyStopping;

    public TrainingSession(IChannel channel, MultiHeadNetworkTrainer.Options options, IReadOnlyList<TaskDefinition> tasks,
        MultiTaskNetwork network, MtlMethod method, int seed, Device device, IReadOnlyList<ITrainingMonitor> monitors)
    {
        this.device = device;
        this.monitors = monitors;
        batchSize = options.BatchSize ?? throw new ArgumentException("The session needs a resolved batch size.", nameof(options));
        maxEpoch = options.MaxEpoch ?? throw new ArgumentException("The session needs a resolved epoch count.", nameof(options));
        earlyStopping = options.EarlyStopping ?? new EarlyStoppingOptions { Patience = 0 };
        this.channel = channel;
        this.options = options;
        this.tasks = tasks;
        this.network = network;
        this.method = method;
        this.seed = seed;
        step = new TrainingStep(options, tasks, network, method, seed, Log);
    }

    private void Log(ChannelMessageKind kind, string message)
    {
        switch (kind)
        {
            case ChannelMessageKind.Trace: channel.Trace(MessageSensitivity.None, message); break;
            case ChannelMessageKind.Warning: channel.Warning(MessageSensitivity.None, message); break;
            case ChannelMessageKind.Error: channel.Error(MessageSensitivity.None, message); break;
            default: channel.Info(MessageSensitivity.None, message); break;
        }
    }

    public TrainingReport Run(MaterializedData train, MaterializedData? validation)
    {
        var report = new TrainingReport { Method = method.Name };
        EpochAugmenter? augmenter = options.Augmentation is null ? null
            : new EpochAugmenter(options.Augmentation, train, options.AugmentationPixelScale, options.AugmentationPixelOffset, seed);
        var checkpoints = options.CheckpointFolder is null ? null : new CheckpointStore(options.CheckpointFolder, network, step.WriteState, step.ReadState);
        int firstEpoch = 1;
        long globalStep = 0;
        Dictionary<string, Tensor>? bestWeights = null;
        double bestValidation = double.NegativeInfinity;
        int epochsWithoutImprovement = 0;
        if (checkpoints?.TryResume() is { } resumed)
        {
            TrainingProgress p = resumed.progress;
            if (p.Epoch > maxEpoch)
            {
                if (resumed.best is { } kept) foreach (Tensor t in kept.Values) t.Dispose();
                throw new ArgumentException($"The checkpoint in {options.CheckpointFolder} has trained {p.Epoch} epochs, more than Options.MaxEpoch = {maxEpoch}: " +
                    $"it cannot be resumed to fewer epochs. Set MaxEpoch to at least {p.Epoch}, or use another CheckpointFolder.");
            }
            firstEpoch = p.Epoch + 1;
            globalStep = p.Step;
            report.ResumedFromEpoch = p.Epoch;
            report.EarlierEpochs = p.Epochs;
            report.SelectedEpoch = p.SelectedEpoch;
            bestValidation = p.BestValidation;
            epochsWithoutImprovement = p.EpochsWithoutImprovement;
            bestWeights = resumed.best;
            Log(ChannelMessageKind.Info, $"Resumed from the checkpoint of epoch {p.Epoch} in {options.CheckpointFolder}.");
        }

        double[]? selectionReference = validation is null ? null : SelectionReference(validation);
        var startContext = new MonitorStartContext(network, tasks, seed, firstEpoch, maxEpoch, BatchCount(train.Count), train.Count);
        foreach (ITrainingMonitor m in monitors) m.OnTrainingStart(startContext);
        IReadOnlyList<Parameter> shared = network.SharedParameters();

        try
        {
            for (int epoch = firstEpoch; epoch <= maxEpoch; epoch++)
            {
                double lr = step.LearningRateForEpoch(epoch);
                var watch = Stopwatch.StartNew();
                var sums = new EpochAccumulator(tasks.Count);
                long[] order = Permutation(train.Count, seed, epoch);
                using Tensor? augmented = augmenter?.Features(epoch);
                Tensor features = augmented ?? train.Features;
                int batches = BatchCount(train.Count);
                // The epoch's order as one tensor; each batch takes a view of it (no per-batch array or copy).
                using Tensor orderTensor = tensor(order);
                EnterTrainingMode();
                for (int b = 0; b < batches; b++)
                {
                    globalStep++;
                    using var scope = NewDisposeScope();
                    int start = b * batchSize;
                    int size = (int)Math.Min(batchSize, train.Count - start);
                    Tensor index = orderTensor.narrow(0, start, size);
                    // Moved to the device once here: the step and any due monitor share the same tensors.
                    Tensor x = OnDevice(features.index_select(0, index));
                    Tensor[] y = train.Labels.Select(l => OnDevice(l.index_select(0, index))).ToArray();
                    // One label mask per batch for the tasks with holes; fully labelled tasks pay nothing.
                    Tensor?[]? labelled = TaskLosses.LabelMasks(tasks, train, y);
                    MonitorStepContext? watched = null;
                    foreach (ITrainingMonitor m in monitors)
                    {
                        if (globalStep % m.Interval != 0) continue;
                        watched ??= new MonitorStepContext(network, tasks, globalStep, epoch, b, x, y, shared, labelled);
                        m.BeforeStep(watched);
                    }
                    StepResult r = step.Run(x, y, globalStep, epoch, labelled);
                    sums.Add(r);
                    if (watched is not null)
                    {
                        watched.Losses = r.Losses;
                        foreach (ITrainingMonitor m in monitors)
                            if (globalStep % m.Interval == 0) m.AfterStep(watched);
                    }
                    if (options.LogEveryNStep > 0 && globalStep % options.LogEveryNStep == 0)
                        Log(ChannelMessageKind.Trace, $"epoch {epoch} step {globalStep}: " + string.Join(", ", tasks.Select((t, i) => $"{t.Name} loss {r.Losses[i]:F4}")));
                }
                watch.Stop();
                // Steps check their losses before the update only: the last step of an epoch can leave NaN weights behind.
                RequireFiniteWeights(globalStep, epoch);
                step.OnEpochEnd(sums.MeanLosses());

                var results = new List<TaskEpochResult>();
                double[]? valLoss = null, valMetric = null;
                long[]? valRows = null;
                if (validation is not null)
                {
                    (valLoss, valMetric, valRows) = Evaluate(validation);
                    RequireFiniteValidation(valLoss, valMetric, globalStep, epoch);
                }
                double selectionScore = double.NaN;
                for (int i = 0; i < tasks.Count; i++)
                    results.Add(new TaskEpochResult(tasks[i].Name, sums.MeanLoss(i), TaskLosses.Finish(tasks[i], sums.MetricSums[i], sums.Rows[i], TargetScale(i)),
                        valLoss?[i] ?? double.NaN, valMetric?[i] ?? double.NaN)
                    { TrainLabelledRows = sums.Rows[i], ValidationLabelledRows = valRows?[i] ?? 0 });
                if (valMetric is not null) selectionScore = SelectionScore(valMetric, selectionReference!);
                var epochReport = new EpochReport(epoch, results, sums.MeanWeights(), lr, watch.Elapsed.TotalSeconds, selectionScore);
                report.Add(epochReport);
                foreach (ITrainingMonitor m in monitors) m.OnEpochEnd(epochReport);
                report.SolverCalls = step.SolverCalls;
                report.SolverFailures = step.SolverFailures;
                report.SolverSeconds = step.SolverSeconds;
                Log(ChannelMessageKind.Info, Describe(epochReport));

                if (validation is not null)
                {
                    if (selectionScore > bestValidation)
                    {
                        bestValidation = selectionScore;
                        epochsWithoutImprovement = 0;
                        report.SelectedEpoch = epoch;
                        if (earlyStopping.KeepBestWeights) bestWeights = Snapshot(bestWeights);
                    }
                    else
                    {
                        epochsWithoutImprovement++;
                    }
                }
                else
                {
                    report.SelectedEpoch = epoch;
                }
                checkpoints?.Save(new TrainingProgress(epoch, globalStep, report.EarlierEpochs.Concat(report.Epochs).ToArray(), report.SelectedEpoch,
                    bestValidation, epochsWithoutImprovement), bestWeights);
                if (validation is not null && earlyStopping.Patience > 0 && epochsWithoutImprovement >= earlyStopping.Patience)
                {
                    report.StoppedEarly = true;
                    Log(ChannelMessageKind.Info, $"Early stopping after epoch {epoch}: no better selection score for {epochsWithoutImprovement} epochs.");
                    break;
                }
            }
            if (bestWeights is not null && report.Epochs.Count > 0 && report.SelectedEpoch != report.Epochs[^1].Epoch)
            {
                network.load_state_dict(bestWeights);
                Log(ChannelMessageKind.Info, $"Kept the weights of epoch {report.SelectedEpoch} (best selection score {bestValidation:F2}: Δm % over the constant predictor).");
            }
        }
        finally
        {
            if (bestWeights is not null) foreach (Tensor t in bestWeights.Values) t.Dispose();
            step.Dispose();
        }
        network.eval();
        return report;
    }

    /// <summary>
    /// The reference of the selection score: per task, the validation metric of the best constant prediction (majority
    /// class, label mean). A zero reference (constant regression labels in the validation data) counts differences
    /// against 1 instead, with a warning.
    /// </summary>
    private double[] SelectionReference(MaterializedData validation)
    {
        var reference = new double[tasks.Count];
        using var scope = NewDisposeScope();
        for (int i = 0; i < tasks.Count; i++)
        {
            Tensor labels = validation.Labels[i];
            if (validation.HasMissingLabels(i)) labels = labels.masked_select(TaskLosses.Labelled(tasks[i], labels));
            reference[i] = tasks[i].Handler().ConstantPredictorMetric(labels, TargetScale(i));
            if (reference[i] == 0 || !double.IsFinite(reference[i]))
            {
                Log(ChannelMessageKind.Warning, $"Task '{tasks[i].Name}': the constant predictor's validation metric is {reference[i]} (constant labels?); " +
                    "the selection score counts this task's metric against 1 instead.");
                reference[i] = 1;
            }
        }
        return reference;
    }

    /// <summary>
    /// The one selection score across tasks of any kinds (scale-free): <see cref="DeltaM"/> in percent of the validation
    /// metrics over the constant predictor's. Higher is better; the epoch with the highest score is selected.
    /// </summary>
    private double SelectionScore(double[] validationMetric, double[] reference) =>
        DeltaM.Of(validationMetric, reference, tasks.Select(t => t.Handler().HigherIsBetter).ToArray(), tasks.Select(t => t.Name).ToArray());

    /// <summary>Throws the divergence error when a weight of the network is NaN or infinite (naming the head's task, if any).</summary>
    private void RequireFiniteWeights(long globalStep, int epoch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        foreach (Parameter p in network.SharedParameters())
            if (NonFiniteValues.First(p) is { } bad)
                throw new NonFiniteLossException(NonFiniteSite.Weights, null, globalStep, epoch, bad.Value, options.CheckpointFolder);
        for (int i = 0; i < tasks.Count; i++)
            foreach (Tensor p in network.TaskParameters(i))
                if (NonFiniteValues.First(p) is { } bad)
                    throw new NonFiniteLossException(NonFiniteSite.Weights, tasks[i].Name, globalStep, epoch, bad.Value, options.CheckpointFolder);
    }

    /// <summary>A NaN or infinite validation loss or metric means the epoch's weights diverged: no epoch may be selected on it.</summary>
    private void RequireFiniteValidation(double[] loss, double[] metric, long globalStep, int epoch)
    {
        for (int i = 0; i < tasks.Count; i++)
        {
            double bad = !double.IsFinite(loss[i]) ? loss[i] : metric[i];
            if (!double.IsFinite(bad))
                throw new NonFiniteLossException(NonFiniteSite.Validation, tasks[i].Name, globalStep, epoch, bad, options.CheckpointFolder);
        }
    }

    /// <summary>Training mode, except a frozen trunk, which stays in evaluation mode (a fixed feature extractor has no dropout).</summary>
    private void EnterTrainingMode()
    {
        network.train();
        if (options.FreezeTrunk) network.SharedToEvaluationMode();
    }

    private Tensor OnDevice(Tensor t) => device.type == DeviceType.CPU ? t : t.to(device);

    private int BatchCount(long rows) => (int)((rows + batchSize - 1) / batchSize);

    /// <summary>Seeded permutation of the rows for one epoch (the same seed and epoch give the same order).</summary>
    internal static long[] Permutation(long n, int seed, int epoch)
    {
        var order = new long[n];
        for (long i = 0; i < n; i++) order[i] = i;
        // A fixed mix of (seed, epoch): HashCode.Combine is randomised per process and would break "same seed, same numbers".
        var random = new Random(unchecked((int)Mix((ulong)(uint)seed << 32 | (uint)epoch)));
        for (long i = n - 1; i > 0; i--)
        {
            long j = random.NextInt64(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>SplitMix64's finaliser: a fixed, well-spread 64-bit mix.</summary>
    private static ulong Mix(ulong z)
    {
        z += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private Dictionary<string, Tensor> Snapshot(Dictionary<string, Tensor>? previous)
    {
        if (previous is not null) foreach (Tensor t in previous.Values) t.Dispose();
        using var noGrad = no_grad();
        return network.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone().DetachFromDisposeScope());
    }

    /// <summary>The standard deviation a task's standardised target was divided by (1 otherwise): metrics report the label's unit.</summary>
    private double TargetScale(int task) => network.TargetUnits(task).Scale;

    /// <summary>
    /// Validation loss (standard units for a standardised target, like the training loss), metric (in the label's unit) and
    /// labelled-row count per task (the one evaluation loop).
    /// </summary>
    internal (double[] loss, double[] metric, long[] labelledRows) Evaluate(MaterializedData data) =>
        NetworkEvaluation.Run(network, tasks, data, Math.Max(batchSize, options.ScoringBatchSize), device);

    private string Describe(EpochReport e)
    {
        var parts = e.Tasks.Select(t => double.IsNaN(t.ValidationMetric)
            ? $"{t.Task}: loss {t.TrainLoss:F4} metric {t.TrainMetric:F4}"
            : $"{t.Task}: loss {t.TrainLoss:F4} metric {t.TrainMetric:F4} | val loss {t.ValidationLoss:F4} metric {t.ValidationMetric:F4}");
        string weights = e.MethodWeights is null ? "" : " weights [" + string.Join(", ", e.MethodWeights.Select(w => w.ToString("F3"))) + "]";
        return $"epoch {e.Epoch}/{maxEpoch} ({e.Seconds:F1}s, lr {e.LearningRate:G3}): " + string.Join("; ", parts) + weights;
    }

    /// <summary>Sums of per-batch figures over an epoch; a task's losses and metrics are weighted by its labelled rows only.</summary>
    private sealed class EpochAccumulator
    {
        private readonly double[] lossSums;
        private double[]? weightSums;
        private int weightCount;

        public EpochAccumulator(int tasks)
        {
            lossSums = new double[tasks];
            MetricSums = new double[tasks];
            Rows = new long[tasks];
        }

        public double[] MetricSums { get; }

        /// <summary>Per task: the labelled rows seen in the epoch.</summary>
        public long[] Rows { get; }

        public void Add(StepResult r)
        {
            for (int i = 0; i < lossSums.Length; i++)
            {
                lossSums[i] += r.Losses[i] * r.LabelledRows[i];
                MetricSums[i] += r.MetricSums[i];
                Rows[i] += r.LabelledRows[i];
            }
            if (r.Weights is { } w)
            {
                weightSums ??= new double[w.Length];
                for (int i = 0; i < w.Length; i++) weightSums[i] += w[i];
                weightCount++;
            }
        }

        public double MeanLoss(int task) => lossSums[task] / Rows[task];
        public double[] MeanLosses() => lossSums.Select((s, i) => s / Rows[i]).ToArray();
        public double[]? MeanWeights() => weightSums?.Select(s => s / weightCount).ToArray();
    }
}
