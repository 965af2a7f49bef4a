using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Onnx;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tasks;

/// <summary>Reads the current row's label as the float the training tensors hold (a class index for multiclass).</summary>
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

    /// <summary>A reader of the label column on a cursor; it rejects missing or out-of-range labels naming row and column.</summary>
    public abstract LabelReader CreateLabelReader(TaskDefinition task, DataViewRow row, DataViewSchema.Column column);

    /// <summary>Sum over the batch of the metric contribution (correct predictions, or squared errors).</summary>
    public abstract Tensor MetricSum(Tensor output, Tensor target);

    /// <summary>
    /// The metric of the best constant prediction on these labels (the majority class's share, the labels' standard
    /// deviation for RMSE): the reference of the selection score, which makes metrics of different kinds comparable.
    /// </summary>
    public abstract double ConstantPredictorMetric(Tensor target);

    /// <summary>Turns a metric sum over n rows into the reported metric.</summary>
    public virtual double FinishMetric(double sum, long rows) => sum / rows;

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
