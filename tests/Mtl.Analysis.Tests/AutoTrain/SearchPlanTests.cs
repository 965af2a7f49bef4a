using Mtl.Analysis.AutoTrain;
using Mtl.Trainers;

namespace Mtl.Analysis.Tests.AutoTrain;

/// <summary>The search's candidates and its successive-halving plan: pure functions of the seed and the outcomes so far.</summary>
[TestClass]
public sealed class SearchPlanTests
{
    [TestMethod]
    public void Candidates_AreAPureFunctionOfTheSeed_AndEachValidates()
    {
        var space = SearchSpace.Default;
        TrainingConfig[] a = Enumerable.Range(0, 40).Select(i => space.Sample(7, i)).ToArray();
        TrainingConfig[] again = Enumerable.Range(0, 40).Select(i => new SearchSpace { Architectures = SearchSpace.DefaultArchitectures }.Sample(7, i)).ToArray();
        CollectionAssert.AreEqual(a, again);
        // A candidate does not depend on which others were drawn before it.
        Assert.AreEqual(a[17], space.Sample(7, 17));
        TrainingConfig[] other = Enumerable.Range(0, 40).Select(i => space.Sample(8, i)).ToArray();
        Assert.IsTrue(a.Skip(1).Zip(other.Skip(1)).Count(p => p.First != p.Second) >= 38, "another seed draws other candidates");
        // Candidate 0 is the trainer's defaults; the rest spread over the space.
        Assert.AreEqual(new TrainingConfig { Method = "ew", Optimizer = OptimizerKind.AdamW, Seed = 7 }, a[0]);
        foreach (TrainingConfig c in a)
        {
            c.Validate();
            Assert.IsTrue(c.LearningRate is >= 3e-4 - 1e-12 and <= 1e-2 + 1e-12, c.ToString());
            Assert.AreEqual(7, c.Seed);
        }
        Assert.IsTrue(a.Select(c => c.Method).Distinct().Count() >= 5, "the methods are spread");
        Assert.IsTrue(a.Count(c => c.WeightDecay == 0) is > 2 and < 30, "about a third without weight decay");
        Assert.IsTrue(a.Select(c => c.Trunk).Distinct().Count() >= 4);
        Assert.IsTrue(a.Select(c => c.Architecture).Distinct().Count() >= 5, "the architectures are spread");
    }

    [TestMethod]
    public void TheArchitecture_IsDrawnLast_SoASpaceWithoutItDrawsTheSameCandidatesAsBefore()
    {
        // A .mtlconfig written before architectures existed has no Architectures: shared-bottom only, the same other draws.
        var old = new SearchSpace();
        for (int i = 0; i < 30; i++)
        {
            TrainingConfig before = old.Sample(5, i), now = SearchSpace.Default.Sample(5, i);
            Assert.IsNull(before.Architecture);
            Assert.AreEqual(before, now with { Architecture = null }, $"candidate {i}");
        }
        // Candidate 0 takes the first architecture: shared-bottom (written as null) in the default space.
        Assert.IsNull(SearchSpace.Default.Sample(5, 0).Architecture);
    }

