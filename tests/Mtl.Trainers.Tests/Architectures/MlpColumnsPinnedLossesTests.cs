using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Tests.Architectures;

/// <summary>
/// Cross-stitch's and MTAN's MLP-column numbers pinned across the change that gave them conv columns on images: the task
/// losses of six training steps on vector features (same seed, same batches), recorded on main before the change
/// (commit 3a21adf), for a loss weighting and a Jacobian aggregator in Parameters mode and a Gramian method in
/// Representation mode.
/// </summary>
[TestClass]
public sealed class MlpColumnsPinnedLossesTests
{
    private const int Steps = 6;

    /// <summary>Every task loss of <see cref="Steps"/> steps, step by step.</summary>
    internal static double[] Losses(string architecture, string method, GradientMode mode)
    {
        List<TaskDefinition> tasks =
        [
            new("A") { ClassCount = 3, HeadHiddenSizes = [6], HeadDropout = 0 },
            new("B") { ClassCount = 2, HeadHiddenSizes = [6], HeadDropout = 0 },
            new("C", kind: TaskKind.Regression) { HeadHiddenSizes = [6], HeadDropout = 0 },
        ];
        torch.manual_seed(5);
        using MultiTaskNetwork network = ArchitectureOptions.Parse(architecture).Build(TrunkSpec.Mlp(8, 6), [5], tasks);
        var options = new MultiHeadNetworkTrainer.Options { Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 0.01 }, GradientMode = mode, MaxEpoch = 1 };
        using var step = new TrainingStep(options, tasks, network, MethodRegistry.Create(method), 42, (_, _) => { });
        step.LearningRateForEpoch(1);
        var losses = new List<double>();
        for (int s = 1; s <= Steps; s++)
        {
            using var scope = torch.NewDisposeScope();
            using var generator = new Generator((ulong)(500 + s));
            var x = torch.randn([8, 5], generator: generator);
            Tensor[] y = [torch.randint(0, 3, [8], ScalarType.Int64, generator: generator),
                torch.randint(0, 2, [8], ScalarType.Int64, generator: generator), torch.randn([8], generator: generator)];
            losses.AddRange(step.Run(x, y, s, 1).Losses);
        }
        return losses.ToArray();
    }

    private static readonly Dictionary<string, double[]> Recorded = new()
    {
        ["cross-stitch/ew/Parameters"] = [1.1148515939712524, 0.7329882383346558, 1.0944595336914062, 1.091446042060852, 0.6548410058021545, 1.7047666311264038, 1.0998919010162354, 0.7854329943656921, 0.5635438561439514, 1.1043035984039307, 0.7818637490272522, 1.45094633102417, 1.1240513324737549, 0.7712119817733765, 0.6928459405899048, 1.0595309734344482, 0.7036899328231812, 0.6336593627929688],
        ["cross-stitch/mgda/Representation"] = [1.1148515939712524, 0.7329882383346558, 1.0944595336914062, 1.0927083492279053, 0.6547976732254028, 1.7076371908187866, 1.0974249839782715, 0.7849676609039307, 0.5648002624511719, 1.1054270267486572, 0.7816574573516846, 1.4531570672988892, 1.1242332458496094, 0.7712491154670715, 0.6970094442367554, 1.0598247051239014, 0.703978419303894, 0.6285427212715149],
        ["cross-stitch/upgrad/Parameters"] = [1.1148515939712524, 0.7329882383346558, 1.0944595336914062, 1.0914461612701416, 0.6548410058021545, 1.7047665119171143, 1.0998950004577637, 0.7852770686149597, 0.5635055303573608, 1.1042567491531372, 0.7818803191184998, 1.4509469270706177, 1.1241708993911743, 0.7712072134017944, 0.6928231716156006, 1.0594795942306519, 0.7032713890075684, 0.6338444948196411],
        ["mtan/ew/Parameters"] = [1.1498032808303833, 0.7291304469108582, 1.3983421325683594, 1.1320654153823853, 0.660078763961792, 1.6102269887924194, 1.1253447532653809, 0.779972493648529, 0.5765672326087952, 1.0854192972183228, 0.7710414528846741, 1.4912493228912354, 1.0584545135498047, 0.7632153034210205, 0.7156801819801331, 1.115116000175476, 0.7137715220451355, 0.6411157846450806],
        ["mtan/mgda/Representation"] = [1.1498032808303833, 0.7291304469108582, 1.3983421325683594, 1.1323317289352417, 0.6606115102767944, 1.611633539199829, 1.1240131855010986, 0.7797105312347412, 0.5792838335037231, 1.0868715047836304, 0.7701321244239807, 1.48856782913208, 1.0590174198150635, 0.7634938955307007, 0.7189595699310303, 1.1142945289611816, 0.7131872773170471, 0.6477150321006775],
        ["mtan/pcgrad/Parameters"] = [1.1498032808303833, 0.7291304469108582, 1.3983421325683594, 1.1320654153823853, 0.660078763961792, 1.6102269887924194, 1.1253447532653809, 0.779972493648529, 0.5765672326087952, 1.0854132175445557, 0.7710610628128052, 1.491382122039795, 1.0585170984268188, 0.7632148265838623, 0.7159735560417175, 1.1150219440460205, 0.7137337923049927, 0.6411468386650085],
    };

    [TestMethod]
    [DataRow("cross-stitch", "ew", GradientMode.Parameters)]
    [DataRow("cross-stitch", "upgrad", GradientMode.Parameters)]
    [DataRow("cross-stitch", "mgda", GradientMode.Representation)]
    [DataRow("mtan", "ew", GradientMode.Parameters)]
    [DataRow("mtan", "pcgrad", GradientMode.Parameters)]
    [DataRow("mtan", "mgda", GradientMode.Representation)]
    public void TheMlpColumnsTrainAsBeforeTheConvColumns(string architecture, string method, GradientMode mode)
    {
        double[] losses = Losses(architecture, method, mode);
        string key = $"{architecture}/{method}/{mode}";
        Assert.IsTrue(Recorded.TryGetValue(key, out double[]? expected),
            $"no recorded losses for {key}: [{string.Join(", ", losses.Select(l => l.ToString("R", System.Globalization.CultureInfo.InvariantCulture)))}]");
        Assert.HasCount(expected!.Length, losses);
        for (int i = 0; i < losses.Length; i++)
            Assert.AreEqual(expected[i], losses[i], 0.0, $"{key}: loss {i} (step {i / 3 + 1}, task {i % 3})");
    }
}
