using System.Globalization;
using Mtl.Trainers;
using Mtl.Trainers.IO;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>The files <see cref="ConsumptionCodeGenerator.Write"/> wrote.</summary>
/// <param name="ConsumptionFile"><c>&lt;Name&gt;.consumption.cs</c>: <c>ModelInput</c>, <c>ModelOutput</c>, <c>Predict</c>, <c>PredictAllLabels_*</c>.</param>
/// <param name="TrainingFile"><c>&lt;Name&gt;.training.cs</c>: retraining with MtlMlNet's packages.</param>
/// <param name="ConsoleAppProject">The console app's project file (<c>&lt;Name&gt;.ConsoleApp/&lt;Name&gt;.ConsoleApp.csproj</c>).</param>
/// <param name="Files">Every file written, in the order written.</param>
public sealed record GeneratedCode(string ConsumptionFile, string TrainingFile, string ConsoleAppProject, IReadOnlyList<string> Files);

/// <summary>
/// Writes Model Builder-style code for a saved table model, generated from the model's real schema (the zip loaded with
/// plain <c>mlContext.Model.Load</c>: its input columns, each task's output columns and class names):
/// <list type="bullet">
/// <item><c>&lt;Name&gt;.consumption.cs</c>: <c>ModelInput</c> (<c>[LoadColumn]</c>/<c>[ColumnName]</c> per input column),
/// <c>ModelOutput</c> (one property per task output), <c>Predict</c> through a lazily created PredictionEngine, and
/// <c>PredictAllLabels_&lt;Task&gt;</c> per multiclass task (class names with probabilities, most likely first);</item>
/// <item><c>&lt;Name&gt;.training.cs</c>: the same partial class, retraining with <see cref="TablePipeline"/> and the run's
/// <see cref="TrainingConfig"/> (needs the MtlMlNet packages);</item>
/// <item><c>&lt;Name&gt;.ConsoleApp/</c>: a project that references ML.NET's packages only, the consumption file and a
/// Program.cs that predicts the first data row of the file; it links the zip by relative path.</item>
/// </list>
/// The code is formatted and compiles without warnings with nullable reference types on, also as a project below a folder
/// with its own Directory.Build.props (the console app has its own, so it builds alone).
/// </summary>
public static class ConsumptionCodeGenerator
{
    // Names the class must not take: its own members (CS0542), and the types the generated code names, which a class of
    // that name would hide inside it or make ambiguous in Program.cs (a model called "path" or "console").
    private static readonly HashSet<string> ReservedClassNames = new(StringComparer.Ordinal)
    {
        "ModelInput", "ModelOutput", "ModelPath", "PredictEngine", "Predict", "CreatePredictEngine", "ClassNames", "ClassName", "Names",
        "RetrainFilePath", "Seed", "DataOptions", "TrainingSettings", "Train", "RetrainModel", "BuildPreprocessing",
        "AppContext", "Array", "ConcurrentDictionary", "Console", "Convert", "CultureInfo", "Directory", "Enumerable", "File", "IOrderedEnumerable",
        "KeyValuePair", "Lazy", "Path", "ReadOnlyMemory", "String", "StringComparer",
        "ColumnName", "ColumnNameAttribute", "DataViewSchema", "IDataView", "IEstimator", "ITransformer", "LoadColumn", "LoadColumnAttribute",
        "MLContext", "NoColumn", "NoColumnAttribute", "PredictionEngine", "TextLoader", "VBuffer",
        "GradientMode", "LabelRequest", "LearningRateSchedule", "OptimizerKind", "TableModel", "TablePipeline", "TableReadOptions", "TableSchema",
        "TaskKind", "TrainingConfig",
    };

