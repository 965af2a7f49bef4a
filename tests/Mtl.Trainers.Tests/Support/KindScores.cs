using Microsoft.ML.Data;

namespace Mtl.Trainers.Tests.Support;

/// <summary>
/// The scoring columns of KindData's three tasks as ML.NET names them. Shared by the tests and, as a linked
/// source file, by the ConsumerProbe app (which references only ML.NET packages).
/// </summary>
public sealed class KindScores
{
    [ColumnName("Shape.Score"), VectorType(4)]
    public float[] ShapeScore { get; set; } = Array.Empty<float>();

    [ColumnName("Shape.PredictedLabel")]
    public uint ShapePredicted { get; set; }

    [ColumnName("Bright.Score")]
    public float BrightScore { get; set; }

    [ColumnName("Bright.Probability")]
    public float BrightProbability { get; set; }

    [ColumnName("Bright.PredictedLabel")]
    public bool BrightPredicted { get; set; }

    [ColumnName("Mass.Score")]
    public float MassScore { get; set; }
}
