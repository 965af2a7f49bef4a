using System.Globalization;
using System.Text;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.Tests.AutoTrain;

[TestClass]
public sealed class SingleTaskBaselinesTests
{
    private string folder = "";

    [TestInitialize]
    public void CreateFolder() => folder = Directory.CreateTempSubdirectory("mtl-baselines-").FullName;

    [TestCleanup]
    public void DeleteFolder() => Directory.Delete(folder, recursive: true);

    // tier (multiclass) and flag (binary) follow x, y and the colour; size (regression, in its own unit of about ±700) is
    // linear in them. Every 7th tier, 11th flag and 13th size are missing.
    private string WriteTable(int rows = 500)
    {
        var random = new Random(3);
        var text = new StringBuilder("x,y,color,tier,flag,size\n");
        string[] colors = ["red", "green", "blue"];
        for (int i = 0; i < rows; i++)
        {
            double x = random.NextDouble() * 4 - 2, y = random.NextDouble() * 4 - 2;
            int color = random.Next(3);
            string tier = x + (color == 0 ? 1 : 0) > 0.5 ? "high" : x > -0.8 ? "mid" : "low";
            bool flag = y + (color == 2 ? 1 : 0) > 0;
            double size = 200 * x - 150 * y + 100 * color + random.NextDouble() * 10;
            text.Append(CultureInfo.InvariantCulture,
                $"{x:F4},{y:F4},{colors[color]},{(i % 7 == 0 ? "NA" : tier)},{(i % 11 == 0 ? "" : flag ? "yes" : "no")},{(i % 13 == 0 ? "NA" : size.ToString("F2", CultureInfo.InvariantCulture))}\n");
        }
        string path = Path.Combine(folder, "table.csv");
        File.WriteAllText(path, text.ToString());
        return path;
    }

    private static (MLContext Ml, TableSchema Schema, IDataView Train, IDataView Test) Load(string path, params string[] labels)
    {
        var ml = new MLContext(1);
        TableSchema schema = TableSchema.Infer(path, new TableReadOptions { Labels = labels.Select(LabelRequest.Parse).ToList() });
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(TablePipeline.CreateLoader(ml, schema).Load(path), 0.2, seed: 1);
        return (ml, schema, split.TrainSet, split.TestSet);
    }

    [TestMethod]
    public void EveryLabelGetsTheBestOfMlNetsTrainersForItsKind_OnTheLabelledRows()
    {
        (MLContext ml, TableSchema schema, IDataView train, IDataView test) = Load(WriteTable(), "tier", "flag", "size");
        var seen = new List<BaselineTrial>();
        IReadOnlyList<BaselineResult> results = SingleTaskBaselines.Run(ml, schema, train, test,
            new BaselineOptions { Budget = TimeSpan.FromMinutes(5), Seed = 1 }, progress: seen.Add);

        CollectionAssert.AreEqual(new[] { "tier", "flag", "size" }, results.Select(r => r.Task).ToArray());
        // A generous budget tries all four candidates of each kind, and the chosen one has the best validation metric.
        foreach (BaselineResult r in results)
        {
            Assert.HasCount(4, r.Trials, r.Task);
            double best = r.Test.HigherIsBetter ? r.Trials.Max(t => t.ValidationMetric) : r.Trials.Min(t => t.ValidationMetric);
            Assert.AreEqual(best, r.Trials.Single(t => t.Trainer == r.Trainer).ValidationMetric, r.Task);
        }
        CollectionAssert.AreEqual(results.SelectMany(r => r.Trials).ToArray(), seen.ToArray());
        Assert.IsTrue(results[0].Trials.Select(t => t.Trainer).SequenceEqual(["LightGbmMulti", "SdcaMaximumEntropyMulti", "LbfgsMaximumEntropyMulti", "FastTreeOva"]));

        // Learnable tasks are learned; metrics are ML.NET's, on the labelled test rows only.
        Assert.IsGreaterThan(0.85, results[0].Test.PrimaryMetric, "tier accuracy");
        Assert.IsNotNull(results[0].Test.Multiclass);
        Assert.IsGreaterThan(0.85, results[1].Test.PrimaryMetric, "flag accuracy");
        Assert.IsNotNull(results[1].Test.Binary);
        Assert.IsGreaterThan(0.9, results[1].Test.Binary!.AreaUnderRocCurve);
        Assert.IsLessThan(60, results[2].Test.PrimaryMetric, "size RMSE in its unit (its spread is several hundred)");
        Assert.IsGreaterThan(0.95, results[2].Test.Regression!.RSquared);
        long testRows = test.GetColumn<float>("x").LongCount();
        foreach (BaselineResult r in results) Assert.IsTrue(r.Test.LabelledRows > 0 && r.Test.LabelledRows < testRows, $"{r.Task}: {r.Test.LabelledRows} of {testRows}");
    }

