using Microsoft.ML;
using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Monitoring;
using Mtl.Trainers.Network;
using Mtl.Transforms.Corruptions;

namespace Mtl.Trainers;

/// <summary>Optimizers the trainer can use.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with optional momentum / Nesterov.</summary>
    Sgd,
    /// <summary>Adam.</summary>
    Adam,
    /// <summary>AdamW (decoupled weight decay).</summary>
    AdamW,
    /// <summary>signSGD: step along the sign of the (combined) gradient.</summary>
    SignSgd,
    /// <summary>One Adam state per task on the shared parameters (Elich et al.): each task's shared gradient is normalised by its own moments; heads use plain Adam.</summary>
    PerTaskAdam,
}

/// <summary>Learning-rate schedules (applied once per epoch).</summary>
public enum LearningRateSchedule
{
    /// <summary>Constant.</summary>
    Constant,
    /// <summary>×γ every epoch (Kurin et al.: 0.95).</summary>
    Exponential,
    /// <summary>×γ every <see cref="MultiHeadNetworkTrainer.Options.ScheduleStepSize"/> epochs (Xin et al.: 0.85 every 30).</summary>
    Step,
    /// <summary>Cosine annealing to 0 over MaxEpoch.</summary>
    Cosine,
}

public sealed partial class MultiHeadNetworkTrainer
{
    /// <summary>Options of the multi-head trainer (public fields, as ML.NET's trainer options).</summary>
    public sealed partial class Options
    {
        /// <summary>Feature column: a known-size Vector&lt;Single&gt; (images as C×H×W).</summary>
        public string FeatureColumnName = "Features";

        /// <summary>The tasks (at least one).</summary>
        public List<TaskDefinition> Tasks = new();

        /// <summary>The shared trunk.</summary>
        public TrunkSpec Trunk = TrunkSpec.MultiLeNet();

        /// <summary>How the tasks are combined: a method name from <see cref="MethodRegistry"/> ("ew", "mgda", "pcgrad", …).</summary>
        public string Method = "ew";

        /// <summary>A method instance (overrides <see cref="Method"/>), e.g. a user-written one.</summary>
        public MtlMethod? MethodInstance;

        /// <summary>Where per-task gradients are taken for gradient methods (ignored by loss weightings).</summary>
        public GradientMode GradientMode = GradientMode.Parameters;

        /// <summary>Optimizer.</summary>
        public OptimizerKind Optimizer = OptimizerKind.Adam;

        /// <summary>Learning rate (Kurin et al.: 1e-2 with Adam on Multi-MNIST; we default to 1e-3, safe for all methods).</summary>
        public double LearningRate = 1e-3;

        /// <summary>SGD momentum.</summary>
        public double Momentum = 0.9;

        /// <summary>Nesterov momentum (SGD).</summary>
        public bool Nesterov;

        /// <summary>Weight decay (L2 for SGD/Adam, decoupled for AdamW).</summary>
        public double WeightDecay;

        /// <summary>Learning-rate schedule.</summary>
        public LearningRateSchedule Schedule = LearningRateSchedule.Constant;

        /// <summary>γ of the exponential/step schedules.</summary>
        public double ScheduleGamma = 0.95;

        /// <summary>Epochs between steps of the step schedule.</summary>
        public int ScheduleStepSize = 30;

        /// <summary>Overrides the trunk's and heads' dropout when set.</summary>
        public double? Dropout;

        /// <summary>Mini-batch size.</summary>
        public int BatchSize = 256;

        /// <summary>Number of epochs.</summary>
        public int MaxEpoch = 10;

        /// <summary>Validation data (same schema); enables per-epoch validation metrics and early stopping.</summary>
        public IDataView? ValidationSet;

        /// <summary>Stop after this many epochs without a better selection score (<see cref="EpochReport.SelectionScore"/>; 0 = never); the best epoch's weights are kept.</summary>
        public int EarlyStoppingPatience;

        /// <summary>Keep the weights of the best validation epoch at the end (needs <see cref="ValidationSet"/>).</summary>
        public bool KeepBestValidationWeights = true;

        /// <summary>Seed of initialisation, data order, dropout and method draws (null = derived from the context's seed, see <see cref="Mtl.SeedPolicy"/>).</summary>
        public int? Seed;

        /// <summary>Log training progress every N steps (0 = only per epoch).</summary>
        public int LogEveryNStep;

        /// <summary>Folder for per-epoch checkpoints; training resumes from the latest one found there.</summary>
        public string? CheckpointFolder;

        /// <summary>
        /// The device training and scoring run on. Not a user option: <see cref="MultiHeadNetworkTrainer.Fit"/> sets it on its own copy of the
        /// options from <see cref="MLContext.GpuDeviceId"/> and <see cref="MLContext.FallbackToCpu"/>, as ML.NET's GPU components do.
        /// </summary>
        internal Device Device
        {
            // Resolved on first use: creating Options must not load libtorch (a failed load is reported by Fit, with the fix).
            get => device ?? torch.CPU;
            set => device = value;
        }

        private Device? device;

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
        /// Monitors called from inside the training loop (every <see cref="ITrainingMonitor.Interval"/> steps, and per epoch):
        /// gradient conflicts, update magnitudes, trajectory factors. Mtl.Analysis has ready-made ones.
        /// </summary>
        public List<ITrainingMonitor> Monitors = new();

        /// <summary>
        /// Warm start: training begins from this trained model's weights (same trunk, input shape and tasks, in order) instead
        /// of a fresh initialisation. The model itself is not changed.
        /// </summary>
        public MultiHeadNetworkTransformer? InitialModel;

        /// <summary>
        /// Train the heads only: the trunk's weights stay as initialised (or as in <see cref="InitialModel"/>) and its
        /// dropout is off. Needs a method that combines losses (a loss weighting such as "ew"), since there are no shared
        /// parameters to take per-task gradients of.
        /// </summary>
        public bool FreezeTrunk;
    }
}

public sealed partial class MultiHeadNetworkTrainer
{
    public sealed partial class Options
    {
        /// <summary>A member-wise copy (lists are copied, tasks are shared).</summary>
        public Options ShallowCopy()
        {
            var copy = (Options)MemberwiseClone();
            copy.Tasks = new List<TaskDefinition>(Tasks);
            copy.Monitors = new List<ITrainingMonitor>(Monitors);
            return copy;
        }
    }
}
