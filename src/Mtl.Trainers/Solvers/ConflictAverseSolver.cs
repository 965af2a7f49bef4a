namespace Mtl.Trainers.Solvers;

/// <summary>The answer of CAGrad's inner problem.</summary>
/// <param name="Weights">w* on the simplex.</param>
/// <param name="Objective">F(w*) = g_wᵀg₀ + c‖g_w‖ in the units of the input Gramian.</param>
/// <param name="Run">Iterations and outcome (residual = ‖w − Π(w − ∇F(w))‖ in scaled units).</param>
internal sealed record ConflictAverseSolution(double[] Weights, double Objective, SolverRun Run);

/// <summary>
/// CAGrad's inner problem on the Gramian: w* = argmin_{w ∈ simplex} g_wᵀg₀ + c·‖g_w‖ with g_w = Σ wᵢgᵢ and
/// g₀ = mean gᵢ, i.e. F(w) = wᵀG(1/T) + c·√(wᵀGw). Convex; solved by projected gradient descent with
/// backtracking, polished by Newton steps on the identified face, on a copy of G scaled to unit diagonal maximum
/// (the minimiser is scale invariant). Convergence is measured by ‖w − Π(w − ∇F)‖, zero only at the optimum.
/// </summary>
internal static class ConflictAverseSolver
{
    /// <summary>Solver name used in <see cref="SolverRun"/> records.</summary>
    public const string Name = "CAGrad.ProjectedGradient";

    /// <summary>Smoothing inside the square root (relative to the scaled Gramian), as in the reference code.</summary>
    public const double Smoothing = 1e-12;

    /// <summary>Solves the inner problem.</summary>
    /// <param name="gramian">Symmetric positive semi-definite T×T Gramian.</param>
    /// <param name="radius">c ≥ 0, the radius of the ball around g₀ (CAGrad uses c = ca·‖g₀‖).</param>
    /// <param name="maxIterations">Iteration limit.</param>
    /// <param name="tolerance">Stop when ‖w − Π(w − ∇F)‖ is below this (scaled units).</param>
    public static ConflictAverseSolution Solve(double[,] gramian, double radius, int maxIterations = 2000, double tolerance = 1e-10)
    {
        int n = gramian.GetLength(0);
        if (n == 0 || gramian.GetLength(1) != n)
            throw new ArgumentException($"CAGrad's solver needs a non-empty square Gramian; got {n}×{gramian.GetLength(1)}.", nameof(gramian));
        if (!(radius >= 0) || !double.IsFinite(radius))
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "The CAGrad radius c must be a finite number ≥ 0.");
        double scale = 0;
        for (int i = 0; i < n; i++)
            scale = Math.Max(scale, gramian[i, i]);
        var w = Simplex.Uniform(n);
        if (!(scale > 0) || n == 1)
            return new ConflictAverseSolution(w, 0, new SolverRun(Name, 0, SolverOutcome.Converged, 0));

