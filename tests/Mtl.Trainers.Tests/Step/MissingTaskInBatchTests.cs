using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;

namespace Mtl.Trainers.Tests.Step;

/// <summary>
/// A batch without labels for one task, through the real training step, for each method family: the task's loss is 0, the
/// method's weights and the update stay finite, the task's head does not move, the other tasks train, and the method's
/// per-task statistics are not touched by the missing task.
/// </summary>
[TestClass]
public sealed class MissingTaskInBatchTests
{
    private const int Seed = 7, Missing = 1;

    private static List<TaskDefinition> Tasks() =>
    [
        new("A") { ClassCount = 3, HeadHiddenSizes = [6], HeadDropout = 0 },
        new("B") { ClassCount = 2, HeadHiddenSizes = [6], HeadDropout = 0 },
        new("C", kind: TaskKind.Regression) { HeadHiddenSizes = [6], HeadDropout = 0 },
    ];

    /// <summary>A batch of 8 rows; task B's labels are all missing (−1) when <paramref name="withoutB"/>, else half of them.</summary>
    private static (Tensor X, Tensor[] Y) Batch(long step, bool withoutB)
    {
        using var generator = new Generator((ulong)(200 + step));
        var x = torch.randn([8, 5], generator: generator);
        var a = torch.randint(0, 3, [8], ScalarType.Int64, generator: generator);
        var b = withoutB ? torch.full([8], -1L, ScalarType.Int64) : torch.tensor(new long[] { 0, 1, -1, 1, -1, 0, -1, 1 });
        var c = torch.randn([8], generator: generator);
        c[3] = float.NaN; // a regression hole too: the task still has labelled rows
        return (x, [a, b, c]);
    }

    private static Tensor?[] Masks(IReadOnlyList<TaskDefinition> tasks, Tensor[] y) =>
        tasks.Select((t, i) => (Tensor?)TaskLosses.Labelled(t, y[i])).ToArray();

    private static float[] Flat(IEnumerable<Tensor> parameters) =>
        parameters.SelectMany(p => p.detach().cpu().data<float>().ToArray()).ToArray();

    [TestMethod]
    [DataRow("mgda")]
    [DataRow("uw")]
    [DataRow("dwa")]
    [DataRow("famo")]
    [DataRow("nashmtl")]
    [DataRow("upgrad")]
    [DataRow("imtl")]
    [DataRow("cagrad")]
    [DataRow("alignedmtl")]
    [DataRow("gradnorm")]
    [DataRow("stch")]
    [DataRow("gls")]
    public void AMethodGetsFiniteWeightsAndLeavesTheUnlabelledHeadAlone(string name)
    {
        List<TaskDefinition> tasks = Tasks();
        torch.manual_seed(3);
        using var network = new SharedBottomNetwork(TrunkSpec.Mlp(8), [5], tasks);
        MtlMethod method = MethodRegistry.Create(name);
        var options = new MultiHeadNetworkTrainer.Options { Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 0.01 }, MaxEpoch = 3 };
        using var step = new TrainingStep(options, tasks, network, method, Seed, (_, _) => { });
        step.LearningRateForEpoch(1);

