namespace Mtl.Trainers.Solvers;

/// <summary>The result of a min-norm solve: simplex weights α and the squared norm αᵀGα of Σ αᵢgᵢ.</summary>
/// <param name="Weights">α on the simplex.</param>
/// <param name="SquaredNorm">αᵀGα.</param>
/// <param name="Run">Iterations and outcome.</param>
internal sealed record MinNormResult(double[] Weights, double SquaredNorm, SolverRun Run);

/// <summary>When MGDA's Frank–Wolfe iteration stops.</summary>
public enum FrankWolfeStopping
{
    /// <summary>
    /// When the duality gap αᵀGα − minᵢ(Gα)ᵢ is at most tolerance·αᵀGα — relative to the current squared norm, so a
    /// tiny min-norm point is solved as accurately as a large one (a gap below 1e-14·maxᵢGᵢᵢ also stops, for a zero point).
    /// </summary>
    RelativeGap,

    /// <summary>
    /// When the weights change by less than tolerance in L1 norm (the reference code's rule, Sener &amp; Koltun and LibMTL):
    /// with a small min-norm point the steps are small long before the optimum and it stops early.
    /// </summary>
    AbsoluteChange,
}

/// <summary>
/// The minimum-norm point of the convex hull of T vectors given by their Gramian G:
/// α* = argmin_{α ∈ simplex} αᵀGα (MGDA's subproblem). Exact closed form for two vectors; Frank–Wolfe with exact
/// line search for more (Sener &amp; Koltun's algorithm, started from the best pair), finished by an exact active-set
/// solve when it hits its iteration limit.
/// </summary>
internal static class MinNormSolver
{
    /// <summary>Solver name used in <see cref="SolverRun"/> records.</summary>
    public const string Name = "MinNorm.FrankWolfe";

    /// <summary>
    /// The weight γ on the first vector of min_{γ∈[0,1]} ‖γ·a + (1−γ)·b‖², given a·a, a·b and b·b:
    /// γ = (b·b − a·b)/‖a − b‖², clipped to [0, 1]. When a = b every γ is optimal and <paramref name="tie"/> is returned.
    /// </summary>
    /// <param name="aa">a·a.</param>
    /// <param name="ab">a·b.</param>
    /// <param name="bb">b·b.</param>
    /// <param name="tie">Value returned when a and b coincide (0.5 for symmetric weights).</param>
    public static double TwoPointWeight(double aa, double ab, double bb, double tie = 0.5)
    {
        double denominator = aa + bb - 2 * ab;
        if (!(denominator > 1e-14 * (aa + bb)))
            return tie;
        return Math.Clamp((bb - ab) / denominator, 0.0, 1.0);
    }

    /// <summary>Solves α* = argmin_{α ∈ simplex} αᵀGα.</summary>
    /// <param name="gramian">Symmetric positive semi-definite T×T Gramian.</param>
    /// <param name="maxIterations">Frank–Wolfe iteration limit (250 as in MGDA's reference code).</param>
    /// <param name="tolerance">Stopping tolerance, read as <paramref name="stopping"/> says.</param>
    /// <param name="exactFallback">When Frank–Wolfe stops at its iteration limit (common for T ≳ 10, where it converges
    /// sublinearly), finish with an exact active-set solve; false keeps the reference algorithm's answer.</param>
    /// <param name="stopping">The stopping rule (default: duality gap relative to αᵀGα).</param>
    public static MinNormResult Solve(double[,] gramian, int maxIterations = 250, double tolerance = 1e-5, bool exactFallback = true,
        FrankWolfeStopping stopping = FrankWolfeStopping.RelativeGap)
    {
        int n = gramian.GetLength(0);
        if (n == 0 || gramian.GetLength(1) != n)
            throw new ArgumentException($"The min-norm solver needs a non-empty square Gramian; got {n}×{gramian.GetLength(1)}.", nameof(gramian));
        if (maxIterations < 1)
            throw new ArgumentOutOfRangeException(nameof(maxIterations), maxIterations, "At least one iteration is needed.");
        if (n == 1)
            return new MinNormResult([1.0], gramian[0, 0], new SolverRun(Name, 0, SolverOutcome.Converged, 0));
        if (n == 2)
        {
            double gamma = TwoPointWeight(gramian[0, 0], gramian[0, 1], gramian[1, 1]);
            double[] w2 = [gamma, 1 - gamma];
            return new MinNormResult(w2, SmallMatrix.QuadraticForm(gramian, w2), new SolverRun("MinNorm.TwoVectors", 0, SolverOutcome.Converged, 0));
        }

        var alpha = BestPair(gramian);
        double scale = 0;
        for (int i = 0; i < n; i++)
            scale = Math.Max(scale, gramian[i, i]);
        double gap = 0;
        for (int iteration = 1; iteration <= maxIterations; iteration++)
        {
            var g_alpha = SmallMatrix.Multiply(gramian, alpha);
            double current = SmallMatrix.Dot(alpha, g_alpha);
            int best = 0;
            for (int t = 1; t < n; t++)
                if (g_alpha[t] < g_alpha[best])
                    best = t;
            gap = current - g_alpha[best];
            if (stopping == FrankWolfeStopping.RelativeGap && GapIsSmall(gap, current, scale, tolerance))
                return Result(gramian, alpha, iteration - 1, SolverOutcome.Converged, gap);
            // Exact line search between the current point and the best vertex; on a tie keep the current point.
            double gamma = TwoPointWeight(current, g_alpha[best], gramian[best, best], tie: 1.0);
            double change = 0;
            for (int t = 0; t < n; t++)
            {
                double updated = gamma * alpha[t] + (t == best ? 1 - gamma : 0);
                change += Math.Abs(updated - alpha[t]);
                alpha[t] = updated;
            }
            if (stopping == FrankWolfeStopping.AbsoluteChange && change < tolerance)
                return Result(gramian, alpha, iteration, SolverOutcome.Converged, gap);
        }
        if (exactFallback && TryExact(gramian, tolerance, out var exact, out int qpIterations))
            return new MinNormResult(exact, SmallMatrix.QuadraticForm(gramian, exact),
                new SolverRun(Name + "+ActiveSet", maxIterations + qpIterations, SolverOutcome.Converged, Math.Max(Gap(gramian, exact), 0)));
        return Result(gramian, alpha, maxIterations, SolverOutcome.NotConverged, gap);
    }

