using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Torch;
using Mtl.Trainers.Data;
using Mtl.Trainers.Network;
using static Mtl.Torch.torch;

namespace Mtl.Trainers;

/// <summary>
/// A trained multi-head network as a transformer. Adds per task <c>{Task}.Score</c> (class probabilities for multiclass,
/// the probability of true for binary, the value for regression) and <c>{Task}.PredictedLabel</c> (Key&lt;UInt32&gt; with
/// the label's key values; Boolean for binary; the value for regression), plus <c>Embedding</c> (the trunk output) when
/// enabled. Scoring is lazy and batched: a cursor reads ahead a batch of feature rows and runs the network once per batch.
/// </summary>
public sealed partial class MultiHeadNetworkTransformer : ITransformer, IDisposable
{
    /// <summary>Name of the optional representation column.</summary>
    public const string EmbeddingColumnName = "Embedding";

    private readonly IHostEnvironment env;
    private readonly NetworkScorer scorer;
    private readonly string[]?[] keyValues;

    internal MultiHeadNetworkTransformer(IHostEnvironment env, MultiHeadNetwork network, string featureColumnName, long[] rowShape,
        IReadOnlyList<TaskDefinition> tasks, TrunkSpec trunk, bool outputEmbedding, int scoringBatchSize, Device device,
        TrainingReport? report, string[]?[]? keyValues = null)
    {
        this.env = env;
        Network = network;
        FeatureColumnName = featureColumnName;
        RowShape = rowShape;
        Tasks = tasks;
        Trunk = trunk;
        OutputEmbedding = outputEmbedding;
        ScoringBatchSize = Math.Max(1, scoringBatchSize);
        Device = device;
        TrainingReport = report;
        this.keyValues = keyValues ?? new string[]?[tasks.Count];
        scorer = new NetworkScorer(network, tasks, rowShape, device);
    }

    /// <summary>The trained network (shared trunk + heads).</summary>
    public MultiHeadNetwork Network { get; }

    /// <summary>The feature column the network reads.</summary>
    public string FeatureColumnName { get; }

    /// <summary>Shape of one feature row.</summary>
    public long[] RowShape { get; }

    /// <summary>The tasks, in head order.</summary>
    public IReadOnlyList<TaskDefinition> Tasks { get; }

    /// <summary>The trunk specification.</summary>
    public TrunkSpec Trunk { get; }

    /// <summary>Whether the Embedding column is produced.</summary>
    public bool OutputEmbedding { get; }

    /// <summary>Rows per network call while scoring.</summary>
    public int ScoringBatchSize { get; }

    /// <summary>The device the network runs on.</summary>
    public Device Device { get; }

