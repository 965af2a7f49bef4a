using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Mtl.Trainers.Data;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers;

/// <summary>
/// Trains a multi-head network (shared trunk, one head per task) with a chosen MTL method and optimizer; produces a
/// <see cref="MultiHeadNetworkTransformer"/>. Create it with <c>mlContext.MultiTask().Trainers.MultiHead(options)</c>.
/// </summary>
public sealed partial class MultiHeadNetworkTrainer : IEstimator<MultiHeadNetworkTransformer>
{
    internal const string LogSource = nameof(MultiHeadNetworkTrainer);
    private readonly MLContext context;
    private readonly Options options;

    /// <summary>Creates the trainer; every option is validated here (the message names the option's path) and the schema at <see cref="Fit(IDataView)"/>.</summary>
    /// <exception cref="ArgumentException">An option is missing or out of range.</exception>
    public MultiHeadNetworkTrainer(MLContext context, Options options)
    {
        this.context = context ?? throw new ArgumentNullException(nameof(context));
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        // Our own copy: changing the caller's object after construction cannot bypass the validation above.
        this.options = options.Snapshot();
    }

    /// <inheritdoc />
    public SchemaShape GetOutputSchema(SchemaShape inputSchema)
    {
        ArgumentNullException.ThrowIfNull(inputSchema);
        SchemaShape.Column features = Find(inputSchema, options.FeatureColumnName, "Feature column");
        if (features.Kind != SchemaShape.Column.VectorKind.Vector || features.ItemType != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Feature column '{options.FeatureColumnName}' must be a known-size vector of Single, but it is {Describe(features)}.");
        IEstimator<ITransformer> shape = context.Transforms.CopyColumns(options.FeatureColumnName, options.FeatureColumnName);
        foreach (TaskDefinition t in options.Tasks)
        {
            SchemaShape.Column label = Find(inputSchema, t.LabelColumnName, $"Label column of task '{t.Name}'");
            TaskKindHandler kind = t.Handler();
            if (!kind.AcceptsLabelShape(label))
                throw new ArgumentOutOfRangeException(nameof(inputSchema), $"Label column '{t.LabelColumnName}' of task '{t.Name}': a {t.Kind} task cannot use a {Describe(label)} label column.");
            shape = shape.Append(kind.OutputShape(context, t, options.FeatureColumnName));
        }
        if (options.OutputEmbedding)
            shape = shape.Append(context.Transforms.Conversion.ConvertType(MultiHeadNetworkTransformer.EmbeddingColumnName, options.FeatureColumnName, DataKind.Single));
        return shape.GetOutputSchema(inputSchema);
    }

    private static SchemaShape.Column Find(SchemaShape schema, string name, string what)
    {
        foreach (SchemaShape.Column c in schema)
            if (c.Name == name) return c;
        throw new ArgumentOutOfRangeException(nameof(schema), $"{what} '{name}' was not found. Columns: {string.Join(", ", schema.Select(c => c.Name))}.");
    }

    private static string Describe(SchemaShape.Column c) =>
        (c.IsKey ? $"Key<{c.ItemType}>" : c.ItemType.ToString()) + (c.Kind == SchemaShape.Column.VectorKind.Scalar ? "" : $" {c.Kind}");

    /// <inheritdoc />
    public MultiHeadNetworkTransformer Fit(IDataView input) => Fit(input, new TrainingHooks());

    /// <summary>
    /// Trains with monitors watching the run and/or warm-started from a trained model (<paramref name="hooks"/>), as
    /// ML.NET's <c>Fit(trainData, modelParameters)</c> overloads do; otherwise the same as <see cref="Fit(IDataView)"/>.
    /// </summary>
    /// <param name="input">Training data.</param>
    /// <param name="hooks">Monitors and the warm-start model.</param>
    public MultiHeadNetworkTransformer Fit(IDataView input, TrainingHooks hooks)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(hooks);
        hooks.Validate();
        // The schema first: every column problem is reported before any data is read or any network is built.
        var featureType = (VectorDataViewType)MaterializedData.FindFeatureColumn(input.Schema, options.FeatureColumnName, "Training data").Type;
        if (options.Augmentation is not null && featureType.Dimensions.Length != 3)
            throw new ArgumentOutOfRangeException(nameof(input), $"Options.Augmentation needs image features shaped (C, H, W); feature column '{options.FeatureColumnName}' is {featureType}.");

        IHost host = ((IHostEnvironment)context).Register(LogSource);
        using IChannel channel = host.Start("Fit");
        Options run = AutomaticChoices.Resolve(options, featureType.Dimensions, channel);
        List<TaskDefinition> tasks = ResolveTasks(run, input.Schema);
        // A fresh method per Fit: a second Fit must not start from the first one's learned state.
        MtlMethod method = options.Method.Create();
        method.Initialize(tasks.Count);
        method.EnsureSupports(options.GradientMode);

        Device device = TrainingDevice.Resolve(context, channel);
        // The seed policy (Mtl.SeedPolicy): never the context's shared random state, which GetOutputSchema in a chain, data loads
        // and other components advance — so Fit trains the same model directly, inside any chain and on every call.
        int seed = SeedPolicy.For(context, LogSource, options.Seed);

        using MaterializedData train = MaterializedData.Read(input, options.FeatureColumnName, tasks, withLabels: true, "Training data",
            keepHostFeatures: options.Augmentation is not null);
        using MaterializedData? validation = options.ValidationSet is null ? null
            : MaterializedData.Read(options.ValidationSet, options.FeatureColumnName, tasks, withLabels: true, "Validation data");
        AutomaticChoices.ResolveLoop(run, train.Count, channel);

        torch.manual_seed(seed);
        TrunkSpec trunk = ApplyDropout(run.Trunk!, run.Dropout);
        MultiTaskNetwork network = run.Architecture.Build(trunk, train.RowShape, tasks);
        try
        {
            CheckNetwork(network, options);
            StandardizeTargets(network, tasks, train, validation, hooks.InitialModel);
            if (device.type != DeviceType.CPU) network.to(device);
            var session = new TrainingSession(channel, run, tasks, network, method, seed, device, hooks.Monitors);
            TrainingReport report;
            using (options.FreezeTrunk ? WarmStart.Freeze(network.SharedParameters()) : null)
                report = session.Run(train, validation);
            return new MultiHeadNetworkTransformer(context, network, options.FeatureColumnName, train.RowShape, tasks,
                run.Trunk!, options.OutputEmbedding, options.ScoringBatchSize, device, report, ClassNames(input.Schema, tasks));
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    /// <summary>What the options ask of the network, checked before training: a partition of its parameters, the gradient mode, an embedding.</summary>
    private static void CheckNetwork(MultiTaskNetwork network, Options options)
    {
        network.ValidatePartition();
        network.EnsureSupports(options.GradientMode);
        if (options.OutputEmbedding && network.EmbeddingSize == 0)
            throw new NotSupportedException($"Options.OutputEmbedding asks for the network's embedding, but the {network.ArchitectureName} architecture has none. Leave OutputEmbedding off, or use an architecture with one (shared-bottom).");
    }

    /// <summary>
    /// Sets each standardised regression head's statistics from the training data (labelled rows) — or, on a warm start, keeps
    /// the initial model's (its heads learnt in those units; CopyWeights copies them with the weights) — and puts the
    /// training and validation targets into those standard units.
    /// </summary>
    private static void StandardizeTargets(MultiTaskNetwork network, IReadOnlyList<TaskDefinition> tasks, MaterializedData train,
        MaterializedData? validation, MultiHeadNetworkTransformer? initial)
    {
        for (int i = 0; i < tasks.Count; i++)
        {
            if (!tasks[i].LearnsStandardizedTarget) continue;
            (double mean, double std) = train.TargetStatistics(i);
            network.SetTargetUnits(i, mean, std);
        }
        if (initial is not null)
        {
            for (int i = 0; i < tasks.Count && i < initial.Network.TaskCount; i++)
                if (initial.Network.LearnsStandardizedTarget(i) != tasks[i].LearnsStandardizedTarget)
                    throw new ArgumentException($"TrainingHooks.InitialModel's task {i} {(initial.Network.LearnsStandardizedTarget(i) ? "learnt a standardised target" : "learnt the raw target")}, but task '{tasks[i].Name}' of this run {(tasks[i].LearnsStandardizedTarget ? "standardises it" : "does not")}; set TaskDefinition.StandardizeTarget as in the initial model.");
            WarmStart.CopyWeights(initial.Network, network);
        }
        for (int i = 0; i < tasks.Count; i++)
        {
            if (!tasks[i].LearnsStandardizedTarget) continue;
            (double shift, double scale) = network.TargetUnits(i);
            train.Standardize(i, shift, scale);
            validation?.Standardize(i, shift, scale);
        }
    }

    private static TrunkSpec ApplyDropout(TrunkSpec spec, double? dropout)
    {
        if (dropout is not { } p) return spec;
        return new TrunkSpec { Kind = spec.Kind, MlpHiddenSizes = spec.MlpHiddenSizes, Dropout = p, CustomFactory = spec.CustomFactory, CustomOutputSize = spec.CustomOutputSize };
    }

    /// <summary>Copies the task definitions, checks each label column against its kind and lets the kind fill what the column decides.</summary>
    private static List<TaskDefinition> ResolveTasks(Options options, DataViewSchema schema)
    {
        var result = new List<TaskDefinition>();
        foreach (TaskDefinition t in options.Tasks)
        {
            TaskDefinition copy = t.Clone();
            if (options.Dropout is { } p) copy.HeadDropout = p;
            DataViewSchema.Column label = MaterializedData.FindLabelColumn(schema, t, "Training data");
            copy.Handler().Resolve(copy, label);
            result.Add(copy);
        }
        return result;
    }

    /// <summary>Class names of a label without (distinct, complete) key values: the class indices "0", "1", ….</summary>
    internal static string[] DefaultClassNames(int classCount) => Enumerable.Range(0, classCount).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();

    /// <summary>The label columns' key values (class names) per multiclass task, or <see cref="DefaultClassNames"/>; null for other kinds.</summary>
    private static string[]?[] ClassNames(DataViewSchema schema, IReadOnlyList<TaskDefinition> tasks)
    {
        var names = new string[]?[tasks.Count];
        for (int i = 0; i < tasks.Count; i++)
        {
            if (tasks[i].Kind != TaskKind.Multiclass) continue;
            names[i] = DefaultClassNames(tasks[i].ClassCount);
            DataViewSchema.Column column = schema[tasks[i].LabelColumnName];
            if (column.Annotations.Schema.GetColumnOrNull("KeyValues") is not { Type: VectorDataViewType { ItemType: TextDataViewType } }) continue;
            VBuffer<ReadOnlyMemory<char>> values = default;
            column.Annotations.GetValue("KeyValues", ref values);
            string[] classNames = values.DenseValues().Select(v => v.ToString()).ToArray();
            if (classNames.Length == tasks[i].ClassCount && classNames.Distinct(StringComparer.Ordinal).Count() == classNames.Length) names[i] = classNames;
        }
        return names;
    }
}
