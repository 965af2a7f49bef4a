using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Onnx;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tasks;

/// <summary>
/// One of K classes. Label: Key&lt;UInt32&gt; (key k → class k − 1; key 0 = not labelled for this task). Loss: softmax
/// cross-entropy. Columns: <c>{Task}.Score</c> (K probabilities, slot names = class names when known) and
/// <c>{Task}.PredictedLabel</c> (the label's key type with its key values).
/// </summary>
internal sealed class MulticlassTaskKind : TaskKindHandler
{
    public override TaskKind Kind => TaskKind.Multiclass;
    public override TaskLoss DefaultLoss => TaskLoss.CrossEntropy;
    public override bool HigherIsBetter => true;
    public override ScalarType TargetType => ScalarType.Int64;
    public override int OutputSize(TaskDefinition task) => task.ClassCount;

    public override void Resolve(TaskDefinition task, DataViewSchema.Column label)
    {
        ulong keys = label.Type is KeyDataViewType k ? k.Count : 0;
        if (task.ClassCount == 0)
        {
            if (keys == 0)
                throw new ArgumentOutOfRangeException(nameof(label), $"Task '{task.Name}': the key type of label column '{label.Name}' has no count; set TaskDefinition.ClassCount.");
            task.ClassCount = checked((int)keys);
        }
        if (task.ClassCount < 2)
            throw new ArgumentOutOfRangeException(nameof(label), $"Task '{task.Name}' (label column '{label.Name}') needs at least 2 classes, got {task.ClassCount}.");
    }

    public override string? LabelMismatch(DataViewType type) => type is KeyDataViewType { RawType: var r } && r == typeof(uint) ? null
        : $"a multiclass task needs a Key<UInt32> label column (use mlContext.Transforms.Conversion.MapValueToKey), but it is {type}";

    public override bool AcceptsLabelShape(SchemaShape.Column label) =>
        label.IsKey && label.Kind == SchemaShape.Column.VectorKind.Scalar && label.ItemType.RawType == typeof(uint);

    public override LabelReader CreateLabelReader(TaskDefinition task, DataViewRow row, DataViewSchema.Column column)
    {
        ValueGetter<uint> getter = row.GetGetter<uint>(column);
        int classes = task.ClassCount;
        return position =>
        {
            uint key = 0;
            getter(ref key);
            if (key == 0)
                return MissingLabel(task, position, column.Name, "key 0");
            if (key > classes)
                throw new InvalidDataException($"Task '{task.Name}': row {position} has label key {key} in column '{column.Name}', but the task has {classes} classes. Fix the label or set TaskDefinition.ClassCount.");
            return key - 1;
        };
    }

    /// <summary>Class tensors are int64, so a missing label is −1 there.</summary>
    public override double MissingTarget => -1;

    public override Tensor Labelled(Tensor target) => target.ge(0);

    public override Tensor MetricValues(Tensor output, Tensor target) => output.argmax(1).eq(target);

    /// <summary>The majority class's share.</summary>
    public override double ConstantPredictorMetric(Tensor target, double targetScale) =>
        target.bincount(null, 0).max().to_type(ScalarType.Float64).item<double>() / target.NumberOfElements;

    public override int ScoreWidth(TaskDefinition task) => task.ClassCount;

    public override Tensor ScoreValues(Tensor headOutput) => nn.functional.softmax(headOutput, 1);

    public override IEstimator<ITransformer> OutputShape(MLContext ml, TaskDefinition task, string featureColumnName) =>
        ml.Transforms.Conversion.ConvertType(task.ScoreColumnName, featureColumnName, DataKind.Single)
            .Append(ml.Transforms.CopyColumns(task.PredictedLabelColumnName, task.LabelColumnName));

    public override IReadOnlyList<ScoreColumn> ScoreColumns(TaskDefinition task, string[]? classNames)
    {
        int k = task.ClassCount;
        var scoreType = new VectorDataViewType(NumberDataViewType.Single, k);
        var score = new ScoreColumn(new(task.ScoreColumnName, scoreType, classNames is null ? null : Names(SlotNamesKind, classNames)),
            scores => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
            {
                ReadOnlySpan<float> row = scores();
                var editor = VBufferEditor.Create(ref v, k);
                row.CopyTo(editor.Values);
                v = editor.Commit();
            }));
        var predicted = new ScoreColumn(new(task.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), k),
                classNames is null ? null : Names(KeyValuesKind, classNames)),
            scores => (ValueGetter<uint>)((ref uint v) =>
            {
                ReadOnlySpan<float> row = scores();
                int best = 0;
                for (int j = 1; j < row.Length; j++) if (row[j] > row[best]) best = j;
                v = (uint)best + 1;
            }));
        return new[] { score, predicted };
    }

    private static DataViewSchema.Annotations Names(string kind, string[] names)
    {
        var values = names.Select(n => n.AsMemory()).ToArray();
        var builder = new DataViewSchema.Annotations.Builder();
        ValueGetter<VBuffer<ReadOnlyMemory<char>>> getter = (ref VBuffer<ReadOnlyMemory<char>> v) => v = new VBuffer<ReadOnlyMemory<char>>(values.Length, (ReadOnlyMemory<char>[])values.Clone());
        builder.Add(kind, new VectorDataViewType(TextDataViewType.Instance, values.Length), getter);
        return builder.ToAnnotations();
    }

    public override IReadOnlyList<string> AddOnnxOutputs(OnnxGraphBuilder graph, TaskDefinition task, string headOutput, string[]? classNames)
    {
        string probabilities = graph.Softmax(headOutput);
        string score = graph.Output(graph.Flatten1D(probabilities), task.ScoreColumnName, OnnxElementType.Float, task.ClassCount);
        if (classNames is not null) graph.SlotNames(score, classNames);
        // The 1-based key ML.NET uses for the class, as a float (the scalar step takes Single).
        string key = graph.Add(graph.Cast(graph.ArgMax(probabilities), OnnxElementType.Float), graph.ConstantFloat(1));
        string predicted = graph.Output(graph.Flatten1D(key), task.PredictedLabelColumnName + ".onnx", OnnxElementType.Float, 1);
        return new[] { score, predicted };
    }

    public override ITransformer SavedColumns(MLContext ml, IDataView onnxScored, TaskDefinition task, IReadOnlyList<string> onnxOutputs, string[]? classNames)
    {
        string index = task.PredictedLabelColumnName + ".index";
        ITransformer scalar = SavedColumnChain.Scalar(ml, onnxScored, onnxOutputs[1], index);
        IDataView withIndex = scalar.Transform(onnxScored);
        ITransformer key = SavedColumnChain.KeyFromIndex(ml, index, task.PredictedLabelColumnName, classNames ?? MultiHeadNetworkTrainer.DefaultClassNames(task.ClassCount))
            .Append(ml.Transforms.DropColumns(index, onnxOutputs[1])).Fit(withIndex);
        return new TransformerChain<ITransformer>(scalar, key);
    }

    public override TaskMetrics Evaluate(MLContext ml, IDataView scored, TaskDefinition task)
    {
        var m = ml.MulticlassClassification.Evaluate(scored, task.LabelColumnName, task.ScoreColumnName, task.PredictedLabelColumnName);
        return new TaskMetrics(task.Name, Kind, m.MicroAccuracy, true) { Multiclass = m };
    }
}