    /// <summary>
    /// Generates the code for the model <paramref name="zipPath"/>, trained on <paramref name="table"/> with
    /// <paramref name="config"/> and the context seed <paramref name="seed"/>, into <paramref name="outFolder"/> (created when
    /// missing). Everything is generated before the first file is written; each file is written whole (temporary file +
    /// rename), so a failure leaves no half-written file.
    /// </summary>
    /// <param name="outFolder">Folder for the two files and the console app's folder.</param>
    /// <param name="name">The model's name (the zip's, e.g. "penguins"): file names and, as a C# identifier, the class name.</param>
    /// <param name="zipPath">The saved model.</param>
    /// <param name="table">The schema of the data file the model was trained on (labels, kinds, separator, header).</param>
    /// <param name="config">The training settings of the run (for retraining).</param>
    /// <param name="seed">The MLContext seed of the run.</param>
    /// <exception cref="FileNotFoundException">The zip does not exist.</exception>
    /// <exception cref="InvalidDataException">The zip cannot be loaded, or its columns are not those of the table's labels and columns.</exception>
    /// <exception cref="NotSupportedException">An input column the data file cannot fill, or a transformer from an unknown package.</exception>
    public static GeneratedCode Write(string outFolder, string name, string zipPath, TableSchema table, TrainingConfig config, int seed)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(outFolder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(table);
        ArgumentNullException.ThrowIfNull(config);
        if (name.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0 || name is "." or "..")
            throw new ArgumentException($"The model name '{name}' is not a file name; pass a plain name such as 'penguins'.", nameof(name));

        ModelDescription model = ModelSchemaReader.Read(zipPath, table);
        string className = CSharpText.Identifier(name);
        if (ReservedClassNames.Contains(className)) className += "Model";
        string ns = className + "Model";
        string folder = Path.GetFullPath(outFolder);
        string appFolder = Path.Combine(folder, name + ".ConsoleApp");
        string zipLink = Path.GetRelativePath(appFolder, Path.GetFullPath(zipPath));
        string zipFile = Path.GetFileName(zipPath);

        string consumption = ConsumptionSource(model, ns, className, zipFile);
        var files = new List<(string Path, string Text)>
        {
            (Path.Combine(folder, name + ".consumption.cs"), consumption),
            (Path.Combine(folder, name + ".training.cs"), TrainingSource(table, config, seed, ns, className)),
            (Path.Combine(appFolder, "Directory.Build.props"), StandAloneProps()),
            (Path.Combine(appFolder, name + ".ConsoleApp.csproj"), ProjectSource(model, ns, zipLink, zipFile)),
            (Path.Combine(appFolder, name + ".consumption.cs"), consumption),
            (Path.Combine(appFolder, "Program.cs"), ProgramSource(model, table, ns, className)),
        };
        foreach ((string path, string text) in files) SafeFiles.WriteAllText(path, text);
        return new GeneratedCode(files[0].Path, files[1].Path, files[3].Path, files.Select(f => f.Path).ToList());
    }

    private static void Header(SourceWriter w, string what)
    {
        w.Line($"// {what}");
        w.Line("// Generated by mtl (MtlMlNet) from the saved model's schema; edit it freely.");
    }

