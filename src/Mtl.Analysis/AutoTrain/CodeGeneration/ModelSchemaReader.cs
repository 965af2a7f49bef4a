using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers;
using Mtl.Trainers.IO;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>An input column of a saved model: its name, where the data file holds it, its C# type and property.</summary>
internal sealed record InputColumn(string Name, int FileIndex, string CSharpType, string Default, string Property);

/// <summary>
/// A task's output columns in a saved model, as <c>docs/task-kinds.md</c> defines them, with the C# names of their
/// properties. <paramref name="ClassNameColumn"/> is the column whose key values name the classes (multiclass: the
/// predicted label; binary: the label column, key 1 false and key 2 true), or null when the model has none.
/// </summary>
internal sealed record TaskOutputs(string Name, TaskKind Kind, string Prefix, string? ClassNameColumn, IReadOnlyList<string> ClassNames)
{
    public string ScoreColumn => Name + ".Score";
    public string PredictedLabelColumn => Name + ".PredictedLabel";
    public string ProbabilityColumn => Name + ".Probability";
}

/// <summary>A NuGet package the console app references.</summary>
internal sealed record AppPackage(string Id, string Version);

/// <summary>What a saved model takes and gives, read from the zip itself: the input of generated code.</summary>
internal sealed record ModelDescription(IReadOnlyList<InputColumn> Inputs, IReadOnlyList<TaskOutputs> Tasks, IReadOnlyList<AppPackage> Packages);

/// <summary>
/// Reads a saved model's real schema with plain <c>mlContext.Model.Load</c>: the input columns and their types, each
/// task's output columns (checked against the kinds the table's labels were trained as), the class names from the key
/// values, and which ML.NET packages its transformers come from.
/// </summary>
internal static class ModelSchemaReader
{
    // The packages a consuming app needs, at the versions this repository builds and tests with (Directory.Packages.props;
    // a test holds them equal).
    internal const string MlNetVersion = "6.0.0";
    internal const string OnnxRuntimeVersion = "1.32.0";

    // ImageAnalytics asks for SkiaSharp 3.119.2, which the package feed here does not serve (NU1603, a warning, when the
    // next version is taken): the app names the version it gets, as Directory.Packages.props pins it, and restores cleanly.
    internal const string SkiaSharpVersion = "3.119.4";

    // ML.NET's annotation kinds (its AnnotationUtils.Kinds is internal): class names of a key column and of a score vector's slots.
    internal const string KeyValues = "KeyValues";
    internal const string SlotNames = "SlotNames";

    // Assemblies of the Microsoft.ML package (and its own dependencies): a model made of these needs that package only.
    private static readonly HashSet<string> CoreAssemblies = new(StringComparer.Ordinal)
    {
        "Microsoft.ML.Core", "Microsoft.ML.Data", "Microsoft.ML.DataView", "Microsoft.ML.Transforms", "Microsoft.ML.StandardTrainers",
        "Microsoft.ML.KMeansClustering", "Microsoft.ML.PCA", "Microsoft.ML.CpuMath",
    };

    public static ModelDescription Read(string zipPath, TableSchema table)
    {
        if (!File.Exists(zipPath))
            throw new FileNotFoundException($"The model '{zipPath}' does not exist; code is generated from a saved model zip (mtl train writes <out>/<name>.zip).", zipPath);
        // A loaded OnnxTransformer copies its ONNX model into TempFilePath and never deletes it: a private folder, removed here.
        string temp = SafeFiles.CreatePrivateFolder("mtl-codegen-");
        try
        {
            var ml = new MLContext(seed: 1) { TempFilePath = temp };
            ITransformer model;
            DataViewSchema input;
            try
            {
                model = SavedModel.Load(ml, zipPath, out input);
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or IOException or System.Reflection.TargetInvocationException)
            {
                throw new InvalidDataException($"'{zipPath}' could not be loaded as an ML.NET model ({e.GetBaseException().Message}); generate code from a zip that mtl train wrote.", e);
            }
            try
            {
                return Read(zipPath, model, input, table);
            }
            finally
            {
                (model as IDisposable)?.Dispose();
            }
        }
        finally
        {
            SafeFiles.DeleteFolder(temp);
        }
    }

