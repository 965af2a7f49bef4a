using System.Globalization;
using Microsoft.ML;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;

namespace Mtl.Trainers;

/// <summary>
/// The serialisable settings of one training run, as the CLI, <c>.mtlconfig</c> files, sweeps and studies keep them:
/// the method as text (<c>"upgrad(ridge=1e-4)"</c>), the optimizer by name with its hyperparameters, the schedule, and the
/// loop. <see cref="ToOptions"/> is the one mapping to <see cref="MultiHeadNetworkTrainer.Options"/> and
/// <see cref="Validate"/> the one validation (the trainer's), so every front end trains the same model from the same
/// settings. Null means "automatic" (see <see cref="MultiHeadNetworkTrainer.Options"/>).
/// </summary>
public record TrainingConfig
{
    /// <summary>The MTL method in text form, e.g. "ew", "mgda-ub", "upgrad(ridge=1e-4)", "fixed(0.3,0.7)" (see <see cref="MtlMethodOptions.Parse"/>).</summary>
    public string Method { get; init; } = "ew";

    /// <summary>Where gradient methods take per-task gradients.</summary>
    public GradientMode GradientMode { get; init; } = GradientMode.Parameters;

    /// <summary>Optimizer.</summary>
    public OptimizerKind Optimizer { get; init; } = OptimizerKind.Adam;

    /// <summary>Learning rate.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>SGD momentum (ignored by the other optimizers).</summary>
    public double Momentum { get; init; } = 0.9;

    /// <summary>SGD Nesterov momentum (ignored by the other optimizers).</summary>
    public bool Nesterov { get; init; }

    /// <summary>Adam-family β₁ (ignored by SGD and signSGD).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>Adam-family β₂ (ignored by SGD and signSGD).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Adam-family ε (ignored by SGD and signSGD).</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>Weight decay (decoupled for AdamW).</summary>
    public double WeightDecay { get; init; }

    /// <summary>Learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>γ of the exponential / step schedules.</summary>
    public double ScheduleGamma { get; init; } = 0.95;

    /// <summary>Epochs between steps of the step schedule.</summary>
    public int ScheduleStepSize { get; init; } = 30;

    /// <summary>Dropout of trunk and heads (null = the network's own, or none for an automatic trunk on vectors).</summary>
    public double? Dropout { get; init; }

    /// <summary>Epochs (null = automatic from the training rows).</summary>
    public int? Epochs { get; init; }

    /// <summary>Mini-batch size (null = automatic from the training rows).</summary>
    public int? BatchSize { get; init; }

    /// <summary>Early-stopping patience in epochs (0 = never stop early; null = automatic: on when there is validation data).</summary>
    public int? EarlyStoppingPatience { get; init; }

    /// <summary>Seed (null = drawn from the MLContext's seed).</summary>
    public int? Seed { get; init; }

    /// <summary>The trunk in text form: "multilenet", "resnet", "mlp(256,128)" (null = follows the feature shape; see <see cref="TrunkSpec.Parse"/>).</summary>
    public string? Trunk { get; init; }

