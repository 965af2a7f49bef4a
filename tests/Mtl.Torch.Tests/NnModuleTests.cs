using Mtl.Torch.Modules;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Tests;

/// <summary>Module mechanics: registration, naming, state_dict, conversion, lifetime, initialisation, determinism.</summary>
[TestClass]
public class NnModuleTests
{
    /// <summary>A custom module in the TorchSharp style: fields, then RegisterComponents().</summary>
    private sealed class TwoLayer : nn.Module<Tensor, Tensor>
    {
        private readonly Linear fc1;
        private readonly BatchNorm1d norm;
        public Linear fc2 { get; }
        private readonly Parameter scale;
        private readonly Tensor offset;
        [ComponentName(Name = "renamed")]
        private readonly Linear head;
        private readonly Linear? absent;

        public Linear? Absent => absent;

        public TwoLayer() : base(nameof(TwoLayer))
        {
            fc1 = nn.Linear(3, 4);
            norm = nn.BatchNorm1d(4);
            fc2 = nn.Linear(4, 2);
            scale = new Parameter(ones(1));
            offset = zeros(2);
            head = nn.Linear(2, 1);
            absent = null; // null fields are not registered
            RegisterComponents();
        }

        public override Tensor forward(Tensor input)
        {
            using var hidden = norm.call(fc1.call(input)).relu();
            using var output = fc2.call(hidden) * scale;
            return head.call(output + offset);
        }
    }