    /// <summary>The description of a model already loaded from <paramref name="zipPath"/> (named in errors).</summary>
    public static ModelDescription Read(string zipPath, ITransformer model, DataViewSchema input, TableSchema table)
    {
        DataViewSchema output = model.GetOutputSchema(input);
        var packages = Packages(zipPath, model);
        return new ModelDescription(Inputs(zipPath, input, table), Tasks(zipPath, output, table), packages);
    }

    private static List<InputColumn> Inputs(string zipPath, DataViewSchema input, TableSchema table)
    {
        var taken = new HashSet<string>(StringComparer.Ordinal) { "ModelInput" };
        var columns = new List<InputColumn>();
        foreach (DataViewSchema.Column column in input.Where(c => !c.IsHidden))
        {
            int index = IndexOf(table.Header, column.Name);
            if (index < 0)
                throw new InvalidDataException($"The model '{zipPath}' takes the column '{column.Name}', which is not a column of '{table.Path}' " +
                    $"(its columns: {string.Join(", ", table.Header)}); generate the code with the data file the model was trained on.");
            (string type, string initial) = column.Type switch
            {
                TextDataViewType => ("string", " = string.Empty;"),
                NumberDataViewType n when n.RawType == typeof(float) => ("float", ""),
                NumberDataViewType n when n.RawType == typeof(double) => ("double", ""),
                NumberDataViewType n when n.RawType == typeof(int) => ("int", ""),
                NumberDataViewType n when n.RawType == typeof(long) => ("long", ""),
                BooleanDataViewType => ("bool", ""),
                _ => throw new NotSupportedException($"The model '{zipPath}' takes the column '{column.Name}' as {column.Type}; generated code reads " +
                    "one value per column from the data file (text, numbers or booleans), so it cannot fill that column."),
            };
            columns.Add(new InputColumn(column.Name, index, type, initial, CSharpText.Unique(CSharpText.Identifier(column.Name), taken)));
        }
        return columns;
    }

    private static List<TaskOutputs> Tasks(string zipPath, DataViewSchema output, TableSchema table)
    {
        var prefixes = new HashSet<string>(StringComparer.Ordinal);
        var tasks = new List<TaskOutputs>();
        foreach (TableColumn label in table.Labels)
        {
            TaskKind kind = label.Kind!.Value;
            string name = label.Name;
            string prefix = CSharpText.Unique(CSharpText.Identifier(name), prefixes);
            string? classColumn = null;
            IReadOnlyList<string> classes = [];
            switch (kind)
            {
                case TaskKind.Multiclass:
                    DataViewSchema.Column score = Require(zipPath, output, name + ".Score", kind, t => t is VectorDataViewType { ItemType: NumberDataViewType, IsKnownSize: true } v && v.ItemType.RawType == typeof(float), "a vector of Single");
                    DataViewSchema.Column predicted = Require(zipPath, output, name + ".PredictedLabel", kind, t => t is KeyDataViewType { RawType: var r } && r == typeof(uint), "a key");
                    classes = Names(predicted, KeyValues);
                    IReadOnlyList<string> slots = Names(score, SlotNames);
                    if (classes.Count == 0 || !classes.SequenceEqual(slots))
                        throw new InvalidDataException($"The model '{zipPath}': the multiclass task '{name}' has no class names (key values of '{predicted.Name}' " +
                            $"equal to the slot names of '{score.Name}'); save the model with its label's key values (MapValueToKey in front of the trainer).");
                    classColumn = predicted.Name;
                    break;
                case TaskKind.Binary:
                    Require(zipPath, output, name + ".Score", kind, t => t == NumberDataViewType.Single, "Single");
                    Require(zipPath, output, name + ".Probability", kind, t => t == NumberDataViewType.Single, "Single");
                    Require(zipPath, output, name + ".PredictedLabel", kind, t => t == BooleanDataViewType.Instance, "Boolean");
                    // A text label became a two-value key (false, true) in front of the network: its key values name the classes.
                    if (output.GetColumnOrNull(name) is { Type: KeyDataViewType } labelColumn && Names(labelColumn, KeyValues) is { Length: 2 } two)
                        (classColumn, classes) = (labelColumn.Name, two);
                    break;
                default:
                    Require(zipPath, output, name + ".Score", kind, t => t == NumberDataViewType.Single, "Single");
                    break;
            }
            tasks.Add(new TaskOutputs(name, kind, prefix, classColumn, classes));
        }
        return tasks;
    }

