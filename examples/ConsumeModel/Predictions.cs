using Microsoft.ML.Data;

namespace ConsumeModel;

/// <summary>The one input column a prediction needs.</summary>
internal sealed class ImageInput
{
    /// <summary>Normalised pixels, 1×28×28.</summary>
    [VectorType(1, 28, 28)]
    public float[] Image { get; set; } = Array.Empty<float>();
}

/// <summary>What the saved two-task model predicts for one image, in ML.NET's column conventions.</summary>
internal sealed class TwoTaskPrediction
{
    /// <summary>Predicted key (1…10) of the left item.</summary>
    [ColumnName("Left.PredictedLabel")]
    public uint Left { get; set; }

    /// <summary>Class probabilities of the left item.</summary>
    [ColumnName("Left.Score")]
    public float[] LeftScore { get; set; } = Array.Empty<float>();

    /// <summary>Predicted key (1…10) of the right item.</summary>
    [ColumnName("Right.PredictedLabel")]
    public uint Right { get; set; }

    /// <summary>Class probabilities of the right item.</summary>
    [ColumnName("Right.Score")]
    public float[] RightScore { get; set; } = Array.Empty<float>();
}