    private static string ConsumptionSource(ModelDescription model, string ns, string className, string zipFile)
    {
        var w = new SourceWriter();
        Header(w, $"Consumes {zipFile} with plain ML.NET: Predict gives every task's prediction for one row.");
        w.Line("#nullable enable");
        foreach (string u in new[] { "System", "System.Collections.Concurrent", "System.Collections.Generic", "System.IO", "System.Linq", "Microsoft.ML", "Microsoft.ML.Data" })
            w.Line($"using {u};");
        w.Line().Line($"namespace {ns};").Line();
        w.Line("/// <summary>");
        w.Line($"/// The model {Xml(zipFile)}: {string.Join(", ", model.Tasks.Select(t => $"{Xml(t.Name)} ({t.Kind.ToString().ToLowerInvariant()})"))}.");
        w.Line("/// </summary>");
        w.Open($"public static partial class {className}");

        w.Line("/// <summary>One row as the data file holds it: numbers as float (NaN when missing), other columns as text. Label columns are");
        w.Line("/// inputs too; leave them empty (or NaN) when predicting.</summary>");
        w.Open("public sealed class ModelInput");
        for (int i = 0; i < model.Inputs.Count; i++)
        {
            InputColumn c = model.Inputs[i];
            if (i > 0) w.Line();
            w.Line($"/// <summary>The column {Xml(c.Name)}.</summary>");
            w.Line($"[LoadColumn({c.FileIndex.ToString(CultureInfo.InvariantCulture)})]");
            w.Line($"[ColumnName({CSharpText.Literal(c.Name)})]");
            w.Line($"public {c.CSharpType} {c.Property} {{ get; set; }}{c.Default}");
        }
        w.Close().Line();

        w.Line("/// <summary>Every task's prediction for one row.</summary>");
        w.Open("public sealed class ModelOutput");
        bool first = true;
        foreach (TaskOutputs t in model.Tasks)
        {
            foreach (string[] property in OutputProperties(t))
            {
                if (!first) w.Line();
                first = false;
                foreach (string line in property) w.Line(line);
            }
        }
        w.Close().Line();

        w.Line("/// <summary>The model file: the zip beside the app (set it before the first prediction to load another).</summary>");
        w.Line($"public static string ModelPath {{ get; set; }} = Path.Combine(AppContext.BaseDirectory, {CSharpText.Literal(zipFile)});");
        w.Line();
        w.Line("/// <summary>The prediction engine, created on first use. A PredictionEngine is not thread-safe: use one per thread, or a");
        w.Line("/// PredictionEnginePool (Microsoft.Extensions.ML) in a web app.</summary>");
        w.Line("public static readonly Lazy<PredictionEngine<ModelInput, ModelOutput>> PredictEngine = new(CreatePredictEngine, true);");
        w.Line();
        w.Line("// Class names by column, read once from the model's own key values.");
        w.Line("private static readonly ConcurrentDictionary<string, string[]> ClassNames = new(StringComparer.Ordinal);");
        w.Line();

        w.Line("/// <summary>Predicts every task for <paramref name=\"input\"/>.</summary>");
        w.Line("/// <param name=\"input\">One row.</param>");
        w.Line("/// <returns>The prediction; a classification task's predicted class is also given as the data file writes it.</returns>");
        w.Open("public static ModelOutput Predict(ModelInput input)");
        w.Line("ModelOutput output = PredictEngine.Value.Predict(input);");
        foreach (TaskOutputs t in model.Tasks.Where(t => t.ClassNameColumn is not null))
        {
            string key = t.Kind == TaskKind.Multiclass ? $"output.{t.Prefix}_PredictedLabel" : $"output.{t.Prefix}_PredictedLabel ? 2u : 1u";
            w.Line($"output.{t.Prefix}_PredictedValue = ClassName({CSharpText.Literal(t.ClassNameColumn!)}, {key});");
        }
        w.Line("return output;");
        w.Close();

        foreach (TaskOutputs t in model.Tasks.Where(t => t.Kind == TaskKind.Multiclass))
        {
            w.Line();
            w.Line($"/// <summary>{Xml(t.Name)}: every class with its probability, the most likely first.</summary>");
            w.Line("/// <param name=\"input\">One row.</param>");
            w.Line("/// <returns>Class names (as the data file writes them) and probabilities.</returns>");
            w.Open($"public static IOrderedEnumerable<KeyValuePair<string, float>> PredictAllLabels_{t.Prefix}(ModelInput input)");
            w.Line($"string[] names = Names({CSharpText.Literal(t.ScoreColumn)}, \"SlotNames\");");
            w.Line($"float[] scores = PredictEngine.Value.Predict(input).{t.Prefix}_Score;");
            w.Line("return names.Select((name, i) => new KeyValuePair<string, float>(name, scores[i])).OrderByDescending(p => p.Value);");
            w.Close();
        }

        if (model.Tasks.Any(t => t.ClassNameColumn is not null))
        {
            w.Line();
            w.Line("// A key's class name: key k is the k-th key value; key 0 means no class.");
            w.Open("private static string ClassName(string column, uint key)");
            w.Line("string[] names = Names(column, \"KeyValues\");");
            w.Line("return key >= 1 && key <= names.Length ? names[key - 1] : string.Empty;");
            w.Close();
        }
        w.Line();
        w.Open("private static string[] Names(string column, string annotation) => ClassNames.GetOrAdd(column + \"/\" + annotation, _ =>");
        w.Line("var names = default(VBuffer<ReadOnlyMemory<char>>);");
        w.Line("PredictEngine.Value.OutputSchema[column].Annotations.GetValue(annotation, ref names);");
        w.Line("return names.DenseValues().Select(n => n.ToString()).ToArray();");
        w.Close(");");
        w.Line();

        w.Open("private static PredictionEngine<ModelInput, ModelOutput> CreatePredictEngine()");
        w.Line("// The ONNX network is copied into MLContext.TempFilePath when the model loads and ONNX Runtime reads it there once:");
        w.Line("// a private folder, removed as soon as the engine exists.");
        w.Line("string temp = Directory.CreateTempSubdirectory(\"mlnet-model-\").FullName;");
        w.Open("try");
        w.Line("var mlContext = new MLContext { TempFilePath = temp };");
        w.Line("// That copy gets a random name; one in 32,768 ends in .ort, which ONNX Runtime refuses as a model of its own");
        w.Line("// format (dotnet/machinelearning#7339): a load that fails for that reason alone is tried again.");
        w.Open("for (int attempt = 1; ; attempt++)");
        w.Open("try");
        w.Line("ITransformer model = mlContext.Model.Load(ModelPath, out DataViewSchema _);");
        w.Line("return mlContext.Model.CreatePredictionEngine<ModelInput, ModelOutput>(model);");
        w.Close();
        w.Open("catch (InvalidOperationException e) when (attempt < 4 && e.ToString().Contains(\"ORT model verification failed\"))");
        w.Line("// the next attempt copies the model under another name");
        w.Close();
        w.Close();
        w.Close();
        w.Open("finally");
        w.Line("Directory.Delete(temp, recursive: true);");
        w.Close();
        w.Close();
        w.Close();
        return w.ToString();
    }