    private static DataViewSchema.Column Require(string zipPath, DataViewSchema output, string column, TaskKind kind, Func<DataViewType, bool> fits, string expected)
    {
        DataViewSchema.Column? found = output.GetColumnOrNull(column);
        if (found is null || !fits(found.Value.Type))
            throw new InvalidDataException($"The model '{zipPath}' has {(found is null ? "no output column" : $"the output column of type {found.Value.Type}")} '{column}' " +
                $"where a {kind.ToString().ToLowerInvariant()} task gives {expected}: it was not trained on these labels. Generate the code with the " +
                "table schema (labels and kinds) the model was trained with.");
        return found.Value;
    }

    internal static string[] Names(DataViewSchema.Column column, string annotation)
    {
        if (column.Annotations.Schema.GetColumnOrNull(annotation) is not { Type: VectorDataViewType { ItemType: TextDataViewType } }) return [];
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        column.Annotations.GetValue(annotation, ref names);
        return names.DenseValues().Select(n => n.ToString()).ToArray();
    }

    private static int IndexOf(IReadOnlyList<string> header, string name)
    {
        for (int i = 0; i < header.Count; i++)
            if (string.Equals(header[i], name, StringComparison.Ordinal)) return i;
        return -1;
    }

    /// <summary>
    /// The packages the model's transformers come from: Microsoft.ML, the ONNX pair for OnnxTransformer, ImageAnalytics
    /// (with SkiaSharp at the served version) for image loading; a transformer from any other assembly is refused by name.
    /// </summary>
    internal static List<AppPackage> Packages(string zipPath, ITransformer model)
    {
        var assemblies = new SortedSet<string>(StringComparer.Ordinal);
        Collect(model, assemblies);
        var packages = new List<AppPackage> { new("Microsoft.ML", MlNetVersion) };
        foreach (string assembly in assemblies)
        {
            switch (assembly)
            {
                case "Microsoft.ML.OnnxTransformer":
                    packages.Add(new AppPackage("Microsoft.ML.OnnxTransformer", MlNetVersion));
                    packages.Add(new AppPackage("Microsoft.ML.OnnxRuntime", OnnxRuntimeVersion));
                    break;
                case "Microsoft.ML.ImageAnalytics":
                    packages.Add(new AppPackage("Microsoft.ML.ImageAnalytics", MlNetVersion));
                    packages.Add(new AppPackage("SkiaSharp", SkiaSharpVersion));
                    packages.Add(new AppPackage("SkiaSharp.NativeAssets.Linux.NoDependencies", SkiaSharpVersion));
                    break;
                case var core when CoreAssemblies.Contains(core):
                    break;
                default:
                    throw new NotSupportedException($"The model '{zipPath}' holds a transformer from '{assembly}', which the generated console app " +
                        "does not know a package for; it references Microsoft.ML, the ONNX packages and Microsoft.ML.ImageAnalytics.");
            }
        }
        return packages;
    }

    private static void Collect(ITransformer transformer, ISet<string> assemblies)
    {
        assemblies.Add(transformer.GetType().Assembly.GetName().Name!);
        if (transformer is IEnumerable<ITransformer> parts)
            foreach (ITransformer part in parts) Collect(part, assemblies);
    }
}
