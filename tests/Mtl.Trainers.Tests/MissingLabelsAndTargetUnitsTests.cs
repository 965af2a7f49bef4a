using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>
/// Issue 15's probes for labels with holes and targets with units: a grams-scale regression next to a classification task
/// under EW, rows with one missing label kept for the other tasks, the saved zip scoring in grams, and the opt-out.
/// </summary>
[TestClass]
public sealed class MissingLabelsAndTargetUnitsTests
{
    private static MultiHeadNetworkTransformer Fit(MLContext ml, IDataView data, MultiHeadNetworkTrainer.Options options, TrainingHooks? hooks = null) =>
        ml.MultiTask().Trainers.MultiHead(options).Fit(data, hooks ?? new TrainingHooks());

    [TestMethod]
    public void AGramsScaleRegressionDoesNotHarmTheClassificationTaskUnderEW()
    {
        var ml = new MLContext(1);
        IDataView train = MixedKindTable.View(ml, MixedKindTable.Rows(600, seed: 1));
        IDataView test = MixedKindTable.View(ml, MixedKindTable.Rows(300, seed: 2));

        using var alone = Fit(ml, train, MixedKindTable.Options(MixedKindTable.SpeciesTask()));
        using var together = Fit(ml, train, MixedKindTable.Options(MixedKindTable.SpeciesTask(), MixedKindTable.GramsTask(), MixedKindTable.HeavyTask()));
        double aloneAccuracy = ml.MultiTask().Evaluate(alone.Transform(test), alone)["Species"].PrimaryMetric;
        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(together.Transform(test), together);

        Assert.IsGreaterThan(0.8, aloneAccuracy, "the classification-only run learns the species");
        Assert.AreEqual(aloneAccuracy, metrics["Species"].PrimaryMetric, 0.05, "the grams task leaves the species accuracy within a few points");
        double rmse = metrics["Grams"].PrimaryMetric;
        Assert.IsLessThan(250.0, rmse, "RMSE in grams, well below the label's spread (~500 g)");
        Assert.IsGreaterThan(10.0, rmse, "an RMSE in grams, not in standard units");
        Assert.AreEqual(rmse, metrics["Grams"].Regression!.RootMeanSquaredError, 1e-9);
        Assert.IsGreaterThan(0.8, metrics["Heavy"].PrimaryMetric);

        // The trainer's own epoch metric is in grams too, and the network keeps the training statistics.
        TaskEpochResult last = together.TrainingReport!.Epochs[^1].Tasks[1];
        Assert.IsTrue(last.TrainMetric is > 10 and < 400, $"epoch RMSE {last.TrainMetric} is in grams");
        (double shift, double scale) = together.Network.TargetUnits(1);
        Assert.AreEqual(3000, shift, 100, "the mean of the training grams");
        Assert.AreEqual(500, scale, 100, "the standard deviation of the training grams");
    }

    [TestMethod]
    public void WithoutStandardisationTheGramsLossSwampsTheClassificationTask()
    {
        // The opt-out trains on raw grams: the squared error (~10⁶) dominates EW's sum, which the default avoids.
        var ml = new MLContext(1);
        IDataView train = MixedKindTable.View(ml, MixedKindTable.Rows(600, seed: 1));
        IDataView test = MixedKindTable.View(ml, MixedKindTable.Rows(300, seed: 2));
        TaskDefinition raw = MixedKindTable.GramsTask();
        raw.StandardizeTarget = false;
        using var model = Fit(ml, train, MixedKindTable.Options(MixedKindTable.SpeciesTask(), raw));
        using var standardised = Fit(ml, train, MixedKindTable.Options(MixedKindTable.SpeciesTask(), MixedKindTable.GramsTask()));
        Assert.AreEqual((0.0, 1.0), model.Network.TargetUnits(1), "no statistics without standardisation");
        double rawRmse = ml.MultiTask().Evaluate(model.Transform(test), model)["Grams"].PrimaryMetric;
        double standardisedRmse = ml.MultiTask().Evaluate(standardised.Transform(test), standardised)["Grams"].PrimaryMetric;
        Assert.IsLessThan(rawRmse, standardisedRmse, "standard units learn the grams better in the same epochs");
    }