    /// <summary>The report of the training run (null for a loaded model).</summary>
    public TrainingReport? TrainingReport { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <summary>The SchemaShape columns a task adds.</summary>
    internal static IEnumerable<SchemaShape.Column> OutputShape(TaskDefinition t, SchemaShape.Column label)
    {
        switch (t.Kind)
        {
            case TaskKind.Multiclass:
                yield return new SchemaShape.Column(t.ScoreColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false);
                yield return new SchemaShape.Column(t.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.UInt32, true, label.Annotations);
                break;
            case TaskKind.Binary:
                yield return new SchemaShape.Column(t.ScoreColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false);
                yield return new SchemaShape.Column(t.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, BooleanDataViewType.Instance, false);
                break;
            default:
                yield return new SchemaShape.Column(t.ScoreColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false);
                yield return new SchemaShape.Column(t.PredictedLabelColumnName, SchemaShape.Column.VectorKind.Scalar, NumberDataViewType.Single, false);
                break;
        }
    }

    /// <summary>Captures the label columns' key values (class names) from the training schema.</summary>
    internal MultiHeadNetworkTransformer WithKeyValuesFrom(DataViewSchema trainingSchema)
    {
        for (int i = 0; i < Tasks.Count; i++)
        {
            if (Tasks[i].Kind != TaskKind.Multiclass) continue;
            var column = trainingSchema.GetColumnOrNull(Tasks[i].LabelColumnName);
            if (column?.Annotations.Schema.GetColumnOrNull(AnnotationUtils.Kinds.KeyValues) is not { } kv) continue;
            if (kv.Type is not VectorDataViewType { ItemType: TextDataViewType }) continue;
            VBuffer<ReadOnlyMemory<char>> values = default;
            column.Value.Annotations.GetValue(AnnotationUtils.Kinds.KeyValues, ref values);
            keyValues[i] = values.DenseValues().Select(v => v.ToString()).ToArray();
        }
        return this;
    }

    /// <summary>Class names of a multiclass task (from the training labels' key values), if known.</summary>
    public IReadOnlyList<string>? ClassNames(string task)
    {
        int i = Tasks.Select(t => t.Name).ToList().IndexOf(task);
        if (i < 0) throw new ArgumentException($"Unknown task '{task}'. Tasks: {string.Join(", ", Tasks.Select(t => t.Name))}.", nameof(task));
        return keyValues[i];
    }

    /// <summary>The output columns (detached).</summary>
    internal DataViewSchema.DetachedColumn[] OutputColumns()
    {
        var columns = new List<DataViewSchema.DetachedColumn>();
        for (int i = 0; i < Tasks.Count; i++)
        {
            TaskDefinition t = Tasks[i];
            switch (t.Kind)
            {
                case TaskKind.Multiclass:
                    columns.Add(new(t.ScoreColumnName, new VectorDataViewType(NumberDataViewType.Single, t.ClassCount)));
                    columns.Add(new(t.PredictedLabelColumnName, new KeyDataViewType(typeof(uint), t.ClassCount), KeyAnnotations(i)));
                    break;
                case TaskKind.Binary:
                    columns.Add(new(t.ScoreColumnName, NumberDataViewType.Single));
                    columns.Add(new(t.PredictedLabelColumnName, BooleanDataViewType.Instance));
                    break;
                default:
                    columns.Add(new(t.ScoreColumnName, NumberDataViewType.Single));
                    columns.Add(new(t.PredictedLabelColumnName, NumberDataViewType.Single));
                    break;
            }
        }
        if (OutputEmbedding) columns.Add(new(EmbeddingColumnName, new VectorDataViewType(NumberDataViewType.Single, Network.RepresentationSize)));
        return columns.ToArray();
    }

    private DataViewSchema.Annotations? KeyAnnotations(int task)
    {
        if (keyValues[task] is not { } names) return null;
        var builder = new DataViewSchema.Annotations.Builder();
        var values = names.Select(n => n.AsMemory()).ToArray();
        builder.AddKeyValues<ReadOnlyMemory<char>>(values.Length, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> v) => v = new VBuffer<ReadOnlyMemory<char>>(values.Length, values));
        return builder.ToAnnotations();
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        MaterializedData.FindFeatureColumn(inputSchema, FeatureColumnName, "Scoring input");
        CheckFeatureSize(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumns(OutputColumns());
        return builder.ToSchema();
    }

    private void CheckFeatureSize(DataViewSchema schema)
    {
        var type = (VectorDataViewType)schema[FeatureColumnName].Type;
        if (type.Size != scorer.RowSize)
            throw new ArgumentOutOfRangeException(nameof(schema), $"Feature column '{FeatureColumnName}' has {type.Size} values per row ({type}); the model was trained on rows of shape ({string.Join(", ", RowShape)}) = {scorer.RowSize} values.");
    }

    /// <inheritdoc />
    public IDataView Transform(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        return new ScoredDataView(this, input, GetOutputSchema(input.Schema));
    }

    /// <inheritdoc />
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new RowMapper(this, inputSchema, GetOutputSchema(inputSchema));

    internal (float[][] scores, float[]? embedding) Score(float[] features, int rows) => scorer.Score(features, rows, OutputEmbedding);

    /// <summary>Releases the network's native memory.</summary>
    public void Dispose() => Network.Dispose();
}