    [TestMethod]
    public void AnExhaustedBudgetStillGivesEveryTaskItsFirstCandidate_AndTheSameSeedTheSameNumbers()
    {
        string path = WriteTable();
        IReadOnlyList<BaselineResult> Run()
        {
            (MLContext ml, TableSchema schema, IDataView train, IDataView test) = Load(path, "tier", "size");
            return SingleTaskBaselines.Run(ml, schema, train, test, new BaselineOptions { Budget = TimeSpan.FromTicks(1), Seed = 4 });
        }
        IReadOnlyList<BaselineResult> first = Run(), second = Run();
        Assert.IsTrue(first.All(r => r.Trials.Count == 1), string.Join("; ", first.Select(r => $"{r.Task}: {r.Trials.Count}")));
        Assert.AreEqual("LightGbmMulti", first[0].Trainer);
        Assert.AreEqual("LightGbmRegression", first[1].Trainer);
        CollectionAssert.AreEqual(first.Select(r => r.Test.PrimaryMetric).ToArray(), second.Select(r => r.Test.PrimaryMetric).ToArray());
    }

    [TestMethod]
    public void TheSingleHeadNetworkBaselineTrainsOurNetworkOnOneTask()
    {
        (MLContext ml, TableSchema schema, IDataView train, IDataView test) = Load(WriteTable(), "tier", "size");
        IReadOnlyList<BaselineResult> results = SingleTaskBaselines.Run(ml, schema, train, test, new BaselineOptions
        {
            Family = BaselineFamily.SingleHeadNetwork,
            Seed = 2,
            NetworkConfig = new TrainingConfig { Method = "uw", LearningRate = 1e-2, Epochs = 30 },
        });
        Assert.AreEqual("SingleHeadNetwork", results[0].Trainer);
        Assert.HasCount(1, results[0].Trials);
        Assert.IsGreaterThan(0.8, results[0].Test.PrimaryMetric, "tier accuracy");
        Assert.IsGreaterThan(0.9, results[1].Test.Regression!.RSquared, "size R²");
    }

    [TestMethod]
    public void ALabelWithoutTestRowsFailsNamingIt_AndMissingNetworkSettingsAreRefused()
    {
        string path = Path.Combine(folder, "holes.csv");
        var text = new StringBuilder("x,tier,late\n");
        // 'late' is labelled on the first 40 rows only; the test split below takes the last rows of a fixed order.
        for (int i = 0; i < 200; i++) text.Append(CultureInfo.InvariantCulture, $"{i % 10},{(i % 3 == 0 ? "a" : "b")},{(i < 40 ? (i % 2 == 0 ? "u" : "v") : "")}\n");
        File.WriteAllText(path, text.ToString());
        var ml = new MLContext(1);
        TableSchema schema = TableSchema.Infer(path, new TableReadOptions { Labels = [LabelRequest.Parse("tier"), LabelRequest.Parse("late")] });
        IDataView all = TablePipeline.CreateLoader(ml, schema).Load(path);
        IDataView train = ml.Data.TakeRows(all, 150), test = ml.Data.SkipRows(all, 150);
        var e = Assert.ThrowsExactly<InvalidDataException>(() => SingleTaskBaselines.Run(ml, schema, train, test, new BaselineOptions { Seed = 1 }));
        StringAssert.Contains(e.Message, "'late'");
        StringAssert.Contains(e.Message, "test rows");

        var missing = Assert.ThrowsExactly<ArgumentException>(() =>
            SingleTaskBaselines.Run(ml, schema, train, test, new BaselineOptions { Family = BaselineFamily.SingleHeadNetwork }));
        StringAssert.Contains(missing.Message, "NetworkConfig");
        var noTime = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() =>
            SingleTaskBaselines.Run(ml, schema, train, test, new BaselineOptions { Budget = TimeSpan.Zero }));
        StringAssert.Contains(noTime.Message, "budget must be positive");
    }
}