        var g = SmallMatrix.Scale(gramian, 1 / scale);
        double c = radius / Math.Sqrt(scale);
        var gb = SmallMatrix.Multiply(g, Simplex.Uniform(n));
        double step = 1, residual = double.PositiveInfinity;
        double f = Objective(g, gb, c, w, out var gradient);
        for (int iteration = 1; iteration <= maxIterations; iteration++)
        {
            // A projected-gradient step identifies the optimal face; a Newton step on that face converges fast.
            step = ProjectedGradientStep(g, gb, c, ref w, ref f, ref gradient, step);
            NewtonStepOnFace(g, gb, c, ref w, ref f, ref gradient);
            residual = StationarityResidual(w, gradient);
            if (residual <= tolerance)
                return new ConflictAverseSolution(w, f * scale, new SolverRun(Name, iteration, SolverOutcome.Converged, residual));
        }
        return new ConflictAverseSolution(w, f * scale, new SolverRun(Name, maxIterations, SolverOutcome.NotConverged, residual));
    }

    /// <summary>‖w − Π(w − ∇F)‖: zero exactly at the minimiser over the simplex.</summary>
    private static double StationarityResidual(double[] w, double[] gradient)
    {
        var projected = Simplex.Project(w.Zip(gradient, (a, b) => a - b).ToArray());
        double s = 0;
        for (int i = 0; i < w.Length; i++)
            s += (w[i] - projected[i]) * (w[i] - projected[i]);
        return Math.Sqrt(s);
    }

    /// <summary>One projected-gradient step with backtracking; returns the next trial step length.</summary>
    private static double ProjectedGradientStep(double[,] g, double[] gb, double c, ref double[] w, ref double f, ref double[] gradient, double step)
    {
        int n = w.Length;
        while (true)
        {
            var y = new double[n];
            for (int i = 0; i < n; i++)
                y[i] = w[i] - step * gradient[i];
            var candidate = Simplex.Project(y);
            double fCandidate = Objective(g, gb, c, candidate, out var candidateGradient);
            double linear = 0, squared = 0;
            for (int i = 0; i < n; i++)
            {
                double d = candidate[i] - w[i];
                linear += gradient[i] * d;
                squared += d * d;
            }
            // Sufficient decrease of the quadratic upper model; shrink the step until it holds.
            if (fCandidate <= f + linear + squared / (2 * step) + 1e-15 * Math.Abs(f) || step < 1e-20)
            {
                w = candidate;
                f = fCandidate;
                gradient = candidateGradient;
                return step * 2;
            }
            step *= 0.5;
        }
    }

    /// <summary>
    /// Newton step for F restricted to {w_S : Σ w_S = 1} on the support S of w, kept only if it decreases F and
    /// stays feasible (truncated at the boundary).
    /// </summary>
    private static void NewtonStepOnFace(double[,] g, double[] gb, double c, ref double[] w, ref double f, ref double[] gradient)
    {
        var current = w;
        var support = Enumerable.Range(0, current.Length).Where(i => current[i] > 0).ToArray();
        int m = support.Length;
        if (m < 2)
            return;
        var gw = SmallMatrix.Multiply(g, w);
        double norm = Math.Sqrt(Math.Max(SmallMatrix.Dot(w, gw), 0) + Smoothing);
        // KKT system [H 1; 1ᵀ 0][Δ; ν] = [−∇F; 0] with H = c(G/‖·‖ − (Gw)(Gw)ᵀ/‖·‖³) on the support.
        var kkt = new double[m + 1, m + 1];
        var rhs = new double[m + 1];
        for (int a = 0; a < m; a++)
        {
            for (int b = 0; b < m; b++)
                kkt[a, b] = c * (g[support[a], support[b]] / norm - gw[support[a]] * gw[support[b]] / (norm * norm * norm));
            kkt[a, m] = kkt[m, a] = 1;
            rhs[a] = -gradient[support[a]];
        }
        var solution = SmallMatrix.Solve(kkt, rhs, 1e-14);
        double limit = 1;
        for (int a = 0; a < m; a++)
            if (solution[a] < 0)
                limit = Math.Min(limit, w[support[a]] / -solution[a]);
        for (double t = limit; t > 1e-12; t *= 0.5)
        {
            var candidate = (double[])w.Clone();
            for (int a = 0; a < m; a++)
                candidate[support[a]] = Math.Max(0, candidate[support[a]] + t * solution[a]);
            double sum = candidate.Sum();
            for (int i = 0; i < candidate.Length; i++)
                candidate[i] /= sum;
            double fCandidate = Objective(g, gb, c, candidate, out var candidateGradient);
            if (fCandidate < f)
            {
                w = candidate;
                f = fCandidate;
                gradient = candidateGradient;
                return;
            }
        }
    }

    /// <summary>F(w) = wᵀGb + c√(wᵀGw + ε) and its gradient Gb + c·Gw/√(wᵀGw + ε).</summary>
    private static double Objective(double[,] g, double[] gb, double c, double[] w, out double[] gradient)
    {
        var gw = SmallMatrix.Multiply(g, w);
        double norm = Math.Sqrt(Math.Max(SmallMatrix.Dot(w, gw), 0) + Smoothing);
        gradient = new double[w.Length];
        for (int i = 0; i < w.Length; i++)
            gradient[i] = gb[i] + c * gw[i] / norm;
        return SmallMatrix.Dot(w, gb) + c * norm;
    }
}
