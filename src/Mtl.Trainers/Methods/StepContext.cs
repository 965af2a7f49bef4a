using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>
/// What a method may know about the current training step besides the gradients: the task losses (as numbers),
/// the step and epoch index, a seeded random generator and the solver-statistics sink. One instance per training
/// run; the trainer calls <see cref="BeginStep"/> before it asks the method anything for that step.
/// </summary>
/// <remarks>
/// Randomness carries no state across steps: <see cref="BeginStep"/> derives the step's generators from (seed, step)
/// with a fixed integer mix, so a run resumed at step k draws exactly what an uninterrupted run draws there, in any
/// process, and checkpoints need no random-generator state for the methods.
/// </remarks>
public sealed partial class StepContext
{
    private readonly int _seed;
    private double[]? _losses;
    private double[]? _lossesAfterStep;
    private double[]? _sharedLayerNorms;
    private bool[]? _labelled;
    private readonly string[]? _taskNames;

    /// <summary>Creates a context.</summary>
    /// <param name="taskCount">Number of tasks T.</param>
    /// <param name="seed">Run seed; each step's <see cref="Random"/> is derived from (seed, step) (same seed → same random choices of PCGrad, GradVac, RLW and GradDrop).</param>
    /// <param name="solvers">Sink for solver runs; a new one when null.</param>
    /// <param name="taskNames">Task names for messages (null: "task 0", "task 1", …).</param>
    public StepContext(int taskCount, int seed = 0, SolverStatistics? solvers = null, IReadOnlyList<string>? taskNames = null)
    {
        if (taskCount < 1)
            throw new ArgumentOutOfRangeException(nameof(taskCount), taskCount, "A step context needs at least one task.");
        if (taskNames is not null && taskNames.Count != taskCount)
            throw new ArgumentException($"The step context has {taskCount} tasks but {taskNames.Count} task names were given.");
        TaskCount = taskCount;
        _taskNames = taskNames?.ToArray();
        _seed = seed;
        Random = new Random(StepSeed(seed, 0));
        Solvers = solvers ?? new SolverStatistics();
    }

    /// <summary>Number of tasks.</summary>
    public int TaskCount { get; }

    /// <summary>The run's checkpoint folder, named by divergence messages (set by the trainer; null when none).</summary>
    internal string? CheckpointFolder { get; set; }

    /// <summary>The name of task <paramref name="task"/> (0-based) for messages.</summary>
    public string TaskName(int task) => _taskNames is null ? $"task {task}" : _taskNames[task];

    /// <summary>
    /// The one divergence error of training (<see cref="NonFiniteLossException"/>) for a non-finite value met in this
    /// step: methods throw it for a non-finite input so that every caller sees divergence as one type.
    /// </summary>
    /// <param name="site">Where the value was found.</param>
    /// <param name="task">The task (0-based) it belongs to, or -1 for none.</param>
    /// <param name="value">The value.</param>
    public NonFiniteLossException NonFinite(NonFiniteSite site, int task, double value) =>
        new(site, task < 0 ? null : TaskName(task), Step, Epoch, value, CheckpointFolder);

    /// <summary>Global index of the current optimisation step, as the trainer counts it (methods use it only modulo or for order).</summary>
    public long Step { get; private set; }

    /// <summary>Index of the current epoch, as the trainer counts it (epoch-based methods count epochs through <see cref="MtlMethod.OnEpochEnd"/>).</summary>
    public int Epoch { get; private set; }

    /// <summary>The current step's task losses (detached values), or null when no step has begun.</summary>
    public IReadOnlyList<double>? Losses => _losses;

    /// <summary>
    /// Per task: whether the step's batch has at least one row labelled for it (null: every task is). A task without labelled
    /// rows in the batch has loss 0 and a zero gradient; methods leave it out of their statistics (docs/task-kinds.md).
    /// </summary>
    public IReadOnlyList<bool>? Labelled => _labelled;

    /// <summary>Whether the step's batch has a row labelled for task <paramref name="task"/> (true when nothing says otherwise).</summary>
    public bool IsLabelled(int task) => _labelled is null || _labelled[task];

    /// <summary>The tasks the step's batch has labels for, in order (all tasks when nothing says otherwise).</summary>
    public int[] LabelledTasks() => Enumerable.Range(0, TaskCount).Where(IsLabelled).ToArray();

    /// <summary>The step's random generator for the method's choices, derived from (seed, step) by <see cref="BeginStep"/>.</summary>
    public Random Random { get; private set; }

    /// <summary>
    /// The per-task gradient norms ‖∇_W Lᵢ‖ at the last shared weight matrix, set by the step for methods that declare
    /// <see cref="MethodRequirements.NeedsSharedLayerGradientNorms"/> (GradNorm); null otherwise. Cleared by <see cref="BeginStep"/>.
    /// </summary>
    public IReadOnlyList<double>? SharedLayerGradientNorms => _sharedLayerNorms;

