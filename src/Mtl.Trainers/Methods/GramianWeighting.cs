using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>
/// A gradient method whose direction is d = Jᵀw with weights w computed from the T×T Gramian G = JJᵀ alone
/// (Gᵢⱼ = gᵢ·gⱼ). The trainer computes G cheaply (a sum of per-parameter-tensor dot products, no copy of J),
/// solves the tiny problem here on the CPU, then does one weighted backward or combines stored gradients.
/// </summary>
/// <remarks>
/// A task without a labelled row in the step's batch (<see cref="StepContext.Labelled"/>) has a zero gradient row. Such a
/// row would make MGDA's minimum-norm point 0 (no update at all) and leave Nash-MTL's (Gα)ᵢ = 1/αᵢ without a solution, so by
/// default the method weighs the labelled tasks among themselves (their sub-Gramian) and gives the others weight 0 — see
/// <see cref="LabelledWeights"/>; a method with per-task-pair state (GradVac) sees the whole Gramian instead.
/// </remarks>
public abstract partial class GramianWeighting : GradientMethod
{
    /// <summary>Relative asymmetry |Gᵢⱼ − Gⱼᵢ| / max|G| above which a Gramian is rejected.</summary>
    public const double SymmetryTolerance = 1e-4;

    /// <summary>Creates a Gramian weighting.</summary>
    /// <param name="name">Display name.</param>
    /// <param name="supportedModes">The gradient modes the method allows.</param>
    protected GramianWeighting(string name, params GradientMode[] supportedModes) : base(name, GradientNeed.Gramian, supportedModes)
    {
    }

    /// <summary>Computes the task weights w for the Gramian of this step (d = Σ wᵢgᵢ).</summary>
    /// <param name="gramian">T×T Gramian of the per-task gradients (symmetric positive semi-definite up to rounding).</param>
    /// <param name="context">The step's context (losses, random generator, solver statistics).</param>
    /// <returns>T finite weights (also stored in <see cref="MtlMethod.CurrentWeights"/>).</returns>
    /// <exception cref="ArgumentException">G is not square, not symmetric, has a negative diagonal, or does not match the task count.</exception>
    /// <exception cref="NonFiniteLossException">G has a NaN or infinite entry (a task gradient is not finite: training diverged).</exception>
    public double[] Weights(double[,] gramian, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(gramian);
        ArgumentNullException.ThrowIfNull(context);
        RequireFinite(gramian, context);
        var g = Symmetrised(gramian, Name);
        if (g.GetLength(0) != context.TaskCount)
            throw new ArgumentException($"The Gramian is {g.GetLength(0)}×{g.GetLength(0)} but the step context has {context.TaskCount} tasks.", nameof(gramian));
        EnsureTaskCount(g.GetLength(0), "the Gramian");
        int[] labelled = context.LabelledTasks();
        var w = labelled.Length == g.GetLength(0) ? ComputeWeights(g, context) : LabelledWeights(g, labelled, context);
        if (w.Length != TaskCount || w.Any(x => !double.IsFinite(x)))
            throw new InvalidOperationException($"The MTL method '{Name}' produced invalid weights [{string.Join(", ", w)}] from a finite Gramian; this is a bug in the method.");
        CurrentWeights = (double[])w.Clone();
        return w;
    }

    /// <summary>Computes the weights for a single Gramian outside training (a fresh context with seed 0 and no losses).</summary>
    /// <param name="gramian">T×T Gramian.</param>
    public double[] Weights(double[,] gramian)
    {
        ArgumentNullException.ThrowIfNull(gramian);
        return Weights(gramian, new StepContext(Math.Max(1, gramian.GetLength(0))));
    }

