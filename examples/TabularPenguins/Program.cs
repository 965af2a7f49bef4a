using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers;
using Mtl.Trainers.Methods;

// One multi-task model on a public table with tasks of three kinds and holes in the labels: the Palmer penguins
// (344 rows; `scripts/bootstrap.sh` unpacks the CSV from Debian's r-cran-palmerpenguins into .deps/palmerpenguins).
//   species      multiclass  (Adelie, Chinstrap, Gentoo)
//   body_mass_g  regression  in grams (2 rows NA: not labelled for this task, kept for the others)
//   sex          binary      (11 rows NA: not labelled for this task, kept for the others)
// Features: island (one-hot), bill length and depth, flipper length (missing values replaced by the mean), normalised.
// Default trainer options only: the trunk, batch size, epochs and early stopping follow the table (see the log).
// Usage: dotnet run -c Release --project examples/TabularPenguins [-- penguins.csv [method]]
string path = args.Length > 0 ? args[0] : Path.Combine(AppContext.BaseDirectory, "../../../../../.deps/palmerpenguins/penguins.csv");
string method = args.Length > 1 ? args[1] : "ew";
if (!File.Exists(path))
{
    Console.Error.WriteLine($"error: '{Path.GetFullPath(path)}' does not exist. Run scripts/bootstrap.sh (it unpacks the table from Debian's r-cran-palmerpenguins), or pass the path of penguins.csv.");
    return 1;
}

var ml = new MLContext(seed: 1);
// What the trainer chose for this table (trunk, batch size, epochs, early stopping), through ML.NET's log.
ml.Log += (_, e) =>
{
    if (e.Source.StartsWith("MultiHeadNetworkTrainer", StringComparison.Ordinal) && e.Kind == Microsoft.ML.Runtime.ChannelMessageKind.Info)
        if (!e.RawMessage.StartsWith("epoch ", StringComparison.Ordinal)) Console.WriteLine($"  [trainer] {e.RawMessage}");
};
IDataView raw = ml.Data.LoadFromTextFile<PenguinRow>(path, separatorChar: ',', hasHeader: true);
DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(raw, testFraction: 0.25, seed: 7);

