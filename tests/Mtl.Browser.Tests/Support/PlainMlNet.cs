using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Browser.Tests.Support;

/// <summary>A downloaded model zip, loaded and scored with plain ML.NET (no MtlMlNet assembly), as a consumer's app would.</summary>
internal static class PlainMlNet
{
    /// <summary>
    /// Loads <paramref name="zip"/> and scores every row of the CSV <paramref name="csv"/> (header line, comma-separated):
    /// the zip's input columns are read by name from the file, numbers as <c>Single</c> with missing values as NaN.
    /// Returns each task's score column (<c>{task}.Score</c>) per row, flattened to floats.
    /// </summary>
    public static Dictionary<string, float[][]> ScoreTable(string zip, string csv)
    {
        var ml = new MLContext(seed: 1);
        ITransformer model = ml.Model.Load(zip, out DataViewSchema input);
        try
        {
            string[] header = File.ReadLines(csv).First().Split(',').Select(h => h.Trim('"')).ToArray();
            var columns = input.Select(c => new TextLoader.Column(c.Name, c.Type is TextDataViewType ? DataKind.String : DataKind.Single,
                Array.IndexOf(header, c.Name) is var i and >= 0 ? i : throw new AssertFailedException($"The zip's input column '{c.Name}' is not in {csv}'s header."))).ToArray();
            IDataView rows = ml.Data.CreateTextLoader(new TextLoader.Options
            {
                Separators = [','], HasHeader = true, AllowQuoting = true, MissingRealsAsNaNs = true, Columns = columns,
            }).Load(csv);
            return Scores(model.Transform(rows));
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    /// <summary>Loads <paramref name="zip"/> (an image model: input ImagePath, Label) and scores the images.</summary>
    public static Dictionary<string, float[][]> ScoreImages(string zip, IReadOnlyList<string> imagePaths)
    {
        var ml = new MLContext(seed: 1);
        ITransformer model = ml.Model.Load(zip, out DataViewSchema input);
        try
        {
            CollectionAssert.AreEqual(new[] { "ImagePath", "Label" }, input.Select(c => c.Name).ToArray(), "the image model's input columns");
            IDataView rows = ml.Data.LoadFromEnumerable(imagePaths.Select(p => new ImageRow { ImagePath = p, Label = "" }));
            return Scores(model.Transform(rows));
        }
        finally
        {
            (model as IDisposable)?.Dispose();
        }
    }

    private static Dictionary<string, float[][]> Scores(IDataView scored)
    {
        var result = new Dictionary<string, float[][]>();
        foreach (DataViewSchema.Column column in scored.Schema.Where(c => !c.IsHidden && c.Name.EndsWith(".Score", StringComparison.Ordinal)))
            result[column.Name] = column.Type is VectorDataViewType
                ? scored.GetColumn<float[]>(column.Name).ToArray()
                : scored.GetColumn<float>(column.Name).Select(v => new[] { v }).ToArray();
        if (result.Count == 0) throw new AssertFailedException($"The zip's output has no '<task>.Score' column: {string.Join(", ", scored.Schema.Select(c => c.Name))}.");
        return result;
    }

    /// <summary>Asserts two scorings are identical, bit for bit, column by column and row by row.</summary>
    public static void AssertIdentical(Dictionary<string, float[][]> expected, Dictionary<string, float[][]> actual, string what)
    {
        CollectionAssert.AreEquivalent(expected.Keys.ToArray(), actual.Keys.ToArray(), $"{what}: the score columns");
        foreach ((string column, float[][] rows) in expected)
        {
            Assert.AreEqual(rows.Length, actual[column].Length, $"{what}: rows of {column}");
            for (int r = 0; r < rows.Length; r++)
                CollectionAssert.AreEqual(rows[r], actual[column][r], $"{what}: {column} of row {r} differs");
        }
    }

    private sealed class ImageRow
    {
        public string ImagePath { get; set; } = "";
        public string Label { get; set; } = "";
    }
}