    [TestMethod]
    public void OneArchitecture_FixesIt_AndItIsWrittenCanonically()
    {
        var fixedSpace = SearchSpace.Default with { Architectures = ["MMoE(experts=3)"] };
        fixedSpace.Validate();
        for (int i = 0; i < 12; i++) Assert.AreEqual("mmoe(experts=3)", fixedSpace.Sample(9, i).Architecture, $"candidate {i}");
        Assert.IsNull((SearchSpace.Default with { Architectures = ["shared-bottom"] }).Sample(9, 4).Architecture);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => (SearchSpace.Default with { Architectures = ["moe"] }).Validate()).Message, "architectures: 'moe'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => (SearchSpace.Default with { Architectures = [] }).Validate()).Message, "architectures must name");
    }

    [TestMethod]
    public void SuccessiveHalving_PlansBracketsOfGrowingSize_AndPromotesTheBestThird()
    {
        var search = new SuccessiveHalving(SearchSpace.Default, seed: 3, fullEpochs: 27);
        var done = new List<TrialOutcome>();
        TrialPlan Step(double? score)
        {
            TrialPlan plan = search.Next(done);
            done.Add(new TrialOutcome(plan.Candidate, plan.Rung, score));
            return plan;
        }

        // Bracket 0: the defaults at the full epochs.
        TrialPlan first = Step(10);
        Assert.AreEqual((1, 0, 0, 0, 27), (first.Number, first.Candidate, first.Bracket, first.Rung, first.Config.Epochs));
        Assert.AreEqual("ew", first.Config.Method);

        // Bracket 1: candidates 1–3 at 9 epochs, then the best of them (candidate 2) at 27.
        TrialPlan[] rung0 = [Step(5), Step(8), Step(null)];
        CollectionAssert.AreEqual(new[] { 1, 2, 3 }, rung0.Select(p => p.Candidate).ToArray());
        Assert.IsTrue(rung0.All(p => p.Config.Epochs == 9 && p.Rung == 0 && p.Bracket == 1));
        TrialPlan top = Step(12);
        Assert.AreEqual((2, 1, 27), (top.Candidate, top.Rung, top.Config.Epochs));
        Assert.AreEqual(SearchSpace.Default.Sample(3, 2) with { Epochs = 27 }, top.Config);

        // Bracket 2: nine new candidates at 3 epochs, the best three at 9, the best of those at 27.
        double[] scores = [1, 7, 3, 9, double.NaN, 2, 9, 4, 0];
        TrialPlan[] nine = scores.Select(s => Step(double.IsNaN(s) ? null : s)).ToArray();
        CollectionAssert.AreEqual(Enumerable.Range(4, 9).ToArray(), nine.Select(p => p.Candidate).ToArray());
        Assert.IsTrue(nine.All(p => p.Config.Epochs == 3));
        // Ranked 9 (candidate 7), 9 (candidate 10; ties by candidate), 7 (candidate 5).
        TrialPlan[] three = [Step(4), Step(6), Step(5)];
        CollectionAssert.AreEqual(new[] { 7, 10, 5 }, three.Select(p => p.Candidate).ToArray());
        Assert.IsTrue(three.All(p => p.Config.Epochs == 9 && p.Rung == 1));
        TrialPlan last = Step(11);
        Assert.AreEqual((10, 2, 27, 2), (last.Candidate, last.Rung, last.Config.Epochs, last.Bracket));

        // Bracket 3 starts with candidate 13 at a ninth... at 27/27 = 1 epoch.
        TrialPlan next = search.Next(done);
        Assert.AreEqual((13, 3, 0, 1), (next.Candidate, next.Bracket, next.Rung, next.Config.Epochs));
        Assert.AreEqual(1 + 4 + 13 + 1, next.Number);
        Assert.AreEqual(40, SuccessiveHalving.TrialsIn(3));
    }

    [TestMethod]
    public void Brackets_StopGrowing_WhenTheCheapestRungWouldTrainLessThanOneEpoch()
    {
        // 9 full epochs: brackets of size 0, 1, 2, 2, 2, … (a size-3 bracket's rungs would train 1, 1, 3, 9 epochs).
        var search = new SuccessiveHalving(SearchSpace.Default, seed: 1, fullEpochs: 9);
        CollectionAssert.AreEqual(new[] { 0, 1, 2, 2, 2 }, Enumerable.Range(0, 5).Select(search.SizeOf).ToArray());
        var done = new List<TrialOutcome>();
        var epochs = new List<int>();
        for (int i = 0; i < 1 + 4 + 13 + 13; i++)
        {
            TrialPlan plan = search.Next(done);
            epochs.Add(plan.Config.Epochs!.Value);
            done.Add(new TrialOutcome(plan.Candidate, plan.Rung, plan.Candidate % 5));
        }
        int[] bracket = [.. Enumerable.Repeat(1, 9), 3, 3, 3, 9];
        CollectionAssert.AreEqual(new[] { 9, 3, 3, 3, 9 }.Concat(bracket).Concat(bracket).ToArray(), epochs.ToArray());
        Assert.AreEqual(0, new SuccessiveHalving(SearchSpace.Default, 1, fullEpochs: 2).SizeOf(3));
        Assert.AreEqual(SuccessiveHalving.MaxBracketSize, new SuccessiveHalving(SearchSpace.Default, 1, fullEpochs: 200).SizeOf(9));
    }

    [TestMethod]
    public void SuccessiveHalving_RefusesAHistoryItDidNotPlan()
    {
        var search = new SuccessiveHalving(SearchSpace.Default, seed: 3, fullEpochs: 9);
        // Trial 5 promotes from rung 0 of bracket 1, which needs three rung-0 outcomes; these are mislabelled.
        TrialOutcome[] wrong = [new(0, 0, 1), new(1, 0, 1), new(2, 1, 1), new(3, 0, 1)];
        Assert.ThrowsExactly<ArgumentException>(() => search.Next(wrong));
    }
}