    /// <summary>
    /// Exact min-norm weights through the QP min ½xᵀGx − Σx, x ≥ 0: its KKT conditions (Gx ≥ 1, equality where x &gt; 0)
    /// are those of the min-norm point for α = x/Σx. Bounded only when 0 is not in the hull; the answer is accepted
    /// only if its Frank–Wolfe gap is within tolerance.
    /// </summary>
    private static bool TryExact(double[,] gramian, double tolerance, out double[] alpha, out int iterations)
    {
        int n = gramian.GetLength(0);
        double scale = 0;
        for (int i = 0; i < n; i++)
            scale = Math.Max(scale, gramian[i, i]);
        alpha = [];
        iterations = 0;
        if (!(scale > 0))
            return false;
        var ones = Enumerable.Repeat(-1.0, n).ToArray();
        var result = NonnegativeQuadraticProgram.Solve(SmallMatrix.Scale(gramian, 1 / scale), ones);
        iterations = result.Run.Iterations;
        double total = result.Solution.Sum();
        if (!result.Run.Converged || !(total > 0) || !double.IsFinite(total))
            return false;
        alpha = result.Solution.Select(x => x / total).ToArray();
        return GapIsSmall(Gap(gramian, alpha), SmallMatrix.QuadraticForm(gramian, alpha), scale, tolerance);
    }

    /// <summary>The relative stopping rule: gap ≤ tolerance·αᵀGα, or a gap at rounding level of the Gramian's scale.</summary>
    private static bool GapIsSmall(double gap, double squaredNorm, double scale, double tolerance) =>
        gap <= tolerance * squaredNorm || gap <= 1e-14 * scale;

    /// <summary>Frank–Wolfe duality gap αᵀGα − minᵢ(Gα)ᵢ (≥ 0, zero exactly at the optimum).</summary>
    private static double Gap(double[,] gramian, double[] alpha)
    {
        var g_alpha = SmallMatrix.Multiply(gramian, alpha);
        return SmallMatrix.Dot(alpha, g_alpha) - g_alpha.Min();
    }

    private static MinNormResult Result(double[,] gramian, double[] alpha, int iterations, SolverOutcome outcome, double gap) =>
        new(alpha, SmallMatrix.QuadraticForm(gramian, alpha), new SolverRun(Name, iterations, outcome, Math.Max(gap, 0)));

    /// <summary>Start point: the best two-vector solution over all pairs.</summary>
    private static double[] BestPair(double[,] g)
    {
        int n = g.GetLength(0);
        double bestCost = double.PositiveInfinity;
        var alpha = new double[n];
        for (int i = 0; i < n; i++)
            for (int j = i + 1; j < n; j++)
            {
                double gamma = TwoPointWeight(g[i, i], g[i, j], g[j, j]);
                double cost = gamma * gamma * g[i, i] + 2 * gamma * (1 - gamma) * g[i, j] + (1 - gamma) * (1 - gamma) * g[j, j];
                if (cost < bestCost)
                {
                    bestCost = cost;
                    Array.Clear(alpha);
                    alpha[i] = gamma;
                    alpha[j] = 1 - gamma;
                }
            }
        return alpha;
    }
}
