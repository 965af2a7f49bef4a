using Mtl.Analysis.Tests.Support;
using Mtl.Analysis.Weights;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests;

[TestClass]
public class WeightTrackingTests
{
    private static void AddToAll(IReadOnlyList<Tensor> parameters, double delta)
    {
        using var noGrad = no_grad();
        foreach (Tensor p in parameters) p.add_(delta);
    }

    private static long Count(IReadOnlyList<Tensor> parameters) => parameters.Sum(p => p.numel());

    private static double Norm(IReadOnlyList<Tensor> parameters) =>
        Math.Sqrt(parameters.Sum(p => p.to_type(ScalarType.Float64).square().sum().item<double>()));

    [TestMethod]
    public void DistanceFromInitialisationAfterAKnownManualUpdate()
    {
        using var tiny = new TinyNetwork(tasks: 2, seed: 40);
        var groups = ParameterGroup.Of(tiny.Network, tiny.Tasks.Select(t => t.Name).ToArray());
        CollectionAssert.AreEqual(new[] { "trunk", "Task0", "Task1" }, groups.Select(g => g.Name).ToArray());
        double trunkNorm = Norm(groups[0].Parameters);
        using WeightSnapshot initial = WeightSnapshot.Capture(groups);
        AddToAll(groups[0].Parameters, 0.5);
        AddToAll(groups[2].Parameters, -0.25);
        IReadOnlyList<GroupDistance> d = WeightDistance.From(initial, groups);
        Assert.AreEqual(0.5 * Math.Sqrt(Count(groups[0].Parameters)), d[0].Distance, 1e-5);
        Assert.AreEqual(trunkNorm, d[0].ReferenceNorm, 1e-5);
        Assert.AreEqual(d[0].Distance / trunkNorm, d[0].Relative, 1e-9);
        Assert.AreEqual(0.0, d[1].Distance, 0);
        Assert.AreEqual(0.25 * Math.Sqrt(Count(groups[2].Parameters)), d[2].Distance, 1e-5);
    }

    [TestMethod]
    public void UpdateMagnitudesPerGroupAndTheirWindowMean()
    {
        using var tiny = new TinyNetwork(tasks: 2, seed: 41);
        var groups = ParameterGroup.Of(tiny.Network, new[] { "L", "R" });
        double root = Math.Sqrt(Count(groups[1].Parameters));
        using var tracker = new UpdateMagnitudeTracker(groups, window: 2);
        var ex = Assert.ThrowsExactly<InvalidOperationException>(() => tracker.WindowMean("L"));
        StringAssert.Contains(ex.Message, "Observe");
        foreach (double step in new[] { 0.1, 0.3, 0.2 })
        {
            AddToAll(groups[1].Parameters, step);
            IReadOnlyDictionary<string, double> observed = tracker.Observe();
            Assert.AreEqual(step * root, observed["L"], 1e-5);
            Assert.AreEqual(0.0, observed["trunk"], 0);
        }
        Assert.AreEqual(3, tracker.Observations);
        Assert.AreEqual(0.25 * root, tracker.WindowMean("L"), 1e-5); // the last two: (0.3 + 0.2)/2
        Assert.AreEqual(0.0, tracker.WindowMean("R"), 0);
        Assert.AreEqual(3, tracker.History("L").Count);
        Assert.AreEqual(0.1 * root, tracker.History("L")[0], 1e-5);
    }

    [TestMethod]
    public void BadInputIsRejected()
    {
        using var tiny = new TinyNetwork(tasks: 2, seed: 42);
        var groups = ParameterGroup.Of(tiny.Network, new[] { "L", "R" });
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new UpdateMagnitudeTracker(groups, window: 0));
        Assert.ThrowsExactly<ArgumentException>(() => ParameterGroup.Of(tiny.Network, new[] { "only one" }));
        var clash = Assert.ThrowsExactly<ArgumentException>(() => ParameterGroup.Of(tiny.Network, new[] { "trunk", "R" }));
        StringAssert.Contains(clash.Message, "clash");
        using var tracker = new UpdateMagnitudeTracker(groups);
        Assert.ThrowsExactly<ArgumentException>(() => tracker.WindowMean("nope"));
        Assert.ThrowsExactly<ArgumentException>(() => WeightSnapshot.Capture(new[] { groups[0], groups[0] }));
        using WeightSnapshot snapshot = WeightSnapshot.Capture(groups.Take(1).ToArray());
        var missing = Assert.ThrowsExactly<ArgumentException>(() => WeightDistance.From(snapshot, groups));
        StringAssert.Contains(missing.Message, "no group \"L\"");
        var resized = Assert.ThrowsExactly<ArgumentException>(() => WeightDistance.From(snapshot, new[] { new ParameterGroup("trunk", groups[1].Parameters) }));
        StringAssert.Contains(resized.Message, "same network");
    }
}