    [TestMethod]
    public void RowsWithOneMissingLabelAreKeptForTheOtherTasks()
    {
        var ml = new MLContext(1);
        MixedKindTable.Row[] rows = MixedKindTable.Rows(600, seed: 3, missingSpecies: 0.3, missingGrams: 0.3);
        MixedKindTable.Row[] testRows = MixedKindTable.Rows(300, seed: 4, missingSpecies: 0.3, missingGrams: 0.3);
        int species = rows.Count(r => r.Species != MixedKindTable.MissingSpecies), grams = rows.Count(r => !float.IsNaN(r.Grams));
        Assert.IsTrue(species is > 360 and < 480 && grams is > 360 and < 480, "about 30% holes in each");
        var options = MixedKindTable.Options(MixedKindTable.SpeciesTask(), MixedKindTable.GramsTask(), MixedKindTable.HeavyTask());
        options.ValidationSet = MixedKindTable.View(ml, testRows);
        using var model = Fit(ml, MixedKindTable.View(ml, rows), options);

        IReadOnlyList<TaskEpochResult> epoch = model.TrainingReport!.Epochs[^1].Tasks;
        Assert.AreEqual(species, epoch[0].TrainLabelledRows, "the species loss saw its labelled rows only");
        Assert.AreEqual(grams, epoch[1].TrainLabelledRows, "the grams loss saw its labelled rows only");
        Assert.AreEqual(600, epoch[2].TrainLabelledRows, "the yes/no task trains on every row, holes elsewhere or not");
        Assert.AreEqual(testRows.Count(r => r.Species != MixedKindTable.MissingSpecies), epoch[0].ValidationLabelledRows);
        Assert.AreEqual(testRows.Count(r => !float.IsNaN(r.Grams)), epoch[1].ValidationLabelledRows);
        foreach (TaskEpochResult t in epoch)
            Assert.IsTrue(double.IsFinite(t.TrainLoss) && double.IsFinite(t.TrainMetric) && double.IsFinite(t.ValidationLoss) && double.IsFinite(t.ValidationMetric), $"{t.Task}: finite figures");

        IDataView scored = model.Transform(MixedKindTable.View(ml, testRows));
        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(scored, model);
        Assert.AreEqual(testRows.Count(r => r.Species != MixedKindTable.MissingSpecies), metrics["Species"].LabelledRows);
        Assert.AreEqual(testRows.Count(r => !float.IsNaN(r.Grams)), metrics["Grams"].LabelledRows);
        Assert.AreEqual(300, metrics["Heavy"].LabelledRows);
        Assert.IsGreaterThan(0.75, metrics["Species"].PrimaryMetric);
        Assert.IsLessThan(300.0, metrics["Grams"].PrimaryMetric);
        Assert.IsGreaterThan(0.8, metrics["Heavy"].PrimaryMetric);

        // Dropping every row with a hole (what a hard error forces) trains the yes/no task on half the rows: another model.
        MixedKindTable.Row[] complete = rows.Where(r => r.Species != MixedKindTable.MissingSpecies && !float.IsNaN(r.Grams)).ToArray();
        using var dropped = Fit(ml, MixedKindTable.View(ml, complete), MixedKindTable.Options(MixedKindTable.SpeciesTask(), MixedKindTable.GramsTask(), MixedKindTable.HeavyTask()));
        Assert.AreEqual(complete.Length, dropped.TrainingReport!.Epochs[^1].Tasks[2].TrainLabelledRows);
        Assert.IsLessThan(450L, dropped.TrainingReport!.Epochs[^1].Tasks[2].TrainLabelledRows);
        float[] kept = ml.Data.CreateEnumerable<HeavyScore>(scored, reuseRowObject: false).Select(s => s.Score).ToArray();
        float[] other = ml.Data.CreateEnumerable<HeavyScore>(dropped.Transform(MixedKindTable.View(ml, testRows)), reuseRowObject: false).Select(s => s.Score).ToArray();
        Assert.IsTrue(kept.Zip(other).Any(p => Math.Abs(p.First - p.Second) > 1e-3), "keeping the rows trains a different model than dropping them");
    }

    private sealed class HeavyScore
    {
        [ColumnName("Heavy.Score")]
        public float Score { get; set; }
    }

    private sealed class GramsScore
    {
        [ColumnName("Grams.Score")]
        public float Score { get; set; }
    }