// The two sexes are the key values; "NA" is not among them, so it becomes key 0: not labelled for the sex task.
IDataView sexes = ml.Data.LoadFromEnumerable(new[] { new SexValue { Value = "female" }, new SexValue { Value = "male" } });
IEstimator<ITransformer> preprocessing = ml.Transforms.Categorical.OneHotEncoding("IslandOneHot", nameof(PenguinRow.Island))
    .Append(ml.Transforms.ReplaceMissingValues(
        [new InputOutputColumnPair("BillLength"), new InputOutputColumnPair("BillDepth"), new InputOutputColumnPair("FlipperLength")]))
    .Append(ml.Transforms.Concatenate("Features", "IslandOneHot", "BillLength", "BillDepth", "FlipperLength"))
    .Append(ml.Transforms.NormalizeMeanVariance("Features"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Species"))
    .Append(ml.Transforms.Conversion.MapValueToKey("Sex", keyData: sexes));

var options = new MultiHeadNetworkTrainer.Options
{
    Tasks =
    {
        new TaskDefinition("Species"),
        new TaskDefinition("BodyMass", kind: TaskKind.Regression),
        new TaskDefinition("Sex", kind: TaskKind.Binary),
    },
    Method = MtlMethodOptions.Parse(method),
};
var pipeline = preprocessing.Append(ml.MultiTask().Trainers.MultiHead(options));
Console.WriteLine($"training on {split.TrainSet.GetRowCount() ?? Count(ml, split.TrainSet)} rows with '{options.Method}' and default options …");
TransformerChain<MultiHeadNetworkTransformer> model = pipeline.Fit(split.TrainSet);

MultiTaskMetrics metrics = ml.MultiTask().Evaluate(model.Transform(split.TestSet), model.LastTransformer);
Console.WriteLine($"test rows: {Count(ml, split.TestSet)}");
foreach (TaskMetrics m in metrics.Tasks)
    Console.WriteLine(m.Kind switch
    {
        TaskKind.Multiclass => string.Create(CultureInfo.InvariantCulture,
            $"  {m.Task,-9} accuracy {m.Multiclass!.MicroAccuracy:F3}  log-loss {m.Multiclass.LogLoss:F3}  ({m.LabelledRows} labelled rows)"),
        TaskKind.Binary => string.Create(CultureInfo.InvariantCulture,
            $"  {m.Task,-9} accuracy {m.Binary!.Accuracy:F3}  AUC {m.Binary.AreaUnderRocCurve:F3}  ({m.LabelledRows} labelled rows)"),
        _ => string.Create(CultureInfo.InvariantCulture,
            $"  {m.Task,-9} RMSE {m.Regression!.RootMeanSquaredError:F1} g  R² {m.Regression.RSquared:F3}  ({m.LabelledRows} labelled rows)"),
    });

// The whole chain (preprocessing + network + the species name) goes into one ML.NET zip that plain ML.NET loads: it
// takes raw rows.
ITransformer speciesName = ml.Transforms.Conversion.MapKeyToValue("PredictedSpecies", "Species.PredictedLabel").Fit(model.Transform(split.TrainSet));
ITransformer scoring = model.Append(speciesName);
string zip = Path.Combine(Path.GetTempPath(), $"penguins-{Environment.ProcessId}.zip");
ml.Model.Save(scoring, raw.Schema, zip);
var plain = new MLContext(seed: 1);
ITransformer reloaded = plain.Model.Load(zip, out _);
var engine = plain.Model.CreatePredictionEngine<PenguinRow, PenguinPrediction>(reloaded);
PenguinRow first = ml.Data.CreateEnumerable<PenguinRow>(split.TestSet, reuseRowObject: false).First(r => !float.IsNaN(r.BodyMass) && r.Sex != "NA");
PenguinPrediction p = engine.Predict(first);
Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"reloaded zip ({new FileInfo(zip).Length / 1024} KiB), first test penguin ({first.Species}, {first.BodyMass} g, {first.Sex}): " +
    $"predicted {p.Species}, {p.BodyMass:F0} g, {(p.Sex ? "male" : "female")} (P(male) = {p.SexProbability:F2})"));
File.Delete(zip);
(reloaded as IDisposable)?.Dispose();
model.LastTransformer.Dispose();
return 0;

static long Count(MLContext ml, IDataView view) => ml.Data.CreateEnumerable<PenguinRow>(view, reuseRowObject: true).LongCount();

/// <summary>A row of penguins.csv (species, island, bill_length_mm, bill_depth_mm, flipper_length_mm, body_mass_g, sex, year).</summary>
internal sealed class PenguinRow
{
    [LoadColumn(0)] public string Species { get; set; } = "";
    [LoadColumn(1)] public string Island { get; set; } = "";
    [LoadColumn(2)] public float BillLength { get; set; }
    [LoadColumn(3)] public float BillDepth { get; set; }
    [LoadColumn(4)] public float FlipperLength { get; set; }
    [LoadColumn(5), ColumnName("BodyMass")] public float BodyMass { get; set; }
    [LoadColumn(6)] public string Sex { get; set; } = "";
}

/// <summary>The key values of the sex task.</summary>
internal sealed class SexValue
{
    public string Value { get; set; } = "";
}

/// <summary>What the reloaded zip predicts for one penguin.</summary>
internal sealed class PenguinPrediction
{
    [ColumnName("PredictedSpecies")] public string Species { get; set; } = "";
    [ColumnName("BodyMass.Score")] public float BodyMass { get; set; }
    [ColumnName("Sex.PredictedLabel")] public bool Sex { get; set; }
    [ColumnName("Sex.Probability")] public float SexProbability { get; set; }
}
