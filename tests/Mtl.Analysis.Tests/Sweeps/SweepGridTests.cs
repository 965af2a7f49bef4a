using System.Text.Json;
using Mtl.Analysis.Sweeps;
using Mtl.Trainers;
using Mtl.Trainers.Methods;

namespace Mtl.Analysis.Tests.Sweeps;

[TestClass]
public sealed class SweepGridTests
{
    private const string Grid = """
        {
          "name": "demo",
          "base": { "trainRows": 300, "epochs": 2, "optimizer": "adam" },
          "axes": { "method": ["ew", "pcgrad"], "learningRate": [0.1, 0.01, 0.001] },
          "seeds": [1, 2]
        }
        """;

    [TestMethod]
    public void AxesExpandToTheCartesianProductInFileOrderWithSeedsInnermost()
    {
        IReadOnlyList<RunConfig> runs = SweepGrid.Expand(Grid);
        Assert.AreEqual(2 * 3 * 2, runs.Count);
        // First axis slowest, seeds fastest.
        Assert.AreEqual(("ew", 0.1, 1), (runs[0].Method, runs[0].LearningRate, runs[0].Seed));
        Assert.AreEqual(("ew", 0.1, 2), (runs[1].Method, runs[1].LearningRate, runs[1].Seed));
        Assert.AreEqual(("ew", 0.01, 1), (runs[2].Method, runs[2].LearningRate, runs[2].Seed));
        Assert.AreEqual(("pcgrad", 0.001, 2), (runs[^1].Method, runs[^1].LearningRate, runs[^1].Seed));
        Assert.IsTrue(runs.All(r => r.TrainRows == 300 && r.Epochs == 2 && r.Optimizer == OptimizerKind.Adam));
    }

    [TestMethod]
    public void IdsAreStableHashesOfTheCanonicalJson()
    {
        var a = new RunConfig { Method = "pcgrad", LearningRate = 0.01, Seed = 3 };
        var b = new RunConfig { Seed = 3, LearningRate = 0.01, Method = "pcgrad" };
        Assert.AreEqual(a.Id, b.Id);
        Assert.AreEqual(16, a.Id.Length);
        // The canonical form is fixed: a change to it (field order, number format) would orphan every results file.
        StringAssert.StartsWith(a.CanonicalJson(), """{"dataset":"multi-fashion","trainRows":0,"validationRows":0,"testRows":0,"weights":null,"method":"pcgrad",""");
        StringAssert.Contains(a.CanonicalJson(), "\"optimizer\":\"adam\",\"learningRate\":0.01,");
        Assert.AreNotEqual(a.Id, (a with { LearningRate = 0.010000001 }).Id);
        Assert.AreNotEqual(a.Id, (a with { Seed = 4 }).Id);
        Assert.AreEqual(a.ConfigKey, (a with { Seed = 4 }).ConfigKey);
        Assert.AreNotEqual(a.ConfigKey, (a with { Optimizer = OptimizerKind.Sgd }).ConfigKey);
        // The same grid text expands to the same ids in any process.
        CollectionAssert.AreEqual(SweepGrid.Expand(Grid).Select(r => r.Id).ToArray(), SweepGrid.Expand(Grid).Select(r => r.Id).ToArray());
    }

    [TestMethod]
    public void AnArchitectureIsPartOfTheRunOnlyWhenSet()
    {
        var plain = new RunConfig { Method = "ew", Seed = 3 };
        // Shared-bottom runs keep the JSON (and ids) they had before architectures existed.
        Assert.IsFalse(plain.CanonicalJson().Contains("architecture", StringComparison.Ordinal), plain.CanonicalJson());
        var mmoe = plain with { Architecture = "mmoe(experts=2)" };
        StringAssert.Contains(mmoe.CanonicalJson(), "\"architecture\":\"mmoe(experts=2)\"");
        Assert.AreNotEqual(plain.Id, mmoe.Id);
        Assert.AreEqual("mmoe(experts=2)", mmoe.ToOptions("Image", [new TaskDefinition("Left")]).Architecture.ToString());
        Assert.AreEqual(mmoe, JsonSerializer.Deserialize<RunConfig>(mmoe.CanonicalJson(), RunConfig.Json));
    }

