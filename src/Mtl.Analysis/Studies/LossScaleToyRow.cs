using Microsoft.ML.Data;

namespace Mtl.Analysis.Studies;

/// <summary>One row of the loss-scale toy: a scalar input and two targets that are scalings of it (ML.NET reads the public fields).</summary>
public sealed class LossScaleToyRow
{
    /// <summary>The scalar input, as a one-element vector.</summary>
    [VectorType(1)]
    public float[] Features = new float[1];

    /// <summary>Task A's target.</summary>
    public float A;

    /// <summary>Task B's target.</summary>
    public float B;
}
