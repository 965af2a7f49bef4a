using Mtl.Trainers.Methods;
using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Tests.Methods.Gramian;

[TestClass]
public sealed class GramianMethodTests
{
    private static double[] WeightsFor(GramianWeighting method, double[][] jacobian, StepContext? context = null)
    {
        var g = MethodMath.Gramian(jacobian);
        return context is null ? method.Weights(g) : method.Weights(g, context);
    }

    [TestMethod]
    public void PCGradProjectsTwoConflictingVectors()
    {
        // g1 = (1,0), g2 = (−1,1): g̃1 = g1 + ½g2 = (½,½), g̃2 = g2 + g1 = (0,1), d = (½, 3/2) = 2g1 + 1.5g2.
        double[][] j = [[1, 0], [-1, 1]];
        var w = WeightsFor(new PCGrad(), j);
        MethodMath.AreClose([2, 1.5], w, 1e-14);
        MethodMath.AreClose([0.5, 1.5], MethodMath.Direction(j, w), 1e-14);
    }

    [TestMethod]
    public void PCGradLeavesAgreeingVectorsAlone()
    {
        MethodMath.AreClose([1, 1, 1], WeightsFor(new PCGrad(), [[1, 0.2], [0.5, 1], [1, 1]]), 0);
    }

    [TestMethod]
    public void PCGradResultHasNoConflictWithTheProjectedPartner()
    {
        // For T = 2 with a conflict, g̃ⱼ·gᵢ = 0 exactly, so d·gᵢ = g̃ᵢ·gᵢ = ‖gᵢ‖² − (g₁·g₂)²/‖gⱼ‖².
        double[][] j = [[2, 1, 0], [-1, 0.5, 1]];
        var d = MethodMath.Direction(j, WeightsFor(new PCGrad(), j));
        double cross = MethodMath.Dot(j[0], j[1]);
        Assert.AreEqual(5 - cross * cross / 2.25, MethodMath.Dot(d, j[0]), 1e-12);
        Assert.AreEqual(2.25 - cross * cross / 5, MethodMath.Dot(d, j[1]), 1e-12);
    }

    [TestMethod]
    public void PCGradIsReproducibleForASeed()
    {
        var j = MethodMath.RandomJacobian(5, 4, 9);
        var a = WeightsFor(new PCGrad(), j, new StepContext(5, seed: 42));
        var b = WeightsFor(new PCGrad(), j, new StepContext(5, seed: 42));
        MethodMath.AreClose(a, b, 0);
    }

    [TestMethod]
    public void MgdaMeetsTheMinNormOptimalityConditions()
    {
        var j = MethodMath.RandomJacobian(4, 6, 21);
        var g = MethodMath.Gramian(j);
        var context = new StepContext(4);
        var w = new MGDA(tolerance: 1e-9, maxIterations: 100000).Weights(g, context);
        var gw = SmallMatrix.Multiply(g, w);
        double value = SmallMatrix.Dot(w, gw);
        Assert.AreEqual(1.0, w.Sum(), 1e-12);
        for (int i = 0; i < 4; i++)
        {
            Assert.IsGreaterThanOrEqualTo(value - 1e-6, gw[i]);
            if (w[i] > 1e-4)
                Assert.AreEqual(value, gw[i], 1e-6);
        }
        Assert.AreEqual(1L, context.Solvers.Calls);
    }

    [TestMethod]
    public void MgdaReportsAFrankWolfeRunThatHitsItsLimit()
    {
        var context = new StepContext(6);
        var problems = new List<SolverRun>();
        context.Solvers.OnProblem = problems.Add;
        var method = new MGDA(maxIterations: 1, tolerance: 1e-14, exactFallback: false);
        var w = method.Weights(MethodMath.Gramian(MethodMath.RandomJacobian(6, 20, 4)), context);
        Assert.AreEqual(1.0, w.Sum(), 1e-12);
        Assert.AreEqual(1L, context.Solvers.NotConverged);
        Assert.HasCount(1, problems);
        Assert.AreEqual(MinNormSolver.Name, problems[0].Solver);
    }

