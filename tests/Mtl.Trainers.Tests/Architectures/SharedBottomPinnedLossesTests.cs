using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;

namespace Mtl.Trainers.Tests.Architectures;

/// <summary>
/// The shared-bottom network's numbers pinned across the move onto the multi-task network seam: the task losses of six
/// training steps (same seed, same batches) recorded on main before the move (commit 72d815a), for a loss weighting, a
/// Gramian method and a Jacobian aggregator in Parameters mode, and for Representation-mode methods.
/// </summary>
[TestClass]
public sealed class SharedBottomPinnedLossesTests
{
    private const int Steps = 6;

    private static List<TaskDefinition> Tasks() =>
    [
        new("A") { ClassCount = 3, HeadHiddenSizes = [6], HeadDropout = 0 },
        new("B") { ClassCount = 2, HeadHiddenSizes = [6], HeadDropout = 0 },
        new("C", kind: TaskKind.Regression) { HeadHiddenSizes = [6], HeadDropout = 0 },
    ];

    /// <summary>Every task loss of <see cref="Steps"/> steps, step by step.</summary>
    internal static double[] Losses(string method, GradientMode mode)
    {
        var tasks = Tasks();
        torch.manual_seed(7);
        using var network = new SharedBottomNetwork(TrunkSpec.Mlp(8), [5], tasks);
        var options = new MultiHeadNetworkTrainer.Options
        {
            Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 0.01 },
            GradientMode = mode,
            MaxEpoch = 1,
        };
        using var step = new TrainingStep(options, tasks, network, MethodRegistry.Create(method), 42, (_, _) => { });
        step.LearningRateForEpoch(1);
        var losses = new List<double>();
        for (int s = 1; s <= Steps; s++)
        {
            using var scope = torch.NewDisposeScope();
            using var generator = new Generator((ulong)(200 + s));
            var x = torch.randn([8, 5], generator: generator);
            Tensor[] y = [torch.randint(0, 3, [8], ScalarType.Int64, generator: generator),
                torch.randint(0, 2, [8], ScalarType.Int64, generator: generator), torch.randn([8], generator: generator)];
            losses.AddRange(step.Run(x, y, s, 1).Losses);
        }
        return losses.ToArray();
    }

    [TestMethod]
    [DataRow("ew", GradientMode.Parameters)]
    [DataRow("upgrad", GradientMode.Parameters)]
    [DataRow("gradnorm", GradientMode.Parameters)]
    [DataRow("pcgrad", GradientMode.Parameters)]
    [DataRow("mgda", GradientMode.Representation)]
    [DataRow("upgrad", GradientMode.Representation)]
    [DataRow("graddrop", GradientMode.Representation)]
    public void SharedBottomLossesAreTheOnesRecordedBeforeTheSeam(string method, GradientMode mode)
    {
        double[] actual = Losses(method, mode);
        Console.WriteLine($"[\"{method}/{mode}\"] = [{string.Join(", ", actual.Select(v => v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}],");
        double[] expected = Pinned[$"{method}/{mode}"];
        Assert.AreEqual(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"{method}/{mode}: loss {i} (step {i / 3 + 1}, task {i % 3})");
    }

    private static readonly Dictionary<string, double[]> Pinned = new()
    {
        ["ew/Parameters"] = new[] { 1.0773355960845947, 0.6841798424720764, 1.2221142053604126, 1.0820893049240112, 0.6816539764404297, 0.799307107925415, 1.101191520690918, 0.6674990057945251, 0.5877881050109863, 1.1031486988067627, 0.6982681155204773, 1.066640853881836, 1.096445918083191, 0.7500389814376831, 0.4244273900985718, 1.0773344039916992, 0.7384592294692993, 1.2130664587020874 },
        ["upgrad/Parameters"] = new[] { 1.0773355960845947, 0.6841798424720764, 1.2221142053604126, 1.081883430480957, 0.6812846064567566, 0.8013341426849365, 1.099398136138916, 0.6658998727798462, 0.5854901075363159, 1.1038479804992676, 0.6984995603561401, 1.0668284893035889, 1.0957801342010498, 0.7508424520492554, 0.42302799224853516, 1.076897382736206, 0.7392479181289673, 1.2112760543823242 },
        ["gradnorm/Parameters"] = new[] { 1.0773355960845947, 0.6841798424720764, 1.2221142053604126, 1.0820893049240112, 0.6816539764404297, 0.799307107925415, 1.101196527481079, 0.6674920320510864, 0.5878043174743652, 1.1031519174575806, 0.698266863822937, 1.066649317741394, 1.0964916944503784, 0.7500564455986023, 0.42446383833885193, 1.0773625373840332, 0.7383379340171814, 1.2134169340133667 },
        ["pcgrad/Parameters"] = new[] { 1.0773355960845947, 0.6841798424720764, 1.2221142053604126, 1.081883430480957, 0.6812846064567566, 0.8013341426849365, 1.099398136138916, 0.6658998131752014, 0.5854901671409607, 1.1038479804992676, 0.6984995603561401, 1.0668284893035889, 1.095778465270996, 0.7508442997932434, 0.4230354428291321, 1.0768851041793823, 0.7392420768737793, 1.2113102674484253 },
        ["mgda/Representation"] = new[] { 1.0773355960845947, 0.6841798424720764, 1.2221142053604126, 1.0818471908569336, 0.6816786527633667, 0.8005569577217102, 1.0991460084915161, 0.6656269431114197, 0.5832681655883789, 1.1036064624786377, 0.6983518600463867, 1.0656604766845703, 1.0977708101272583, 0.7531445026397705, 0.42475301027297974, 1.079980492591858, 0.7428752183914185, 1.2010351419448853 },
        ["upgrad/Representation"] = new[] { 1.0773355960845947, 0.6841798424720764, 1.2221142053604126, 1.0820893049240112, 0.6816539764404297, 0.799307107925415, 1.1011855602264404, 0.6673832535743713, 0.5878398418426514, 1.1030980348587036, 0.6982308030128479, 1.0668829679489136, 1.0968523025512695, 0.7502662539482117, 0.4245721101760864, 1.0776082277297974, 0.7385456562042236, 1.2125179767608643 },
        ["graddrop/Representation"] = new[] { 1.0773355960845947, 0.6841798424720764, 1.2221142053604126, 1.0825445652008057, 0.6815592050552368, 0.7996863722801208, 1.100443720817566, 0.6668124198913574, 0.5882213115692139, 1.1050211191177368, 0.6978418231010437, 1.0686110258102417, 1.0981336832046509, 0.7494082450866699, 0.4264935255050659, 1.0792248249053955, 0.740415096282959, 1.2173529863357544 },
    };
}
