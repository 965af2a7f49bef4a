using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Transforms.Corruptions;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.Tests;

/// <summary>
/// Bad input to the corruption steps and their image types fails with a message that names the column, row or shape:
/// unsupported column types at schema propagation, rows without an image, foreign schemas and columns, wrong buffers,
/// damaged JPEG bytes.
/// </summary>
[TestClass]
public sealed class InputErrorTests
{
    private sealed class NoInput
    {
    }

    private sealed class TextRow
    {
        public string Features = "";
    }

    private sealed class PathRow
    {
        public string Path = "";
    }

    private sealed class VectorRow
    {
        [VectorType(1, 4, 4)]
        public float[] Features = new float[16];
    }

    [TestMethod]
    public void SchemaShapePropagationNamesAColumnOfTheWrongType()
    {
        var ml = new MLContext(1);
        // ML.NET keeps SchemaShape.Create internal: a custom mapping with no inputs makes a shape holding a text column.
        SchemaShape text = ml.Transforms.CustomMapping<NoInput, TextRow>((_, _) => { }, contractName: null).GetOutputSchema(new SchemaShape([]));
        var estimator = ml.Corruptions.GaussianNoise("Noisy", "Features", severity: 1);

        var e = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(text));

        StringAssert.Contains(e.Message, "input column 'Features' has type");
        StringAssert.Contains(e.Message, "expected Image (MLImage), Vector<Single, C, H, W>");
    }

    [TestMethod]
    public void ARowWithoutAnImageIsReportedWithItsPositionAndColumn()
    {
        using var dir = new TempFolder();
        var ml = new MLContext(2);
        var paths = ml.Data.LoadFromEnumerable(new[] { new PathRow { Path = "" } }); // ML.NET's loader gives no image for an empty path
        var view = ml.Transforms.LoadImages("Image", dir.Path, "Path")
            .Append(ml.Corruptions.GaussianNoise("Noisy", "Image", severity: 1)).Fit(paths).Transform(paths);
        var column = view.Schema["Noisy"];
        using var cursor = view.GetRowCursor([column]);
        var getter = cursor.GetGetter<MLImage>(column);
        Assert.IsTrue(cursor.MoveNext());
        MLImage image = null!;

        var e = Assert.ThrowsExactly<InvalidOperationException>(() => getter(ref image));

        StringAssert.Contains(e.Message, "row 0 of column 'Image' holds no image");
    }

    [TestMethod]
    public void TheRowMapperRefusesARowOfAnotherSchemaAndForeignColumns()
    {
        var ml = new MLContext(3);
        var data = ml.Data.LoadFromEnumerable(new[] { new VectorRow() });
        var other = ml.Data.LoadFromEnumerable(new[] { new VectorRow() });
        var transformer = ml.Corruptions.GaussianNoise("Noisy", "Features", severity: 1).Fit(data);
        var mapper = transformer.GetRowToRowMapper(data.Schema);
        using var cursor = other.GetRowCursor(other.Schema);

        var row = Assert.ThrowsExactly<ArgumentException>(() => mapper.GetRow(cursor, mapper.OutputSchema));
        StringAssert.Contains(row.Message, "not the schema this corruption mapper was made for");

        var foreign = new DataViewSchema.Builder();
        foreign.AddColumn("Elsewhere", NumberDataViewType.Single);
        foreign.AddColumn("Other", NumberDataViewType.Single);
        foreign.AddColumn("Far", NumberDataViewType.Single);
        var far = foreign.ToSchema()["Far"];
        var dependencies = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => mapper.GetDependencies([far]).ToList());
        StringAssert.Contains(dependencies.Message, "Column 'Far' (index 2) is not a column of this corruption step's output");

        var view = transformer.Transform(data);
        var misnamed = foreign.ToSchema()["Elsewhere"];
        using var corrupted = view.GetRowCursor(view.Schema);
        var check = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => corrupted.IsColumnActive(misnamed));
        StringAssert.Contains(check.Message, "Column 'Elsewhere' (index 0) is not a column of this corruption step's output");
    }

    [TestMethod]
    public void APlanarImageNamesAWrongBufferShapeOrSize()
    {
        var buffer = Assert.ThrowsExactly<ArgumentException>(() => new PlanarImage(1, 2, 3, new float[5]));
        StringAssert.Contains(buffer.Message, "A 1×2×3 image needs 6 values, but the buffer has 5");
        var size = Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new PlanarImage(3, 0, 4));
        StringAssert.Contains(size.Message, "Image size 0×4 must be at least 1×1");
        var copy = Assert.ThrowsExactly<ArgumentException>(() => new PlanarImage(1, 2, 2).CopyFrom(new PlanarImage(3, 2, 2)));
        StringAssert.Contains(copy.Message, "Shape 3×2×2 differs from 1×2×2");
    }

    [TestMethod]
    public void ATruncatedJpegIsReportedAsUndecodable()
    {
        var image = TestImages.Make(3, 32, 1);
        byte[] file = JpegCodec.Encode(image, 80);
        byte[] truncated = file[..(file.Length / 2)]; // the header survives, the scan data does not

        var e = Assert.ThrowsExactly<InvalidDataException>(() => JpegCodec.Decode(truncated, new PlanarImage(3, 32, 32)));

        StringAssert.Contains(e.Message, "could not decode the JPEG");
    }
}