    /// <summary>The architecture in text form: "mmoe(experts=4)", "cross-stitch", … (null = shared-bottom; see <see cref="ArchitectureOptions.Parse"/>).</summary>
    /// <remarks>Left out of the JSON when null, so the run ids of shared-bottom sweeps written before architectures existed stay the same.</remarks>
    [System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
    public string? Architecture { get; init; }

    /// <summary>
    /// The trainer options these settings describe, for the given data: the one mapping every front end uses.
    /// Early stopping keeps the best validation epoch's weights.
    /// </summary>
    /// <param name="featureColumnName">The feature column.</param>
    /// <param name="tasks">The tasks.</param>
    /// <param name="validationSet">Validation data, or null.</param>
    /// <exception cref="ArgumentException">The method or trunk text is not valid (the message lists what is accepted).</exception>
    public MultiHeadNetworkTrainer.Options ToOptions(string featureColumnName, IEnumerable<TaskDefinition> tasks, IDataView? validationSet = null)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        return new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = featureColumnName,
            Tasks = tasks.ToList(),
            Method = MtlMethodOptions.Parse(MethodText),
            GradientMode = GradientMode,
            Optimizer = OptimizerOptions(),
            Schedule = LearningRateScheduleOptions.For(Schedule, ScheduleGamma, ScheduleStepSize),
            Dropout = Dropout,
            MaxEpoch = Epochs,
            BatchSize = BatchSize,
            ValidationSet = validationSet,
            EarlyStopping = EarlyStoppingPatience is { } patience ? new EarlyStoppingOptions { Patience = patience, KeepBestWeights = true } : null,
            Seed = Seed,
            Trunk = Trunk is null ? null : TrunkSpec.Parse(Trunk),
            Architecture = Architecture is null ? ArchitectureOptions.SharedBottom() : ArchitectureOptions.Parse(Architecture),
        };
    }

    /// <summary>
    /// Checks these settings with the trainer's own validation (the same rules as constructing the trainer), so a bad
    /// grid row or command line fails before anything trains. The message names the setting as this record spells it,
    /// e.g. "learningRate must be a positive finite number; got ∞."
    /// </summary>
    /// <exception cref="ArgumentException">The first setting out of range, or method or trunk text that does not parse.</exception>
    public void Validate()
    {
        try
        {
            ToOptions("Features", [new TaskDefinition("Task")]).Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException(Fields.Aggregate(e.Message, (m, f) => m.Replace(f.Option, f.Field, StringComparison.Ordinal)), e);
        }
    }

    // Option paths as the trainer names them → this record's (JSON) field names; longer paths first.
    private static readonly (string Option, string Field)[] Fields =
    [
        ("Options.Optimizer.LearningRate", "learningRate"), ("Options.Optimizer.Momentum", "momentum"), ("Options.Optimizer.Beta1", "beta1"),
        ("Options.Optimizer.Beta2", "beta2"), ("Options.Optimizer.Epsilon", "epsilon"), ("Options.Optimizer.WeightDecay", "weightDecay"),
        ("Options.Schedule.Gamma", "scheduleGamma"), ("Options.Schedule.StepSize", "scheduleStepSize"), ("Options.EarlyStopping.Patience", "earlyStoppingPatience"),
        ("Options.MaxEpoch", "epochs"), ("Options.BatchSize", "batchSize"), ("Options.Dropout", "dropout"), ("Options.Method", "method"), ("Options.Trunk", "trunk"),
        ("Options.Architecture", "architecture"),
    ];

    /// <summary>The method text <see cref="ToOptions"/> parses (a derived configuration may assemble it from more fields).</summary>
    protected virtual string MethodText => Method;

    private MtlOptimizerOptions OptimizerOptions()
    {
        MtlOptimizerOptions o = MtlOptimizerOptions.For(Optimizer);
        o.LearningRate = LearningRate;
        o.WeightDecay = WeightDecay;
        switch (o)
        {
            case MtlOptimizerOptions.Sgd sgd:
                sgd.Momentum = Momentum;
                sgd.Nesterov = Nesterov;
                break;
            case MtlOptimizerOptions.AdamFamily adam:
                adam.Beta1 = Beta1;
                adam.Beta2 = Beta2;
                adam.Epsilon = Epsilon;
                break;
        }
        return o;
    }

    /// <summary>A short label: method, optimizer, lr, dropout and seed, e.g. "pcgrad sgd lr=0.01 seed=1".</summary>
    protected string Describe(string method) =>
        $"{method} {Optimizer.ToString().ToLowerInvariant()} lr={LearningRate.ToString("G3", CultureInfo.InvariantCulture)}" +
        $"{(Dropout is { } d ? $" dropout={d.ToString("G3", CultureInfo.InvariantCulture)}" : "")}{(Seed is { } s ? $" seed={s}" : "")}";
}