    // The properties of one task in ModelOutput, each as its lines (doc comment, attributes, declaration).
    private static IEnumerable<string[]> OutputProperties(TaskOutputs t)
    {
        string n = Xml(t.Name);
        switch (t.Kind)
        {
            case TaskKind.Multiclass:
                yield return [
                    $"/// <summary>{n}: the predicted class as the data file writes it (set by Predict).</summary>",
                    "[NoColumn]",
                    $"public string {t.Prefix}_PredictedValue {{ get; set; }} = string.Empty;"];
                yield return [
                    $"/// <summary>{n}: the predicted class as a key: 1 is the first class of PredictAllLabels_{t.Prefix}'s names ({Xml(string.Join(", ", t.ClassNames.Take(5)))}{(t.ClassNames.Count > 5 ? ", …" : "")}).</summary>",
                    $"[ColumnName({CSharpText.Literal(t.PredictedLabelColumn)})]",
                    $"public uint {t.Prefix}_PredictedLabel {{ get; set; }}"];
                yield return [
                    $"/// <summary>{n}: the probability of each class, in key order.</summary>",
                    $"[ColumnName({CSharpText.Literal(t.ScoreColumn)})]",
                    $"public float[] {t.Prefix}_Score {{ get; set; }} = [];"];
                break;
            case TaskKind.Binary:
                if (t.ClassNameColumn is not null)
                    yield return [
                        $"/// <summary>{n}: the predicted value as the data file writes it ({Xml(t.ClassNames[1])} when PredictedLabel is true, else {Xml(t.ClassNames[0])}; set by Predict).</summary>",
                        "[NoColumn]",
                        $"public string {t.Prefix}_PredictedValue {{ get; set; }} = string.Empty;"];
                yield return [
                    $"/// <summary>{n}: whether the probability is above 0.5.</summary>",
                    $"[ColumnName({CSharpText.Literal(t.PredictedLabelColumn)})]",
                    $"public bool {t.Prefix}_PredictedLabel {{ get; set; }}"];
                yield return [
                    $"/// <summary>{n}: the probability of true.</summary>",
                    $"[ColumnName({CSharpText.Literal(t.ProbabilityColumn)})]",
                    $"public float {t.Prefix}_Probability {{ get; set; }}"];
                yield return [
                    $"/// <summary>{n}: the raw score (logit).</summary>",
                    $"[ColumnName({CSharpText.Literal(t.ScoreColumn)})]",
                    $"public float {t.Prefix}_Score {{ get; set; }}"];
                break;
            default:
                yield return [
                    $"/// <summary>{n}: the predicted value, in the label's unit.</summary>",
                    $"[ColumnName({CSharpText.Literal(t.ScoreColumn)})]",
                    $"public float {t.Prefix}_Score {{ get; set; }}"];
                break;
        }
    }

