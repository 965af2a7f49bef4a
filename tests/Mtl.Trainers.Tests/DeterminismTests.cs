namespace Mtl.Trainers.Tests;

[TestClass]
public class DeterminismTests
{
    [TestMethod]
    public void TheEpochOrderIsAFixedFunctionOfSeedAndEpochInEveryProcess()
    {
        // Pinned values: a per-process randomised hash (HashCode.Combine) once made runs with the same seed differ.
        long[] order = TrainingSession.Permutation(10, seed: 1, epoch: 1);
        CollectionAssert.AreEqual(new long[] { 0, 7, 9, 1, 8, 3, 4, 5, 2, 6 }, order);
        CollectionAssert.AreEquivalent(Enumerable.Range(0, 10).Select(i => (long)i).ToArray(), order);
        CollectionAssert.AreNotEqual(order, TrainingSession.Permutation(10, seed: 1, epoch: 2));
        CollectionAssert.AreNotEqual(order, TrainingSession.Permutation(10, seed: 2, epoch: 1));
    }
}
