using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.ML.Tests;

[TestClass]
public sealed class DataViewTests
{
    [TestMethod]
    public void SchemaHidesEarlierColumnsWithTheSameName()
    {
        var b = new DataViewSchema.Builder();
        b.AddColumn("A", NumberDataViewType.Single);
        b.AddColumn("B", TextDataViewType.Instance);
        b.AddColumn("A", NumberDataViewType.Double);
        var schema = b.ToSchema();

        Assert.AreEqual(3, schema.Count);
        Assert.IsTrue(schema[0].IsHidden);
        Assert.IsFalse(schema[2].IsHidden);
        Assert.AreEqual(2, schema["A"].Index);
        Assert.AreEqual(NumberDataViewType.Double, schema["A"].Type);
        Assert.IsNull(schema.GetColumnOrNull("C"));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => schema["C"]);
        StringAssert.Contains(e.Message, "'C'");
    }

    [TestMethod]
    public void TypesCompareByValue()
    {
        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28), new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28));
        Assert.AreNotEqual(new VectorDataViewType(NumberDataViewType.Single, 28, 28), new VectorDataViewType(NumberDataViewType.Single, 784));
        Assert.AreEqual(784, new VectorDataViewType(NumberDataViewType.Single, 1, 28, 28).Size);
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), new KeyDataViewType(typeof(uint), 10));
        Assert.AreNotEqual(new KeyDataViewType(typeof(uint), 10), new KeyDataViewType(typeof(uint), 9));
        Assert.AreEqual(typeof(ReadOnlyMemory<char>), TextDataViewType.Instance.RawType);
        Assert.ThrowsExactly<ArgumentException>(() => new KeyDataViewType(typeof(int), 3));
    }

    [TestMethod]
    public void KeyValuesAndSlotNamesAnnotationsAreReadable()
    {
        var ab = new DataViewSchema.Annotations.Builder();
        ab.AddKeyValues(3, TextDataViewType.Instance, (ref VBuffer<ReadOnlyMemory<char>> v) =>
            v = new VBuffer<ReadOnlyMemory<char>>(3, ["a".AsMemory(), "b".AsMemory(), "c".AsMemory()]));
        var b = new DataViewSchema.Builder();
        b.AddColumn("K", new KeyDataViewType(typeof(uint), 3), ab.ToAnnotations());
        var column = b.ToSchema()["K"];

        Assert.IsTrue(column.HasKeyValues());
        Assert.IsTrue(column.HasKeyValues(TextDataViewType.Instance));
        VBuffer<ReadOnlyMemory<char>> values = default;
        column.GetKeyValues(ref values);
        CollectionAssert.AreEqual(new[] { "a", "b", "c" }, values.DenseValues().Select(x => x.ToString()).ToArray());
        Assert.IsFalse(column.HasSlotNames());
    }

    [TestMethod]
    public void SparseVBufferExpandsToDense()
    {
        var v = new VBuffer<float>(5, 2, [7f, 9f], [1, 3]);
        Assert.IsFalse(v.IsDense);
        CollectionAssert.AreEqual(new[] { 0f, 7f, 0f, 9f, 0f }, v.DenseValues().ToArray());
        Assert.AreEqual(9f, v.GetItemOrDefault(3));
        Assert.AreEqual(0f, v.GetItemOrDefault(4));
        VBuffer<float> dense = default;
        v.CopyToDense(ref dense);
        Assert.IsTrue(dense.IsDense);
        CollectionAssert.AreEqual(new[] { 0f, 7f, 0f, 9f, 0f }, dense.GetValues().ToArray());
    }

    [TestMethod]
    public void EnumerableRoundTripKeepsEveryMember()
    {
        var ctx = new MLContext(1);
        var examples = TestUtil.Examples(7);
        var view = ctx.Data.LoadFromEnumerable(examples);

        Assert.AreEqual(new VectorDataViewType(NumberDataViewType.Single, 3), view.Schema["Features"].Type);
        Assert.AreEqual(TextDataViewType.Instance, view.Schema["Category"].Type);
        Assert.IsNotNull(view.Schema.GetColumnOrNull("Id"));
        Assert.IsNull(view.Schema.GetColumnOrNull("Ignored"));
        Assert.AreEqual(7L, view.GetRowCount());

        var back = ctx.Data.CreateEnumerable<Example>(view, reuseRowObject: false).ToList();
        Assert.AreEqual(7, back.Count);
        for (int i = 0; i < 7; i++)
        {
            Assert.AreEqual(examples[i].Label, back[i].Label);
            CollectionAssert.AreEqual(examples[i].Features, back[i].Features);
            Assert.AreEqual(examples[i].Category, back[i].Category);
            Assert.AreEqual(examples[i].Number, back[i].Number);
            Assert.AreEqual("not a column", back[i].Ignored);
        }
    }

    public sealed class KeyRow
    {
        [KeyType(10)]
        public uint Digit { get; set; }

        [VectorType(1, 2, 2)]
        public float[] Image { get; set; } = [];
    }

    [TestMethod]
    public void AttributesDeclareKeysAndMultiDimensionalVectors()
    {
        var ctx = new MLContext(1);
        var view = ctx.Data.LoadFromEnumerable(new[] { new KeyRow { Digit = 3, Image = [1, 2, 3, 4] } });
        Assert.AreEqual(new KeyDataViewType(typeof(uint), 10), view.Schema["Digit"].Type);
        var image = (VectorDataViewType)view.Schema["Image"].Type;
        CollectionAssert.AreEqual(new[] { 1, 2, 2 }, image.Dimensions.ToArray());
        CollectionAssert.AreEqual(new uint[] { 3 }, TestUtil.Column<uint>(view, "Digit"));
    }

    [TestMethod]
    public void WrongVectorSizeNamesTheColumn()
    {
        var ctx = new MLContext(1);
        var view = ctx.Data.LoadFromEnumerable(new[] { new KeyRow { Digit = 1, Image = [1, 2, 3] } });
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => TestUtil.Vectors(view, "Image"));
        StringAssert.Contains(e.Message, "'Image'");
    }

    [TestMethod]
    public void GetterWithWrongTypeFailsClearly()
    {
        var ctx = new MLContext(1);
        var view = ctx.Data.LoadFromEnumerable(TestUtil.Examples(2));
        using var cursor = view.GetRowCursor(view.Schema);
        var e = Assert.ThrowsExactly<InvalidOperationException>(() => cursor.GetGetter<double>(view.Schema["Label"]));
        StringAssert.Contains(e.Message, "Label");
        StringAssert.Contains(e.Message, "Single");
    }

    [TestMethod]
    public void CreateEnumerableFailsOnMissingColumnUnlessIgnored()
    {
        var ctx = new MLContext(1);
        var view = ctx.Transforms.DropColumns("Category").Fit(ctx.Data.LoadFromEnumerable(TestUtil.Examples(2)))
            .Transform(ctx.Data.LoadFromEnumerable(TestUtil.Examples(2)));
        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => ctx.Data.CreateEnumerable<Example>(view, false).ToList());
        StringAssert.Contains(e.Message, "'Category'");
        var rows = ctx.Data.CreateEnumerable<Example>(view, false, ignoreMissingColumns: true).ToList();
        Assert.AreEqual(2, rows.Count);
        Assert.AreEqual("", rows[0].Category);
    }
}