        float[] headB = Flat(network.TaskParameters(Missing)), headA = Flat(network.TaskParameters(0));
        float[] trunk = Flat(network.SharedParameters());
        double[] before = method is UW uw ? uw.LogVariances : Array.Empty<double>();
        StepResult first;
        using (var scope = torch.NewDisposeScope())
        {
            var (x, y) = Batch(1, withoutB: true);
            first = step.Run(x, y, 1, 1, Masks(tasks, y));
        }
        Assert.AreEqual(0.0, first.Losses[Missing], "no labelled row: loss 0");
        Assert.AreEqual(0L, first.LabelledRows[Missing]);
        Assert.AreEqual(7L, first.LabelledRows[2], "the NaN regression row is left out");
        Assert.IsTrue(first.Losses.All(double.IsFinite) && (first.Weights ?? []).All(double.IsFinite), $"{name}: finite losses and weights");
        CollectionAssert.AreEqual(headB, Flat(network.TaskParameters(Missing)), $"{name}: the unlabelled task's head got no update");
        CollectionAssert.AreNotEqual(headA, Flat(network.TaskParameters(0)), $"{name}: the labelled task's head trained");
        CollectionAssert.AreNotEqual(trunk, Flat(network.SharedParameters()), $"{name}: the trunk trained");
        if (method is UW after)
            Assert.AreEqual(before[Missing], after.LogVariances[Missing], 0.0, "UW: no regulariser drift of an unlabelled task's log-variance");
        if (first.Weights is { } w && method is GramianWeighting)
            Assert.AreEqual(0.0, w[Missing], $"{name}: a zero gradient row gets weight 0");

        // More epochs with B labelled in some batches: every figure stays finite (DWA's and STCH's epoch hooks included).
        for (int epoch = 1; epoch <= 3; epoch++)
        {
            if (epoch > 1) step.LearningRateForEpoch(epoch);
            var sums = new double[3];
            var rows = new long[3];
            for (int b = 0; b < 2; b++)
            {
                using var scope = torch.NewDisposeScope();
                long index = 2 + 2 * (epoch - 1) + b;
                var (x, y) = Batch(index, withoutB: b == 0);
                StepResult r = step.Run(x, y, index, epoch, Masks(tasks, y));
                Assert.IsTrue(r.Losses.All(double.IsFinite) && (r.Weights ?? []).All(double.IsFinite), $"{name}: finite at step {index}");
                for (int i = 0; i < 3; i++)
                {
                    sums[i] += r.Losses[i] * r.LabelledRows[i];
                    rows[i] += r.LabelledRows[i];
                }
            }
            step.OnEpochEnd(sums.Select((s, i) => s / rows[i]).ToArray());
        }
        Assert.IsTrue(Flat(network.parameters()).All(float.IsFinite), $"{name}: finite weights after training");
    }

    [TestMethod]
    public void TheMaskedLossIsTheMeanOverTheLabelledRowsAndZeroWithoutAny()
    {
        var task = new TaskDefinition("R", kind: TaskKind.Regression);
        using var output = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(4, 1).requires_grad_(true);
        using var target = torch.tensor(new[] { 0f, float.NaN, 1f, float.NaN });
        using Tensor loss = TaskLosses.Loss(task, output, target);
        Assert.AreEqual((1.0 + 4.0) / 2, loss.item<float>(), 1e-6, "mean squared error over the two labelled rows");
        loss.backward();
        CollectionAssert.AreEqual(new float[] { 1, 0, 2, 0 }, output.grad!.data<float>().ToArray(), "no gradient reaches an unlabelled row");
        using Tensor metric = TaskLosses.MetricSum(task, output, target);
        Assert.AreEqual(5.0, metric.item<double>(), 1e-9);

        using var none = torch.full([4], float.NaN);
        using var output2 = torch.zeros(4, 1).requires_grad_(true);
        using Tensor zero = TaskLosses.Loss(task, output2, none);
        Assert.AreEqual(0f, zero.item<float>());
        zero.backward();
        Assert.IsTrue(output2.grad!.data<float>().ToArray().All(g => g == 0), "zero gradient without a labelled row");

        var classes = new TaskDefinition("K") { ClassCount = 3 };
        using var logits = torch.tensor(new float[] { 5, 0, 0, 0, 5, 0, 0, 0, 5 }).reshape(3, 3);
        using var keys = torch.tensor(new long[] { 0, -1, 1 });
        using Tensor correct = TaskLosses.MetricSum(classes, logits, keys);
        Assert.AreEqual(1.0, correct.item<double>(), "row 0 right, row 1 unlabelled, row 2 wrong");
    }
}
