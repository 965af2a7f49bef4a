using System.Diagnostics;
using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Torch;
using Mtl.Torch.Modules;
using Mtl.Trainers.Data;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using static Mtl.Torch.torch;

namespace Mtl.Trainers;

/// <summary>
/// Trains a multi-head network (shared trunk, one head per task) with a chosen MTL method and optimizer; produces a
/// <see cref="MultiHeadNetworkTransformer"/>. Create it with <c>mlContext.MultiTask().Trainers.MultiHead(options)</c>.
/// </summary>
public sealed partial class MultiHeadNetworkTrainer : IEstimator<MultiHeadNetworkTransformer>
{
    private readonly IHostEnvironment env;
    private readonly Options options;

    /// <summary>Creates the trainer; options are validated here and the schema at <see cref="Fit"/>.</summary>
    public MultiHeadNetworkTrainer(IHostEnvironment env, Options options)
    {
        this.env = env ?? throw new ArgumentNullException(nameof(env));
        this.options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Tasks.Count == 0) throw new ArgumentException("The trainer needs at least one task (Options.Tasks).", nameof(options));
        var dup = options.Tasks.GroupBy(t => t.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Task name '{dup.Key}' is used twice; task names must be unique.", nameof(options));
        if (options.BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(options), options.BatchSize, "BatchSize must be at least 1.");
        if (options.MaxEpoch < 1) throw new ArgumentOutOfRangeException(nameof(options), options.MaxEpoch, "MaxEpoch must be at least 1.");
        if (!(options.LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(options), options.LearningRate, "LearningRate must be positive.");
        // Fail fast on unknown method names, before any data is read.
        if (options.MethodInstance is null) MethodRegistry.Create(options.Method);
    }

    /// <summary>The report of the last <see cref="Fit"/>.</summary>
    public TrainingReport? LastReport { get; private set; }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        if (!inputSchema.TryFindColumn(options.FeatureColumnName, out var features))
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Feature column '{options.FeatureColumnName}' was not found.");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Feature column '{options.FeatureColumnName}' must be a known-size vector of Single, but it is {features.GetTypeString()}.");
        var columns = inputSchema.ToList();
        foreach (TaskDefinition t in options.Tasks)
        {
            if (!inputSchema.TryFindColumn(t.LabelColumnName, out var label))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{t.LabelColumnName}' of task '{t.Name}' was not found.");
            columns.AddRange(MultiHeadNetworkTransformer.OutputShape(t, label));
        }
        if (options.OutputEmbedding)
            columns.Add(new SchemaShape.Column(MultiHeadNetworkTransformer.EmbeddingColumnName, SchemaShape.Column.VectorKind.Vector, NumberDataViewType.Single, false));
        return new SchemaShape(columns);
    }

    /// <inheritdoc />
    public MultiHeadNetworkTransformer Fit(IDataView input)
    {
        ArgumentNullException.ThrowIfNull(input);
        GetOutputSchema(SchemaShape.Create(input.Schema));
        List<TaskDefinition> tasks = ResolveTasks(input.Schema);
        MtlMethod method = options.MethodInstance ?? MethodRegistry.Create(options.Method);
        method.Initialize(tasks.Count);
        if (method is GradientMethod) method.EnsureSupports(options.GradientMode);
        options.Device.EnsureAvailableForTraining();

        int seed = env.ResolveSeed(options.Seed);
        using MaterializedData train = MaterializedData.Read(input, options.FeatureColumnName, tasks, withLabels: true, "Training data");
        using MaterializedData? validation = options.ValidationSet is null ? null
            : MaterializedData.Read(options.ValidationSet, options.FeatureColumnName, tasks, withLabels: true, "Validation data");

        torch.manual_seed(seed);
        var network = new MultiHeadNetwork(ApplyDropout(options.Trunk), train.RowShape, tasks);
        try
        {
            if (options.Device.type != DeviceType.CPU) network.to(options.Device);
            var session = new TrainingSession(env, options, tasks, network, method, seed);
            TrainingReport report = session.Run(train, validation);
            LastReport = report;
            return new MultiHeadNetworkTransformer(env, network, options.FeatureColumnName, train.RowShape, tasks,
                options.Trunk, options.OutputEmbedding, options.ScoringBatchSize, options.Device, report).WithKeyValuesFrom(input.Schema);
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private TrunkSpec ApplyDropout(TrunkSpec spec)
    {
        if (options.Dropout is not { } p) return spec;
        return new TrunkSpec { Kind = spec.Kind, MlpHiddenSizes = spec.MlpHiddenSizes, Dropout = p, CustomFactory = spec.CustomFactory, CustomOutputSize = spec.CustomOutputSize };
    }

    /// <summary>Copies the task definitions and fills class counts from the label columns' key types.</summary>
    private List<TaskDefinition> ResolveTasks(DataViewSchema schema)
    {
        var result = new List<TaskDefinition>();
        foreach (TaskDefinition t in options.Tasks)
        {
            TaskDefinition copy = t.Clone();
            if (options.Dropout is { } p) copy.HeadDropout = p;
            DataViewSchema.Column label = schema[t.LabelColumnName];
            if (copy.Kind == TaskKind.Multiclass)
            {
                ulong keys = label.Type is KeyDataViewType k ? k.Count : 0;
                if (copy.ClassCount == 0)
                {
                    if (keys == 0) throw new ArgumentOutOfRangeException(nameof(schema), $"Task '{t.Name}': the key type of label column '{t.LabelColumnName}' has no count; set TaskDefinition.ClassCount.");
                    copy.ClassCount = checked((int)keys);
                }
                if (copy.ClassCount < 2) throw new ArgumentOutOfRangeException(nameof(schema), $"Task '{t.Name}' needs at least 2 classes, got {copy.ClassCount}.");
            }
            result.Add(copy);
        }
        return result;
    }
}

internal static class DeviceTrainingExtensions
{
    public static void EnsureAvailableForTraining(this Device device)
    {
        if (device.type == DeviceType.CUDA && !torch.cuda.is_available())
            throw new NotSupportedException("Options.Device is CUDA, but the loaded libtorch has no CUDA support or no GPU is visible (Debian's libtorch is CPU-only). Use torch.CPU, or run where a CUDA build of libtorch is installed.");
    }
}
