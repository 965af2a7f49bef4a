using Mtl.Analysis.Curvature;
using Mtl.Analysis.Gradients;
using Mtl.Analysis.Tests.Support;
using Mtl.Analysis.Weights;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests;

[TestClass]
public class MemoryTests
{
    [TestMethod]
    public void NoPrimitiveLeavesTensorsBehindAcrossCalls()
    {
        using var tiny = new TinyNetwork(tasks: 2, seed: 50);
        var groups = ParameterGroup.Of(tiny.Network, new[] { "L", "R" });
        using var outer = NewDisposeScope();
        var batch = tiny.Batch(16, seed: 51);
        using var tracker = new UpdateMagnitudeTracker(groups);
        var primitives = new (string Name, Action Call)[]
        {
            ("conflict sampler", () => GradientConflictSampler.Sample(tiny.Objective, batch)),
            ("sharpness", () => Sharpness.Measure(tiny.Objective, batch, new PowerIterationOptions { MaxIterations = 5 })),
            ("Fisher trace", () => FisherTrace.Measure(tiny.Objective, batch, 4)),
            ("noise scale", () => GradientNoiseScale.Measure(tiny.Objective, batch, 4)),
            ("update tracker", () => tracker.Observe()),
            ("weight distance", () =>
            {
                using WeightSnapshot snapshot = WeightSnapshot.Capture(groups);
                WeightDistance.From(snapshot, groups);
            }),
        };
        foreach (var (name, call) in primitives)
        {
            call(); // the first call may create lazily built tensors (the parameters' grad fields)
            // Tensor.TotalCount counts the process's live native tensors, including those parked in the caller's scope.
            long before = Tensor.TotalCount;
            for (int i = 0; i < 3; i++) call();
            Assert.AreEqual(before, Tensor.TotalCount, $"{name}: live tensors after three more calls");
        }
    }
}