    [TestMethod]
    public void MgdaNormalisations()
    {
        double[][] j = [[10, 0], [0, 1]];
        // None: γ = 1/101 on the long gradient.
        MethodMath.AreClose([1.0 / 101, 100.0 / 101], WeightsFor(new MGDA(), j), 1e-14);
        // L2: both unit after rescaling → equal weights (applied to the raw gradients).
        MethodMath.AreClose([0.5, 0.5], WeightsFor(new MGDA(MgdaNormalization.L2), j), 1e-14);
        // Loss: losses (10, 1) turn the rescaled gradients into (1,0) and (0,1).
        var context = new StepContext(2);
        context.BeginStep(0, 0, [10, 1]);
        MethodMath.AreClose([0.5, 0.5], new MGDA(MgdaNormalization.Loss).Weights(MethodMath.Gramian(j), context), 1e-14);
        // Loss+: ‖g‖·L = (100, 1) → rescaled (0.1, 0) and (0, 1) → γ = 1/(1 + 0.01) on the first.
        MethodMath.AreClose([1 / 1.01, 0.01 / 1.01], new MGDA(MgdaNormalization.LossPlus).Weights(MethodMath.Gramian(j), context), 1e-12);
    }

    [TestMethod]
    public void MgdaLossNormalisationWithoutLossesIsAClearError()
    {
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => new MGDA(MgdaNormalization.Loss).Weights(MethodMath.Gramian([[1, 0], [0, 1]])));
        StringAssert.Contains(e.Message, "BeginStep");
        var context = new StepContext(2);
        context.BeginStep(3, 0, [0.5, 0]);
        var nonPositive = Assert.ThrowsExactly<InvalidOperationException>(() => new MGDA(MgdaNormalization.Loss).Weights(MethodMath.Gramian([[1, 0], [0, 1]]), context));
        StringAssert.Contains(nonPositive.Message, "task 1");
    }

    [TestMethod]
    public void MgdaUpperBoundIsRepresentationOnly()
    {
        var ub = MGDA.UpperBound();
        Assert.AreEqual("MGDA-UB", ub.Name);
        Assert.IsTrue(ub.Supports(GradientMode.Representation));
        var e = Assert.ThrowsExactly<NotSupportedException>(() => ub.EnsureSupports(GradientMode.Parameters));
        StringAssert.Contains(e.Message, "MGDA-UB");
        Assert.IsTrue(new MGDA().Supports(GradientMode.Parameters));
    }

    [TestMethod]
    public void ImtlGGivesEqualProjectionsOnEveryUnitGradient()
    {
        foreach (var (tasks, dims, seed) in new[] { (2, 3, 1), (3, 5, 2), (5, 8, 3) })
        {
            var j = MethodMath.RandomJacobian(tasks, dims, seed);
            var w = WeightsFor(new IMTLG(), j);
            Assert.AreEqual(1.0, w.Sum(), 1e-12);
            var d = MethodMath.Direction(j, w);
            var projections = j.Select(g => MethodMath.Dot(d, g) / MethodMath.Norm(g)).ToArray();
            for (int i = 1; i < tasks; i++)
                Assert.AreEqual(projections[0], projections[i], 1e-10, $"T={tasks}: projection {i}");
        }
    }

    [TestMethod]
    public void ImtlGDirectionIgnoresGradientScales()
    {
        // Equal projections on unit vectors do not depend on the gradients' lengths: only d's magnitude may change.
        var j = MethodMath.RandomJacobian(3, 6, 14);
        var scaled = j.Select((row, i) => row.Select(x => x * (i + 1) * 3.0).ToArray()).ToArray();
        var d = MethodMath.Direction(j, WeightsFor(new IMTLG(), j));
        var dScaled = MethodMath.Direction(scaled, WeightsFor(new IMTLG(), scaled));
        double cosine = MethodMath.Dot(d, dScaled) / (MethodMath.Norm(d) * MethodMath.Norm(dScaled));
        Assert.AreEqual(1.0, cosine, 1e-10);
    }

    [TestMethod]
    public void ImtlGOnOrthogonalGradientsWeighsByInverseNorm()
    {
        // Orthogonal g1 = (2,0), g2 = (0,1): equal projections need 2α1 = α2 → α = (1/3, 2/3).
        MethodMath.AreClose([1.0 / 3, 2.0 / 3], WeightsFor(new IMTLG(), [[2, 0], [0, 1]]), 1e-14);
    }

    [TestMethod]
    public void UpgradAndDualProjResultsLieInTheDualCone()
    {
        // Conflicting gradients, including T > D (singular Gramian).
        foreach (var (tasks, dims, seed) in new[] { (2, 3, 1), (3, 2, 2), (4, 6, 3), (6, 3, 4), (8, 20, 5) })
        {
            var j = MethodMath.RandomJacobian(tasks, dims, seed);
            foreach (GramianWeighting method in new GramianWeighting[] { new UPGrad(), new DualProj() })
            {
                var context = new StepContext(tasks);
                var w = WeightsFor(method, j, context);
                var d = MethodMath.Direction(j, w);
                double scale = j.Max(g => MethodMath.Dot(g, g));
                foreach (var g in j)
                    Assert.IsGreaterThanOrEqualTo(-1e-9 * scale, MethodMath.Dot(g, d), $"{method.Name} T={tasks}: J d has a negative entry");
                Assert.AreEqual(0L, context.Solvers.Failures, context.Solvers.ToString());
            }
        }
    }

    [TestMethod]
    public void UpgradWeightsAreAtLeastUniformAndDualProjEqualsTheMeanWithoutConflict()
    {
        var j = MethodMath.RandomJacobian(5, 4, 77);
        var w = WeightsFor(new UPGrad(), j);
        foreach (double x in w)
            Assert.IsGreaterThanOrEqualTo(0.2 - 1e-12, x);
        // All pairwise products positive → every gᵢ is in the dual cone → nothing to project.
        double[][] agreeing = [[1, 0.1, 0], [0.2, 1, 0.1], [0.3, 0.3, 1]];
        MethodMath.AreClose([1.0 / 3, 1.0 / 3, 1.0 / 3], WeightsFor(new UPGrad(), agreeing), 1e-12);
        MethodMath.AreClose([1.0 / 3, 1.0 / 3, 1.0 / 3], WeightsFor(new DualProj(), agreeing), 1e-12);
    }

    [TestMethod]
    public void DualProjOfTwoConflictingVectorsIsTheOrthogonalProjection()
    {
        // Mean of g1 = (1,0) and g2 = (−2,1) is (−½,½), which conflicts with g1; its projection onto
        // {v : g1·v ≥ 0, g2·v ≥ 0} drops the g1 component: (0, ½).
        double[][] j = [[1, 0], [-2, 1]];
        var d = MethodMath.Direction(j, WeightsFor(new DualProj(), j));
        MethodMath.AreClose([0, 0.5], d, 1e-12);
    }

    [TestMethod]
    public void CAGradDirectionMatchesItsDualObjective()
    {
        var j = MethodMath.RandomJacobian(3, 5, 8);
        var method = new CAGrad(ca: 0.5, rescale: CAGradRescale.None);
        var w = WeightsFor(method, j);
        var d = MethodMath.Direction(j, w);
        var g0 = MethodMath.Direction(j, [1.0 / 3, 1.0 / 3, 1.0 / 3]);
        double c = 0.5 * MethodMath.Norm(g0);
        Assert.AreEqual(c, MethodMath.Norm(d.Zip(g0, (a, b) => a - b).ToArray()), 1e-9);
        Assert.AreEqual(method.LastObjective, j.Min(g => MethodMath.Dot(g, d)), 1e-7);
        // Rescaling divides the same weights by 1 + ca².
        var rescaled = WeightsFor(new CAGrad(ca: 0.5), j);
        MethodMath.AreClose(w.Select(x => x / 1.25).ToArray(), rescaled, 1e-9);
        // ca = 0 is EW (the mean gradient).
        MethodMath.AreClose([1.0 / 3, 1.0 / 3, 1.0 / 3], WeightsFor(new CAGrad(ca: 0), j), 1e-12);
    }

    [TestMethod]
    public void NashWeightsSolveTheBargainingSystemAndIgnoreLossScales()
    {
        var j = MethodMath.RandomJacobian(3, 6, 12);
        var g = MethodMath.Gramian(j);
        var w = new NashMTL().Weights(g);
        var gw = SmallMatrix.Multiply(g, w);
        for (int i = 0; i < 3; i++)
            Assert.AreEqual(1 / w[i], gw[i], 1e-8 / w[i]);
        // Scaling one task's loss by 7 scales its gradient by 7; the direction d must not change.
        var scaled = j.Select((row, i) => i == 1 ? row.Select(x => 7 * x).ToArray() : row).ToArray();
        var d = MethodMath.Direction(j, w);
        var dScaled = MethodMath.Direction(scaled, new NashMTL().Weights(MethodMath.Gramian(scaled)));
        MethodMath.AreClose(d, dScaled, 1e-8);
    }

    [TestMethod]
    public void NashReusesWeightsBetweenUpdatesAndCountsFailures()
    {
        var method = new NashMTL(updateEvery: 2);
        var context = new StepContext(2);
        var problems = new List<SolverRun>();
        context.Solvers.OnProblem = problems.Add;
        context.BeginStep(0, 0, [1, 1]);
        var first = method.Weights(MethodMath.Gramian([[1, 0], [0, 1]]), context);
        MethodMath.AreClose([1, 1], first, 1e-9);
        context.BeginStep(1, 0, [1, 1]);
        MethodMath.AreClose(first, method.Weights(MethodMath.Gramian([[4, 0], [0, 1]]), context), 0);
        // Step 2 recomputes; the gradients cancel, so the solve fails, is reported, and the previous α is kept.
        context.BeginStep(2, 0, [1, 1]);
        MethodMath.AreClose(first, method.Weights(MethodMath.Gramian([[1, 0], [-1, 0]]), context), 0);
        Assert.AreEqual(1L, context.Solvers.Failed);
        Assert.HasCount(1, problems);
        StringAssert.Contains(problems[0].Detail, "step 2");
        Assert.AreEqual(1.0, method.MaxGradientNorm);
    }

    [TestMethod]
    public void AlignedMtlOnOrthogonalGradientsEqualisesTheProjections()
    {
        // Orthogonal rows with norms 3, 1, 2: G = diag(9, 1, 4), wᵢ = σ/(T·sᵢ) so every d·uᵢ = σ/T.
        double[][] j = [[3, 0, 0, 0], [0, 1, 0, 0], [0, 0, 0, 2]];
        foreach (var (scale, sigma) in new[] { (AlignedMtlScale.Min, 1.0), (AlignedMtlScale.Median, 2.0), (AlignedMtlScale.Rmse, Math.Sqrt(14.0 / 3)) })
        {
            var w = WeightsFor(new AlignedMTL(scale), j);
            MethodMath.AreClose([sigma / 9, sigma / 3, sigma / 6], w, 1e-12, scale.ToString());
            var d = MethodMath.Direction(j, w);
            foreach (var g in j)
                Assert.AreEqual(sigma / 3, MethodMath.Dot(d, g) / MethodMath.Norm(g), 1e-12);
        }
    }

    [TestMethod]
    public void AlignedMtlOnGeneralGradientsProducesOrthonormalisedDirection()
    {
        // With B = σ·G^{−1/2}, the combination JᵀB has orthogonal rows of norm σ, so d = Jᵀw satisfies
        // Jd = G·w = σ·G^{1/2}·(1/T) — check it through ‖d‖² = wᵀGw = σ²/T for the full-rank case.
        var j = MethodMath.RandomJacobian(3, 7, 31);
        var g = MethodMath.Gramian(j);
        var w = new AlignedMTL().Weights(g);
        var eig = SymmetricEigen.Decompose(g);
        double sigmaSquared = eig.Values[0];
        Assert.AreEqual(sigmaSquared / 3, SmallMatrix.QuadraticForm(g, w), 1e-10);
    }

    [TestMethod]
    public void GradVacFirstStepProjectsLikePCGradThenFollowsTheTarget()
    {
        // Unit vectors at 120°: φ = −0.5 < 0 = initial target.
        double[][] j = [[Math.Cos(2 * Math.PI / 3), Math.Sin(2 * Math.PI / 3)], [1, 0]];
        var g = MethodMath.Gramian(j);
        var method = new GradVac(beta: 0.5);
        var context = new StepContext(2);
        context.BeginStep(0, 0, [1, 1]);
        MethodMath.AreClose([1.5, 1.5], method.Weights(g, context), 1e-12);
        Assert.AreEqual(-0.25, method.TargetSimilarity(0, 1), 1e-12);

        // Second step: the corrected g̃₁ = g₁ + x·g₂ must have cosine −0.25 with g₂. Solve for x independently.
        context.BeginStep(1, 0, [1, 1]);
        var w = method.Weights(g, context);
        double lo = 0, hi = 1;
        for (int k = 0; k < 200; k++)
        {
            double x = 0.5 * (lo + hi);
            var corrected = new[] { j[0][0] + x, j[0][1] };
            if (MethodMath.Dot(corrected, j[1]) / MethodMath.Norm(corrected) < -0.25)
                lo = x;
            else
                hi = x;
        }
        MethodMath.AreClose([1 + lo, 1 + lo], w, 1e-9);
        Assert.AreEqual(-0.375, method.TargetSimilarity(0, 1), 1e-12);
    }

    [TestMethod]
    public void GradVacPerGroupKeepsSeparateTargetsAndFixedGrouping()
    {
        var method = new GradVac(beta: 1);
        var context = new StepContext(2);
        var conflicting = MethodMath.Gramian([[1, 0], [-1, 1]]);
        var agreeing = MethodMath.Gramian([[1, 0], [1, 1]]);
        var weights = method.WeightsPerGroup([conflicting, agreeing], context);
        Assert.AreEqual(2, method.GroupCount);
        Assert.AreNotEqual(1.0, weights[0][0]);
        MethodMath.AreClose([1, 1], weights[1], 1e-12);
        Assert.AreEqual(Math.Sqrt(0.5), method.TargetSimilarity(0, 1, group: 1), 1e-12);
        Assert.ThrowsExactly<ArgumentException>(() => method.WeightsPerGroup([conflicting], context));
    }

    [TestMethod]
    public void TwoIdenticalTasksReduceEveryGramianMethodToScaledEw()
    {
        double[][] j = [[0.3, -1.2, 2.0], [0.3, -1.2, 2.0]];
        var methods = new GramianWeighting[]
        {
            new PCGrad(), new MGDA(), new MGDA(MgdaNormalization.L2), new CAGrad(), new IMTLG(), new NashMTL(),
            new AlignedMTL(), new UPGrad(), new DualProj(), new GradVac(),
        };
        foreach (var method in methods)
        {
            var context = new StepContext(2);
            context.BeginStep(0, 0, [0.7, 0.7]);
            var w = WeightsFor(method, j, context);
            Assert.IsGreaterThan(0.0, w[0], method.Name);
            Assert.AreEqual(w[0], w[1], 1e-9 * Math.Abs(w[0]), $"{method.Name}: weights differ");
            Assert.AreEqual(0L, context.Solvers.Failures, $"{method.Name}: {context.Solvers}");
        }
    }

    [TestMethod]
    public void BadGramiansAreClearErrors()
    {
        var method = new UPGrad();
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => method.Weights(new double[,] { { 1, 0.5 }, { 0, 1 } })).Message, "not symmetric");
        // A non-finite Gramian is divergence, the one type sweeps record as such (issue 18).
        StringAssert.Contains(Assert.ThrowsExactly<NonFiniteLossException>(() => method.Weights(new double[,] { { 1, double.NaN }, { double.NaN, 1 } })).Message, "NaN");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => method.Weights(new double[,] { { -1, 0 }, { 0, 1 } })).Message, "negative diagonal");
        Assert.ThrowsExactly<ArgumentException>(() => method.Weights(new double[2, 3]));
        Assert.ThrowsExactly<ArgumentException>(() => method.Weights(SmallMatrix.Identity(3), new StepContext(2)));
        method.Weights(SmallMatrix.Identity(2));
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => method.Weights(SmallMatrix.Identity(3))).Message, "set up for 2 tasks");
    }

    [TestMethod]
    public void CurrentWeightsFollowTheLastStep()
    {
        var method = new IMTLG();
        Assert.IsNull(method.CurrentWeights);
        var w = method.Weights(MethodMath.Gramian([[2, 0], [0, 1]]));
        MethodMath.AreClose(w, method.CurrentWeights!, 0);
    }
}
