namespace Mtl.Analysis.Gradients;

/// <summary>Pairwise similarities of m gradients, from their inner products and opposite-sign counts.</summary>
public sealed class SimilarityMatrix
{
    private readonly double[,] inner;
    private readonly double[,] opposite;
    private readonly long coordinates;

    internal SimilarityMatrix(double[,] inner, double[,] opposite, long coordinates)
    {
        this.inner = inner;
        this.opposite = opposite;
        this.coordinates = coordinates;
    }

    /// <summary>Number of gradients m.</summary>
    public int Count => inner.GetLength(0);

    /// <summary>Euclidean norm of gradient i.</summary>
    public double Norm(int i) => Math.Sqrt(inner[i, i]);

    /// <summary>The similarities of gradients i and j.</summary>
    public PairSimilarity this[int i, int j]
    {
        get
        {
            if ((uint)i >= (uint)Count || (uint)j >= (uint)Count)
                throw new ArgumentOutOfRangeException(nameof(i), $"Pair ({i}, {j}) is outside {Count} gradients.");
            double ni = Norm(i), nj = Norm(j);
            double cosine = ni > 0 && nj > 0 ? Math.Clamp(inner[i, j] / (ni * nj), -1.0, 1.0) : double.NaN;
            double squares = inner[i, i] + inner[j, j];
            double magnitude = squares > 0 ? 2 * ni * nj / squares : double.NaN;
            return new PairSimilarity(cosine, magnitude, opposite[i, j] / coordinates);
        }
    }
}