    [TestMethod]
    public void RegisterComponentsNamesParametersBuffersAndChildrenInFieldOrder()
    {
        using var model = new TwoLayer();
        CollectionAssert.AreEqual(
            new[] { "scale", "fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "fc2.weight", "fc2.bias", "renamed.weight", "renamed.bias" },
            model.named_parameters().Select(p => p.name).ToArray());
        CollectionAssert.AreEqual(new[] { "offset", "norm.running_mean", "norm.running_var", "norm.num_batches_tracked" },
            model.named_buffers().Select(b => b.name).ToArray());
        CollectionAssert.AreEqual(new[] { "fc1", "norm", "fc2", "renamed" }, model.named_children().Select(c => c.name).ToArray());
        Assert.AreEqual(4, model.modules().Count());
        Assert.AreSame(model.parameters(recurse: false).Single(), model.named_parameters().First().parameter);
        Assert.AreEqual("offset", model.named_buffers(recurse: false).Single().name);
        CollectionAssert.AreEqual(
            new[] { "scale", "offset", "fc1.weight", "fc1.bias", "norm.weight", "norm.bias", "norm.running_mean", "norm.running_var", "norm.num_batches_tracked",
                    "fc2.weight", "fc2.bias", "renamed.weight", "renamed.bias" },
            model.state_dict().Keys.ToArray());
    }

    [TestMethod]
    public void DottedPathsFindSubmodulesParametersAndBuffers()
    {
        using var model = nn.Sequential(("encoder", nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))), ("head", nn.Linear(3, 1)));
        Assert.AreSame(model.get_submodule("encoder.1"), ((Sequential)model.get_submodule("encoder"))[1]);
        Assert.AreSame(((Linear)model.get_submodule("head")).weight, model.get_parameter("head.weight"));
        Assert.AreSame(((BatchNorm1d)model.get_submodule("encoder.1")).running_var, model.get_buffer("encoder.1.running_var"));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => model.get_parameter("encoder.2.weight")).Message, "no child named '2'");
        Assert.ThrowsExactly<ArgumentException>(() => model.get_buffer("head.weight"));
    }

    [TestMethod]
    public void ShapeErrorsNameTheModulePathAndKeepLibtorchsMessage()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 2));
        var e = Assert.ThrowsExactly<TorchException>(() => model.call(ones(new long[] { 2, 5 })));
        StringAssert.StartsWith(e.Message, "Sequential: Linear: ");
        StringAssert.Contains(e.Message, "shapes cannot be multiplied");
        Assert.AreEqual(2L, model.call(ones(new long[] { 2, 4 })).size(1), "the model still works after the error");
    }

    [TestMethod]
    public void ForwardHooksSeeAndMayReplaceInputsAndOutputs()
    {
        using var scope = NewDisposeScope();
        using var layer = nn.Linear(2, 2);
        Tensor x = ones(new long[] { 1, 2 });
        Tensor plain = layer.call(x);
        Tensor? seen = null;
        nn.HookRemover capture = layer.register_forward_hook((_, _, output) => { seen = output; return null; });
        nn.HookRemover doubleInput = layer.register_forward_pre_hook((_, input) => input * 2);
        Tensor hooked = layer.call(x);
        Assert.AreSame(hooked, seen);
        // Doubling the input doubles x·Wᵀ but not b: hooked − plain = x·Wᵀ = plain − b.
        using (no_grad()) Assert.IsTrue((hooked - plain).allclose(plain - layer.bias!, 1e-5, 1e-6));
        doubleInput.remove();
        capture.remove();
        seen = null;
        Assert.IsTrue(layer.call(x).equal(plain));
        Assert.IsNull(seen);
        Assert.IsTrue(layer.forward(x).equal(plain));
    }

    [TestMethod]
    public void RegistrationRejectsBadAndDuplicateNames()
    {
        using var model = nn.Sequential(nn.ReLU());
        using var extra = nn.Linear(1, 1);
        Assert.ThrowsExactly<ArgumentException>(() => model.register_module("a.b", extra));
        Assert.ThrowsExactly<ArgumentException>(() => model.register_module("", extra));
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => model.register_module("0", extra));
        StringAssert.Contains(e.Message, "\"0\"");
    }

    [TestMethod]
    public void SharedParametersAreListedOnce()
    {
        using var first = nn.Linear(2, 2);
        using var second = nn.Linear(2, 2);
        second.weight = first.weight;
        using var model = nn.Sequential(first, second);
        Assert.AreEqual(3, model.parameters().Count());
    }

    [TestMethod]
    public void ZeroGradClearsOrZeroesGradients()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Linear(3, 2);
        model.call(ones(new long[] { 1, 3 })).sum().backward();
        Assert.IsTrue(model.parameters().All(p => p.grad is not null));
        model.zero_grad(set_to_none: false);
        Assert.IsTrue(model.parameters().All(p => p.grad!.abs().sum().item<float>() == 0));
        model.zero_grad();
        Assert.IsTrue(model.parameters().All(p => p.grad is null));
    }

    [TestMethod]
    public void ToConvertsInPlaceKeepingParameterObjectsAndIntegerBuffers()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2));
        Parameter[] before = model.parameters().ToArray();
        float[] weights = before[0].ToArray<float>();
        model.to(ScalarType.Float64);
        Parameter[] after = model.parameters().ToArray();
        for (int i = 0; i < before.Length; i++)
        {
            Assert.AreSame(before[i], after[i]);
            Assert.AreEqual(ScalarType.Float64, after[i].dtype);
            Assert.IsTrue(after[i].requires_grad && after[i].is_leaf);
        }
        CollectionAssert.AreEqual(weights.Select(w => (double)w).ToArray(), after[0].ToArray<double>());
        Dictionary<string, Tensor> state = model.state_dict();
        Assert.AreEqual(ScalarType.Float64, state["1.running_var"].dtype);
        Assert.AreEqual(ScalarType.Int64, state["1.num_batches_tracked"].dtype);
        // The converted parameters still train: gradients arrive on the same objects.
        model.call(ones(new long[] { 4, 3 }, ScalarType.Float64)).sum().backward();
        Assert.IsNotNull(before[0].grad);
        model.to(CPU);
        Assert.ThrowsExactly<TorchException>(() => model.to(CUDA));
    }

    [TestMethod]
    public void DisposeReleasesParametersBuffersAndChildren()
    {
        var inner = nn.BatchNorm1d(3);
        var model = nn.Sequential(nn.Linear(2, 3), inner);
        Tensor[] owned = model.parameters().Cast<Tensor>().Concat(model.buffers()).ToArray();
        model.Dispose();
        Assert.IsTrue(owned.All(t => t.IsInvalid));
        Assert.IsTrue(inner.IsDisposed);
        Assert.ThrowsExactly<ObjectDisposedException>(() => model.call(ones(new long[] { 1, 2 })));
    }

    [TestMethod]
    public void ModuleBuiltInsideADisposeScopeOutlivesIt()
    {
        Sequential model;
        using (var scope = NewDisposeScope())
        {
            model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3), nn.Linear(3, 1));
            model.call(ones(new long[] { 4, 2 }));
        }
        using (model)
        using (var scope = NewDisposeScope())
        {
            Assert.IsFalse(model.parameters().Cast<Tensor>().Concat(model.buffers()).Any(t => t.IsInvalid));
            Assert.AreEqual(1L, model.call(ones(new long[] { 4, 2 })).size(1));
        }
    }

    [TestMethod]
    public void DefaultInitialisationIsPyTorchsUniformRule()
    {
        using var scope = NewDisposeScope();
        foreach (var (build, fanIn, shapes) in new (Func<nn.Module>, int, long[][])[]
        {
            (() => nn.Linear(5, 3), 5, new[] { new long[] { 3, 5 }, new long[] { 3 } }),
            (() => nn.Conv2d(4, 6, 3, groups: 2), 2 * 3 * 3, new[] { new long[] { 6, 2, 3, 3 }, new long[] { 6 } }),
        })
        {
            manual_seed(42);
            using nn.Module layer = build();
            manual_seed(42);
            double bound = 1 / Math.Sqrt(fanIn);
            // kaiming_uniform_(a = √5) has bound gain·√(3/fan_in) with gain = √(2/(1+5)): the same 1/√fan_in as the bias.
            Tensor[] expected = shapes.Select(s => empty(s).uniform_(-bound, bound)).ToArray();
            Parameter[] actual = layer.parameters().ToArray();
            for (int i = 0; i < expected.Length; i++) Assert.IsTrue(actual[i].equal(expected[i]), $"{layer.GetName()} parameter {i}");
        }
    }

    [TestMethod]
    public void InitFunctionsHaveTheDocumentedGainsAndRanges()
    {
        using var scope = NewDisposeScope();
        Assert.AreEqual(Math.Sqrt(2), nn.init.calculate_gain(nn.NonlinearityType.ReLU), 1e-12);
        Assert.AreEqual(5.0 / 3, nn.init.calculate_gain(nn.NonlinearityType.Tanh), 1e-12);
        Assert.AreEqual(Math.Sqrt(2 / 1.04), nn.init.calculate_gain(nn.NonlinearityType.LeakyReLU, 0.2), 1e-12);
        Assert.AreEqual(1.0, nn.init.calculate_gain(nn.NonlinearityType.Conv2D), 1e-12);
        manual_seed(0);
        Tensor w = empty(new long[] { 200, 300 }, ScalarType.Float64);
        double xavierBound = 2 * Math.Sqrt(6.0 / 500);
        nn.init.xavier_uniform_(w, gain: 2);
        Assert.IsTrue(w.abs().max().item<double>() <= xavierBound);
        Assert.AreEqual(xavierBound, w.abs().max().item<double>(), xavierBound * 0.01);
        nn.init.kaiming_normal_(w, mode: nn.FanInOut.FanOut, nonlinearity: nn.NonlinearityType.ReLU);
        Assert.AreEqual(Math.Sqrt(2.0 / 200), w.std().item<double>(), 0.02 * Math.Sqrt(2.0 / 200));
        nn.init.normal_(w, 3, 0.5);
        Assert.AreEqual(3, w.mean().item<double>(), 0.01);
        nn.init.constant_(w, 1.25);
        Assert.AreEqual(1.25, w.min().item<double>());
        nn.init.zeros_(w);
        Assert.AreEqual(0, w.abs().max().item<double>());
        var (fanIn, fanOut) = nn.init.CalculateFanInAndFanOut(empty(new long[] { 6, 2, 3, 3 }));
        Assert.AreEqual((18L, 54L), (fanIn, fanOut));
    }

    [TestMethod]
    public void ClipGradNormScalesToTheLimitAndReturnsTheTotalNorm()
    {
        using var scope = NewDisposeScope();
        Tensor a = zeros(2, ScalarType.Float64).requires_grad_(), b = zeros(1, ScalarType.Float64).requires_grad_();
        a.grad = tensor(new double[] { 3, 0 });
        b.grad = tensor(new double[] { -4 });
        double total = nn.utils.clip_grad_norm_(new[] { a, b }, 1.0);
        Assert.AreEqual(5, total, 1e-12);
        double scale = 1 / (5 + 1e-6);
        CollectionAssert.AreEqual(new[] { 3 * scale, 0 }, a.grad!.ToArray<double>());
        Assert.AreEqual(-4 * scale, b.grad!.item<double>(), 1e-15);
        // Under the limit nothing changes; the infinity norm is the largest magnitude.
        Assert.AreEqual(0.8 * 5 / (5 + 1e-6), nn.utils.clip_grad_norm_(new[] { a, b }, 10, double.PositiveInfinity), 1e-12);
        Assert.AreEqual(-4 * scale, b.grad!.item<double>(), 1e-15);
    }

    [TestMethod]
    public void LoadStateDictReportsKeysAndShapesAndChangesNothingOnError()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2));
        Tensor weightBefore = model.state_dict()["0.weight"].clone();
        var wrongShape = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        wrongShape["0.weight"] = zeros(new long[] { 2, 4 });
        wrongShape["0.bias"] = zeros(2);
        var e = Assert.ThrowsExactly<ArgumentException>(() => model.load_state_dict(wrongShape));
        StringAssert.Contains(e.Message, "'0.weight'");
        StringAssert.Contains(e.Message, "[2, 3]");
        StringAssert.Contains(e.Message, "[2, 4]");
        Assert.IsTrue(model.state_dict()["0.weight"].equal(weightBefore));
        Assert.AreNotEqual(0f, model.state_dict()["0.bias"].abs().sum().item<float>(), "the bias must not have been loaded either");

        var partial = new Dictionary<string, Tensor> { ["0.bias"] = ones(2), ["extra.weight"] = ones(1) };
        e = Assert.ThrowsExactly<ArgumentException>(() => model.load_state_dict(partial));
        StringAssert.Contains(e.Message, "missing keys '0.weight'");
        StringAssert.Contains(e.Message, "unexpected keys 'extra.weight'");
        var (missing, unexpected) = model.load_state_dict(partial, strict: false);
        Assert.HasCount(6, missing); // 0.weight and the five BatchNorm entries
        CollectionAssert.AreEqual(new[] { "extra.weight" }, unexpected.ToArray());
        CollectionAssert.AreEqual(new float[] { 1, 1 }, model.state_dict()["0.bias"].ToArray<float>());
    }

    [TestMethod]
    public void ContainersNameTheirChildren()
    {
        using var list = nn.ModuleList(nn.Linear(1, 2), nn.Linear(2, 3));
        list.Add(nn.Linear(3, 4));
        CollectionAssert.AreEqual(new[] { "0.weight", "0.bias", "1.weight", "1.bias", "2.weight", "2.bias" }, list.named_parameters().Select(p => p.name).ToArray());
        list.RemoveAt(0);
        Assert.AreEqual(2L, list[0].in_features);
        CollectionAssert.AreEqual(new[] { "0", "1" }, list.named_children().Select(c => c.name).ToArray());

        using var heads = nn.ModuleDict<nn.Module<Tensor, Tensor>>(("left", nn.Linear(2, 1)), ("right", nn.Sequential(nn.Linear(2, 2), nn.ReLU())));
        CollectionAssert.AreEqual(new[] { "left.weight", "left.bias", "right.0.weight", "right.0.bias" }, heads.named_parameters().Select(p => p.name).ToArray());
        Assert.IsTrue(heads.ContainsKey("right"));
        var missing = Assert.ThrowsExactly<KeyNotFoundException>(() => heads["middle"]);
        StringAssert.Contains(missing.Message, "left, right");

        using var built = nn.Sequential().append(nn.Linear(2, 2)).append("act", nn.ReLU());
        CollectionAssert.AreEqual(new[] { "0", "act" }, built.named_children().Select(c => c.name).ToArray());
        using var named = nn.Sequential(("encoder", nn.Linear(2, 2)), ("act", nn.ReLU()));
        CollectionAssert.AreEqual(new[] { "encoder.weight", "encoder.bias" }, named.state_dict().Keys.ToArray());
    }

    [TestMethod]
    public void TheSameSeedGivesIdenticalLossesTwice()
    {
        float[] Train()
        {
            manual_seed(2024);
            using var model = nn.Sequential(nn.Linear(6, 16), nn.ReLU(), nn.Dropout(0.2), nn.Linear(16, 3));
            using var scope = NewDisposeScope();
            Tensor x = randn(new long[] { 32, 6 });
            Tensor y = randint(0, 3, new long[] { 32 });
            var losses = new float[30];
            for (int step = 0; step < losses.Length; step++)
            {
                using var stepScope = NewDisposeScope();
                model.zero_grad();
                Tensor loss = nn.functional.cross_entropy(model.call(x), y);
                loss.backward();
                using (no_grad())
                    foreach (Parameter p in model.parameters()) p.sub_(p.grad!, alpha: 0.1);
                losses[step] = loss.item<float>();
            }
            return losses;
        }

        float[] first = Train(), second = Train();
        CollectionAssert.AreEqual(first, second);
        Assert.IsTrue(first[^1] < first[0], "the loss falls");
    }
}