    [TestMethod]
    public void ExplicitRunsTimesAxesAndBlocksKeepTheirOrder()
    {
        IReadOnlyList<RunConfig> runs = SweepGrid.Expand("""
            {
              "base": { "epochs": 1 },
              "blocks": [
                { "runs": [ { "method": "fixed", "weights": [0.2, 0.8] }, { "method": "fixed", "weights": [0.8, 0.2] } ],
                  "axes": { "dropout": [0.1, 0.3] } },
                { "axes": { "method": ["uw"] } }
              ]
            }
            """);
        CollectionAssert.AreEqual(new[] { "fixed(0.2,0.8)", "fixed(0.2,0.8)", "fixed(0.8,0.2)", "fixed(0.8,0.2)", "uw" }, runs.Select(r => r.MethodName).ToArray());
        CollectionAssert.AreEqual(new double?[] { 0.1, 0.3, 0.1, 0.3, null }, runs.Select(r => r.Dropout).ToArray());
        Assert.IsTrue(runs.All(r => r.Seed == 1));
    }

    [TestMethod]
    public void BadGridsAreRejectedNamingTheProblem()
    {
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("""{ "axes": { "learningRat": [0.1] } }""")).Message, "learningRate");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("""{ "axis": {} }""")).Message, "unknown field 'axis'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("""{ "axes": { "method": ["ew", "ew"] } }""")).Message, "same run");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("""{ "axes": { "seed": [1, 2] } }""")).Message, "'seeds'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("""{ "axes": { "method": ["nosuch"] } }""")).Message, "Unknown MTL method 'nosuch'");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("""{ "axes": { "learningRate": [-1] } }""")).Message, "learningRate");
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("{ not json")).Message, "not valid JSON");
        string missing = Path.Combine(Path.GetTempPath(), "no-such-grid-h3.json");
        StringAssert.Contains(Assert.ThrowsExactly<FileNotFoundException>(() => SweepGrid.Load(missing)).Message, "--grid");
    }

    [TestMethod]
    public void ShardsAreDisjointAndCoverTheGrid()
    {
        foreach (int n in new[] { 1, 2, 3, 7, 20 })
        {
            var all = Enumerable.Range(1, n).SelectMany(i => new ShardSpec(i, n).Select(12)).ToList();
            CollectionAssert.AreEqual(Enumerable.Range(0, 12).ToArray(), all.Order().ToArray(), $"n = {n}");
        }
        CollectionAssert.AreEqual(new[] { 1, 4, 7, 10 }, new ShardSpec(2, 3).Select(12).ToArray());
        Assert.AreEqual(new ShardSpec(3, 8), ShardSpec.Parse("3/8"));
        foreach (string bad in new[] { "0/2", "3/2", "1", "a/b", "1/0", "-1/2" })
            StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => ShardSpec.Parse(bad)).Message, "i/n");
    }

    [TestMethod]
    public void GridsTakeMethodTextWithArguments()
    {
        IReadOnlyList<RunConfig> runs = SweepGrid.Expand("""
            { "axes": { "method": ["upgrad(ridge=1e-4)", "alignedmtl(preference=ones)", "fixed(0.3,0.7)"] } }
            """);
        CollectionAssert.AreEqual(new[] { "upgrad(ridge=1e-4)", "alignedmtl(preference=ones)", "fixed(0.3,0.7)" }, runs.Select(r => r.MethodName).ToArray());
        MultiHeadNetworkTrainer.Options upgrad = runs[0].ToOptions("Features", [new TaskDefinition("Left"), new TaskDefinition("Right")]);
        Assert.AreEqual(1e-4, ((UPGrad.Options)upgrad.Method).Ridge);
        StringAssert.Contains(Assert.ThrowsExactly<ArgumentException>(() => SweepGrid.Expand("""{ "axes": { "method": ["upgrad(rige=1)"] } }""")).Message,
            "upgrad has no argument 'rige'. upgrad accepts: ridge (a finite number ≥ 0)");
    }
}
