using Mtl.Analysis.Objectives;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests;

/// <summary>A task batch checks its tensors' row counts and slices by rows without copying.</summary>
[TestClass]
public class TaskBatchTests
{
    [TestMethod]
    public void ScalarFeaturesAndNoTargetsAreRejected()
    {
        using var scope = NewDisposeScope();
        var scalar = Assert.ThrowsExactly<ArgumentException>(() => new TaskBatch(tensor(1f), new[] { ones(1) }));
        StringAssert.Contains(scalar.Message, "need a leading row dimension; got a scalar tensor");
        Assert.AreEqual("features", scalar.ParamName);
        var none = Assert.ThrowsExactly<ArgumentException>(() => new TaskBatch(ones(3, 2), Array.Empty<Tensor>()));
        StringAssert.Contains(none.Message, "at least one target tensor");
    }

    [TestMethod]
    public void ASliceIsTheRowsItNamesAndARangeOutsideTheBatchIsRejected()
    {
        using var scope = NewDisposeScope();
        var batch = new TaskBatch(arange(12f).reshape(6, 2), new[] { arange(6f) });
        TaskBatch slice = batch.Slice(2, 3);
        Assert.AreEqual(3L, slice.Rows);
        CollectionAssert.AreEqual(new float[] { 4, 5, 6, 7, 8, 9 }, slice.Features.data<float>().ToArray());
        CollectionAssert.AreEqual(new float[] { 2, 3, 4 }, slice.Targets[0].data<float>().ToArray());

        var outside = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => batch.Slice(4, 3));
        StringAssert.Contains(outside.Message, "Rows [4, 7) are outside a batch of 6 rows");
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => batch.Slice(0, 0));
    }
}