[TestClass]
public sealed class ArrayDataViewBuilderTests
{
    [TestMethod]
    public void BuildsTypedColumnsWithKeyValues()
    {
        var ctx = new MLContext(1);
        var view = new ArrayDataViewBuilder()
            .AddColumn("Image", new VectorDataViewType(NumberDataViewType.Single, 1, 2, 2), [1f, 2, 3, 4], [5f, 6, 7, 8])
            .AddColumn("Digit", new KeyDataViewType(typeof(uint), 2), [2u, 1u], ["zero", "one"])
            .AddColumn("Name", "a", "b")
            .GetDataView();
        Assert.AreEqual(2L, view.GetRowCount());
        CollectionAssert.AreEqual(new[] { 5f, 6f, 7f, 8f }, TestUtil.Vectors(view, "Image")[1]);
        CollectionAssert.AreEqual(new uint[] { 2, 1 }, TestUtil.Column<uint>(view, "Digit"));
        Assert.IsTrue(view.Schema["Digit"].HasKeyValues(TextDataViewType.Instance));
        var back = ctx.Transforms.Conversion.MapKeyToValue("DigitName", "Digit").Fit(view).Transform(view);
        CollectionAssert.AreEqual(new[] { "one", "zero" }, TestUtil.Column<ReadOnlyMemory<char>>(back, "DigitName").Select(x => x.ToString()).ToArray());
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ArrayDataViewBuilder().AddColumn("K", new KeyDataViewType(typeof(uint), 2), [3u]));
        Assert.ThrowsExactly<ArgumentException>(() => new ArrayDataViewBuilder().AddColumn("V", new VectorDataViewType(NumberDataViewType.Single, 3), [1f]));
    }
}
