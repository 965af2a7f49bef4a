using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Data;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers;

/// <summary>
/// A trained multi-head network as an ML.NET transformer. Per task it adds the columns of the task's kind, named as
/// ML.NET's evaluators expect (multiclass <c>{Task}.Score</c> + <c>{Task}.PredictedLabel</c>; binary <c>{Task}.Score</c>,
/// <c>{Task}.Probability</c>, <c>{Task}.PredictedLabel</c>; regression <c>{Task}.Score</c>), plus <c>Embedding</c> (the
/// trunk output) when enabled. Scoring is lazy and batched with TorchSharp; saving writes the network as ONNX inside a
/// chain of ML.NET's own transformers (see <c>ICanSaveModel.Save</c>).
/// </summary>
public sealed partial class MultiHeadNetworkTransformer : ITransformer, IDisposable
{
    /// <summary>Name of the optional representation column.</summary>
    public const string EmbeddingColumnName = "Embedding";

    private readonly MLContext context;
    private readonly NetworkScorer scorer;
    private readonly Lazy<Onnx.OnnxRowScorer?> rowScorer;
    private readonly string[]?[] classNames;

    internal MultiHeadNetworkTransformer(MLContext context, MultiTaskNetwork network, string featureColumnName, long[] rowShape,
        IReadOnlyList<TaskDefinition> tasks, TrunkSpec trunk, bool outputEmbedding, int scoringBatchSize, Device device,
        TrainingReport? report, string[]?[] classNames)
    {
        this.context = context;
        Network = network;
        FeatureColumnName = featureColumnName;
        RowShape = rowShape;
        Tasks = tasks;
        Trunk = trunk;
        OutputEmbedding = outputEmbedding;
        ScoringBatchSize = Math.Max(1, scoringBatchSize);
        Device = device;
        TrainingReport = report;
        this.classNames = classNames;
        // Batched CPU scoring runs ONNX Runtime with libtorch's thread count; on a GPU the network itself scores batches.
        scorer = new NetworkScorer(network, tasks, rowShape, device,
            () => device.type == DeviceType.CPU ? Onnx.OnnxBatchScorer.TryCreate(this, torch.get_num_threads()) : null);
        // Built on the first single-row prediction (never for batched scoring); on a GPU the network itself scores rows.
        rowScorer = new Lazy<Onnx.OnnxRowScorer?>(() => device.type == DeviceType.CPU ? Onnx.OnnxRowScorer.TryCreate(this) : null,
            LazyThreadSafetyMode.ExecutionAndPublication);
        Outputs = BuildOutputs();
    }

    /// <summary>The trained network (shared-bottom or the configured architecture).</summary>
    internal MultiTaskNetwork Network { get; }

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

    /// <summary>The report of the training run.</summary>
    public TrainingReport? TrainingReport { get; }

    /// <inheritdoc />
    public bool IsRowToRowMapper => true;

    /// <summary>The added columns, in schema order, with getter factories over the current row's scores.</summary>
    internal IReadOnlyList<OutputColumn> Outputs { get; }

    internal int RowSize => scorer.RowSize;

    /// <summary>Stopwatch ticks this transformer has spent in network forwards while scoring (benchmark figure).</summary>
    internal long ForwardTicks => scorer.ForwardTicks;

    /// <summary>Class names of a multiclass task (from the training labels' key values), if known.</summary>
    public IReadOnlyList<string>? ClassNames(string task)
    {
        int i = Tasks.Select(t => t.Name).ToList().IndexOf(task);
        if (i < 0) throw new ArgumentException($"Unknown task '{task}'. Tasks: {string.Join(", ", Tasks.Select(t => t.Name))}.", nameof(task));
        return classNames[i];
    }

    internal string[]? ClassNamesOf(int task) => classNames[task];

    private OutputColumn[] BuildOutputs()
    {
        var outputs = new List<OutputColumn>();
        for (int i = 0; i < Tasks.Count; i++)
        {
            int task = i, width = Tasks[i].Handler().ScoreWidth(Tasks[i]);
            foreach (ScoreColumn c in Tasks[i].Handler().ScoreColumns(Tasks[i], classNames[i]))
                outputs.Add(new OutputColumn(c.Column, current => c.MakeGetter(() =>
                {
                    ScoreBatch b = current();
                    return b.Scores[task].AsSpan(b.Index * width, width);
                })));
        }
        if (OutputEmbedding)
        {
            int size = Network.EmbeddingSize;
            outputs.Add(new OutputColumn(new(EmbeddingColumnName, new VectorDataViewType(NumberDataViewType.Single, size)),
                current => (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
                {
                    ScoreBatch b = current();
                    var editor = VBufferEditor.Create(ref v, size);
                    b.Embedding.AsSpan(b.Index * size, size).CopyTo(editor.Values);
                    v = editor.Commit();
                })));
        }
        return outputs.ToArray();
    }

    /// <inheritdoc />
    public DataViewSchema GetOutputSchema(DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        CheckFeatureColumn(inputSchema);
        var builder = new DataViewSchema.Builder();
        builder.AddColumns(inputSchema);
        builder.AddColumns(Outputs.Select(o => o.Column));
        return builder.ToSchema();
    }

    private void CheckFeatureColumn(DataViewSchema schema)
    {
        var type = (VectorDataViewType)MaterializedData.FindFeatureColumn(schema, FeatureColumnName, "Scoring input").Type;
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
    public IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema) => new ScoringRowMapper(this, inputSchema, GetOutputSchema(inputSchema));

    internal void Score(float[] features, int rows, ScoreBatch into) => scorer.Score(features, rows, OutputEmbedding, into);

    /// <summary>What scores a cursor's batches: "ONNX Runtime" (the CPU, a network every layer of which exports) or "TorchSharp".</summary>
    internal string BatchScoringEngine => scorer.BatchEngine;

    /// <summary>Batched scoring for one cursor, <see cref="ScoringBatchSize"/> rows per call (ONNX Runtime on the CPU, else TorchSharp).</summary>
    internal ScoringBatch CreateScoringBatch() => scorer.CreateBatch(ScoringBatchSize, OutputEmbedding);

    /// <summary>
    /// The ONNX Runtime scorer of single rows (what a PredictionEngine asks for) on the graph the saved zip holds; null
    /// when the network has a layer without an ONNX exporter or lives on a GPU (rows then go through the network).
    /// </summary>
    internal Onnx.OnnxRowScorer? RowScorer => rowScorer.Value;

    /// <summary>
    /// Saves the network's weights as a TorchSharp state dict, which <c>Module.load</c> of the same architecture reads
    /// (the way to keep a model whose trunk has no ONNX exporter).
    /// </summary>
    public void SaveTorchSharpWeights(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string temp = path + ".tmp";
        Network.save(temp);
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>Releases the network's native memory (and the single-row ONNX session, if one was made).</summary>
    public void Dispose()
    {
        if (rowScorer.IsValueCreated) rowScorer.Value?.Dispose();
        scorer.Dispose();
        Network.Dispose();
    }
}

/// <summary>An added column: its schema entry and a getter factory over the provider of the current row's scores.</summary>
internal sealed record OutputColumn(DataViewSchema.DetachedColumn Column, Func<Func<ScoreBatch>, Delegate> MakeGetter);
