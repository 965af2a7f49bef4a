using Mtl.Analysis.Studies;
using Mtl.Datasets;

namespace Mtl.Analysis.Tests.Studies;

/// <summary>The overrides every study shares are checked once, where the context is made.</summary>
[TestClass]
public sealed class StudyContextTests
{
    [TestMethod]
    public void SeedsAndDatasetAreCheckedWhenTheContextIsMade()
    {
        var seeds = Assert.ThrowsExactly<ArgumentException>(() => new StudyContext(StudyPreset.Smoke, "out") { Seeds = 0 });
        StringAssert.Contains(seeds.Message, "--seeds (StudyContext.Seeds) must be at least 1; got 0");
        var dataset = Assert.ThrowsExactly<ArgumentException>(() => new StudyContext(StudyPreset.Smoke, "out") { Dataset = "cifar" });
        StringAssert.Contains(dataset.Message, "Unknown dataset 'cifar' (--dataset)");
        foreach (string name in MultiTaskDatasets.Names) StringAssert.Contains(dataset.Message, name);

        var context = new StudyContext(StudyPreset.Smoke, "out") { Seeds = 3, Dataset = "multi-mnist" };
        Assert.AreEqual(3, context.Seeds);
        Assert.AreEqual("multi-mnist", context.DatasetOr("multi-fashion"));
        Assert.AreEqual("multi-fashion", new StudyContext(StudyPreset.Smoke, "out").DatasetOr("multi-fashion"));
    }
}