    /// <summary>Records the step's per-task gradient norms at the last shared weight matrix (see <see cref="SharedLayerGradientNorms"/>).</summary>
    /// <param name="norms">T finite norms ≥ 0.</param>
    /// <exception cref="ArgumentException">Wrong count or a negative norm.</exception>
    /// <exception cref="NonFiniteLossException">A norm is NaN or infinite.</exception>
    public void RecordSharedLayerGradientNorms(IReadOnlyList<double> norms)
    {
        ArgumentNullException.ThrowIfNull(norms);
        if (norms.Count != TaskCount)
            throw new ArgumentException($"Expected {TaskCount} gradient norms, got {norms.Count}.", nameof(norms));
        for (int i = 0; i < norms.Count; i++)
        {
            if (!double.IsFinite(norms[i]))
                throw NonFinite(NonFiniteSite.GradientNorm, i, norms[i]);
            if (!(norms[i] >= 0))
                throw new ArgumentException($"The gradient norm of task {i} is {norms[i]} at step {Step}; norms must be finite and ≥ 0.");
        }
        _sharedLayerNorms = norms.ToArray();
    }

    /// <summary>
    /// The seed of step <paramref name="step"/>'s generators: a SplitMix64 finaliser over (seed, step), stable across
    /// processes and platforms (unlike <c>HashCode.Combine</c>), reduced to a non-negative int.
    /// </summary>
    public static int StepSeed(int seed, long step)
    {
        ulong x = unchecked((ulong)(uint)seed * 0x9E3779B97F4A7C15UL + (ulong)step);
        x = unchecked((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9UL);
        x = unchecked((x ^ (x >> 27)) * 0x94D049BB133111EBUL);
        x ^= x >> 31;
        return (int)(x & 0x7FFFFFFF);
    }

    /// <summary>Where solvers record their runs (and report problems).</summary>
    public SolverStatistics Solvers { get; }

    /// <summary>Starts a step.</summary>
    /// <param name="step">Global step index (≥ 0).</param>
    /// <param name="epoch">Epoch index (≥ 0).</param>
    /// <param name="losses">The T task losses of this step, before the update.</param>
    /// <exception cref="ArgumentException">Wrong count.</exception>
    /// <param name="labelled">Per task, whether the batch has a labelled row for it (null: all have; see <see cref="Labelled"/>).</param>
    /// <exception cref="NonFiniteLossException">A loss is NaN or infinite (names the task and step).</exception>
    public void BeginStep(long step, int epoch, IReadOnlyList<double> losses, IReadOnlyList<bool>? labelled = null)
    {
        ArgumentNullException.ThrowIfNull(losses);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        Step = step;
        Epoch = epoch;
        _losses = CheckedLosses(losses, NonFiniteSite.Loss);
        if (labelled is not null && labelled.Count != TaskCount)
            throw new ArgumentException($"Expected {TaskCount} labelled flags, got {labelled.Count}.", nameof(labelled));
        _labelled = labelled is null || labelled.All(l => l) ? null : labelled.ToArray();
        _lossesAfterStep = null;
        _sharedLayerNorms = null;
        Random = new Random(StepSeed(_seed, step));
        OnBeginStep();
    }

    /// <summary>Clears the per-step tensor state (the representation) when a step begins.</summary>
    partial void OnBeginStep();

    /// <summary>
    /// The task losses of the same batch after the optimizer step (set by <see cref="RecordLossesAfterStep"/> for methods
    /// that declare <see cref="MethodRequirements.NeedsLossesAfterStep"/>, e.g. FAMO), or null.
    /// </summary>
    public IReadOnlyList<double>? LossesAfterStep => _lossesAfterStep;

    /// <summary>Records the losses of the step's batch re-evaluated after the optimizer step (one extra forward pass).</summary>
    /// <param name="losses">The T task losses after the update.</param>
    /// <exception cref="NonFiniteLossException">A loss is NaN or infinite (the step diverged).</exception>
    public void RecordLossesAfterStep(IReadOnlyList<double> losses)
    {
        ArgumentNullException.ThrowIfNull(losses);
        if (_losses is null)
            throw new InvalidOperationException("RecordLossesAfterStep was called before BeginStep; begin the step first.");
        _lossesAfterStep = CheckedLosses(losses, NonFiniteSite.LossAfterStep);
    }

    /// <summary>The step's losses, or a clear error naming the method that needs them.</summary>
    /// <param name="method">Name of the asking method (for the message).</param>
    public double[] RequireLosses(string method)
    {
        if (_losses is null)
            throw new InvalidOperationException(
                $"The MTL method '{method}' needs the task losses of the step: call StepContext.BeginStep(step, epoch, losses) first.");
        return (double[])_losses.Clone();
    }

    /// <summary>Validates a list of T task losses (count and finiteness) and copies it.</summary>
    internal double[] CheckedLosses(IReadOnlyList<double> losses, NonFiniteSite site)
    {
        if (losses.Count != TaskCount)
            throw new ArgumentException($"Expected {TaskCount} task losses, got {losses.Count}.");
        var copy = new double[losses.Count];
        for (int i = 0; i < copy.Length; i++)
        {
            if (!double.IsFinite(losses[i]))
                throw NonFinite(site, i, losses[i]);
            copy[i] = losses[i];
        }
        return copy;
    }
}
