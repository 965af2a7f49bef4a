namespace Mtl.Trainers.Solvers;

/// <summary>The answer of a small quadratic program.</summary>
/// <param name="Solution">The minimiser.</param>
/// <param name="Run">Iterations, outcome and the KKT residual at <paramref name="Solution"/>.</param>
internal sealed record QuadraticProgramResult(double[] Solution, SolverRun Run);

/// <summary>
/// Small dense quadratic programs with nonnegativity constraints: min ½xᵀQx + cᵀx s.t. x ≥ 0, Q symmetric positive
/// semi-definite. A primal active-set method (Lawson–Hanson style: add the most violating coordinate, solve the
/// unconstrained problem on the free set, step back to feasibility) which is exact in finitely many steps for
/// positive definite Q; singular free blocks are solved in the minimum-norm sense, and if the active set ever
/// stalls, projected coordinate descent finishes the job. The KKT conditions are checked at the end, so a
/// returned <see cref="SolverOutcome.Converged"/> is verified, not assumed.
/// </summary>
internal static class NonnegativeQuadraticProgram
{
    /// <summary>Solver name used in <see cref="SolverRun"/> records.</summary>
    public const string Name = "NNQP.ActiveSet";

    /// <summary>Coordinate-descent sweep limit of the fallback stage.</summary>
    public const int MaxFallbackSweeps = 20000;

    /// <summary>Solves min ½xᵀQx + cᵀx subject to x ≥ 0.</summary>
    /// <param name="q">Symmetric positive semi-definite n×n matrix.</param>
    /// <param name="c">Linear term of length n.</param>
    /// <param name="tolerance">KKT tolerance relative to max(maxᵢ Qᵢᵢ, maxᵢ |cᵢ|).</param>
    public static QuadraticProgramResult Solve(double[,] q, double[] c, double tolerance = 1e-10)
    {
        int n = c.Length;
        if (q.GetLength(0) != n || q.GetLength(1) != n)
            throw new ArgumentException($"The QP needs an n×n matrix and a vector of length n; got {q.GetLength(0)}×{q.GetLength(1)} and {n}.");
        double scale = 1e-300;
        for (int i = 0; i < n; i++)
            scale = Math.Max(scale, Math.Max(q[i, i], Math.Abs(c[i])));
        double threshold = tolerance * scale;

        var x = new double[n];
        var free = new bool[n];
        int maxIterations = 10 * n + 50, iterations = 0;
        bool optimal = false;
        while (iterations < maxIterations)
        {
            iterations++;
            var gradient = Gradient(q, c, x);
            int entering = -1;
            double mostNegative = -threshold;
            for (int k = 0; k < n; k++)
                if (!free[k] && gradient[k] < mostNegative)
                {
                    mostNegative = gradient[k];
                    entering = k;
                }
            if (entering < 0)
            {
                optimal = true;
                break;
            }
            free[entering] = true;
            while (iterations < maxIterations)
            {
                iterations++;
                var z = SolveOnFreeSet(q, c, free);
                double step = 1;
                for (int k = 0; k < n; k++)
                    if (free[k] && z[k] <= 0 && x[k] - z[k] > 0)
                        step = Math.Min(step, x[k] / (x[k] - z[k]));
                for (int k = 0; k < n; k++)
                    x[k] = free[k] ? x[k] + step * (z[k] - x[k]) : 0;
                if (step >= 1)
                    break;
                // Coordinates that hit the bound leave the free set.
                bool anyFree = false;
                for (int k = 0; k < n; k++)
                {
                    if (free[k] && x[k] <= 1e-15 * (1 + Math.Abs(z[k])))
                    {
                        free[k] = false;
                        x[k] = 0;
                    }
                    anyFree |= free[k];
                }
                if (!anyFree)
                    break;
            }
        }

        double residual = KktResidual(q, c, x);
        if (!optimal || residual > threshold)
            iterations += CoordinateDescent(q, c, x, threshold, out residual);
        var outcome = residual <= threshold ? SolverOutcome.Converged : SolverOutcome.NotConverged;
        return new QuadraticProgramResult(x, new SolverRun(Name, iterations, outcome, residual / scale));
    }

    /// <summary>
    /// Solves v* = argmin_{v ≥ lower} vᵀGv (the dual form of projecting onto the dual cone of the rows of J, with
    /// G = JJᵀ), by substituting v = lower + x, x ≥ 0.
    /// </summary>
    /// <param name="gramian">Symmetric positive semi-definite T×T Gramian.</param>
    /// <param name="lower">Elementwise lower bound of length T.</param>
    /// <param name="tolerance">Relative KKT tolerance.</param>
    public static QuadraticProgramResult MinimizeAboveBound(double[,] gramian, double[] lower, double tolerance = 1e-10)
    {
        var c = SmallMatrix.Multiply(gramian, lower);
        var result = Solve(gramian, c, tolerance);
        var v = new double[lower.Length];
        for (int i = 0; i < v.Length; i++)
            v[i] = lower[i] + result.Solution[i];
        return result with { Solution = v };
    }

    /// <summary>Largest violation of the KKT conditions: gradient ≥ 0 where x = 0, gradient = 0 where x &gt; 0.</summary>
    public static double KktResidual(double[,] q, double[] c, double[] x)
    {
        var gradient = Gradient(q, c, x);
        double worst = 0;
        for (int k = 0; k < x.Length; k++)
        {
            if (x[k] < 0)
                worst = Math.Max(worst, -x[k]);
            worst = Math.Max(worst, x[k] > 0 ? Math.Abs(gradient[k]) : Math.Max(-gradient[k], 0));
        }
        return worst;
    }

    private static double[] Gradient(double[,] q, double[] c, double[] x)
    {
        var g = SmallMatrix.Multiply(q, x);
        for (int k = 0; k < g.Length; k++)
            g[k] += c[k];
        return g;
    }

    /// <summary>Minimiser of the quadratic restricted to the free coordinates (others fixed at 0).</summary>
    private static double[] SolveOnFreeSet(double[,] q, double[] c, bool[] free)
    {
        var index = Enumerable.Range(0, free.Length).Where(k => free[k]).ToArray();
        int m = index.Length;
        var sub = new double[m, m];
        var rhs = new double[m];
        for (int a = 0; a < m; a++)
        {
            rhs[a] = -c[index[a]];
            for (int b = 0; b < m; b++)
                sub[a, b] = q[index[a], index[b]];
        }
        var local = SmallMatrix.SolveSymmetric(sub, rhs);
        var z = new double[free.Length];
        for (int a = 0; a < m; a++)
            z[index[a]] = local[a];
        return z;
    }

    /// <summary>Projected Gauss–Seidel; returns the sweeps used and updates x in place.</summary>
    private static int CoordinateDescent(double[,] q, double[] c, double[] x, double threshold, out double residual)
    {
        int n = x.Length;
        var gradient = Gradient(q, c, x);
        residual = KktResidual(q, c, x);
        int sweep = 0;
        while (sweep < MaxFallbackSweeps && residual > threshold)
        {
            sweep++;
            for (int k = 0; k < n; k++)
            {
                if (!(q[k, k] > 0))
                    continue;
                double updated = Math.Max(0, x[k] - gradient[k] / q[k, k]);
                double delta = updated - x[k];
                if (delta == 0)
                    continue;
                x[k] = updated;
                for (int i = 0; i < n; i++)
                    gradient[i] += q[i, k] * delta;
            }
            if (sweep % 10 == 0)
            {
                gradient = Gradient(q, c, x);
                residual = KktResidual(q, c, x);
            }
        }
        residual = KktResidual(q, c, x);
        return sweep;
    }
}
