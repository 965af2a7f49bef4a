namespace Mtl.Trainers.Solvers;

/// <summary>How one run of a small solver ended.</summary>
public enum SolverOutcome
{
    /// <summary>The stopping criterion was met; the answer is optimal to the solver's tolerance.</summary>
    Converged,

    /// <summary>The iteration limit was reached first; the answer is the best iterate, usable but not optimal.</summary>
    NotConverged,

    /// <summary>No usable answer was found; the caller fell back (e.g. to the previous weights) and says so in <see cref="SolverRun.Detail"/>.</summary>
    Failed,
}

/// <summary>The record of one solver run: which solver, how many iterations, how it ended.</summary>
/// <param name="Solver">Name of the solver (e.g. <c>"MinNorm.FrankWolfe"</c>).</param>
/// <param name="Iterations">Iterations performed.</param>
/// <param name="Outcome">Converged, not converged or failed.</param>
/// <param name="Residual">The solver's own optimality measure at the answer (e.g. a duality gap or KKT violation); 0 when exact.</param>
/// <param name="Detail">Optional human-readable explanation, always set for <see cref="SolverOutcome.Failed"/>.</param>
public sealed record SolverRun(string Solver, int Iterations, SolverOutcome Outcome, double Residual, string? Detail = null)
{
    /// <summary>True when <see cref="Outcome"/> is <see cref="SolverOutcome.Converged"/>.</summary>
    public bool Converged => Outcome == SolverOutcome.Converged;

    /// <summary>A one-line description, suitable for a log.</summary>
    public override string ToString() =>
        $"{Solver}: {Outcome} after {Iterations} iteration(s), residual {Residual:G3}" + (Detail is null ? "" : $" ({Detail})");
}

/// <summary>
/// Running totals of the solver runs of a training session (a sink passed to every method through
/// <see cref="Methods.StepContext"/>). Solvers never fail silently: every run is counted here, and a run that
/// did not converge or failed is also reported through <see cref="OnProblem"/>, which a trainer hooks to its log.
/// Not thread-safe: one instance per training loop.
/// </summary>
public sealed class SolverStatistics
{
    private readonly Dictionary<string, int> _problemsBySolver = new(StringComparer.Ordinal);

    /// <summary>Number of solver runs recorded.</summary>
    public long Calls { get; private set; }

    /// <summary>Sum of the iterations of all runs.</summary>
    public long TotalIterations { get; private set; }

    /// <summary>Largest iteration count of a single run.</summary>
    public int MaxIterations { get; private set; }

    /// <summary>Runs that stopped at their iteration limit.</summary>
    public long NotConverged { get; private set; }

    /// <summary>Runs that produced no usable answer (the method fell back).</summary>
    public long Failed { get; private set; }

    /// <summary>Runs that did not converge, of either kind: <see cref="NotConverged"/> + <see cref="Failed"/>.</summary>
    public long Failures => NotConverged + Failed;

    /// <summary>The most recent run, or null before the first.</summary>
    public SolverRun? Last { get; private set; }

    /// <summary>The most recent run that did not converge or failed, or null if none.</summary>
    public SolverRun? LastFailure { get; private set; }

    /// <summary>Called for every run that did not converge or failed (e.g. hook it to <c>MLContext.Log</c>).</summary>
    public Action<SolverRun>? OnProblem { get; set; }

    /// <summary>Count of non-converged or failed runs per solver name.</summary>
    public IReadOnlyDictionary<string, int> ProblemsBySolver => _problemsBySolver;

    /// <summary>Records one run and reports it through <see cref="OnProblem"/> when it did not converge.</summary>
    /// <param name="run">The run to record.</param>
    public void Record(SolverRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        Calls++;
        TotalIterations += run.Iterations;
        MaxIterations = Math.Max(MaxIterations, run.Iterations);
        Last = run;
        if (run.Outcome == SolverOutcome.Converged)
            return;
        if (run.Outcome == SolverOutcome.NotConverged)
            NotConverged++;
        else
            Failed++;
        LastFailure = run;
        _problemsBySolver[run.Solver] = _problemsBySolver.GetValueOrDefault(run.Solver) + 1;
        OnProblem?.Invoke(run);
    }

    /// <summary>A one-line summary for a training report.</summary>
    public override string ToString() =>
        $"{Calls} solver run(s), {TotalIterations} iteration(s) (max {MaxIterations}), {NotConverged} not converged, {Failed} failed";
}
