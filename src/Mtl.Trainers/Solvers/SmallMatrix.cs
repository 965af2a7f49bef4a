namespace Mtl.Trainers.Solvers;

/// <summary>
/// Dense linear algebra for the tiny T×T problems of MTL methods (T = number of tasks, usually 2–40).
/// Plain loops on <c>double[]</c>/<c>double[,]</c>: at this size they beat any call into a tensor library.
/// </summary>
internal static class SmallMatrix
{
    /// <summary>Returns A·x.</summary>
    /// <param name="a">An n×m matrix.</param>
    /// <param name="x">A vector of length m.</param>
    public static double[] Multiply(double[,] a, double[] x)
    {
        int n = a.GetLength(0), m = a.GetLength(1);
        if (x.Length != m)
            throw new ArgumentException($"Cannot multiply a {n}×{m} matrix by a vector of length {x.Length}.", nameof(x));
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int j = 0; j < m; j++)
                s += a[i, j] * x[j];
            y[i] = s;
        }
        return y;
    }

    /// <summary>Returns xᵀ·A·x for a square A.</summary>
    public static double QuadraticForm(double[,] a, double[] x) => Dot(x, Multiply(a, x));

    /// <summary>Returns the dot product of two vectors of equal length.</summary>
    public static double Dot(double[] x, double[] y)
    {
        if (x.Length != y.Length)
            throw new ArgumentException($"Vector lengths differ ({x.Length} vs {y.Length}).", nameof(y));
        double s = 0;
        for (int i = 0; i < x.Length; i++)
            s += x[i] * y[i];
        return s;
    }

    /// <summary>Returns the largest absolute entry of a matrix (0 for an empty one).</summary>
    public static double MaxAbs(double[,] a)
    {
        double m = 0;
        foreach (double v in a)
            m = Math.Max(m, Math.Abs(v));
        return m;
    }

    /// <summary>Returns the sum of the diagonal of a square matrix.</summary>
    public static double Trace(double[,] a)
    {
        double s = 0;
        for (int i = 0; i < a.GetLength(0); i++)
            s += a[i, i];
        return s;
    }

    /// <summary>Returns s·A as a new matrix.</summary>
    public static double[,] Scale(double[,] a, double s)
    {
        var r = (double[,])a.Clone();
        for (int i = 0; i < r.GetLength(0); i++)
            for (int j = 0; j < r.GetLength(1); j++)
                r[i, j] *= s;
        return r;
    }

    /// <summary>Returns the identity matrix of size n.</summary>
    public static double[,] Identity(int n)
    {
        var r = new double[n, n];
        for (int i = 0; i < n; i++)
            r[i, i] = 1;
        return r;
    }

    /// <summary>
    /// Solves the symmetric positive semi-definite system A·x = b. Uses a Cholesky factorisation when A is
    /// clearly positive definite, otherwise the minimum-norm least-squares solution through the eigendecomposition
    /// (eigenvalues below <paramref name="relativeTolerance"/>·λmax are treated as zero).
    /// </summary>
    /// <param name="a">Symmetric positive semi-definite n×n matrix.</param>
    /// <param name="b">Right-hand side of length n.</param>
    /// <param name="relativeTolerance">Relative eigenvalue cut-off for the singular case.</param>
    public static double[] SolveSymmetric(double[,] a, double[] b, double relativeTolerance = 1e-12)
    {
        int n = a.GetLength(0);
        if (a.GetLength(1) != n || b.Length != n)
            throw new ArgumentException($"SolveSymmetric needs an n×n matrix and a vector of length n; got {n}×{a.GetLength(1)} and {b.Length}.");
        if (TryCholeskySolve(a, b, relativeTolerance * 1e4, out var x))
            return x;
        return PseudoInverseSolve(a, b, relativeTolerance);
    }

    /// <summary>Solves A·x = b by Cholesky; false when a pivot is not clearly positive (relative to the largest diagonal entry).</summary>
    private static bool TryCholeskySolve(double[,] a, double[] b, double relativePivot, out double[] x)
    {
        int n = b.Length;
        double maxDiag = 0;
        for (int i = 0; i < n; i++)
            maxDiag = Math.Max(maxDiag, a[i, i]);
        x = new double[n];
        if (!(maxDiag > 0))
            return false;
        var l = new double[n, n];
        for (int j = 0; j < n; j++)
        {
            double d = a[j, j];
            for (int k = 0; k < j; k++)
                d -= l[j, k] * l[j, k];
            if (!(d > relativePivot * maxDiag))
                return false;
            l[j, j] = Math.Sqrt(d);
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i, j];
                for (int k = 0; k < j; k++)
                    s -= l[i, k] * l[j, k];
                l[i, j] = s / l[j, j];
            }
        }
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++)
                s -= l[i, k] * y[k];
            y[i] = s / l[i, i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = y[i];
            for (int k = i + 1; k < n; k++)
                s -= l[k, i] * x[k];
            x[i] = s / l[i, i];
        }
        return true;
    }

    /// <summary>Minimum-norm least-squares solution of a symmetric system through its eigendecomposition.</summary>
    public static double[] PseudoInverseSolve(double[,] a, double[] b, double relativeTolerance = 1e-12)
    {
        var eig = SymmetricEigen.Decompose(a);
        int n = b.Length;
        double lmax = 0;
        foreach (double v in eig.Values)
            lmax = Math.Max(lmax, Math.Abs(v));
        var x = new double[n];
        if (lmax == 0)
            return x;
        for (int k = 0; k < n; k++)
        {
            double lambda = eig.Values[k];
            if (Math.Abs(lambda) <= relativeTolerance * lmax)
                continue;
            double proj = 0;
            for (int i = 0; i < n; i++)
                proj += eig.Vectors[i, k] * b[i];
            proj /= lambda;
            for (int i = 0; i < n; i++)
                x[i] += proj * eig.Vectors[i, k];
        }
        return x;
    }

    /// <summary>
    /// Solves a general square system A·x = b by Gaussian elimination with partial pivoting. When A is singular
    /// (a pivot below <paramref name="relativeTolerance"/>·max|A|), returns the minimum-norm least-squares
    /// solution instead, through the normal equations (fine at this size).
    /// </summary>
    public static double[] Solve(double[,] a, double[] b, double relativeTolerance = 1e-12)
    {
        int n = a.GetLength(0);
        if (a.GetLength(1) != n || b.Length != n)
            throw new ArgumentException($"Solve needs an n×n matrix and a vector of length n; got {n}×{a.GetLength(1)} and {b.Length}.");
        double scale = MaxAbs(a);
        if (scale == 0)
            return new double[n];
        var m = (double[,])a.Clone();
        var x = (double[])b.Clone();
        var singular = false;
        for (int col = 0; col < n && !singular; col++)
        {
            int pivot = col;
            for (int r = col + 1; r < n; r++)
                if (Math.Abs(m[r, col]) > Math.Abs(m[pivot, col]))
                    pivot = r;
            if (Math.Abs(m[pivot, col]) <= relativeTolerance * scale)
            {
                singular = true;
                break;
            }
            if (pivot != col)
            {
                for (int c = 0; c < n; c++)
                    (m[col, c], m[pivot, c]) = (m[pivot, c], m[col, c]);
                (x[col], x[pivot]) = (x[pivot], x[col]);
            }
            for (int r = col + 1; r < n; r++)
            {
                double f = m[r, col] / m[col, col];
                if (f == 0)
                    continue;
                for (int c = col; c < n; c++)
                    m[r, c] -= f * m[col, c];
                x[r] -= f * x[col];
            }
        }
        if (!singular)
        {
            for (int r = n - 1; r >= 0; r--)
            {
                double s = x[r];
                for (int c = r + 1; c < n; c++)
                    s -= m[r, c] * x[c];
                x[r] = s / m[r, r];
            }
            return x;
        }
        // Normal equations AᵀA x = Aᵀb, solved in the minimum-norm sense. Their eigenvalues are the squared
        // singular values of A, so the cut-off is squared too (floored so rounding noise counts as zero).
        var ata = new double[n, n];
        var atb = new double[n];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int k = 0; k < n; k++)
                    s += a[k, i] * a[k, j];
                ata[i, j] = s;
            }
            double t = 0;
            for (int k = 0; k < n; k++)
                t += a[k, i] * b[k];
            atb[i] = t;
        }
        return PseudoInverseSolve(ata, atb, Math.Max(relativeTolerance * relativeTolerance, 1e-14));
    }
}
