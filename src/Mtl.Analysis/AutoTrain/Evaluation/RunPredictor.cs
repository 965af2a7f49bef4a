using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>How a form asks for an input column's value.</summary>
public enum InputFieldKind
{
    /// <summary>A number (empty = missing: the model uses the training mean).</summary>
    Number,

    /// <summary>One of the values seen in training (<see cref="InputField.Values"/>); an unseen one is all zeros, not an error.</summary>
    Category,

    /// <summary>Free text.</summary>
    Text,

    /// <summary>An image file (its path, absolute or relative to the data's folder).</summary>
    Image,
}

/// <summary>One input column of a saved model, as a form asks for it.</summary>
/// <param name="Name">The column's name in the data file (and in the zip's input schema).</param>
/// <param name="Kind">How to ask for it.</param>
/// <param name="Values">A category's values among the run's training rows (ordinal order); empty for other kinds.</param>
public sealed record InputField(string Name, InputFieldKind Kind, IReadOnlyList<string> Values);

/// <summary>A class and the model's probability of it.</summary>
/// <param name="Class">The class as the data file writes it.</param>
/// <param name="Probability">Its probability.</param>
public sealed record ClassProbability(string Class, double Probability);

/// <summary>One task's prediction for one row.</summary>
/// <param name="Task">The task.</param>
/// <param name="Kind">Its kind.</param>
/// <param name="PredictedValue">The predicted class as the data file writes it (classification); null for regression.</param>
/// <param name="Classes">Multiclass: every class with its probability, most likely first; binary: the two classes; empty for regression.</param>
/// <param name="Probability">Binary: the probability of the true (second) class; null otherwise.</param>
/// <param name="Score">Regression: the prediction in the target's unit; binary: the logit; multiclass: the top probability.</param>
public sealed record TaskPrediction(string Task, TaskKind Kind, string? PredictedValue, IReadOnlyList<ClassProbability> Classes, double? Probability, double Score);

/// <summary>
/// One prediction at a time with a finished run's saved zip: the input form described from the zip's own input schema
/// (<see cref="ModelSchemaReader"/>; label columns are inputs of the chain but not of the form), and
/// <see cref="Predict"/>, which scores one row of raw values (as the data file writes them) with the reloaded chain.
/// </summary>
public sealed class RunPredictor : IDisposable
{
    // A category column lists at most this many of its training values (a form's drop-down, not a data dump).
    private const int MaxListedValues = 200;

    private readonly FinishedRun run;
    private readonly LoadedModel model;
    private readonly ModelDescription description;
    private readonly HashSet<string> labels;

    private RunPredictor(FinishedRun run, LoadedModel model, ModelDescription description, IReadOnlyList<InputField> fields)
    {
        this.run = run;
        this.model = model;
        this.description = description;
        Fields = fields;
        labels = run.Schema.Labels.Select(l => l.Name).ToHashSet(StringComparer.Ordinal);
    }

    /// <summary>The inputs a prediction takes, in the data file's order (labels and ignored columns are not among them).</summary>
    public IReadOnlyList<InputField> Fields { get; }

    /// <summary>Whether the model reads an image (its form is an image chooser).</summary>
    public bool TakesImage => Fields.Any(f => f.Kind == InputFieldKind.Image);