    private static string TrainingSource(TableSchema table, TrainingConfig config, int seed, string ns, string className)
    {
        var usings = new HashSet<string>(StringComparer.Ordinal) { "System", "Microsoft.ML", "Mtl.Trainers", "Mtl.Trainers.Tables" };
        var settings = Settings(table, config, usings);
        var w = new SourceWriter();
        Header(w, $"Retrains the model on {Path.GetFileName(table.Path)} with MtlMlNet (packages MtlMlNet.Trainers, TorchSharp-cpu).");
        w.Line("#nullable enable");
        // System first, then the rest in order, as dotnet format sorts them.
        foreach (string u in usings.OrderBy(u => u == "System" || u.StartsWith("System.", StringComparison.Ordinal) ? 0 : 1).ThenBy(u => u, StringComparer.Ordinal))
            w.Line($"using {u};");
        w.Line().Line($"namespace {ns};").Line();
        w.Open($"public static partial class {className}");
        w.Line("/// <summary>The data file the model was trained on.</summary>");
        w.Line($"public const string RetrainFilePath = {CSharpText.Literal(Path.GetFullPath(table.Path))};");
        w.Line();
        w.Line("/// <summary>The MLContext seed of the run: data order, initialisation and the validation split.</summary>");
        w.Line($"public const int Seed = {seed.ToString(CultureInfo.InvariantCulture)};");
        w.Line();
        w.Line("/// <summary>How the file is read: the label columns with the task kinds they were trained as, the columns not used, header and separator.</summary>");
        w.Open("public static TableReadOptions DataOptions => new()");
        w.Line("Labels =");
        w.Line("[");
        w.Indent();
        foreach (TableColumn label in table.Labels)
            w.Line($"new LabelRequest({CSharpText.Literal(label.Name)}, TaskKind.{label.Kind}),");
        w.Outdent();
        w.Line("],");
        string ignored = string.Join(", ", table.Columns.Where(c => c.Purpose == ColumnPurpose.Ignore).Select(c => CSharpText.Literal(c.Name)));
        w.Line($"IgnoreColumns = [{ignored}],");
        w.Line($"HasHeader = {(table.HasHeader ? "true" : "false")},");
        w.Line($"Separator = {CSharpText.Literal(table.Separator)},");
        w.Close(";");
        w.Line();
        w.Line("/// <summary>The training settings of the run (method, optimizer, schedule, …; what is not set is automatic).</summary>");
        w.Open("public static TrainingConfig TrainingSettings => new()");
        foreach (string line in settings) w.Line(line);
        w.Close(";");
        w.Line();
        w.Line("/// <summary>");
        w.Line("/// Trains the model on every row of <paramref name=\"inputDataFilePath\"/> (mtl train held out test rows; retraining uses them");
        w.Line("/// all) and saves it to <paramref name=\"outputModelPath\"/>, a zip that the consumption code loads.");
        w.Line("/// </summary>");
        w.Line("/// <param name=\"outputModelPath\">Where the zip goes.</param>");
        w.Line("/// <param name=\"inputDataFilePath\">A file with the columns of the original one.</param>");
        w.Open("public static void Train(string outputModelPath, string inputDataFilePath = RetrainFilePath)");
        w.Line("var mlContext = new MLContext(Seed);");
        w.Line("TableSchema schema = TableSchema.Infer(inputDataFilePath, DataOptions);");
        w.Line("IDataView data = TablePipeline.Load(mlContext, schema, inputDataFilePath);");
        w.Line("TableModel model = RetrainModel(mlContext, schema, data);");
        w.Open("try");
        w.Line("mlContext.Model.Save(model.Model, data.Schema, outputModelPath);");
        w.Close();
        w.Open("finally");
        w.Line("model.Network.Dispose();");
        w.Close();
        w.Close();
        w.Line();
        w.Line($"/// <summary>Fits the preprocessing and the multi-head network on raw rows ({TablePipeline.ValidationFraction.ToString("P0", CultureInfo.InvariantCulture)} of them validate, for early stopping).</summary>");
        w.Line("/// <param name=\"mlContext\">The context; its seed and <see cref=\"Seed\"/> make the run repeatable.</param>");
        w.Line("/// <param name=\"schema\">The table's schema (<see cref=\"TableSchema.Infer\"/> with <see cref=\"DataOptions\"/>).</param>");
        w.Line("/// <param name=\"trainData\">Raw rows from <see cref=\"TablePipeline.Load\"/>.</param>");
        w.Line("/// <returns>The whole chain (what the zip holds) and the network.</returns>");
        w.Line("public static TableModel RetrainModel(MLContext mlContext, TableSchema schema, IDataView trainData) =>");
        w.Indent().Line("TablePipeline.Fit(mlContext, schema, trainData, TrainingSettings, Seed);").Outdent();
        w.Line();
        w.Line("/// <summary>The preprocessing in front of the network (labels to keys, numbers, categories, text), to inspect or change.</summary>");
        w.Line("/// <param name=\"mlContext\">The context.</param>");
        w.Line("/// <param name=\"schema\">The table's schema.</param>");
        w.Line("/// <param name=\"trainData\">Raw rows: the label classes are taken from them.</param>");
        w.Line("/// <returns>The estimator chain, ending in the feature column.</returns>");
        w.Line("public static IEstimator<ITransformer> BuildPreprocessing(MLContext mlContext, TableSchema schema, IDataView trainData) =>");
        w.Indent().Line("TablePipeline.CreatePreprocessing(mlContext, schema, trainData, TablePipeline.FeatureColumnName(schema));").Outdent();
        w.Close();
        return w.ToString();
    }

