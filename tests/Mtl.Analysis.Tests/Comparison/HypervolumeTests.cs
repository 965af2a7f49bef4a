using Mtl.Analysis.Comparison;

namespace Mtl.Analysis.Tests.Comparison;

[TestClass]
public class HypervolumeTests
{
    private static LabelledPoint P(params double[] values) => new("p", values);

    [TestMethod]
    public void TwoDimensionalStaircaseByHand()
    {
        ObjectiveSpace space = ObjectiveSpace.Maximise("x", "y");
        // Boxes [0,3]×[0,1], [0,2]×[0,2], [0,1]×[0,3]: strips 3·1 + 2·1 + 1·1 = 6.
        Assert.AreEqual(6.0, Hypervolume.Of(new[] { P(3, 1), P(1, 3), P(2, 2) }, new[] { 0.0, 0 }, space), 1e-12);
        // A dominated point, a duplicate and points not better than the reference change nothing.
        Assert.AreEqual(6.0, Hypervolume.Of(new[] { P(3, 1), P(1, 3), P(2, 2), P(1, 1), P(2, 2), P(5, -1), P(-2, 9) }, new[] { 0.0, 0 }, space), 1e-12);
        Assert.AreEqual(0.5 * 2.5, Hypervolume.Of(new[] { P(1, 3) }, new[] { 0.5, 0.5 }, space), 1e-12);
        Assert.AreEqual(0.0, Hypervolume.Of(Array.Empty<LabelledPoint>(), new[] { 0.0, 0 }, space));
    }

    [TestMethod]
    public void MinimisedObjectivesMeasureTowardsTheReference()
    {
        // Losses (1,3) and (3,1) below reference (4,4): boxes 3×1 and 1×3 overlapping in 1×1 → 5.
        Assert.AreEqual(5.0, Hypervolume.Of(new[] { P(1, 3), P(3, 1) }, new[] { 4.0, 4 }, ObjectiveSpace.Minimise("a", "b")), 1e-12);
        // Mixed: accuracy 0.9 above 0.5, loss 0.2 below 1 → 0.4·0.8.
        var mixed = new ObjectiveSpace(new[] { "acc", "loss" }, new[] { true, false });
        Assert.AreEqual(0.32, Hypervolume.Of(new[] { P(0.9, 0.2) }, new[] { 0.5, 1 }, mixed), 1e-12);
    }

    [TestMethod]
    public void ThreeDimensionalInclusionExclusionByHand()
    {
        ObjectiveSpace space = ObjectiveSpace.Maximise("a", "b", "c");
        // Three boxes of volume 2 whose pairwise and triple intersections are the unit cube: 6 − 3 + 1 = 4.
        Assert.AreEqual(4.0, Hypervolume.Of(new[] { P(2, 1, 1), P(1, 2, 1), P(1, 1, 2) }, new[] { 0.0, 0, 0 }, space), 1e-12);
        Assert.AreEqual(6.0, Hypervolume.Of(new[] { P(1, 2, 3) }, new[] { 0.0, 0, 0 }, space), 1e-12);
        Assert.AreEqual(1.0, Hypervolume.Of(new[] { P(3, 2, 2) }, new[] { 2.0, 1, 1 }, space), 1e-12);
    }

    [TestMethod]
    public void HigherDimensionsMatchInclusionExclusionAndMonteCarlo()
    {
        var random = new Random(12345);
        foreach (int dimension in new[] { 2, 3, 4, 5 })
            for (int trial = 0; trial < 5; trial++)
            {
                int n = 2 + random.Next(6);
                double[][] points = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, dimension).Select(_ => random.NextDouble()).ToArray()).ToArray();
                double[] reference = new double[dimension];
                string[] names = Enumerable.Range(0, dimension).Select(k => $"t{k}").ToArray();
                double exact = Hypervolume.Of(points.Select(p => P(p)).ToArray(), reference, ObjectiveSpace.Maximise(names));
                Assert.AreEqual(InclusionExclusion(points, reference), exact, 1e-12, $"T = {dimension}, trial {trial}");
                // Monte Carlo in the unit cube: standard error ≤ 0.5/√samples ≈ 0.0016; allow five of them.
                const int samples = 100_000;
                int hits = 0;
                var x = new double[dimension];
                for (int s = 0; s < samples; s++)
                {
                    for (int k = 0; k < dimension; k++) x[k] = random.NextDouble();
                    if (DominatedByAny(points, x)) hits++;
                }
                Assert.AreEqual((double)hits / samples, exact, 0.008, $"Monte Carlo, T = {dimension}, trial {trial}");
            }
    }

    [TestMethod]
    public void BadReferenceIsRejected()
    {
        ObjectiveSpace space = ObjectiveSpace.Maximise("x", "y");
        Assert.ThrowsExactly<ArgumentException>(() => Hypervolume.Of(new[] { P(1, 1) }, new[] { 0.0 }, space));
        Assert.ThrowsExactly<ArgumentException>(() => Hypervolume.Of(new[] { P(1, 1) }, new[] { 0.0, double.NegativeInfinity }, space));
        Assert.ThrowsExactly<ArgumentException>(() => Hypervolume.Of(new[] { P(1, double.NaN) }, new[] { 0.0, 0 }, space));
    }

    private static bool DominatedByAny(double[][] points, double[] x)
    {
        foreach (double[] p in points)
        {
            bool covers = true;
            for (int k = 0; k < x.Length && covers; k++) covers = p[k] >= x[k];
            if (covers) return true;
        }
        return false;
    }

    // Volume of the union of boxes [r, p] by inclusion–exclusion over every non-empty subset of points.
    private static double InclusionExclusion(double[][] points, double[] reference)
    {
        double total = 0;
        for (int mask = 1; mask < 1 << points.Length; mask++)
        {
            double volume = 1;
            for (int k = 0; k < reference.Length; k++)
            {
                double corner = double.PositiveInfinity;
                for (int i = 0; i < points.Length; i++)
                    if ((mask & (1 << i)) != 0) corner = Math.Min(corner, points[i][k]);
                volume *= Math.Max(0, corner - reference[k]);
            }
            total += int.PopCount(mask) % 2 == 1 ? volume : -volume;
        }
        return total;
    }
}