    /// <summary>
    /// Weights when only <paramref name="labelled"/> tasks have labels in the step's batch: by default the method's rule on
    /// their sub-Gramian, 0 for the others (all 0 when no task is labelled). Override to keep per-task state consistent, or
    /// to weigh the whole Gramian (a zero row) when the rule copes with it.
    /// </summary>
    /// <param name="gramian">The symmetric T×T Gramian (rows of unlabelled tasks are 0).</param>
    /// <param name="labelled">The labelled tasks, ascending (fewer than T).</param>
    /// <param name="context">The step's context.</param>
    protected virtual double[] LabelledWeights(double[,] gramian, int[] labelled, StepContext context)
    {
        var w = new double[gramian.GetLength(0)];
        if (labelled.Length == 0) return w;
        double[] part = ComputeWeights(SubGramian(gramian, labelled), context);
        for (int k = 0; k < labelled.Length; k++) w[labelled[k]] = part[k];
        return w;
    }

    /// <summary>The rows and columns <paramref name="tasks"/> of a Gramian.</summary>
    protected static double[,] SubGramian(double[,] gramian, int[] tasks)
    {
        var sub = new double[tasks.Length, tasks.Length];
        for (int a = 0; a < tasks.Length; a++)
            for (int b = 0; b < tasks.Length; b++)
                sub[a, b] = gramian[tasks[a], tasks[b]];
        return sub;
    }

    /// <summary>The method's rule: weights from a validated, exactly symmetric Gramian.</summary>
    /// <param name="gramian">Symmetric T×T Gramian (a private copy; may be modified).</param>
    /// <param name="context">The step's context.</param>
    protected abstract double[] ComputeWeights(double[,] gramian, StepContext context);

    /// <summary>Throws the divergence error, naming the task of the first row with a NaN or infinite entry.</summary>
    /// <exception cref="NonFiniteLossException">An entry is not finite.</exception>
    protected static void RequireFinite(double[,] gramian, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(gramian);
        ArgumentNullException.ThrowIfNull(context);
        for (int i = 0; i < gramian.GetLength(0); i++)
            for (int j = 0; j < gramian.GetLength(1); j++)
                if (!double.IsFinite(gramian[i, j]))
                    throw context.NonFinite(NonFiniteSite.Gramian, i < context.TaskCount ? i : -1, gramian[i, j]);
    }

    /// <summary>
    /// Validates a Gramian and returns its symmetric part (G + Gᵀ)/2; rounding asymmetry is tolerated,
    /// a real asymmetry is an error.
    /// </summary>
    /// <param name="gramian">The matrix to check.</param>
    /// <param name="method">Method name for the messages.</param>
    public static double[,] Symmetrised(double[,] gramian, string method)
    {
        int n = gramian.GetLength(0);
        if (n == 0 || gramian.GetLength(1) != n)
            throw new ArgumentException($"The MTL method '{method}' needs a non-empty square T×T Gramian; got {n}×{gramian.GetLength(1)}.", nameof(gramian));
        double scale = SmallMatrix.MaxAbs(gramian);
        if (!double.IsFinite(scale))
            throw new ArgumentException($"The Gramian given to '{method}' has NaN or infinite entries: a task gradient is not finite.", nameof(gramian));
        var g = new double[n, n];
        for (int i = 0; i < n; i++)
        {
            if (gramian[i, i] < -SymmetryTolerance * scale)
                throw new ArgumentException($"The Gramian given to '{method}' has a negative diagonal entry G[{i},{i}] = {gramian[i, i]}; a Gramian's diagonal holds squared gradient norms.", nameof(gramian));
            for (int j = 0; j < n; j++)
            {
                if (Math.Abs(gramian[i, j] - gramian[j, i]) > SymmetryTolerance * scale)
                    throw new ArgumentException($"The Gramian given to '{method}' is not symmetric: G[{i},{j}] = {gramian[i, j]} but G[{j},{i}] = {gramian[j, i]}.", nameof(gramian));
                g[i, j] = 0.5 * (gramian[i, j] + gramian[j, i]);
            }
            g[i, i] = Math.Max(g[i, i], 0);
        }
        return g;
    }

    /// <summary>Gradient norms √Gᵢᵢ.</summary>
    protected static double[] Norms(double[,] gramian)
    {
        var norms = new double[gramian.GetLength(0)];
        for (int i = 0; i < norms.Length; i++)
            norms[i] = Math.Sqrt(Math.Max(gramian[i, i], 0));
        return norms;
    }
}
