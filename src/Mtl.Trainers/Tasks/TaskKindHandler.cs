using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Onnx;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tasks;

/// <summary>
/// Reads the current row's label as the float the training tensors hold (a class index for multiclass); NaN when the row
/// is not labelled for the task (key 0 or NaN, with <see cref="MissingLabelHandling.Skip"/>).
/// </summary>
internal delegate float LabelReader(long rowPosition);

/// <summary>The current row's score values (the kind's <see cref="TaskKindHandler.ScoreWidth"/> floats).</summary>
internal delegate ReadOnlySpan<float> RowScores();

/// <summary>One output column of a task: its schema entry and how to read it from the row's score values.</summary>
/// <param name="Column">Name, type and annotations.</param>
/// <param name="MakeGetter">Builds the column's ValueGetter over the current row's scores.</param>
internal sealed record ScoreColumn(DataViewSchema.DetachedColumn Column, Func<RowScores, Delegate> MakeGetter);

/// <summary>
/// Everything that differs between task kinds (docs/architecture.md): label reading, loss, head size, scoring columns,
/// ONNX output nodes, the ML.NET columns of a saved model and evaluation. One subclass per kind, registered in
/// <see cref="TaskKinds"/>.
/// </summary>
internal abstract class TaskKindHandler
{
    /// <summary>The kind this handler serves.</summary>
    public abstract TaskKind Kind { get; }

    /// <summary>The kind's natural loss.</summary>
    public abstract TaskLoss DefaultLoss { get; }

    /// <summary>Whether a higher <see cref="FinishMetric"/> value is better (accuracy) or worse (RMSE).</summary>
    public abstract bool HigherIsBetter { get; }

    /// <summary>Element type of the label tensor (class indices are int64).</summary>
    public virtual ScalarType TargetType => ScalarType.Float32;

    /// <summary>Number of head outputs.</summary>
    public virtual int OutputSize(TaskDefinition task) => 1;

    /// <summary>Fills what the label column decides (class count) on the trainer's copy of the task, and checks it.</summary>
    public virtual void Resolve(TaskDefinition task, DataViewSchema.Column label) { }

    /// <summary>Null when a label column of this type fits the kind, else the reason (for the error message).</summary>
    public abstract string? LabelMismatch(DataViewType type);

    /// <summary>Whether a SchemaShape column fits the kind as a label (used by GetOutputSchema).</summary>
    public abstract bool AcceptsLabelShape(SchemaShape.Column label);

    /// <summary>The annotation kind holding class names of a key column.</summary>
    protected const string KeyValuesKind = "KeyValues";

    /// <summary>The annotation kind holding the names of a vector's slots.</summary>
    protected const string SlotNamesKind = "SlotNames";

    /// <summary>
    /// A reader of the label column on a cursor: NaN for a missing label (or the error of <see cref="MissingLabel"/> when the
    /// task asks for <see cref="MissingLabelHandling.Error"/>); out-of-range labels are rejected naming row and column.
    /// </summary>
    public abstract LabelReader CreateLabelReader(TaskDefinition task, DataViewRow row, DataViewSchema.Column column);

    /// <summary>What a reader returns for a missing label: NaN, or today's error when the task opts out of skipping.</summary>
    protected static float MissingLabel(TaskDefinition task, long position, string column, string written) =>
        task.MissingLabels == MissingLabelHandling.Error
            ? throw new InvalidDataException($"Task '{task.Name}': row {position} has a missing label ({written}) in column '{column}'. Filter such rows out before training, or set TaskDefinition.MissingLabels = MissingLabelHandling.Skip to train this task on its labelled rows only.")
            : float.NaN;

    /// <summary>
    /// The metric of the best constant prediction on these (labelled) labels, in the label's unit: the majority class's
    /// share, or the labels' standard deviation for RMSE (times <paramref name="targetScale"/> for a standardised target).
    /// The reference of the selection score, which makes metrics of different kinds comparable.
    /// </summary>
    public abstract double ConstantPredictorMetric(Tensor target, double targetScale);

    /// <summary>The value a missing label has in the label tensor (NaN for float targets; class tensors use −1).</summary>
    public virtual double MissingTarget => double.NaN;

    /// <summary>Per row of a label tensor: whether the row is labelled (a bool tensor of the batch's length).</summary>
    public virtual Tensor Labelled(Tensor target) => target.isnan().logical_not();

    /// <summary>Per row: the metric contribution (true/false for a correct prediction, or the squared error); summed as float64.</summary>
    public abstract Tensor MetricValues(Tensor output, Tensor target);

    /// <summary>Turns a metric sum over n labelled rows into the reported metric; <paramref name="targetScale"/> is the standard deviation a standardised target was divided by.</summary>
    public virtual double FinishMetric(double sum, long rows, double targetScale) => sum / rows;

    /// <summary>
    /// How many leading outputs of <see cref="AddOnnxOutputs"/>, concatenated, are the task's <see cref="ScoreValues"/>
    /// (the single-row scorer reads the saved graph's outputs through this).
    /// </summary>
    public virtual int OnnxScoreOutputCount => 1;

    /// <summary>Floats per row that the scorer keeps for this task.</summary>
    public abstract int ScoreWidth(TaskDefinition task);

    /// <summary>Head outputs (batch × OutputSize) → score values (batch × ScoreWidth), e.g. softmax probabilities.</summary>
    public abstract Tensor ScoreValues(Tensor headOutput);

    /// <summary>
    /// Built-in estimators whose output SchemaShape adds the task's columns with the right shapes (ML.NET keeps SchemaShape's
    /// constructors internal, so shapes are derived from the label and feature columns by copies and conversions).
    /// </summary>
    public abstract IEstimator<ITransformer> OutputShape(MLContext ml, TaskDefinition task, string featureColumnName);

    /// <summary>The columns the task adds, with getters over the row's score values.</summary>
    public abstract IReadOnlyList<ScoreColumn> ScoreColumns(TaskDefinition task, string[]? classNames);

    /// <summary>
    /// Adds the nodes that turn the head's output (shape 1 × OutputSize) into the saved graph's outputs, all vectors (ML.NET's
    /// OnnxTransformer cannot emit scalars); returns their names, in the order <see cref="SavedColumns"/> expects them.
    /// </summary>
    public abstract IReadOnlyList<string> AddOnnxOutputs(OnnxGraphBuilder graph, TaskDefinition task, string headOutput, string[]? classNames);

    /// <summary>
    /// Built-in ML.NET transformers, fitted on <paramref name="onnxScored"/> (the ONNX outputs), that produce the task's
    /// columns with the same names and types as <see cref="ScoreColumns"/> and drop the temporary ONNX outputs.
    /// </summary>
    public abstract ITransformer SavedColumns(MLContext ml, IDataView onnxScored, TaskDefinition task, IReadOnlyList<string> onnxOutputs, string[]? classNames);

    /// <summary>ML.NET's evaluator for the kind on a scored view.</summary>
    public abstract TaskMetrics Evaluate(MLContext ml, IDataView scored, TaskDefinition task);

    /// <summary>A getter of one float of the row's scores.</summary>
    protected static Delegate FloatAt(RowScores scores, int index) =>
        (ValueGetter<float>)((ref float v) => v = scores()[index]);
}
