namespace Mtl.Trainers.Solvers;

/// <summary>The answer of the Nash bargaining solve.</summary>
/// <param name="Weights">α &gt; 0 with αᵢ(Gα)ᵢ = 1 (null when the solve failed).</param>
/// <param name="Run">Iterations, outcome and residual maxᵢ|αᵢ(Gα)ᵢ − 1|.</param>
internal sealed record NashBargainingResult(double[]? Weights, SolverRun Run);

/// <summary>
/// Nash-MTL's bargaining system: find α &gt; 0 with (Gα)ᵢ = 1/αᵢ for every task. This is exactly the stationarity
/// condition of the strictly convex f(α) = ½αᵀGα − Σ log αᵢ on α &gt; 0, so we take damped Newton steps on f — a
/// sequence of convex (quadratic) subproblems — on G/‖G‖_F for conditioning, then rescale:
/// α = α̃/√‖G‖_F. The solution exists iff no nonnegative combination of the task gradients cancels to 0
/// (in particular no gradient is 0); otherwise α diverges and the solve reports <see cref="SolverOutcome.Failed"/>.
/// </summary>
internal static class NashBargainingSolver
{
    /// <summary>Solver name used in <see cref="SolverRun"/> records.</summary>
    public const string Name = "NashMTL.Newton";

    /// <summary>Solves the bargaining system.</summary>
    /// <param name="gramian">Symmetric positive semi-definite T×T Gramian.</param>
    /// <param name="start">Optional positive warm start (e.g. the previous step's α), in the units of <paramref name="gramian"/>.</param>
    /// <param name="maxIterations">Newton iteration limit.</param>
    /// <param name="tolerance">Stop when maxᵢ|αᵢ(Gα)ᵢ − 1| is below this (or when the Newton decrement reaches rounding level).</param>
    public static NashBargainingResult Solve(double[,] gramian, double[]? start = null, int maxIterations = 100, double tolerance = 1e-9)
    {
        int n = gramian.GetLength(0);
        if (n == 0 || gramian.GetLength(1) != n)
            throw new ArgumentException($"The Nash bargaining solver needs a non-empty square Gramian; got {n}×{gramian.GetLength(1)}.", nameof(gramian));
        double frobenius = 0;
        foreach (double v in gramian)
            frobenius += v * v;
        frobenius = Math.Sqrt(frobenius);
        if (!(frobenius > 0))
            return Failed(0, double.PositiveInfinity, "all task gradients are zero, so no bargaining solution exists");
        var g = SmallMatrix.Scale(gramian, 1 / frobenius);
        // No solution iff the convex hull of the gradients contains 0 (then some α·1-direction makes Gα vanish).
        var hull = MinNormSolver.Solve(g, maxIterations: 20, tolerance: 1e-9);
        if (hull.SquaredNorm <= 1e-10)
            return Failed(0, double.PositiveInfinity,
                "a nonnegative combination of the task gradients is (nearly) zero (conflicting or zero gradients), so the bargaining problem has no solution");
        double rootScale = Math.Sqrt(frobenius);

        var alpha = new double[n];
        if (start is not null && start.Length == n && start.All(a => a > 0 && double.IsFinite(a)))
        {
            for (int i = 0; i < n; i++)
                alpha[i] = start[i] * rootScale;
        }
        else
        {
            // Best common value t·1: t²·mean(G1) = 1.
            double mean = SmallMatrix.Multiply(g, Simplex.Uniform(n, n)).Average();
            Array.Fill(alpha, mean > 1e-12 ? 1 / Math.Sqrt(mean) : 1.0);
        }

        double residual = Residual(g, alpha);
        for (int iteration = 1; iteration <= maxIterations; iteration++)
        {
            if (residual <= tolerance)
                return Solved(alpha, rootScale, iteration - 1, residual);
            var ga = SmallMatrix.Multiply(g, alpha);
            var gradient = new double[n];
            for (int i = 0; i < n; i++)
                gradient[i] = ga[i] - 1 / alpha[i];
            // Newton system (G + diag(1/α²))Δ = −∇f, solved in the variables Δ = diag(α)·y, where the matrix
            // diag(α)·G·diag(α) + I has all eigenvalues ≥ 1.
            var scaled = new double[n, n];
            var rhs = new double[n];
            for (int i = 0; i < n; i++)
            {
                rhs[i] = -alpha[i] * gradient[i];
                for (int j = 0; j < n; j++)
                    scaled[i, j] = alpha[i] * g[i, j] * alpha[j] + (i == j ? 1 : 0);
            }
            var y = SmallMatrix.SolveSymmetric(scaled, rhs);
            var direction = new double[n];
            for (int i = 0; i < n; i++)
                direction[i] = alpha[i] * y[i];
            double slope = SmallMatrix.Dot(gradient, direction);
            double f = Value(g, alpha);
            // A Newton step that no longer moves α (relative 1e-11) means the iterate is the numerical optimum even if
            // rounding keeps the residual above the tolerance (ill-conditioned G).
            double relativeStep = 0;
            for (int i = 0; i < n; i++)
                relativeStep = Math.Max(relativeStep, Math.Abs(direction[i]) / alpha[i]);
            if (relativeStep <= 1e-11)
                return Solved(alpha, rootScale, iteration - 1, residual);
            double step = 1;
            for (int i = 0; i < n; i++)
                if (direction[i] < 0)
                    step = Math.Min(step, 0.99 * alpha[i] / -direction[i]);
            var next = new double[n];
            for (int halving = 0; halving < 60; halving++)
            {
                for (int i = 0; i < n; i++)
                    next[i] = alpha[i] + step * direction[i];
                // Armijo, with rounding slack so that full steps near the optimum are not rejected.
                if (Value(g, next) <= f + 1e-4 * step * slope + 1e-14 * Math.Abs(f))
                    break;
                step *= 0.5;
            }
            alpha = next;
            if (alpha.Any(a => !double.IsFinite(a) || a > 1e12))
                return Failed(iteration, double.PositiveInfinity,
                    "the weights diverge: a nonnegative combination of the task gradients is (nearly) zero, so the bargaining problem has no solution");
            residual = Residual(g, alpha);
        }
        if (residual <= tolerance)
            return Solved(alpha, rootScale, maxIterations, residual);
        return new NashBargainingResult(alpha.Select(a => a / rootScale).ToArray(), new SolverRun(Name, maxIterations, SolverOutcome.NotConverged, residual));
    }

    private static double Value(double[,] g, double[] alpha)
    {
        double logs = 0;
        foreach (double a in alpha)
        {
            if (!(a > 0))
                return double.PositiveInfinity;
            logs += Math.Log(a);
        }
        return 0.5 * SmallMatrix.QuadraticForm(g, alpha) - logs;
    }

    private static double Residual(double[,] g, double[] alpha)
    {
        var ga = SmallMatrix.Multiply(g, alpha);
        double worst = 0;
        for (int i = 0; i < alpha.Length; i++)
            worst = Math.Max(worst, Math.Abs(alpha[i] * ga[i] - 1));
        return worst;
    }

    private static NashBargainingResult Solved(double[] alpha, double rootScale, int iterations, double residual) =>
        new(alpha.Select(a => a / rootScale).ToArray(), new SolverRun(Name, iterations, SolverOutcome.Converged, residual));

    private static NashBargainingResult Failed(int iterations, double residual, string why) =>
        new(null, new SolverRun(Name, iterations, SolverOutcome.Failed, residual, why));
}