    [TestMethod]
    public void MLNetsOwnEvaluatorsSeeTheLabelledRowsAfterFilteringMissingValues()
    {
        var ml = new MLContext(1);
        MixedKindTable.Row[] rows = MixedKindTable.Rows(300, seed: 5, missingSpecies: 0.3, missingGrams: 0.3);
        using var model = Fit(ml, MixedKindTable.View(ml, MixedKindTable.Rows(400, seed: 6, missingSpecies: 0.3, missingGrams: 0.3)),
            MixedKindTable.Options(MixedKindTable.SpeciesTask(), MixedKindTable.GramsTask()));
        IDataView scored = model.Transform(MixedKindTable.View(ml, rows));
        MultiTaskMetrics ours = ml.MultiTask().Evaluate(scored, model);

        // NaN and key 0 are ML.NET's missing values: FilterRowsByMissingValues leaves the labelled rows.
        IDataView gramsRows = ml.Data.FilterRowsByMissingValues(scored, "Grams");
        RegressionMetrics r = ml.Regression.Evaluate(gramsRows, "Grams", "Grams.Score");
        Assert.AreEqual(ours["Grams"].PrimaryMetric, r.RootMeanSquaredError, 1e-9);
        IDataView speciesRows = ml.Data.FilterRowsByMissingValues(scored, "Species");
        MulticlassClassificationMetrics m = ml.MulticlassClassification.Evaluate(speciesRows, "Species", "Species.Score", predictedLabelColumnName: "Species.PredictedLabel");
        Assert.AreEqual(ours["Species"].PrimaryMetric, m.MicroAccuracy, 1e-12);
        Assert.AreEqual(rows.Count(x => x.Species != MixedKindTable.MissingSpecies), ml.Data.CreateEnumerable<GramsScore>(speciesRows, reuseRowObject: false).Count());
    }

    [TestMethod]
    public void TheReloadedZipScoresInGramsLikeTheFittedModel()
    {
        var ml = new MLContext(2);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        IDataView train = MixedKindTable.View(ml, MixedKindTable.Rows(400, seed: 7, missingGrams: 0.2));
        IDataView test = MixedKindTable.View(ml, MixedKindTable.Rows(64, seed: 8));
        var options = MixedKindTable.Options(MixedKindTable.SpeciesTask(), MixedKindTable.GramsTask());
        options.MaxEpoch = 4;
        using var model = Fit(ml, train, options);
        string path = Path.Combine(temp.Path, "grams.zip");
        ml.Model.Save(model, train.Schema, path);

        var consumer = new MLContext(0) { TempFilePath = temp.Path };
        ITransformer loaded = consumer.Model.Load(path, out _);
        float[] fitted = ml.Data.CreateEnumerable<GramsScore>(model.Transform(test), reuseRowObject: false).Select(s => s.Score).ToArray();
        float[] reloaded = consumer.Data.CreateEnumerable<GramsScore>(loaded.Transform(test), reuseRowObject: false).Select(s => s.Score).ToArray();
        Assert.HasCount(64, reloaded);
        Assert.AreEqual(3000, fitted.Average(), 400, "scores in grams, not standard units");
        for (int i = 0; i < fitted.Length; i++)
            Assert.AreEqual(fitted[i], reloaded[i], 1e-5 * Math.Abs(fitted[i]), $"row {i}: the ONNX graph de-standardises like the network");

        var engine = consumer.Model.CreatePredictionEngine<MixedKindTable.Row, GramsScore>(loaded);
        MixedKindTable.Row first = MixedKindTable.Rows(64, seed: 8)[0];
        Assert.AreEqual(fitted[0], engine.Predict(first).Score, 1e-5 * Math.Abs(fitted[0]), "the PredictionEngine of the reloaded zip");
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void TheOptOutKeepsTheHardErrorForAMissingLabel()
    {
        var ml = new MLContext(1);
        IDataView data = MixedKindTable.View(ml, MixedKindTable.Rows(100, seed: 9, missingSpecies: 0.3, missingGrams: 0.3));
        TaskDefinition species = MixedKindTable.SpeciesTask();
        species.MissingLabels = MissingLabelHandling.Error;
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Fit(ml, data, MixedKindTable.Options(species)));
        StringAssert.Contains(e.Message, "missing label (key 0) in column 'Species'");

        TaskDefinition grams = MixedKindTable.GramsTask();
        grams.MissingLabels = MissingLabelHandling.Error;
        e = Assert.ThrowsExactly<InvalidDataException>(() => Fit(ml, data, MixedKindTable.Options(grams)));
        StringAssert.Contains(e.Message, "missing label (NaN) in column 'Grams'");
    }

