using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Onnx;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tasks;

/// <summary>
/// A real value. Label: Single (or Double); NaN = not labelled for this task; ±∞ is an error. Loss: squared error, on the
/// standardised target unless <see cref="TaskDefinition.StandardizeTarget"/> is off. Column: <c>{Task}.Score</c> (Single, in the label's unit).
/// </summary>
internal sealed class RegressionTaskKind : TaskKindHandler
{
    public override TaskKind Kind => TaskKind.Regression;
    public override TaskLoss DefaultLoss => TaskLoss.SquaredError;
    public override bool HigherIsBetter => false;

    public override string? LabelMismatch(DataViewType type) => type == NumberDataViewType.Single || type == NumberDataViewType.Double ? null
        : $"a regression task needs a Single or Double label column, but it is {type}";

    public override bool AcceptsLabelShape(SchemaShape.Column label) =>
        label.Kind == SchemaShape.Column.VectorKind.Scalar && (label.ItemType == NumberDataViewType.Single || label.ItemType == NumberDataViewType.Double);

    public override LabelReader CreateLabelReader(TaskDefinition task, DataViewRow row, DataViewSchema.Column column)
    {
        Func<float> read;
        if (column.Type == NumberDataViewType.Double)
        {
            ValueGetter<double> getter = row.GetGetter<double>(column);
            read = () => { double d = 0; getter(ref d); return (float)d; };
        }
        else
        {
            ValueGetter<float> getter = row.GetGetter<float>(column);
            read = () => { float f = 0; getter(ref f); return f; };
        }
        return position =>
        {
            float value = read();
            if (float.IsNaN(value))
                return MissingLabel(task, position, column.Name, "NaN");
            if (!float.IsFinite(value))
                throw new InvalidDataException($"Task '{task.Name}': row {position} has a non-finite label {value} in column '{column.Name}'. Filter or impute such rows before training.");
            return value;
        };
    }

    public override Tensor MetricValues(Tensor output, Tensor target) => (output.squeeze(1) - target).square();

    /// <summary>The RMSE of predicting the labels' mean: their (population) standard deviation, in the label's unit.</summary>
    public override double ConstantPredictorMetric(Tensor target, double targetScale) =>
        target.to_type(ScalarType.Float64).std(unbiased: false).item<double>() * targetScale;

    /// <summary>RMSE, in the label's unit (squared errors of a standardised target are in standard units).</summary>
    public override double FinishMetric(double sum, long rows, double targetScale) => Math.Sqrt(sum / rows) * targetScale;

    public override int ScoreWidth(TaskDefinition task) => 1;

    public override Tensor ScoreValues(Tensor headOutput) => headOutput.alias();

    public override IEstimator<ITransformer> OutputShape(MLContext ml, TaskDefinition task, string featureColumnName) =>
        ml.Transforms.Conversion.ConvertType(task.ScoreColumnName, task.LabelColumnName, DataKind.Single);

    public override IReadOnlyList<ScoreColumn> ScoreColumns(TaskDefinition task, string[]? classNames) => new[]
    {
        new ScoreColumn(new(task.ScoreColumnName, NumberDataViewType.Single), scores => FloatAt(scores, 0)),
    };

    public override IReadOnlyList<string> AddOnnxOutputs(OnnxGraphBuilder graph, TaskDefinition task, string headOutput, string[]? classNames) =>
        new[] { graph.Output(graph.Flatten1D(headOutput), task.ScoreColumnName + ".onnx", OnnxElementType.Float, 1) };

    public override ITransformer SavedColumns(MLContext ml, IDataView onnxScored, TaskDefinition task, IReadOnlyList<string> onnxOutputs, string[]? classNames)
    {
        ITransformer score = SavedColumnChain.Scalar(ml, onnxScored, onnxOutputs[0], task.ScoreColumnName);
        ITransformer drop = ml.Transforms.DropColumns(onnxOutputs[0]).Fit(score.Transform(onnxScored));
        return new TransformerChain<ITransformer>(score, drop);
    }

    public override TaskMetrics Evaluate(MLContext ml, IDataView scored, TaskDefinition task)
    {
        var m = ml.Regression.Evaluate(scored, task.LabelColumnName, task.ScoreColumnName);
        return new TaskMetrics(task.Name, Kind, m.RootMeanSquaredError, false) { Regression = m };
    }
}
