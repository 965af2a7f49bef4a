using Mtl.Trainers.Tasks;

namespace Mtl.Trainers;

/// <summary>What a task predicts.</summary>
public enum TaskKind
{
    /// <summary>One of K classes; label column Key&lt;UInt32&gt; (key 0 = missing); scores are class probabilities.</summary>
    Multiclass,
    /// <summary>
    /// Yes/no; label column Boolean (never missing), Single (1 = true, 0 = false, NaN = missing) or a key with 2 values
    /// (key 2 = true, key 0 = missing); Score is the raw logit, Probability its sigmoid.
    /// </summary>
    Binary,
    /// <summary>A real value; label column Single or Double (NaN = missing); score is the value, in the label's unit.</summary>
    Regression,
}

/// <summary>The per-task training loss.</summary>
public enum TaskLoss
{
    /// <summary>The kind's natural loss: cross-entropy (multiclass), logistic (binary), squared error (regression).</summary>
    Default,
    /// <summary>Softmax cross-entropy.</summary>
    CrossEntropy,
    /// <summary>Sigmoid binary cross-entropy.</summary>
    BinaryCrossEntropy,
    /// <summary>Mean squared error.</summary>
    SquaredError,
    /// <summary>Mean absolute error.</summary>
    AbsoluteError,
    /// <summary>Huber / smooth L1 (β = 1).</summary>
    SmoothL1,
}

/// <summary>What the trainer does with a row whose label is missing for a task (key 0, or NaN in a Single label).</summary>
public enum MissingLabelHandling
{
    /// <summary>
    /// The row is not labelled for this task: it is kept for the other tasks and contributes nothing to this task's loss,
    /// gradients, method statistics or metrics (docs/task-kinds.md).
    /// </summary>
    Skip,
    /// <summary>A missing label is an error naming the task, row and column (the behaviour before missing labels were supported).</summary>
    Error,
}

/// <summary>One task of a multi-head network: its label column, kind, loss, weight and head.</summary>
public sealed class TaskDefinition
{
    /// <summary>Creates a task.</summary>
    /// <param name="name">Task name; output columns are <c>{name}.Score</c> and <c>{name}.PredictedLabel</c>.</param>
    /// <param name="labelColumnName">The label column (defaults to the task name).</param>
    /// <param name="kind">What the task predicts.</param>
    public TaskDefinition(string name, string? labelColumnName = null, TaskKind kind = TaskKind.Multiclass)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("A task needs a name.", nameof(name));
        Name = name;
        LabelColumnName = labelColumnName ?? name;
        Kind = kind;
    }

    /// <summary>Task name.</summary>
    public string Name { get; }

    /// <summary>Label column.</summary>
    public string LabelColumnName { get; set; }

    /// <summary>What the task predicts.</summary>
    public TaskKind Kind { get; set; }

    /// <summary>Training loss (Default = the kind's natural loss).</summary>
    public TaskLoss Loss { get; set; } = TaskLoss.Default;

    /// <summary>Constant factor on this task's loss (the loss-scale study uses it); 1 by default.</summary>
    public double LossWeight { get; set; } = 1.0;

    /// <summary>Number of classes (multiclass); 0 = taken from the label column's key count.</summary>
    public int ClassCount { get; set; }

    /// <summary>Hidden layer sizes of the head (Kurin et al.'s head: one hidden layer of 50).</summary>
    public int[] HeadHiddenSizes { get; set; } = { 50 };

    /// <summary>Dropout before the head's output layer (0.5 in Kurin et al.).</summary>
    public double HeadDropout { get; set; } = 0.5;

    /// <summary>
    /// What a missing label means (key 0 for key labels, NaN for Single/Double labels; a Boolean label cannot be missing):
    /// <see cref="MissingLabelHandling.Skip"/> (default) leaves the row out of this task only; <see cref="MissingLabelHandling.Error"/>
    /// rejects it. Either way a task without a single labelled training row is an error.
    /// </summary>
    public MissingLabelHandling MissingLabels { get; set; } = MissingLabelHandling.Skip;

    /// <summary>
    /// Regression only: train on the target standardised with the training data's mean and standard deviation (labelled rows;
    /// a constant target keeps scale 1 and is only centred). The statistics are stored in the network, so <c>{Task}.Score</c>,
    /// the saved model's ONNX graph and the metrics stay in the label's own unit. True by default; turn it off to train on
    /// the raw target (the loss-scale study does, because the raw loss scale is what it varies).
    /// </summary>
    public bool StandardizeTarget { get; set; } = true;

    /// <summary>Whether the network learns this task's target in standard units (a regression task with <see cref="StandardizeTarget"/>).</summary>
    internal bool LearnsStandardizedTarget => Kind == TaskKind.Regression && StandardizeTarget;

    /// <summary>The loss actually used.</summary>
    public TaskLoss EffectiveLoss => Loss != TaskLoss.Default ? Loss : this.Handler().DefaultLoss;

    /// <summary>Number of head outputs.</summary>
    public int OutputSize => this.Handler().OutputSize(this);

    /// <summary>Output column holding the score.</summary>
    public string ScoreColumnName => Name + ".Score";

    /// <summary>Output column holding the probability (binary tasks).</summary>
    public string ProbabilityColumnName => Name + ".Probability";

    /// <summary>Output column holding the predicted label (multiclass and binary tasks).</summary>
    public string PredictedLabelColumnName => Name + ".PredictedLabel";

    /// <summary>A copy (the trainer resolves class counts on its own copy).</summary>
    public TaskDefinition Clone() => new(Name, LabelColumnName, Kind)
    {
        Loss = Loss,
        LossWeight = LossWeight,
        ClassCount = ClassCount,
        HeadHiddenSizes = (int[])HeadHiddenSizes.Clone(),
        HeadDropout = HeadDropout,
        MissingLabels = MissingLabels,
        StandardizeTarget = StandardizeTarget,
    };
}
