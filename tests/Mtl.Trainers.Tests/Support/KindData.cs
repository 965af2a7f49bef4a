using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Trainers.Tests.Support;

/// <summary>
/// A small in-memory image set with one label per task kind, each a fixed function of the image: Shape (multiclass, the
/// brightest quadrant, as a key with class names), Bright (binary, mean above ½) and Mass (regression, the mean).
/// </summary>
public static class KindData
{
    public static readonly string[] ShapeNames = { "top-left", "top-right", "bottom-left", "bottom-right" };

    public sealed class Row
    {
        [VectorType(1, 28, 28)]
        public float[] Image { get; set; } = Array.Empty<float>();

        public string ShapeName { get; set; } = "";

        public bool Bright { get; set; }

        public float Mass { get; set; }
    }

    public static Row[] Rows(int count, int seed)
    {
        var random = new Random(seed);
        var rows = new Row[count];
        for (int r = 0; r < count; r++)
        {
            int quadrant = random.Next(4);
            float level = (float)random.NextDouble();
            var image = new float[28 * 28];
            for (int y = 0; y < 28; y++)
                for (int x = 0; x < 28; x++)
                {
                    bool inside = (y < 14) == (quadrant < 2) && (x < 14) == (quadrant % 2 == 0);
                    image[y * 28 + x] = (float)(random.NextDouble() * 0.3 + (inside ? 0.7 * level + 0.3 : 0.1 * level));
                }
            float mean = image.Average();
            rows[r] = new Row { Image = image, ShapeName = ShapeNames[quadrant], Bright = mean > 0.3f, Mass = mean };
        }
        return rows;
    }

    /// <summary>The rows as a view whose Shape column is a key with the class names, in <see cref="ShapeNames"/> order.</summary>
    public static IDataView View(MLContext ml, int count, int seed) => View(ml, Rows(count, seed));

    /// <summary>Given rows as a view whose Shape column is a key with the class names, in <see cref="ShapeNames"/> order.</summary>
    public static IDataView View(MLContext ml, IEnumerable<Row> rows)
    {
        IDataView raw = ml.Data.LoadFromEnumerable(rows);
        IDataView keys = ml.Data.LoadFromEnumerable(ShapeNames.Select(n => new NameRow { Name = n }));
        return ml.Transforms.Conversion.MapValueToKey("Shape", "ShapeName", keyData: keys).Fit(raw).Transform(raw);
    }

    private sealed class NameRow
    {
        public string Name { get; set; } = "";
    }

    public static List<TaskDefinition> Tasks() => new()
    {
        new TaskDefinition("Shape", kind: TaskKind.Multiclass) { HeadHiddenSizes = new[] { 16 }, HeadDropout = 0.1 },
        new TaskDefinition("Bright", kind: TaskKind.Binary) { HeadHiddenSizes = new[] { 16 }, HeadDropout = 0.1 },
        new TaskDefinition("Mass", kind: TaskKind.Regression) { HeadHiddenSizes = new[] { 16 }, HeadDropout = 0.1 },
    };
}
