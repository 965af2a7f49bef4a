using Microsoft.ML;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using Mtl.Transforms.Corruptions;

namespace Mtl.Trainers;

public sealed partial class MultiHeadNetworkTrainer
{
    /// <summary>
    /// Options of the multi-head trainer, in ML.NET's style: public fields for the data and the loop, typed component
    /// options for the parts (<see cref="Optimizer"/>, <see cref="Schedule"/>, <see cref="Method"/>, <see cref="Trunk"/>,
    /// <see cref="EarlyStopping"/>). Validated once, when the trainer is created. Null for <see cref="Trunk"/>,
    /// <see cref="BatchSize"/>, <see cref="MaxEpoch"/> and <see cref="EarlyStopping"/> means "chosen from the data at Fit"
    /// (each field says how; docs/options.md has the table), and each choice is logged through <see cref="MLContext.Log"/>.
    /// </summary>
    public sealed class Options
    {
        /// <summary>Feature column: a known-size Vector&lt;Single&gt; (images as C×H×W).</summary>
        public string FeatureColumnName = "Features";

        /// <summary>The tasks (at least one).</summary>
        public List<TaskDefinition> Tasks = new();

        /// <summary>The shared trunk; null = follows the feature shape (an MLP for vectors, MultiLeNet for small images, ResNet for larger ones).</summary>
        public TrunkSpec? Trunk;

        /// <summary>
        /// The multi-task architecture, e.g. <c>new MmoeNetwork.Options { Experts = 4 }</c> or the text <c>"mmoe(experts=4)"</c>;
        /// shared-bottom by default. Experts and columns are built from <see cref="Trunk"/>.
        /// </summary>
        public ArchitectureOptions Architecture = ArchitectureOptions.SharedBottom();

        /// <summary>How the tasks are combined, e.g. <c>new UPGrad.Options { Ridge = 1e-4 }</c> or the text <c>"upgrad(ridge=1e-4)"</c>; created fresh at every Fit.</summary>
        public MtlMethodOptions Method = new EW.Options();

        /// <summary>Where per-task gradients are taken for gradient methods (ignored by loss weightings).</summary>
        public GradientMode GradientMode = GradientMode.Parameters;

        /// <summary>The optimizer and its hyperparameters (default: Adam, learning rate 1e-3).</summary>
        public MtlOptimizerOptions Optimizer = new MtlOptimizerOptions.Adam();

        /// <summary>The learning-rate schedule (default: constant).</summary>
        public LearningRateScheduleOptions Schedule = new LearningRateScheduleOptions.Constant();

        /// <summary>
        /// Overrides the trunk's and heads' dropout when set. Null keeps the trunk's and tasks' own values, except that an
        /// automatic trunk on vector features uses no dropout (small tables underfit with MultiLeNet's 0.5).
        /// </summary>
        public double? Dropout;

        /// <summary>Mini-batch size; null = training rows / 16, clamped to [16, 256].</summary>
        public int? BatchSize;

        /// <summary>Number of epochs; null = enough for about 1000 optimizer steps, clamped to [10, 200].</summary>
        public int? MaxEpoch;

        /// <summary>Validation data (same schema); enables per-epoch validation metrics, best-epoch selection and early stopping.</summary>
        public IDataView? ValidationSet;

        /// <summary>Early stopping; null = on (patience ≈ 250 optimizer steps, at least 10 epochs; best weights kept) when there is a <see cref="ValidationSet"/>, off otherwise.</summary>
        public EarlyStoppingOptions? EarlyStopping;

        /// <summary>Seed of initialisation, data order, dropout and method draws (null = derived from the context's seed, see <see cref="Mtl.SeedPolicy"/>).</summary>
        public int? Seed;

        /// <summary>Log training progress every N steps (0 = only per epoch).</summary>
        public int LogEveryNStep;

        /// <summary>Folder for per-epoch checkpoints; training resumes from the latest one found there.</summary>
        public string? CheckpointFolder;

        /// <summary>Add an <c>Embedding</c> output column (the trunk's representation) to the transformer's output.</summary>
        public bool OutputEmbedding;

        /// <summary>
        /// Training-time augmentation: each epoch, every training image gets a corruption (and severity) drawn by this
        /// sampler from the seed (run seed, epoch, row), so draws are fresh every epoch and identical for the same seed.
        /// Needs image features shaped (C, H, W); validation, scoring and saved models never see it.
        /// </summary>
        public CorruptionSampler? Augmentation;

        /// <summary>Pixel value in [0, 1] = feature × this + <see cref="AugmentationPixelOffset"/> (undoes a normalization, e.g. its std).</summary>
        public float AugmentationPixelScale = 1f;

        /// <summary>See <see cref="AugmentationPixelScale"/> (e.g. the normalization's mean).</summary>
        public float AugmentationPixelOffset;

        /// <summary>Rows the transformer scores per network call (one dispose scope per batch).</summary>
        public int ScoringBatchSize = 512;

        /// <summary>
        /// Train the heads only: the trunk's weights stay as initialised (or as in the warm-start model of
        /// <see cref="TrainingHooks.InitialModel"/>) and its dropout is off. Needs a method that combines losses (a loss
        /// weighting such as "ew"), since there are no shared parameters to take per-task gradients of.
        /// </summary>
        public bool FreezeTrunk;

