using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.Tests;

[TestClass]
public class ImageMemberMappingTests
{
    public sealed class ImageRow
    {
        [ImageType(2, 3)]
        public MLImage? Image { get; set; }
    }

    public sealed class PixelRow
    {
        [VectorType(1, 2, 3)]
        public float[] Pixels { get; set; } = Array.Empty<float>();
    }

    [TestMethod]
    public void MLImageMembersBecomeSizedImageColumnsAndFeedExtractPixels()
    {
        var ml = new MLContext(1);
        byte[] gray = { 0, 51, 102, 153, 204, 255 };
        var rows = new[] { new ImageRow { Image = MLImage.CreateFromPixels(3, 2, MLPixelFormat.Gray8, gray) } };
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        Assert.AreEqual(new ImageDataViewType(2, 3), data.Schema["Image"].Type);
        var pixels = ml.Transforms.ExtractPixels("Pixels", "Image", colorsToExtract: ImagePixelExtractingEstimator.ColorBits.Red, scaleImage: 1f / 255)
            .Fit(data).Transform(data);
        float[] values = ml.Data.CreateEnumerable<PixelRow>(pixels, reuseRowObject: false).Single().Pixels;
        Assert.AreEqual(gray.Length, values.Length);
        for (int i = 0; i < gray.Length; i++) Assert.AreEqual(gray[i] / 255f, values[i], 1e-6f, $"pixel {i}");
        // And back into objects: the image column fills an MLImage member.
        ImageRow back = ml.Data.CreateEnumerable<ImageRow>(data, reuseRowObject: false).Single();
        Assert.AreEqual(3, back.Image!.Width);
        Assert.AreEqual(2, back.Image.Height);
    }

    [TestMethod]
    public void AnImageTypeAttributeNeedsPositiveSides()
    {
        Assert.ThrowsExactly<ArgumentOutOfRangeException>(() => new ImageTypeAttribute(0, 3));
    }
}
