using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Tests.Support;

// Usage: ConsumerProbe <model.zip> <rows.csv> <temp folder>. CSV columns: Shape (class index 0..3), Bright (0/1), Mass,
// then the 784 image values. Prints one line per row (scores) and then the three evaluators' metrics, round-trip format.
var ml = new MLContext(0) { TempFilePath = args[2] };
ITransformer model = ml.Model.Load(args[0], out DataViewSchema _);
var loader = ml.Data.CreateTextLoader(new[]
{
    new TextLoader.Column("Shape", DataKind.UInt32, new[] { new TextLoader.Range(0) }, new KeyCount(4)),
    new TextLoader.Column("Bright", DataKind.Boolean, 1),
    new TextLoader.Column("Mass", DataKind.Single, 2),
    new TextLoader.Column("Image", DataKind.Single, 3, 786),
}, separatorChar: ',');
IDataView scored = model.Transform(loader.Load(args[1]));
string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
foreach (KindScores r in ml.Data.CreateEnumerable<KindScores>(scored, reuseRowObject: false))
    Console.WriteLine(string.Join(" ", r.ShapeScore.Select(v => F(v)).Append(r.ShapePredicted.ToString(CultureInfo.InvariantCulture))
        .Append(F(r.BrightScore)).Append(F(r.BrightProbability)).Append(r.BrightPredicted ? "1" : "0").Append(F(r.MassScore))));
var m = ml.MulticlassClassification.Evaluate(scored, "Shape", "Shape.Score", predictedLabelColumnName: "Shape.PredictedLabel");
var b = ml.BinaryClassification.Evaluate(scored, "Bright", "Bright.Score", "Bright.Probability", "Bright.PredictedLabel");
var g = ml.Regression.Evaluate(scored, "Mass", "Mass.Score");
Console.WriteLine($"metrics {F(m.MicroAccuracy)} {F(b.Accuracy)} {F(b.AreaUnderRocCurve)} {F(g.RootMeanSquaredError)}");
Console.WriteLine("schema " + string.Join(";", scored.Schema.Where(c => !c.IsHidden && c.Name.Contains('.')).Select(c => $"{c.Name}:{c.Type}")));