    /// <summary>Loads <paramref name="run"/>'s zip and describes its inputs.</summary>
    /// <exception cref="InvalidDataException">The zip cannot be loaded, or its columns are not the run's.</exception>
    public static RunPredictor Open(FinishedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        LoadedModel model = run.LoadModel();
        try
        {
            ModelDescription description = ModelSchemaReader.Read(run.ZipPath, model.Model, model.Input, run.Schema);
            TableSchema schema = run.Schema;
            var kinds = new List<(string Name, InputFieldKind Kind)>();
            foreach (InputColumn input in description.Inputs)
            {
                TableColumn column = schema.Columns.First(c => c.Name == input.Name);
                if (column.Purpose == ColumnPurpose.Label) continue;
                InputFieldKind kind = schema.Images?.Column == column.Name ? InputFieldKind.Image
                    : column.LoadsAsNumber ? InputFieldKind.Number
                    : column.Values == ColumnValues.Text ? InputFieldKind.Text
                    : InputFieldKind.Category;
                kinds.Add((column.Name, kind));
            }
            // The values a category takes among the training rows the model was fitted on (the run's own split).
            RunSplit? split = kinds.Any(k => k.Kind == InputFieldKind.Category) ? RunSplit.Of(model.Ml, schema, run.Settings) : null;
            var fields = kinds.Select(k => new InputField(k.Name, k.Kind, k.Kind == InputFieldKind.Category ? TrainingValues(split!.Train, k.Name) : [])).ToList();
            return new RunPredictor(run, model, description, fields);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private static string[] TrainingValues(IDataView train, string column)
    {
        var values = new SortedSet<string>(StringComparer.Ordinal);
        foreach (ReadOnlyMemory<char> v in train.GetColumn<ReadOnlyMemory<char>>(column))
            if (!TableSchema.IsMissing(v.Span)) values.Add(v.ToString().Trim());
        return values.Take(MaxListedValues).ToArray();
    }

    /// <summary>
    /// Scores one row: <paramref name="values"/> maps input columns (<see cref="Fields"/>) to their values as the data file
    /// writes them; a column left out or empty is missing (a number's training mean, an all-zero category), except the
    /// image, which is required. Labels are filled in as missing, as when the zip scores new data.
    /// </summary>
    /// <returns>Each task's prediction, in the model's task order.</returns>
    /// <exception cref="ArgumentException">An unknown column or a label, text in a number column, or a missing or unreadable image (the message names the column and the value).</exception>
    public IReadOnlyList<TaskPrediction> Predict(IReadOnlyDictionary<string, string?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (string key in values.Keys)
        {
            if (labels.Contains(key))
                throw new ArgumentException($"'{key}' is a label: the model predicts it. Leave it out; the inputs are {string.Join(", ", Fields.Select(f => f.Name))}.", nameof(values));
            if (Fields.All(f => f.Name != key))
                throw new ArgumentException($"The model has no input column '{key}'; its inputs are {string.Join(", ", Fields.Select(f => f.Name))}.", nameof(values));
        }
        var columns = new List<(string, DataViewType)>();
        var row = new List<object>();
        foreach (InputColumn input in description.Inputs)
        {
            DataViewType type = model.Input[input.Name].Type;
            InputField? field = Fields.FirstOrDefault(f => f.Name == input.Name);
            string? given = field is not null && values.TryGetValue(input.Name, out string? v) ? v : null;
            columns.Add((input.Name, type));
            row.Add(type is TextDataViewType ? Text(field, given) : Number(input.Name, given));
        }
        IDataView scored = model.Model.Transform(new OneRowDataView(columns, row));
        return description.Tasks.Select(t => Read(scored, t)).ToList();
    }

    private string Text(InputField? field, string? given)
    {
        if (field?.Kind != InputFieldKind.Image) return given ?? "";
        ImageSet images = run.Schema.Images!;
        if (string.IsNullOrWhiteSpace(given))
            throw new ArgumentException($"The model reads an image: give the path of an image file in '{field.Name}'.", "values");
        string path = Path.GetFullPath(Path.Combine(images.Folder, given.Trim()));
        try
        {
            ImageData.Probe(path, $"The image column '{field.Name}'");
        }
        catch (Exception e) when (e is FileNotFoundException or InvalidDataException)
        {
            throw new ArgumentException(e.Message, "values", e);
        }
        return path;
    }

    private static float Number(string column, string? given)
    {
        if (given is null || TableSchema.IsMissing(given)) return float.NaN;
        // The check the schema makes of a test file's numbers: invariant culture, anything double.Parse reads as a number.
        if (!double.TryParse(given.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double number))
            throw new ArgumentException($"The column '{column}' takes a number; '{given}' is not one. Write it like 39.1 (a point for decimals), " +
                "or leave it empty for a missing value.", "values");
        return (float)number;
    }

    private static TaskPrediction Read(IDataView scored, TaskOutputs t)
    {
        switch (t.Kind)
        {
            case TaskKind.Multiclass:
                {
                    float[] probabilities = scored.GetColumn<VBuffer<float>>(t.ScoreColumn).Single().DenseValues().ToArray();
                    uint key = scored.GetColumn<uint>(t.PredictedLabelColumn).Single();
                    ClassProbability[] classes = t.ClassNames.Select((c, i) => new ClassProbability(c, probabilities[i]))
                        .OrderByDescending(c => c.Probability).ToArray();
                    string? predicted = key >= 1 && key <= t.ClassNames.Count ? t.ClassNames[(int)key - 1] : null;
                    return new TaskPrediction(t.Name, t.Kind, predicted, classes, null, probabilities.Length > 0 ? probabilities.Max() : double.NaN);
                }
            case TaskKind.Binary:
                {
                    bool label = scored.GetColumn<bool>(t.PredictedLabelColumn).Single();
                    float probability = scored.GetColumn<float>(t.ProbabilityColumn).Single();
                    float score = scored.GetColumn<float>(t.ScoreColumn).Single();
                    (string no, string yes) = t.ClassNames is [var f, var tr] ? (f, tr) : ("false", "true");
                    return new TaskPrediction(t.Name, t.Kind, label ? yes : no, [new(yes, probability), new(no, 1 - probability)], probability, score);
                }
            default:
                return new TaskPrediction(t.Name, t.Kind, null, [], null, scored.GetColumn<float>(t.ScoreColumn).Single());
        }
    }

    /// <summary>Releases the loaded model.</summary>
    public void Dispose() => model.Dispose();
}