    // The settings that differ from a new TrainingConfig, as initializer lines; the method as the canonical text the run used.
    private static List<string> Settings(TableSchema table, TrainingConfig config, ISet<string> usings)
    {
        var defaults = new TrainingConfig();
        var lines = new List<string>();
        string method = config.ToOptions("Features", table.Tasks()).Method.ToString();
        foreach (System.Reflection.PropertyInfo p in typeof(TrainingConfig).GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance))
        {
            if (!p.CanWrite || p.SetMethod is not { IsPublic: true } || p.GetIndexParameters().Length > 0) continue;
            object? value = p.Name == nameof(TrainingConfig.Method) ? method : p.GetValue(config);
            if (Equals(value, p.GetValue(defaults))) continue;
            lines.Add($"{p.Name} = {CSharpText.Literal(value, usings)},");
        }
        return lines;
    }

    private static string ProjectSource(ModelDescription model, string ns, string zipLink, string zipFile)
    {
        var w = new SourceWriter();
        w.Line("<Project Sdk=\"Microsoft.NET.Sdk\">");
        w.Indent();
        w.Line("<!-- Predicts with the model through ML.NET's own packages only. Generated by mtl (MtlMlNet). -->");
        w.Line("<PropertyGroup>").Indent();
        w.Line("<OutputType>Exe</OutputType>");
        w.Line($"<TargetFramework>net{Environment.Version.Major.ToString(CultureInfo.InvariantCulture)}.0</TargetFramework>");
        w.Line($"<RootNamespace>{ns}</RootNamespace>");
        w.Line("<Nullable>enable</Nullable>");
        w.Line("<ImplicitUsings>disable</ImplicitUsings>");
        w.Line("<TreatWarningsAsErrors>true</TreatWarningsAsErrors>");
        w.Outdent().Line("</PropertyGroup>");
        w.Line("<ItemGroup>").Indent();
        foreach (AppPackage p in model.Packages) w.Line($"<PackageReference Include=\"{p.Id}\" Version=\"{p.Version}\" />");
        w.Outdent().Line("</ItemGroup>");
        w.Line("<ItemGroup>").Indent();
        w.Line($"<None Include=\"{System.Security.SecurityElement.Escape(zipLink)}\" Link=\"{System.Security.SecurityElement.Escape(zipFile)}\" CopyToOutputDirectory=\"PreserveNewest\" />");
        w.Outdent().Line("</ItemGroup>");
        w.Outdent();
        w.Line("</Project>");
        return w.ToString();
    }

    // Keeps the build settings of folders above (a repository's Directory.Build.props/.targets, central package versions) out.
    private static string StandAloneProps() =>
        """
        <Project>
          <!-- This console app builds on its own: no Directory.Build.targets or central package versions from the folders above. -->
          <PropertyGroup>
            <ImportDirectoryBuildTargets>false</ImportDirectoryBuildTargets>
            <ImportDirectoryPackagesProps>false</ImportDirectoryPackagesProps>
            <ManagePackageVersionsCentrally>false</ManagePackageVersionsCentrally>
          </PropertyGroup>
        </Project>

        """;

    private static string ProgramSource(ModelDescription model, TableSchema table, string ns, string className)
    {
        var w = new SourceWriter();
        if (table.IsImageFolder)
        {
            ImageFolderInput(w, model, table, ns, className);
        }
        else
        {
            TableFileInput(w, table, ns, className);
            w.Line("Console.WriteLine($\"First data row of {Path.GetFileName(dataPath)}:\");");
            foreach (InputColumn c in model.Inputs)
                w.Line($"Console.WriteLine({CSharpText.Literal("  " + c.Name + ": ")} + Show(input.{c.Property}));");
        }
        w.Line();
        w.Line($"{className}.ModelOutput output = {className}.Predict(input);");
        foreach (TaskOutputs t in model.Tasks)
        {
            w.Line($"Console.WriteLine({CSharpText.Literal($"{t.Name} ({t.Kind.ToString().ToLowerInvariant()})")});");
            switch (t.Kind)
            {
                case TaskKind.Multiclass:
                    w.Line($"Console.WriteLine(\"  PredictedValue: \" + output.{t.Prefix}_PredictedValue);");
                    w.Open($"foreach ((string label, float score) in {className}.PredictAllLabels_{t.Prefix}(input))");
                    w.Line("Console.WriteLine(\"  \" + label + \": \" + Show(score));");
                    w.Close();
                    break;
                case TaskKind.Binary:
                    if (t.ClassNameColumn is not null) w.Line($"Console.WriteLine(\"  PredictedValue: \" + output.{t.Prefix}_PredictedValue);");
                    w.Line($"Console.WriteLine(\"  PredictedLabel: \" + Show(output.{t.Prefix}_PredictedLabel));");
                    w.Line($"Console.WriteLine(\"  Probability: \" + Show(output.{t.Prefix}_Probability));");
                    w.Line($"Console.WriteLine(\"  Score: \" + Show(output.{t.Prefix}_Score));");
                    break;
                default:
                    w.Line($"Console.WriteLine(\"  Score: \" + Show(output.{t.Prefix}_Score));");
                    break;
            }
        }
        w.Line("return 0;");
        w.Line();
        w.Line("// Invariant culture: numbers print the same everywhere, shortest text that reads back to the same float.");
        w.Line("static string Show(object? value) => Convert.ToString(value, CultureInfo.InvariantCulture) ?? string.Empty;");
        return w.ToString();
    }

    // A table model's console app reads the first data row of the file (or of the file given as its argument).
    private static void TableFileInput(SourceWriter w, TableSchema table, string ns, string className)
    {
        Header(w, $"Predicts every task for the first data row of {Path.GetFileName(table.Path)}. Usage: dotnet run [-- <data file>]");
        foreach (string u in new[] { "System", "System.Globalization", "System.IO", "System.Linq", "Microsoft.ML", "Microsoft.ML.Data", ns })
            w.Line($"using {u};");
        w.Line();
        w.Line($"string dataPath = args.Length > 0 ? args[0] : {CSharpText.Literal(Path.GetFullPath(table.Path))};");
        w.Open("if (!File.Exists(dataPath))");
        w.Line("Console.Error.WriteLine($\"error: the data file '{dataPath}' does not exist; pass the path of a file with the model's columns.\");");
        w.Line("return 1;");
        w.Close();
        w.Line();
        w.Line("var mlContext = new MLContext();");
        w.Line($"IDataView rows = mlContext.Data.CreateTextLoader<{className}.ModelInput>(new TextLoader.Options");
        w.Line("{");
        w.Indent();
        w.Line($"Separators = [{CSharpText.Literal(table.Separator)}],");
        w.Line($"HasHeader = {(table.HasHeader ? "true" : "false")},");
        w.Line("AllowQuoting = true,");
        w.Line("MissingRealsAsNaNs = true,");
        w.Outdent();
        w.Line("}).Load(dataPath);");
        w.Line($"{className}.ModelInput? input = mlContext.Data.CreateEnumerable<{className}.ModelInput>(rows, reuseRowObject: false).FirstOrDefault();");
        w.Open("if (input is null)");
        w.Line("Console.Error.WriteLine($\"error: '{dataPath}' has no data rows.\");");
        w.Line("return 1;");
        w.Close();
        w.Line();
    }

    // An image folder's model takes an image path: the folder's first image (or the image given as the argument).
    private static void ImageFolderInput(SourceWriter w, ModelDescription model, TableSchema table, string ns, string className)
    {
        Header(w, $"Predicts the class of an image, the first one of {Path.GetFileName(Path.TrimEndingDirectorySeparator(table.Path))} by default. Usage: dotnet run [-- <image file>]");
        foreach (string u in new[] { "System", "System.Globalization", "System.IO", "System.Linq", ns })
            w.Line($"using {u};");
        w.Line();
        InputColumn image = model.Inputs.First(c => c.Name == table.Columns[0].Name);
        w.Line($"string imagePath = Path.GetFullPath(args.Length > 0 ? args[0] : {CSharpText.Literal(table.FolderRows![0].Path)});");
        w.Open("if (!File.Exists(imagePath))");
        w.Line("Console.Error.WriteLine($\"error: the image '{imagePath}' does not exist; pass the path of an image file.\");");
        w.Line("return 1;");
        w.Close();
        w.Line();
        w.Line($"var input = new {className}.ModelInput {{ {image.Property} = imagePath }};");
        w.Line("Console.WriteLine($\"Image {imagePath}:\");");
    }

    // Text inside a one-line XML doc comment: escaped, and on one line.
    private static string Xml(string text) => System.Security.SecurityElement.Escape(text).ReplaceLineEndings(" ");
}