        /// <summary>A member-wise copy (the task list is copied, tasks and component options are shared).</summary>
        public Options ShallowCopy()
        {
            var copy = (Options)MemberwiseClone();
            copy.Tasks = new List<TaskDefinition>(Tasks);
            return copy;
        }

        /// <summary>
        /// A copy that shares nothing the caller can still change (tasks, optimizer, method, schedule, trunk, early stopping
        /// are copied; data views, samplers and custom factories are shared): what the trainer keeps after validation.
        /// </summary>
        internal Options Snapshot()
        {
            Options copy = ShallowCopy();
            copy.Tasks = Tasks.Select(t => t.Clone()).ToList();
            copy.Optimizer = Optimizer.Clone();
            copy.Method = Method.Copy();
            copy.Schedule = Schedule.Copy();
            copy.Trunk = Trunk?.Copy();
            copy.Architecture = Architecture.Copy();
            copy.EarlyStopping = EarlyStopping?.Copy();
            return copy;
        }

        /// <summary>Checks every option once; the message names the option's path, e.g. "Options.Optimizer.LearningRate".</summary>
        /// <exception cref="ArgumentException">The first option out of range.</exception>
        internal void Validate()
        {
            OptionChecks.NotNull(Tasks, "Options.Tasks", "a list of tasks");
            if (Tasks.Count == 0) throw new ArgumentException("The trainer needs at least one task (Options.Tasks).", "Options.Tasks");
            for (int i = 0; i < Tasks.Count; i++) OptionChecks.NotNull(Tasks[i], $"Options.Tasks[{i}]", "a task definition");
            var dup = Tasks.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (dup is not null) throw new ArgumentException($"Task name '{dup.Key}' is used twice; task names must be unique.", "Options.Tasks");
            if (string.IsNullOrWhiteSpace(FeatureColumnName)) throw OptionChecks.Fail("Options.FeatureColumnName", "a column name", FeatureColumnName);
            OptionChecks.NotNull(Method, "Options.Method", "method options, e.g. new EW.Options() or \"ew\"");
            Method.Validate("Options.Method");
            OptionChecks.NotNull(Optimizer, "Options.Optimizer", "optimizer options, e.g. new MtlOptimizerOptions.Adam()");
            Optimizer.Validate("Options.Optimizer");
            OptionChecks.NotNull(Schedule, "Options.Schedule", "schedule options, e.g. new LearningRateScheduleOptions.Constant()");
            Schedule.Validate("Options.Schedule");
            EarlyStopping?.Validate("Options.EarlyStopping");
            Trunk?.Validate("Options.Trunk");
            OptionChecks.NotNull(Architecture, "Options.Architecture", "architecture options, e.g. new MmoeNetwork.Options() or \"mmoe\"");
            Architecture.Validate("Options.Architecture");
            OptionChecks.AtLeast(BatchSize, 1, "Options.BatchSize");
            OptionChecks.AtLeast(MaxEpoch, 1, "Options.MaxEpoch");
            OptionChecks.AtLeast(ScoringBatchSize, 1, "Options.ScoringBatchSize");
            OptionChecks.AtLeast(LogEveryNStep, 0, "Options.LogEveryNStep");
            if (Dropout is { } p) OptionChecks.InRange(p, 0, 1, highInclusive: false, "Options.Dropout");
            if (!float.IsFinite(AugmentationPixelScale) || AugmentationPixelScale == 0)
                throw OptionChecks.Fail("Options.AugmentationPixelScale", "finite and non-zero", AugmentationPixelScale);
            OptionChecks.Finite(AugmentationPixelOffset, "Options.AugmentationPixelOffset");
        }
    }
}

/// <summary>
/// What a single <c>Fit</c> may be given besides the data, as ML.NET's warm-start <c>Fit(trainData, modelParameters)</c>
/// overloads do: monitors that watch the run from inside the loop, and a trained model to start from. Not part of the
/// options: the same estimator can be fitted with different hooks.
/// </summary>
public sealed class TrainingHooks
{
    /// <summary>
    /// Monitors called from inside the training loop (every <see cref="Monitoring.ITrainingMonitor.Interval"/> steps,
    /// and per epoch): gradient conflicts, update magnitudes, trajectory factors. Mtl.Analysis has ready-made ones.
    /// </summary>
    public IReadOnlyList<Monitoring.ITrainingMonitor> Monitors { get; init; } = [];

    /// <summary>
    /// Warm start: training begins from this trained model's weights (same trunk, input shape and tasks, in order)
    /// instead of a fresh initialisation. The model itself is not changed.
    /// </summary>
    public MultiHeadNetworkTransformer? InitialModel { get; init; }

    internal void Validate()
    {
        OptionChecks.NotNull(Monitors, "TrainingHooks.Monitors", "a list of monitors");
        for (int i = 0; i < Monitors.Count; i++)
        {
            if (Monitors[i] is null) throw new ArgumentException($"TrainingHooks.Monitors[{i}] is null; remove it or pass a monitor.", "TrainingHooks.Monitors");
            if (Monitors[i].Interval < 1)
                throw OptionChecks.Fail($"TrainingHooks.Monitors[{i}].Interval", $"at least 1 ({Monitors[i].GetType().Name} runs every k ≥ 1 steps)", Monitors[i].Interval);
        }
    }
}
