namespace Mtl.Trainers.Solvers;

/// <summary>The eigendecomposition A = V·diag(λ)·Vᵀ of a real symmetric matrix.</summary>
/// <param name="Values">Eigenvalues in ascending order.</param>
/// <param name="Vectors">Orthonormal eigenvectors as columns, in the order of <paramref name="Values"/>.</param>
/// <param name="Sweeps">Jacobi sweeps used.</param>
internal sealed record SymmetricEigenResult(double[] Values, double[,] Vectors, int Sweeps);

/// <summary>
/// Cyclic Jacobi eigendecomposition for small symmetric matrices (accurate to machine precision, also for
/// tiny eigenvalues, which Aligned-MTL's whitening needs). Cost O(n³) per sweep; a handful of sweeps.
/// </summary>
internal static class SymmetricEigen
{
    /// <summary>Sweep limit; quadratic convergence makes it unreachable for finite symmetric input.</summary>
    public const int MaxSweeps = 100;

    /// <summary>Decomposes a symmetric matrix (only symmetry within rounding is assumed; the mean of A and Aᵀ is used).</summary>
    /// <param name="a">Square symmetric matrix with finite entries.</param>
    /// <exception cref="ArgumentException">A is not square or has non-finite entries.</exception>
    /// <exception cref="InvalidOperationException">The iteration did not converge (never expected for finite input).</exception>
    public static SymmetricEigenResult Decompose(double[,] a)
    {
        int n = a.GetLength(0);
        if (a.GetLength(1) != n)
            throw new ArgumentException($"The eigendecomposition needs a square matrix; got {n}×{a.GetLength(1)}.", nameof(a));
        var m = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double v = 0.5 * (a[i, j] + a[j, i]);
                if (!double.IsFinite(v))
                    throw new ArgumentException($"The matrix has a non-finite entry at ({i}, {j}).", nameof(a));
                m[i, j] = v;
            }
        var v_ = SmallMatrix.Identity(n);
        double total = 0;
        foreach (double x in m)
            total += x * x;
        int sweep = 0;
        for (; sweep < MaxSweeps; sweep++)
        {
            double off = 0;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                    off += m[p, q] * m[p, q];
            if (off <= 1e-30 * total || off == 0)
                break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                    Rotate(m, v_, p, q);
        }
        if (sweep == MaxSweeps)
            throw new InvalidOperationException($"The Jacobi eigendecomposition of a {n}×{n} matrix did not converge in {MaxSweeps} sweeps.");

        var order = Enumerable.Range(0, n).OrderBy(i => m[i, i]).ToArray();
        var values = new double[n];
        var vectors = new double[n, n];
        for (int k = 0; k < n; k++)
        {
            values[k] = m[order[k], order[k]];
            for (int i = 0; i < n; i++)
                vectors[i, k] = v_[i, order[k]];
        }
        return new SymmetricEigenResult(values, vectors, sweep);
    }

    /// <summary>One Jacobi rotation that zeroes m[p,q], accumulated into the eigenvector matrix.</summary>
    private static void Rotate(double[,] m, double[,] v, int p, int q)
    {
        double apq = m[p, q];
        if (apq == 0)
            return;
        int n = m.GetLength(0);
        double theta = (m[q, q] - m[p, p]) / (2 * apq);
        // The smaller root keeps the rotation angle below π/4 (stable).
        double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
        if (theta == 0)
            t = 1;
        double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
        for (int k = 0; k < n; k++)
        {
            double mkp = m[k, p], mkq = m[k, q];
            m[k, p] = c * mkp - s * mkq;
            m[k, q] = s * mkp + c * mkq;
        }
        for (int k = 0; k < n; k++)
        {
            double mpk = m[p, k], mqk = m[q, k];
            m[p, k] = c * mpk - s * mqk;
            m[q, k] = s * mpk + c * mqk;
        }
        m[p, q] = m[q, p] = 0;
        for (int k = 0; k < n; k++)
        {
            double vkp = v[k, p], vkq = v[k, q];
            v[k, p] = c * vkp - s * vkq;
            v[k, q] = s * vkp + c * vkq;
        }
    }
}
