namespace Mtl.Trainers.Methods;

/// <summary>
/// Base of every multi-task learning method. Two families derive from it:
/// <see cref="LossWeighting"/> (turns the T task losses into one scalar loss) and <see cref="GradientMethod"/>
/// (combines the T per-task gradients into one update direction; <see cref="GramianWeighting"/> is the
/// family of gradient methods that only need the Gramian G = JJᵀ).
/// </summary>
/// <remarks>
/// A method is stateful (EMA targets, learnable weights, the previous epoch's losses…) and belongs to one
/// training run. It declares what it needs in <see cref="Requirements"/>; the training step serves that declaration
/// and calls the family's step template, never the method's concrete type. The trainer calls
/// <see cref="EnsureSupports"/> for the requested <see cref="GradientMode"/> in <c>Fit</c>, then <see cref="Initialize"/>
/// with the task count before it builds its optimizer. <see cref="WriteState"/>/<see cref="ReadState"/> save and
/// restore everything the method has learned, for checkpoints that resume bit-exactly.
/// Derive from one of the families (<see cref="LossWeighting"/>, <see cref="GramianWeighting"/>, <see cref="GradientMethod"/>).
/// </remarks>
public abstract partial class MtlMethod
{
    private readonly GradientNeed _need;
    private readonly GradientMode[] _supportedModes;

    /// <summary>Creates a method of one family.</summary>
    /// <param name="name">Display name, e.g. "PCGrad".</param>
    /// <param name="need">What the family consumes.</param>
    /// <param name="supportedModes">The gradient modes the method allows (at least one).</param>
    private protected MtlMethod(string name, GradientNeed need, GradientMode[] supportedModes)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (supportedModes is null || supportedModes.Length == 0)
            throw new ArgumentException($"Method '{name}' must support at least one gradient mode.", nameof(supportedModes));
        Name = name;
        _need = need;
        _supportedModes = supportedModes.Distinct().ToArray();
    }

    /// <summary>Display name of the method (as in reports).</summary>
    public string Name { get; }

    /// <summary>
    /// What the method needs from a training step. The family sets what it consumes and the supported modes; a method
    /// adds its extras by overriding, e.g. <c>base.Requirements with { NeedsLossesAfterStep = true }</c>.
    /// </summary>
    public virtual MethodRequirements Requirements => new() { Gradients = _need, SupportedModes = _supportedModes };

    /// <summary>The gradient modes this method allows (from <see cref="Requirements"/>).</summary>
    public IReadOnlyList<GradientMode> SupportedModes => Requirements.SupportedModes;

    /// <summary>Number of tasks, fixed by <see cref="Initialize"/> (0 before).</summary>
    public int TaskCount { get; private set; }

    /// <summary>
    /// The weights of the most recent step, for the training report: for loss weightings the effective weight
    /// ∂L/∂Lᵢ of each task loss, for gradient methods the coefficient of each task gradient in the update.
    /// Null before the first step, and for methods that have no per-task weights (e.g. GradDrop).
    /// </summary>
    public double[]? CurrentWeights { get; protected set; }

    /// <summary>True when <paramref name="mode"/> is one of <see cref="SupportedModes"/>.</summary>
    public bool Supports(GradientMode mode) => Requirements.Supports(mode);

    /// <summary>Throws a clear error when the method does not allow <paramref name="mode"/> (the trainer calls this in <c>Fit</c>).</summary>
    /// <exception cref="NotSupportedException">The mode is not supported.</exception>
    public void EnsureSupports(GradientMode mode)
    {
        if (!Supports(mode))
            throw new NotSupportedException(
                $"The MTL method '{Name}' does not support GradientMode.{mode}; it supports {string.Join(" and ", SupportedModes.Select(m => "GradientMode." + m))}. " +
                "Choose a supported gradient mode or another method.");
    }

    /// <summary>Fixes the number of tasks and creates the method's state (learnable parameters included).</summary>
    /// <param name="taskCount">Number of tasks, at least 1.</param>
    /// <exception cref="InvalidOperationException">The method was already initialised for another task count.</exception>
    public void Initialize(int taskCount)
    {
        if (taskCount < 1)
            throw new ArgumentOutOfRangeException(nameof(taskCount), taskCount, "A multi-task method needs at least one task.");
        if (TaskCount == taskCount)
            return;
        if (TaskCount != 0)
            throw new InvalidOperationException(
                $"The MTL method '{Name}' was initialised for {TaskCount} tasks and now got {taskCount}. Create a new method instance per training run.");
        TaskCount = taskCount;
        OnInitialize(taskCount);
    }

    /// <summary>Creates the state for <paramref name="taskCount"/> tasks; called once by <see cref="Initialize"/>.</summary>
    protected virtual void OnInitialize(int taskCount)
    {
    }

    /// <summary>
    /// Called by the step after the method's gradients are in place and before clipping and the optimizer step, for
    /// methods that add gradients of their own (GradNorm's balancing loss reads
    /// <see cref="StepContext.SharedLayerGradientNorms"/>). The default does nothing.
    /// </summary>
    /// <param name="context">The step's context.</param>
    public virtual void OnGradientsReady(StepContext context)
    {
    }

    /// <summary>
    /// Called by the trainer once per step after the optimizer step, for methods that update their own state from
    /// the step's outcome. The default does nothing.
    /// </summary>
    /// <param name="context">The step's context (with <see cref="StepContext.LossesAfterStep"/> when declared).</param>
    public virtual void AfterStep(StepContext context)
    {
    }

    /// <summary>
    /// Called by the trainer at the end of every training epoch with the epoch's mean training loss per task
    /// (DWA's loss ratios and STCH's warm-up count epochs through it). The default does nothing.
    /// </summary>
    /// <param name="meanTrainingLosses">The T mean task losses of the epoch that just ended.</param>
    public virtual void OnEpochEnd(IReadOnlyList<double> meanTrainingLosses)
    {
    }

    /// <summary>Checks that a step's task count matches (initialising on first use).</summary>
    protected void EnsureTaskCount(int taskCount, string what)
    {
        if (TaskCount == 0)
        {
            Initialize(taskCount);
            return;
        }
        if (taskCount != TaskCount)
            throw new ArgumentException($"The MTL method '{Name}' was set up for {TaskCount} tasks but {what} has {taskCount}.");
    }

    /// <inheritdoc />
    public override string ToString() => Name;
}
