using Microsoft.ML;
using Mtl.Datasets;
using Mtl.Trainers.Monitoring;
using Mtl.Trainers.Network;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests;

/// <summary>TrainingHooks.InitialModel (warm start from a trained model) and Options.FreezeTrunk (heads only).</summary>
[TestClass]
public class WarmStartTests
{
    private const string Features = SyntheticMultiTaskRegression.FeaturesColumnName;

    private static IDataView Data(int tasks = 2) =>
        new SyntheticMultiTaskRegression(new SyntheticMultiTaskRegression.Options
        {
            RowCount = 192, FeatureCount = 8, TaskCount = tasks, TaskNames = new[] { "A", "B", "C" }.Take(tasks).ToArray(), Seed = 7,
        }).AsDataView();

    private static MultiHeadNetworkTrainer.Options Options(int seed, int tasks = 2, int trunkWidth = 16) => new()
    {
        FeatureColumnName = Features,
        Tasks = new[] { "A", "B", "C" }.Take(tasks)
            .Select(n => new TaskDefinition(n, kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 8 }, HeadDropout = 0 }).ToList(),
        Trunk = TrunkSpec.Mlp(trunkWidth),
        BatchSize = 64,
        MaxEpoch = 2,
        Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 1e-2 },
        Seed = seed,
    };

    private static MultiHeadNetworkTransformer Train(MultiHeadNetworkTrainer.Options options, TrainingHooks? hooks = null, IDataView? data = null) =>
        new MLContext(1).MultiTask().Trainers.MultiHead(options).Fit(data ?? Data(options.Tasks.Count), hooks ?? new TrainingHooks());

    /// <summary>Every parameter and buffer as managed floats, by name.</summary>
    private static Dictionary<string, float[]> Weights(nn.Module module) =>
        module.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.to_type(ScalarType.Float32).data<float>().ToArray());

    private static Dictionary<string, float[]> Trunk(MultiTaskNetwork network) => Values(network.SharedParameters(), "shared");

    private static Dictionary<string, float[]> Heads(MultiTaskNetwork network) =>
        Enumerable.Range(0, network.TaskCount).SelectMany(t => Values(network.TaskParameters(t), t.ToString())).ToDictionary(kv => kv.Key, kv => kv.Value);

    private static Dictionary<string, float[]> Values(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, string group) =>
        parameters.Select((p, k) => ($"{group}.{k}", p.detach().to_type(ScalarType.Float32).data<float>().ToArray())).ToDictionary(kv => kv.Item1, kv => kv.Item2);

    private static bool SameWeights(Dictionary<string, float[]> a, Dictionary<string, float[]> b) =>
        a.Count == b.Count && a.All(kv => b.TryGetValue(kv.Key, out float[]? other) && kv.Value.SequenceEqual(other));

    /// <summary>Captures the weights at the start of training and whether the trunk was in training mode at each due step.</summary>
    private sealed class StartCapture : ITrainingMonitor
    {
        public Dictionary<string, float[]>? AtStart, SharedAtStart;
        public readonly List<bool> TrunkTrainingAtStep = new();
        public int Interval => 1;
        public void OnTrainingStart(MonitorStartContext context)
        {
            AtStart = Weights(context.Network);
            SharedAtStart = Trunk(context.Network);
        }
        public void BeforeStep(MonitorStepContext context) => TrunkTrainingAtStep.Add(((SharedBottomNetwork)context.Network).Trunk.training);
    }

    [TestMethod]
    public void InitialModelStartsTrainingFromTheSourceWeightsAndLeavesTheSourceUnchanged()
    {
        using MultiHeadNetworkTransformer source = Train(Options(seed: 5));
        Dictionary<string, float[]> sourceWeights = Weights(source.Network);

        var warm = new StartCapture();
        MultiHeadNetworkTrainer.Options options = Options(seed: 99);
        using MultiHeadNetworkTransformer warmModel = Train(options, new TrainingHooks { InitialModel = source, Monitors = [warm] });

        var cold = new StartCapture();
        MultiHeadNetworkTrainer.Options coldOptions = Options(seed: 99);
        using MultiHeadNetworkTransformer coldModel = Train(coldOptions, new TrainingHooks { Monitors = [cold] });

        Assert.IsTrue(SameWeights(sourceWeights, warm.AtStart!), "a warm start must begin at the source model's weights, bit for bit");
        Assert.IsFalse(SameWeights(sourceWeights, cold.AtStart!), "control: seed 99 alone initialises differently");
        Assert.IsFalse(SameWeights(sourceWeights, Weights(warmModel.Network)), "the warm-started run must still train");
        Assert.IsTrue(SameWeights(sourceWeights, Weights(source.Network)), "the source model must not change");
        // The first epoch starts from a trained model: its training loss is far below the fresh run's.
        double warmLoss = warmModel.TrainingReport!.Epochs[0].Tasks.Average(t => t.TrainLoss);
        double coldLoss = coldModel.TrainingReport!.Epochs[0].Tasks.Average(t => t.TrainLoss);
        Assert.IsTrue(warmLoss < coldLoss, $"warm first-epoch loss {warmLoss} should be below the fresh run's {coldLoss}");
    }

    [TestMethod]
    public void FreezeTrunkKeepsTheTrunkBitIdenticalAndInEvaluationModeWhileTheHeadsLearn()
    {
        using MultiHeadNetworkTransformer source = Train(Options(seed: 5));
        Dictionary<string, float[]> sourceTrunk = Trunk(source.Network), sourceHeads = Heads(source.Network);

        var watch = new StartCapture();
        MultiHeadNetworkTrainer.Options options = Options(seed: 6);
        options.FreezeTrunk = true;
        options.Dropout = 0.5; // the trunk must ignore its dropout while frozen
        using MultiHeadNetworkTransformer tuned = Train(options, new TrainingHooks { InitialModel = source, Monitors = [watch] });

        Assert.IsTrue(SameWeights(sourceTrunk, Trunk(tuned.Network)), "a frozen trunk must keep its weights bit for bit");
        Assert.IsFalse(SameWeights(sourceHeads, Heads(tuned.Network)), "the heads must train");
        Assert.IsTrue(watch.TrunkTrainingAtStep.Count > 0 && watch.TrunkTrainingAtStep.All(t => !t), "a frozen trunk stays in evaluation mode at every step");
        // Freezing is undone after Fit: the returned network's trunk takes gradients again.
        Assert.IsTrue(tuned.Network.SharedParameters().All(p => p.requires_grad));
    }

    [TestMethod]
    public void FreezeTrunkWithoutAnInitialModelKeepsTheFreshInitialisation()
    {
        var watch = new StartCapture();
        MultiHeadNetworkTrainer.Options options = Options(seed: 8);
        options.FreezeTrunk = true;
        options.Method = "uw"; // a loss weighting with parameters of its own also works with a frozen trunk
        using MultiHeadNetworkTransformer model = Train(options, new TrainingHooks { Monitors = [watch] });
        Dictionary<string, float[]> initialTrunk = watch.SharedAtStart!;
        Assert.IsTrue(initialTrunk.Count > 0, "the network has shared parameters");
        Assert.IsTrue(SameWeights(initialTrunk, Trunk(model.Network)));
    }

    [TestMethod]
    public void FreezeTrunkWithAGradientMethodFailsAtFitNamingTheOption()
    {
        foreach (string method in new[] { "pcgrad", "mgda" })
        {
            MultiHeadNetworkTrainer.Options options = Options(seed: 5);
            options.Method = method;
            options.FreezeTrunk = true;
            var e = Assert.ThrowsExactly<NotSupportedException>(() => Train(options), method);
            StringAssert.Contains(e.Message, "FreezeTrunk");
            StringAssert.Contains(e.Message, method, StringComparison.OrdinalIgnoreCase);
        }
        MultiHeadNetworkTrainer.Options perTask = Options(seed: 5);
        perTask.Optimizer = new MtlOptimizerOptions.PerTaskAdam { LearningRate = 1e-2 };
        perTask.FreezeTrunk = true;
        StringAssert.Contains(Assert.ThrowsExactly<NotSupportedException>(() => Train(perTask)).Message, "FreezeTrunk");
    }

    [TestMethod]
    public void InitialModelWithADifferentTrunkOrTaskCountFailsNamingTheWeight()
    {
        using MultiHeadNetworkTransformer source = Train(Options(seed: 5));
        string[] names = source.Network.state_dict().Keys.ToArray();

        // A wider trunk: the first trunk weight differs in shape.
        MultiHeadNetworkTrainer.Options wider = Options(seed: 5, trunkWidth: 12);
        var e = Assert.ThrowsExactly<ArgumentException>(() => Train(wider, new TrainingHooks { InitialModel = source }));
        StringAssert.Contains(e.Message, "TrainingHooks.InitialModel");
        string named = names.First(n => e.Message.Contains($"'{n}'", StringComparison.Ordinal));
        StringAssert.StartsWith(named, "trunk.");
        StringAssert.Contains(e.Message, "shape");

        // A third task: its head's weights are missing from the two-task model.
        MultiHeadNetworkTrainer.Options three = Options(seed: 5, tasks: 3);
        e = Assert.ThrowsExactly<ArgumentException>(() => Train(three, new TrainingHooks { InitialModel = source }));
        StringAssert.Contains(e.Message, "TrainingHooks.InitialModel has no weight 'heads.2.");

        // One task fewer: the source has a head this network does not.
        MultiHeadNetworkTrainer.Options one = Options(seed: 5, tasks: 1);
        e = Assert.ThrowsExactly<ArgumentException>(() => Train(one, new TrainingHooks { InitialModel = source }));
        StringAssert.Contains(e.Message, "'heads.1.");
    }
}
