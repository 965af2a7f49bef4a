using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using ConsumeModel;

// Scores a model.zip written by `mtl train` (./run.sh) with plain ML.NET: Microsoft.ML + OnnxTransformer + OnnxRuntime,
// nothing from this repository. It prints the model's schema, evaluates it on Multi-Fashion-shaped rows that it builds
// itself from the raw Fashion-MNIST test IDX files, and predicts single rows with a PredictionEngine.
// Usage: dotnet run -c Release --project examples/ConsumeModel [-- model.zip] [--fashion-dir DIR] [--rows N] [--seed S]
try
{
    return Run(ConsumeOptions.Parse(args));
}
catch (Exception e) when (e is ArgumentException or FileNotFoundException or InvalidDataException or InvalidOperationException or FormatException)
{
    Console.Error.WriteLine($"error: {Sentence(e)}");
    return 1;
}

static int Run(ConsumeOptions options)
{
    if (!File.Exists(options.ModelPath))
        throw new FileNotFoundException($"No model at '{Path.GetFullPath(options.ModelPath)}'. Train one first with ./run.sh " +
            "(it writes model.zip in the repository root) or pass the path of a zip that `mtl train --model` wrote.", options.ModelPath);
    var ml = new MLContext(seed: options.Seed);
    // OnnxTransformer copies the embedded ONNX model into MLContext.TempFilePath and never deletes it: use our own folder,
    // created exclusively with a random name and owner-only access (no other user can plant or read it).
    string temp = Directory.CreateTempSubdirectory("consume-model-").FullName;
    ml.TempFilePath = temp;
    try
    {
        (ITransformer model, DataViewSchema inputSchema) = LoadModel(ml, options.ModelPath);
        try
        {
            Score(ml, model, inputSchema, options);
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }
    finally
    {
        Directory.Delete(temp, recursive: true);
    }
    return 0;
}

static (ITransformer model, DataViewSchema inputSchema) LoadModel(MLContext ml, string path)
{
    try
    {
        ITransformer model = ml.Model.Load(path, out DataViewSchema inputSchema);
        return (model, inputSchema);
    }
    catch (Exception e) when (e is not OutOfMemoryException)
    {
        // ML.NET builds transformers through reflection: the outer exceptions (TargetInvocationException, …) say nothing.
        Exception cause = e;
        while (cause.InnerException is not null) cause = cause.InnerException;
        throw new InvalidDataException($"'{path}' is not an ML.NET model zip that this app can open ({cause.GetType().Name}: {Sentence(cause)}). " +
            "Pass a model.zip written by `mtl train` (./run.sh writes one in the repository root).", e);
    }
}

static void Score(MLContext ml, ITransformer model, DataViewSchema inputSchema, ConsumeOptions options)
{
    DataViewSchema outputSchema = model.GetOutputSchema(inputSchema);
    Console.WriteLine($"model: {options.ModelPath} ({new FileInfo(options.ModelPath).Length / 1024.0:F0} KiB)");
    SchemaPrinter.Print("input schema", inputSchema);
    SchemaPrinter.Print("output schema", outputSchema);
    RequireTwoTaskImageModel(inputSchema, outputSchema);

    var (images, labels) = FashionIdx.LoadTestSplit(options.FashionDirectory);
    List<MultiFashionRow> rows = MultiFashionRows.Build(images, labels, options.Seed);
    if (options.Rows < rows.Count) rows = rows.GetRange(0, options.Rows);
    IDataView test = ml.Data.LoadFromEnumerable(rows);

    var watch = Stopwatch.StartNew();
    IDataView scored = model.Transform(test);
    Console.WriteLine($"\nEvaluation on {rows.Count} Multi-Fashion-shaped rows built from {options.FashionDirectory} (seed {options.Seed}):");
    Console.WriteLine($"{"task",-8}{"accuracy",10}{"macro acc.",12}{"log-loss",10}");
    double sum = 0;
    foreach (string task in new[] { "Left", "Right" })
    {
        MulticlassClassificationMetrics m = ml.MulticlassClassification.Evaluate(scored, labelColumnName: task,
            scoreColumnName: task + ".Score", predictedLabelColumnName: task + ".PredictedLabel");
        Console.WriteLine($"{task,-8}{m.MicroAccuracy,10:F4}{m.MacroAccuracy,12:F4}{m.LogLoss,10:F4}");
        sum += m.MicroAccuracy;
    }
    // Each evaluation pulls every row through the model once.
    Console.WriteLine($"{"average",-8}{sum / 2,10:F4}   ({rows.Count * 2 / watch.Elapsed.TotalSeconds:F0} rows/s scored through ONNX Runtime)");

    string[] names = SchemaPrinter.KeyNames(outputSchema["Left.PredictedLabel"]) ?? MultiFashionRows.ClassNames;
    using var engine = ml.Model.CreatePredictionEngine<ImageInput, TwoTaskPrediction>(model);
    Console.WriteLine("\nPredictionEngine, one row at a time:");
    for (int i = 0; i < Math.Min(5, rows.Count); i++)
    {
        TwoTaskPrediction p = engine.Predict(new ImageInput { Image = rows[i].Image });
        // The rows hold class indices 0…9; a PredictionEngine hands out keys as they are, 1…10.
        Console.WriteLine($"row {i}: Left {names[rows[i].Left]} → {Name(names, p.Left)} (p = {Probability(p.LeftScore, p.Left):F2}), " +
                          $"Right {names[rows[i].Right]} → {Name(names, p.Right)} (p = {Probability(p.RightScore, p.Right):F2})");
    }
}

// The example builds Multi-Fashion input; say clearly when the zip is some other model.
static void RequireTwoTaskImageModel(DataViewSchema input, DataViewSchema output)
{
    DataViewSchema.Column? image = input.GetColumnOrNull("Image");
    if (image is null || image.Value.Type is not VectorDataViewType { ItemType: NumberDataViewType, Size: 784 })
        throw new InvalidOperationException("This example feeds 1×28×28 images in a column 'Image' (Vector<Single, 1, 28, 28>); the model's input " +
            $"schema has {(image is null ? "no such column" : $"'Image' of type {image.Value.Type}")}. Use a model from `mtl train` on an image dataset.");
    foreach (string column in new[] { "Left.Score", "Left.PredictedLabel", "Right.Score", "Right.PredictedLabel" })
    {
        if (output.GetColumnOrNull(column) is null)
            throw new InvalidOperationException($"The model does not output '{column}'; this example scores two-task Multi-Fashion models " +
                "(`mtl train --dataset multi-fashion`). Output columns: " + string.Join(", ", output.Select(c => c.Name)) + ".");
    }
}

static float Probability(float[] scores, uint key) => key >= 1 && key <= scores.Length ? scores[key - 1] : float.NaN;

static string Name(string[] names, uint key) => key >= 1 && key <= names.Length ? names[key - 1] : $"key {key}";

// The message as its author wrote it, without the "(Parameter 'name')" tail .NET adds to argument exceptions.
static string Sentence(Exception e)
{
    string message = e.Message;
    if (e is ArgumentOutOfRangeException { ActualValue: { } actual } && message.EndsWith($"{Environment.NewLine}Actual value was {actual}.", StringComparison.Ordinal))
        message = message[..^$"{Environment.NewLine}Actual value was {actual}.".Length];
    if (e is ArgumentException { ParamName: { } name } && message.EndsWith($" (Parameter '{name}')", StringComparison.Ordinal))
        message = message[..^$" (Parameter '{name}')".Length];
    return message;
}
