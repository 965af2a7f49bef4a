using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Onnx;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tasks;

/// <summary>
/// Yes/no. Label: Boolean (cannot be missing), Single (1 = true, 0 = false, NaN = not labelled; other values are errors)
/// or a key with 2 values (key 1 = false, key 2 = true, key 0 = not labelled). Loss: logistic (sigmoid cross-entropy). Columns, as ML.NET's binary scorers: <c>{Task}.Score</c>
/// (the raw logit), <c>{Task}.Probability</c> (its sigmoid) and <c>{Task}.PredictedLabel</c> (Boolean, Score &gt; 0).
/// </summary>
internal sealed class BinaryTaskKind : TaskKindHandler
{
    public override TaskKind Kind => TaskKind.Binary;
    public override TaskLoss DefaultLoss => TaskLoss.BinaryCrossEntropy;
    public override bool HigherIsBetter => true;

    public override string? LabelMismatch(DataViewType type) =>
        type == BooleanDataViewType.Instance || type == NumberDataViewType.Single || type is KeyDataViewType { Count: 2, RawType: var r } && r == typeof(uint) ? null
        : $"a binary task needs a Boolean label column, a Single one (0/1, NaN = missing) or a Key<UInt32> with 2 values, but it is {type}";

    public override bool AcceptsLabelShape(SchemaShape.Column label) =>
        label.Kind == SchemaShape.Column.VectorKind.Scalar
        && (label.ItemType == BooleanDataViewType.Instance || label.ItemType == NumberDataViewType.Single || label.IsKey && label.ItemType.RawType == typeof(uint));

    public override LabelReader CreateLabelReader(TaskDefinition task, DataViewRow row, DataViewSchema.Column column)
    {
        if (column.Type == NumberDataViewType.Single)
        {
            ValueGetter<float> single = row.GetGetter<float>(column);
            return position =>
            {
                float f = 0;
                single(ref f);
                if (float.IsNaN(f)) return MissingLabel(task, position, column.Name, "NaN");
                if (f != 0 && f != 1)
                    throw new InvalidDataException($"Task '{task.Name}': row {position} has label {f} in column '{column.Name}'; a binary task's Single label must be 0 (false), 1 (true) or NaN (missing).");
                return f;
            };
        }
        if (column.Type is KeyDataViewType)
        {
            ValueGetter<uint> key = row.GetGetter<uint>(column);
            return position =>
            {
                uint k = 0;
                key(ref k);
                if (k == 0) return MissingLabel(task, position, column.Name, "key 0");
                if (k > 2)
                    throw new InvalidDataException($"Task '{task.Name}': row {position} has label key {k} in column '{column.Name}', but a binary key label has 2 values.");
                return k - 1;
            };
        }
        ValueGetter<bool> getter = row.GetGetter<bool>(column);
        return _ =>
        {
            bool b = false;
            getter(ref b);
            return b ? 1f : 0f;
        };
    }

    public override Tensor MetricValues(Tensor output, Tensor target) => output.squeeze(1).gt(0).eq(target.gt(0.5));

    /// <summary>The majority class's share.</summary>
    public override double ConstantPredictorMetric(Tensor target, double targetScale)
    {
        double positive = target.gt(0.5).to_type(ScalarType.Float64).mean().item<double>();
        return Math.Max(positive, 1 - positive);
    }

    /// <summary>The score and probability outputs: [logit, sigmoid], as <see cref="ScoreValues"/>.</summary>
    public override int OnnxScoreOutputCount => 2;

    /// <summary>Raw score and probability.</summary>
    public override int ScoreWidth(TaskDefinition task) => 2;

    public override Tensor ScoreValues(Tensor headOutput) => cat(new[] { headOutput, headOutput.sigmoid() }, 1);

    public override IEstimator<ITransformer> OutputShape(MLContext ml, TaskDefinition task, string featureColumnName) =>
        ml.Transforms.Conversion.ConvertType(task.ScoreColumnName, task.LabelColumnName, DataKind.Single)
            .Append(ml.Transforms.Conversion.ConvertType(task.ProbabilityColumnName, task.LabelColumnName, DataKind.Single))
            .Append(ml.Transforms.Conversion.ConvertType(task.PredictedLabelColumnName, task.LabelColumnName, DataKind.Boolean));

    public override IReadOnlyList<ScoreColumn> ScoreColumns(TaskDefinition task, string[]? classNames) => new[]
    {
        new ScoreColumn(new(task.ScoreColumnName, NumberDataViewType.Single), scores => FloatAt(scores, 0)),
        new ScoreColumn(new(task.ProbabilityColumnName, NumberDataViewType.Single), scores => FloatAt(scores, 1)),
        new ScoreColumn(new(task.PredictedLabelColumnName, BooleanDataViewType.Instance),
            scores => (ValueGetter<bool>)((ref bool v) => v = scores()[0] > 0)),
    };

    public override IReadOnlyList<string> AddOnnxOutputs(OnnxGraphBuilder graph, TaskDefinition task, string headOutput, string[]? classNames)
    {
        string raw = graph.Flatten1D(headOutput);
        string score = graph.Output(raw, task.ScoreColumnName + ".onnx", OnnxElementType.Float, 1);
        string probability = graph.Output(graph.Sigmoid(raw), task.ProbabilityColumnName + ".onnx", OnnxElementType.Float, 1);
        return new[] { score, probability };
    }

    public override ITransformer SavedColumns(MLContext ml, IDataView onnxScored, TaskDefinition task, IReadOnlyList<string> onnxOutputs, string[]? classNames)
    {
        ITransformer score = SavedColumnChain.Scalar(ml, onnxScored, onnxOutputs[0], task.ScoreColumnName);
        IDataView withScore = score.Transform(onnxScored);
        ITransformer probability = SavedColumnChain.Scalar(ml, withScore, onnxOutputs[1], task.ProbabilityColumnName);
        IDataView withProbability = probability.Transform(withScore);
        ITransformer predicted = ml.Transforms.Expression(task.PredictedLabelColumnName, "s => s > 0", task.ScoreColumnName)
            .Append(ml.Transforms.DropColumns(onnxOutputs.ToArray())).Fit(withProbability);
        return new TransformerChain<ITransformer>(score, probability, predicted);
    }

    public override TaskMetrics Evaluate(MLContext ml, IDataView scored, TaskDefinition task)
    {
        var m = ml.BinaryClassification.Evaluate(scored, task.LabelColumnName, task.ScoreColumnName, task.ProbabilityColumnName, task.PredictedLabelColumnName);
        return new TaskMetrics(task.Name, Kind, m.Accuracy, true) { Binary = m };
    }
}
