using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tests.Support;

namespace Mtl.Trainers.Tests;

/// <summary>Bad input at Fit: each a clear exception naming the column (or row) and saying what to do.</summary>
[TestClass]
public class FitInputErrorTests
{
    private static MultiHeadNetworkTrainer.Options Options(params TaskDefinition[] tasks) => new()
    {
        FeatureColumnName = "Features", Tasks = tasks.ToList(), Trunk = TrunkSpec.Mlp(8), BatchSize = 4, MaxEpoch = 1, Seed = 1,
    };

    private sealed class KeyRow
    {
        [VectorType(3)]
        public float[] Features { get; set; } = Array.Empty<float>();

        [KeyType(3)]
        public uint Label { get; set; }

        public float Value { get; set; }

        public bool Flag { get; set; }
    }

    private static IDataView KeyRows(MLContext ml, params uint[] labels) =>
        ml.Data.LoadFromEnumerable(labels.Select((l, i) => new KeyRow { Features = new[] { i, 1f, -i }, Label = l, Value = i, Flag = i % 2 == 0 }).ToArray());

    [TestMethod]
    public void ALabelOutOfRangeNamesTaskRowAndColumn()
    {
        var ml = new MLContext(1);
        // LoadFromEnumerable stores a [KeyType] value v as key v + 1, so values 0, 1, 2 are keys 1..3; the task says 2 classes.
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label") { ClassCount = 2 })).Fit(KeyRows(ml, 0, 1, 1, 2, 0)));
        StringAssert.Contains(e.Message, "row 3");
        StringAssert.Contains(e.Message, "key 3");
        StringAssert.Contains(e.Message, "'Label'");
        StringAssert.Contains(e.Message, "2 classes");
    }

    [TestMethod]
    public void AMissingKeyLabelIsRejected()
    {
        // A value outside the key range is stored as key 0, ML.NET's missing key.
        var ml = new MLContext(1);
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label"))).Fit(KeyRows(ml, 0, 3, 1)));
        StringAssert.Contains(e.Message, "missing label");
        StringAssert.Contains(e.Message, "row 1");
    }

    [TestMethod]
    [DataRow(TaskKind.Multiclass, "Value", "Key<UInt32>")]
    [DataRow(TaskKind.Binary, "Value", "Boolean")]
    [DataRow(TaskKind.Regression, "Flag", "Single")]
    public void AWrongLabelTypeFailsAtFitNamingTheColumn(TaskKind kind, string column, string expected)
    {
        var ml = new MLContext(1);
        var trainer = ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", column, kind)));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => trainer.Fit(KeyRows(ml, 1, 2, 3)));
        StringAssert.Contains(e.Message, $"'{column}'");
        StringAssert.Contains(e.Message, expected);
    }

    private sealed class VariableRow
    {
        public float[] Features { get; set; } = Array.Empty<float>();

        [KeyType(2)]
        public uint Label { get; set; }
    }

    [TestMethod]
    public void AFeatureVectorOfUnknownSizeFailsAtFitNamingTheColumn()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new VariableRow { Features = new[] { 1f, 2f }, Label = 1 }, new VariableRow { Features = new[] { 3f }, Label = 2 } });
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(Options(new TaskDefinition("T", "Label"))).Fit(data));
        StringAssert.Contains(e.Message, "'Features'");
        StringAssert.Contains(e.Message, "known-size vector");
    }

    [TestMethod]
    public void AMissingFeatureColumnIsNamedWithTheColumnsThatExist()
    {
        var ml = new MLContext(1);
        var options = Options(new TaskDefinition("T", "Label"));
        options.FeatureColumnName = "Pixels";
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ml.MultiTask().Trainers.MultiHead(options).Fit(KeyRows(ml, 1, 2)));
        StringAssert.Contains(e.Message, "'Pixels'");
        StringAssert.Contains(e.Message, "Features");
    }
}
