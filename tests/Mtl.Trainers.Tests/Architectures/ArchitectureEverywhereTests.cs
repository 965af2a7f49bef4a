using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests.Architectures;

/// <summary>
/// Every architecture works everywhere: every method in Parameters mode and every Representation-mode method on its
/// boundary (cross-stitch and MTAN also with conv columns on images); the zip reloads in plain ML.NET with ONNX Runtime ≤ 1e-5 of TorchSharp and the same metrics; a resumed run
/// equals an uninterrupted one bit for bit.
/// </summary>
[TestClass]
public sealed class ArchitectureEverywhereTests
{
    private const float Tolerance = 1e-5f;

    public static readonly string[] Architectures = ["mmoe(experts=2)", "cgc", "ple(levels=2)", "cross-stitch", "dselect-k(experts=2)", "mtan"];

    private static List<TaskDefinition> StepTasks() =>
    [
        new("A") { ClassCount = 3, HeadHiddenSizes = [6], HeadDropout = 0 },
        new("B") { ClassCount = 2, HeadHiddenSizes = [6], HeadDropout = 0 },
        new("C", kind: TaskKind.Regression) { HeadHiddenSizes = [6], HeadDropout = 0 },
    ];

    /// <summary>Three steps of <paramref name="method"/> on the architecture (MLP columns on 5 features, or conv columns on 1×16×16 images); the losses.</summary>
    private static double[] Steps(string architecture, string method, GradientMode mode, bool images = false)
    {
        var tasks = StepTasks();
        torch.manual_seed(3);
        long[] shape = images ? [1, 16, 16] : [5];
        using MultiTaskNetwork network = ArchitectureOptions.Parse(architecture).Build(images ? TrunkSpec.MultiLeNet() : TrunkSpec.Mlp(8, 6), shape, tasks);
        network.ValidatePartition();
        if (images) Assert.IsTrue(network.SharedParameters().Any(p => p.Dimensions == 4), $"{architecture}: conv stages are shared");
        var options = new MultiHeadNetworkTrainer.Options { Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 0.01 }, GradientMode = mode, MaxEpoch = 1 };
        float[] before = network.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();
        using var step = new TrainingStep(options, tasks, network, MethodRegistry.Create(method), 42, (_, _) => { });
        step.LearningRateForEpoch(1);
        var losses = new List<double>();
        for (int s = 1; s <= 3; s++)
        {
            using var scope = torch.NewDisposeScope();
            using var generator = new Generator((ulong)(300 + s));
            var x = torch.randn([8, .. shape], generator: generator);
            Tensor[] y = [torch.randint(0, 3, [8], ScalarType.Int64, generator: generator),
                torch.randint(0, 2, [8], ScalarType.Int64, generator: generator), torch.randn([8], generator: generator)];
            losses.AddRange(step.Run(x, y, s, 1).Losses);
        }
        float[] after = network.parameters().SelectMany(p => p.detach().data<float>().ToArray()).ToArray();
        Assert.IsTrue(after.All(float.IsFinite), $"{architecture}/{method}/{mode}: finite weights");
        CollectionAssert.AreNotEqual(before, after, $"{architecture}/{method}/{mode}: the network trained");
        return losses.ToArray();
    }

    [TestMethod]
    [DataRow("mmoe(experts=2)")]
    [DataRow("cgc")]
    [DataRow("ple(levels=2)")]
    [DataRow("cross-stitch")]
    [DataRow("dselect-k(experts=2)")]
    [DataRow("mtan")]
    public void EveryMethodTrainsInParametersModeAndEveryRepresentationMethodOnTheBoundary(string architecture)
    {
        var methods = MethodRegistry.Names.Append("fixed(0.2,0.3,0.5)").Append("stl(1)");
        int[] ran = new int[2];
        foreach (string method in methods)
            foreach (GradientMode mode in new[] { GradientMode.Parameters, GradientMode.Representation })
            {
                if (!MethodRegistry.Create(method).Supports(mode)) continue;
                Assert.IsTrue(Steps(architecture, method, mode).All(double.IsFinite), $"{architecture}/{method}/{mode}: finite losses");
                ran[(int)mode]++;
            }
        Assert.IsTrue(ran[0] > 20 && ran[1] > 10, $"methods run: {ran[0]} in Parameters mode, {ran[1]} in Representation mode");
    }

    [TestMethod]
    [DataRow("cross-stitch")]
    [DataRow("mtan")]
    public void OnImagesEachKindOfMethodTrainsInParametersModeAndOnTheConvBoundary(string architecture)
    {
        // One or two of each kind (the vector test above runs all): loss weightings with learnable or post-step state,
        // GradNorm's layer, a method reading the boundary (GradDrop), Gramian weightings and Jacobian aggregators.
        string[] methods = ["ew", "uw", "famo", "gradnorm", "graddrop", "mgda", "upgrad", "nashmtl", "pcgrad", "cagrad", "stl(1)"];
        int[] ran = new int[2];
        foreach (string method in methods)
            foreach (GradientMode mode in new[] { GradientMode.Parameters, GradientMode.Representation })
            {
                if (!MethodRegistry.Create(method).Supports(mode)) continue;
                Assert.IsTrue(Steps(architecture, method, mode, images: true).All(double.IsFinite), $"{architecture}/{method}/{mode}: finite losses");
                ran[(int)mode]++;
            }
        Assert.IsTrue(ran[0] >= 10 && ran[1] >= 5, $"methods run: {ran[0]} in Parameters mode, {ran[1]} in Representation mode");
    }

    private static MultiHeadNetworkTrainer.Options FitOptions(string architecture, TrunkSpec trunk) => new()
    {
        FeatureColumnName = "Image", Tasks = KindData.Tasks(), Trunk = trunk, Architecture = architecture,
        BatchSize = 32, MaxEpoch = 2, Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 3e-3 }, ScoringBatchSize = 16, Seed = 9,
    };

    [TestMethod]
    [DataRow("mmoe(experts=2)", "mlp")]
    [DataRow("mmoe(experts=2)", "multilenet")]
    [DataRow("cgc", "mlp")]
    [DataRow("ple(levels=2)", "mlp")]
    [DataRow("ple(levels=2)", "multilenet")]
    [DataRow("cross-stitch", "mlp")]
    [DataRow("cross-stitch", "multilenet")]
    [DataRow("cross-stitch", "resnet")]
    [DataRow("dselect-k(experts=2)", "mlp")]
    [DataRow("dselect-k(experts=2)", "multilenet")]
    [DataRow("mtan", "mlp")]
    [DataRow("mtan", "multilenet")]
    [DataRow("mtan", "resnet")]
    public void TheReloadedZipScoresLikeTheFittedModel(string architecture, string trunk)
    {
        var ml = new MLContext(3);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        // The ResNet columns are the slowest to train: fewer rows and one epoch are enough for parity.
        bool resnet = trunk == "resnet";
        IDataView train = KindData.View(ml, resnet ? 32 : 96, seed: 1), test = KindData.View(ml, 40, seed: 2);
        MultiHeadNetworkTrainer.Options options = FitOptions(architecture, trunk == "mlp" ? TrunkSpec.Mlp(16, 8) : TrunkSpec.Parse(trunk));
        if (resnet) options.MaxEpoch = 1;
        using var model = ml.MultiTask().Trainers.MultiHead(options).Fit(train);
        ITransformer loaded = ZipRoundTrip.SaveAndLoad(ml, model, train.Schema);
        IDataView fitted = model.Transform(test), reloaded = loaded.Transform(test);
        var x = ml.Data.CreateEnumerable<KindScores>(fitted, reuseRowObject: false).ToList();
        var y = ml.Data.CreateEnumerable<KindScores>(reloaded, reuseRowObject: false).ToList();
        Assert.AreEqual(40, y.Count);
        for (int i = 0; i < x.Count; i++)
        {
            for (int k = 0; k < 4; k++) Assert.AreEqual(x[i].ShapeScore[k], y[i].ShapeScore[k], Tolerance, $"{architecture}/{trunk}: row {i} Shape.Score[{k}]");
            Assert.AreEqual(x[i].BrightScore, y[i].BrightScore, Tolerance, $"{architecture}/{trunk}: row {i} Bright.Score");
            Assert.AreEqual(x[i].MassScore, y[i].MassScore, Tolerance * Math.Max(1, Math.Abs(x[i].MassScore)), $"{architecture}/{trunk}: row {i} Mass.Score");
            Assert.AreEqual(x[i].ShapePredicted, y[i].ShapePredicted);
        }
        var m1 = ml.MulticlassClassification.Evaluate(fitted, "Shape", "Shape.Score", predictedLabelColumnName: "Shape.PredictedLabel");
        var m2 = ml.MulticlassClassification.Evaluate(reloaded, "Shape", "Shape.Score", predictedLabelColumnName: "Shape.PredictedLabel");
        Assert.AreEqual(m1.MicroAccuracy, m2.MicroAccuracy, 1e-12);
        var r1 = ml.Regression.Evaluate(fitted, "Mass", "Mass.Score");
        var r2 = ml.Regression.Evaluate(reloaded, "Mass", "Mass.Score");
        Assert.AreEqual(r1.RootMeanSquaredError, r2.RootMeanSquaredError, 1e-5);
        // A PredictionEngine (single rows through the ONNX graph) answers like the batched TorchSharp scores.
        var engine = ml.Model.CreatePredictionEngine<KindData.Row, KindScores>(model);
        KindScores p = engine.Predict(KindData.Rows(40, seed: 2)[5]);
        for (int k = 0; k < 4; k++) Assert.AreEqual(x[5].ShapeScore[k], p.ShapeScore[k], Tolerance, $"{architecture}/{trunk}: engine Shape.Score[{k}]");
        (loaded as IDisposable)?.Dispose();
    }

    private static IDataView Regression() => new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
    {
        RowCount = 96, FeatureCount = 6, TaskCount = 2, TaskNames = ["A", "B"], Seed = 5,
    }).AsDataView();

    private static MultiHeadNetworkTrainer.Options ResumeOptions(string architecture, string method, int epochs, string? folder) => new()
    {
        FeatureColumnName = SyntheticMultiTaskRegression.FeaturesColumnName,
        Tasks =
        {
            new TaskDefinition("A", kind: TaskKind.Regression) { HeadHiddenSizes = [8], HeadDropout = 0.2 },
            new TaskDefinition("B", kind: TaskKind.Regression) { HeadHiddenSizes = [8], HeadDropout = 0.2 },
        },
        Trunk = new TrunkSpec { Kind = TrunkKind.Mlp, MlpHiddenSizes = [12, 8], Dropout = 0.1 },
        Architecture = architecture,
        Method = method,
        Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 5e-3 },
        BatchSize = 16,
        MaxEpoch = epochs,
        Seed = 11,
        CheckpointFolder = folder,
    };

    [TestMethod]
    [DataRow("mmoe(experts=2)", "uw")]
    [DataRow("cgc", "nashmtl")]
    [DataRow("ple(levels=2)", "upgrad")]
    [DataRow("cross-stitch", "famo")]
    [DataRow("dselect-k(experts=2)", "dwa")]
    [DataRow("mtan", "pcgrad")]
    public void AResumedRunEqualsAnUninterruptedOne(string architecture, string method)
    {
        using var whole = new MLContext(1).MultiTask().Trainers.MultiHead(ResumeOptions(architecture, method, 4, null)).Fit(Regression());
        using var temp = new TempFolder();
        using (new MLContext(1).MultiTask().Trainers.MultiHead(ResumeOptions(architecture, method, 2, temp.Path)).Fit(Regression())) { }
        using var resumed = new MLContext(1).MultiTask().Trainers.MultiHead(ResumeOptions(architecture, method, 4, temp.Path)).Fit(Regression());
        AssertResumedEqualsWhole(whole, resumed, $"{architecture}/{method}");
    }

    // Epoch losses of the resumed run (its earlier epochs from the checkpoint, then its own) and every parameter and
    // buffer equal the uninterrupted run's, to the last bit.
    private static void AssertResumedEqualsWhole(MultiHeadNetworkTransformer whole, MultiHeadNetworkTransformer resumed, string label)
    {
        TrainingReport r = resumed.TrainingReport!;
        Assert.AreEqual(2, r.ResumedFromEpoch);
        var expected = whole.TrainingReport!.Epochs;
        var actual = r.EarlierEpochs.Concat(r.Epochs).ToList();
        Assert.AreEqual(expected.Count, actual.Count);
        for (int e = 0; e < expected.Count; e++)
            for (int t = 0; t < expected[e].Tasks.Count; t++)
                Assert.AreEqual(expected[e].Tasks[t].TrainLoss, actual[e].Tasks[t].TrainLoss, $"{label}: loss of task {t}, epoch {e + 1}");
        using var scope = NewDisposeScope();
        var a = whole.Network.state_dict();
        foreach ((string name, Tensor value) in resumed.Network.state_dict())
            Assert.IsTrue(value.eq(a[name]).all().item<bool>(), $"{label}: parameter or buffer {name} differs");
    }

    [TestMethod]
    [DataRow("cross-stitch", "famo")]
    [DataRow("mtan", "pcgrad")]
    public void OnImagesAResumedRunEqualsAnUninterruptedOne(string architecture, string method)
    {
        MultiHeadNetworkTrainer.Options Options(int epochs, string? folder)
        {
            MultiHeadNetworkTrainer.Options o = FitOptions(architecture, TrunkSpec.MultiLeNet());
            (o.Method, o.MaxEpoch, o.CheckpointFolder) = (method, epochs, folder);
            return o;
        }
        IDataView Data(MLContext ml) => KindData.View(ml, 96, seed: 1);
        var ml1 = new MLContext(1);
        using var whole = ml1.MultiTask().Trainers.MultiHead(Options(4, null)).Fit(Data(ml1));
        using var temp = new TempFolder();
        var ml2 = new MLContext(1);
        using (ml2.MultiTask().Trainers.MultiHead(Options(2, temp.Path)).Fit(Data(ml2))) { }
        var ml3 = new MLContext(1);
        using var resumed = ml3.MultiTask().Trainers.MultiHead(Options(4, temp.Path)).Fit(Data(ml3));
        using (NewDisposeScope())
            Assert.IsTrue(whole.Network.state_dict().Keys.Any(k => k.Contains(".conv.")), $"{architecture}: conv columns/backbone");
        AssertResumedEqualsWhole(whole, resumed, $"{architecture}/{method}");
    }

    [TestMethod]
    [DataRow("mmoe(experts=2)")]
    [DataRow("ple(levels=2)")]
    [DataRow("cross-stitch")]
    [DataRow("dselect-k(experts=2)")]
    [DataRow("mtan")]
    public void MissingLabelsAndStandardisedTargetsWorkAsForSharedBottom(string architecture)
    {
        var ml = new MLContext(1);
        IDataView train = MixedKindTable.View(ml, MixedKindTable.Rows(600, seed: 3, missingSpecies: 0.3, missingGrams: 0.3));
        IDataView test = MixedKindTable.View(ml, MixedKindTable.Rows(300, seed: 4, missingSpecies: 0.3, missingGrams: 0.3));
        var options = MixedKindTable.Options(MixedKindTable.SpeciesTask(), MixedKindTable.GramsTask(), MixedKindTable.HeavyTask());
        options.Architecture = architecture;
        using var model = ml.MultiTask().Trainers.MultiHead(options).Fit(train);
        MultiTaskMetrics metrics = ml.MultiTask().Evaluate(model.Transform(test), model);
        Assert.IsGreaterThan(0.75, metrics["Species"].PrimaryMetric, $"{architecture}: species accuracy over the labelled rows");
        Assert.IsTrue(metrics["Grams"].PrimaryMetric is > 10 and < 300, $"{architecture}: RMSE {metrics["Grams"].PrimaryMetric} in grams, well below the spread (~500 g)");
        Assert.IsGreaterThan(0.75, metrics["Heavy"].PrimaryMetric, architecture);
        Assert.AreEqual(3000, model.Network.TargetUnits(1).Shift, 100, "the labelled training grams' mean");
    }

    [TestMethod]
    public void AnArchitectureWithoutAnEmbeddingRefusesOutputEmbeddingAtFit()
    {
        var ml = new MLContext(3);
        var options = FitOptions("mmoe(experts=2)", TrunkSpec.Mlp(8));
        options.OutputEmbedding = true;
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(KindData.View(ml, 32, seed: 1)));
        StringAssert.Contains(e.Message, "MMoE");
    }
}
