using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Gradients;

/// <summary>
/// Cosine similarity, magnitude similarity and conflicting-parameter ratio of gradient vectors. The batch form works on
/// an m × P matrix of gradients through two m × m products (inner products and sign agreements), so m gradients cost
/// O(m²P) time and O(m² + mP) memory — no m × m × P intermediate.
/// </summary>
public static class GradientSimilarity
{
    /// <summary>The three similarities of two vectors of the same length.</summary>
    public static PairSimilarity Of(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length)
            throw new ArgumentException($"The vectors have different lengths ({a.Length} and {b.Length}); similarities compare gradients of the same parameters.", nameof(b));
        using var scope = NewDisposeScope();
        using Tensor rows = stack(new[] { tensor(a.ToArray()), tensor(b.ToArray()) }, 0);
        return Pairwise(rows)[0, 1];
    }

    /// <summary>The three similarities of two gradient tensors of the same shape (flattened).</summary>
    public static PairSimilarity Of(Tensor a, Tensor b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (!a.shape.SequenceEqual(b.shape))
            throw new ArgumentException($"The gradients have different shapes ({string.Join(", ", a.shape)}) and ({string.Join(", ", b.shape)}).", nameof(b));
        using var scope = NewDisposeScope();
        return Pairwise(stack(new[] { a.flatten(), b.flatten() }, 0))[0, 1];
    }

    /// <summary>All pairwise similarities of the rows of an m × P matrix (m ≥ 1, P ≥ 1).</summary>
    public static SimilarityMatrix Pairwise(Tensor rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.dim() != 2 || rows.shape[0] < 1 || rows.shape[1] < 1)
            throw new ArgumentException($"Pairwise similarities need an m × P matrix with one gradient per row; got shape ({string.Join(", ", rows.shape)}).", nameof(rows));
        using var scope = NewDisposeScope();
        Tensor g = rows.detach().to_type(ScalarType.Float64);
        Tensor inner = g.matmul(g.t());
        // Opposite-sign coordinates of rows a, b: pos_a·neg_b + neg_a·pos_b, i.e. M + Mᵀ with M = pos·negᵀ (one product).
        // The counts are integers below 2²⁴ for P < 2²⁴, which float32 sums exactly (and about twice as fast as float64).
        ScalarType countType = rows.shape[1] < (1L << 24) ? ScalarType.Float32 : ScalarType.Float64;
        Tensor crossed = g.gt(0).to_type(countType).matmul(g.lt(0).to_type(countType).t());
        Tensor opposite = (crossed + crossed.t()).to_type(ScalarType.Float64);
        return new SimilarityMatrix(ToArray(inner), ToArray(opposite), rows.shape[1]);
    }

    private static double[,] ToArray(Tensor square)
    {
        int m = (int)square.shape[0];
        double[] flat = square.cpu().contiguous().data<double>().ToArray();
        var result = new double[m, m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
                result[i, j] = flat[i * m + j];
        return result;
    }
}
