using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers;
using Mtl.Trainers.Network;

// A user's console app, built outside the repository against the MtlMlNet.Trainers package only (plus ML.NET):
// trains a two-task network (4-class + regression) on a small synthetic table, saves the zip, reloads it with plain
// ML.NET and checks that both score the same. Usage: OutsideConsumer <model.zip> <scratch folder>. Exit 0 when equal.
var ml = new MLContext(seed: 7) { TempFilePath = args[1] };
var random = new Random(3);
var rows = new List<Row>();
for (int i = 0; i < 256; i++)
{
    var x = new float[6];
    for (int j = 0; j < x.Length; j++) x[j] = (float)(random.NextDouble() * 2 - 1);
    // Class: the quadrant of (x0, x1); Value: a linear function of the rest plus noise.
    uint quadrant = (uint)((x[0] > 0 ? 1 : 0) + (x[1] > 0 ? 2 : 0));
    rows.Add(new Row { Features = x, Class = quadrant, Value = 3 * x[2] - 2 * x[3] + 0.1f * (float)random.NextDouble() });
}
IDataView data = ml.Data.LoadFromEnumerable(rows);

var trainer = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
{
    FeatureColumnName = "Features",
    Tasks = { new TaskDefinition("Class"), new TaskDefinition("Value", kind: TaskKind.Regression) },
    Trunk = TrunkSpec.Mlp(32),
    Method = "pcgrad",
    MaxEpoch = 20,
    BatchSize = 32,
    Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 1e-2 },
});
using MultiHeadNetworkTransformer model = trainer.Fit(data);
IDataView scored = model.Transform(data);
ml.Model.Save(model, data.Schema, args[0]);

ITransformer reloaded = ml.Model.Load(args[0], out DataViewSchema _);
IDataView rescored = reloaded.Transform(data);

double difference = 0;
using (var a = scored.GetRowCursor(scored.Schema.Where(c => c.Name is "Class.Score" or "Value.Score")))
using (var b = rescored.GetRowCursor(rescored.Schema.Where(c => c.Name is "Class.Score" or "Value.Score")))
{
    var classA = a.GetGetter<VBuffer<float>>(scored.Schema["Class.Score"]);
    var classB = b.GetGetter<VBuffer<float>>(rescored.Schema["Class.Score"]);
    var valueA = a.GetGetter<float>(scored.Schema["Value.Score"]);
    var valueB = b.GetGetter<float>(rescored.Schema["Value.Score"]);
    VBuffer<float> va = default, vb = default;
    float ra = 0, rb = 0;
    while (a.MoveNext() && b.MoveNext())
    {
        classA(ref va); classB(ref vb); valueA(ref ra); valueB(ref rb);
        var da = va.DenseValues().ToArray();
        var db = vb.DenseValues().ToArray();
        for (int k = 0; k < da.Length; k++) difference = Math.Max(difference, Math.Abs(da[k] - db[k]));
        difference = Math.Max(difference, Math.Abs(ra - rb));
    }
}
var accuracy = ml.MulticlassClassification.Evaluate(rescored, "Class", "Class.Score", predictedLabelColumnName: "Class.PredictedLabel").MicroAccuracy;
var rmse = ml.Regression.Evaluate(rescored, "Value", "Value.Score").RootMeanSquaredError;
string F(double v) => v.ToString("R", CultureInfo.InvariantCulture);
Console.WriteLine($"consumer: max |difference| {F(difference)}; reloaded accuracy {F(accuracy)}; reloaded rmse {F(rmse)}");
return difference < 1e-4 ? 0 : 1;

public sealed class Row
{
    [VectorType(6)] public float[] Features { get; set; } = [];
    [KeyType(4)] public uint Class { get; set; }
    public float Value { get; set; }
}
