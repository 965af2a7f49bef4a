using Microsoft.ML;
using Mtl.Trainers.Network;
using Mtl.Trainers.Onnx;
using Mtl.Trainers.Tests.Support;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Tests.Architectures;

/// <summary>
/// The user architecture of docs/custom-architecture.md, written with the public API only: a task-conditioned network
/// (h = relu(W₁x + eₖ), yₖ = headₖ(relu(W₂h))), plugged in with <see cref="ArchitectureOptions.Custom"/>. It trains,
/// saves a zip that plain ML.NET scores like the fitted model, and — having no boundary — is refused in Representation
/// mode at Fit, naming the architecture.
/// </summary>
[TestClass]
public sealed class CustomArchitectureTests
{
    /// <summary>The docs' example, as a user writes it.</summary>
    public sealed class TaskConditionedNetwork : MultiTaskNetwork
    {
        private readonly Linear first, second;
        private readonly ParameterList taskEmbeddings;
        private readonly ModuleList<Linear> heads;

        public TaskConditionedNetwork(long[] inputShape, IReadOnlyList<TaskDefinition> tasks, int hidden) : base(nameof(TaskConditionedNetwork), tasks)
        {
            long inputs = inputShape.Aggregate(1L, (a, b) => a * b);
            first = nn.Linear(inputs, hidden);
            second = nn.Linear(hidden, hidden);
            taskEmbeddings = new ParameterList();
            foreach (TaskDefinition _ in tasks) taskEmbeddings.Add(new Parameter(zeros(hidden)));
            heads = nn.ModuleList(tasks.Select(t => nn.Linear(hidden, t.OutputSize)).ToArray());
            RegisterComponents();
        }

        public override string ArchitectureName => "task-conditioned";

        // W₂ comes after the task embeddings, so it is shared and there is no boundary.
        public override IReadOnlyList<Parameter> SharedParameters() => first.parameters().Concat(second.parameters()).ToArray();

        public override IReadOnlyList<Parameter> TaskParameters(int task) => heads[task].parameters().Prepend(taskEmbeddings[task]).ToArray();

        protected override IEnumerable<nn.Module> SharedModules() => [first, second];

        public override bool HasBoundary => false;

        protected override IReadOnlyList<Tensor> SharedForward(Tensor x) => [];

        protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries)
        {
            using var scope = NewDisposeScope();
            Tensor a = first.call(x.flatten(1));
            return Enumerable.Range(0, heads.Count)
                .Select(k => heads[k].call(F.relu(second.call(F.relu(a + taskEmbeddings[k])))).MoveToOuterDisposeScope()).ToArray();
        }

        protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input)
        {
            string a = OnnxExporters.Export(first, graph, graph.Flatten(input));
            return (Enumerable.Range(0, heads.Count).Select(k =>
            {
                string h = graph.Relu(graph.Add(a, graph.Initializer("task_embedding", taskEmbeddings[k])));
                return OnnxExporters.Export(heads[k], graph, graph.Relu(OnnxExporters.Export(second, graph, h)));
            }).ToArray(), null);
        }
    }

    private static MultiHeadNetworkTrainer.Options Options() => new()
    {
        FeatureColumnName = "Image", Tasks = KindData.Tasks(),
        Architecture = ArchitectureOptions.Custom("task-conditioned", (_, shape, tasks) => new TaskConditionedNetwork(shape, tasks, 16)),
        BatchSize = 32, MaxEpoch = 2, Optimizer = new MtlOptimizerOptions.Adam { LearningRate = 3e-3 }, Method = "upgrad", Seed = 4,
    };

    [TestMethod]
    public void AUserArchitectureTrainsAndItsZipScoresLikeTheFittedModel()
    {
        var ml = new MLContext(3);
        using var temp = new TempFolder();
        ml.TempFilePath = temp.Path;
        IDataView train = KindData.View(ml, 96, seed: 1), test = KindData.View(ml, 24, seed: 2);
        using var model = ml.MultiTask().Trainers.MultiHead(Options()).Fit(train);
        Assert.AreEqual(2, model.TrainingReport!.Epochs.Count);
        ITransformer loaded = ZipRoundTrip.SaveAndLoad(ml, model, train.Schema);
        var x = ml.Data.CreateEnumerable<KindScores>(model.Transform(test), reuseRowObject: false).ToList();
        var y = ml.Data.CreateEnumerable<KindScores>(loaded.Transform(test), reuseRowObject: false).ToList();
        for (int i = 0; i < x.Count; i++)
        {
            for (int k = 0; k < 4; k++) Assert.AreEqual(x[i].ShapeScore[k], y[i].ShapeScore[k], 1e-5f, $"row {i} Shape.Score[{k}]");
            Assert.AreEqual(x[i].BrightScore, y[i].BrightScore, 1e-5f, $"row {i} Bright.Score");
            Assert.AreEqual(x[i].MassScore, y[i].MassScore, 1e-5f * Math.Max(1, Math.Abs(x[i].MassScore)), $"row {i} Mass.Score");
        }
        (loaded as IDisposable)?.Dispose();
    }

    [TestMethod]
    public void RepresentationModeIsRefusedAtFitNamingTheArchitecture()
    {
        var ml = new MLContext(3);
        var options = Options();
        options.GradientMode = Mtl.Trainers.Methods.GradientMode.Representation;
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(KindData.View(ml, 32, seed: 1)));
        StringAssert.Contains(e.Message, "task-conditioned architecture has no such boundary");
        StringAssert.Contains(e.Message, "GradientMode.Parameters");
    }

    [TestMethod]
    public void AParameterInNoGroupIsReportedAtFit()
    {
        var ml = new MLContext(3);
        var options = Options();
        options.Architecture = ArchitectureOptions.Custom("leaky", (_, shape, tasks) => new Leaky(shape, tasks));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(KindData.View(ml, 32, seed: 1)));
        StringAssert.Contains(e.Message, "neither in SharedParameters() nor in any TaskParameters(i)");
    }

    /// <summary>A network that forgets to list its heads' parameters.</summary>
    private sealed class Leaky : MultiTaskNetwork
    {
        private readonly Linear shared;
        private readonly ModuleList<Linear> heads;

        public Leaky(long[] shape, IReadOnlyList<TaskDefinition> tasks) : base(nameof(Leaky), tasks)
        {
            shared = nn.Linear(shape.Aggregate(1L, (a, b) => a * b), 4);
            heads = nn.ModuleList(tasks.Select(t => nn.Linear(4, t.OutputSize)).ToArray());
            RegisterComponents();
        }

        public override string ArchitectureName => "leaky";
        public override IReadOnlyList<Parameter> SharedParameters() => shared.parameters().ToArray();
        public override IReadOnlyList<Parameter> TaskParameters(int task) => [];
        protected override IEnumerable<nn.Module> SharedModules() => [shared];
        public override bool HasBoundary => true;
        protected override IReadOnlyList<Tensor> SharedForward(Tensor x) => [shared.call(x.flatten(1))];
        protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> b) => heads.Select(h => h.call(b[0])).ToArray();
        protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input) => throw new NotSupportedException();
    }
}