    [TestMethod]
    public void ATaskWithoutASingleLabelledRowIsAnError()
    {
        var ml = new MLContext(1);
        IDataView data = MixedKindTable.View(ml, MixedKindTable.Rows(50, seed: 10, missingGrams: 1.0));
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Fit(ml, data, MixedKindTable.Options(MixedKindTable.SpeciesTask(), MixedKindTable.GramsTask())));
        StringAssert.Contains(e.Message, "task 'Grams' has no labelled row");
        StringAssert.Contains(e.Message, "'Grams'");
    }

    [TestMethod]
    public void ABinaryTaskTakesASingleLabelWithNaNHolesAndRejectsOtherValues()
    {
        var ml = new MLContext(1);
        MixedKindTable.Row[] rows = MixedKindTable.Rows(300, seed: 11);
        for (int i = 0; i < rows.Length; i += 4) rows[i].HeavyValue = float.NaN;
        var heavy = new TaskDefinition("Heavy", "HeavyValue", TaskKind.Binary) { HeadHiddenSizes = new[] { 16 }, HeadDropout = 0 };
        using var model = Fit(ml, MixedKindTable.View(ml, rows), MixedKindTable.Options(heavy, MixedKindTable.SpeciesTask()));
        Assert.AreEqual(225, model.TrainingReport!.Epochs[^1].Tasks[0].TrainLabelledRows);
        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(model.Transform(MixedKindTable.View(ml, rows)), model);
        Assert.AreEqual(225, metrics["Heavy"].LabelledRows);
        Assert.IsGreaterThan(0.8, metrics["Heavy"].PrimaryMetric);

        rows[1].HeavyValue = 0.5f;
        var e = Assert.ThrowsExactly<InvalidDataException>(() => Fit(ml, MixedKindTable.View(ml, rows), MixedKindTable.Options(heavy)));
        StringAssert.Contains(e.Message, "must be 0 (false), 1 (true) or NaN (missing)");
    }

    [TestMethod]
    public void ABinaryTaskTakesATwoValueKeyLabelInsideAChain()
    {
        var ml = new MLContext(1);
        MixedKindTable.Row[] rows = MixedKindTable.Rows(300, seed: 14);
        for (int i = 0; i < rows.Length; i += 5) rows[i].HeavyKey = MixedKindTable.MissingSpecies;
        var heavy = new TaskDefinition("Heavy", "HeavyKey", TaskKind.Binary) { HeadHiddenSizes = new[] { 16 }, HeadDropout = 0 };
        var options = MixedKindTable.Options(heavy, MixedKindTable.GramsTask());
        options.FeatureColumnName = "Copied";
        // A chain asks the trainer for its output schema before Fit: the key label's shape must be accepted there too.
        var chain = ml.Transforms.CopyColumns("Copied", "Features").Append(ml.MultiTask().Trainers.MultiHead(options));
        IDataView data = MixedKindTable.View(ml, rows);
        var model = chain.Fit(data);
        IDataView scored = model.Transform(data);
        Assert.AreEqual(BooleanDataViewType.Instance, scored.Schema["Heavy.PredictedLabel"].Type);
        MultiHeadNetworkTransformer network = model.LastTransformer;
        Assert.AreEqual(240, network.TrainingReport!.Epochs[^1].Tasks[0].TrainLabelledRows);
        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(scored, network);
        Assert.AreEqual(240, metrics["Heavy"].LabelledRows);
        Assert.IsGreaterThan(0.8, metrics["Heavy"].PrimaryMetric, "key 2 is true, as for ML.NET's evaluator");
        network.Dispose();
    }

    [TestMethod]
    public void AWarmStartKeepsTheInitialModelsTargetStatistics()
    {
        var ml = new MLContext(1);
        using var initial = Fit(ml, MixedKindTable.View(ml, MixedKindTable.Rows(200, seed: 12)), MixedKindTable.Options(MixedKindTable.GramsTask()));
        // New data in kilograms-like shift: the warm-started head keeps the units it learnt in.
        MixedKindTable.Row[] shifted = MixedKindTable.Rows(200, seed: 13);
        foreach (var r in shifted) r.Grams += 5000;
        var options = MixedKindTable.Options(MixedKindTable.GramsTask());
        options.MaxEpoch = 1;
        using var warm = Fit(ml, MixedKindTable.View(ml, shifted), options, new TrainingHooks { InitialModel = initial });
        Assert.AreEqual(initial.Network.TargetUnits(0), warm.Network.TargetUnits(0));

        TaskDefinition raw = MixedKindTable.GramsTask();
        raw.StandardizeTarget = false;
        var mismatch = MixedKindTable.Options(raw);
        var e = Assert.ThrowsExactly<ArgumentException>(() => Fit(ml, MixedKindTable.View(ml, shifted), mismatch, new TrainingHooks { InitialModel = initial }));
        StringAssert.Contains(e.Message, "StandardizeTarget");
    }
}
