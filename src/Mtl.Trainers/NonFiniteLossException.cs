namespace Mtl.Trainers;

/// <summary>Where training met a value that is NaN or infinite.</summary>
public enum NonFiniteSite
{
    /// <summary>A task loss of a training batch, before the step.</summary>
    Loss,
    /// <summary>The Gramian of the per-task gradients (a task gradient is not finite).</summary>
    Gramian,
    /// <summary>The Jacobian of the per-task gradients (a task gradient is not finite).</summary>
    Jacobian,
    /// <summary>A per-task gradient norm at the last shared layer (GradNorm).</summary>
    GradientNorm,
    /// <summary>A task loss of the batch re-evaluated after the optimizer step (FAMO).</summary>
    LossAfterStep,
    /// <summary>A validation loss or metric after an epoch.</summary>
    Validation,
    /// <summary>The network's weights after an epoch's last step.</summary>
    Weights,
}

/// <summary>
/// Training diverged: a loss, a gradient statistic, a validation figure or the weights became NaN or infinite. Every
/// method and every check of the trainer raises this one type, so callers (sweeps, studies, the <c>mtl</c> app) can
/// record the run as diverged and go on. <see cref="Site"/>, <see cref="Task"/>, <see cref="Step"/> and
/// <see cref="Epoch"/> say where.
/// </summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception for a task loss of a training batch (<see cref="NonFiniteSite.Loss"/>).</summary>
    public NonFiniteLossException(string task, long step, int epoch, double value, string? checkpointFolder)
        : this(NonFiniteSite.Loss, task, step, epoch, value, checkpointFolder)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="site">Where the value was found.</param>
    /// <param name="task">The task it belongs to, or null when it belongs to none (shared weights).</param>
    /// <param name="step">Global step index (1-based; the last step of the epoch for epoch-end checks).</param>
    /// <param name="epoch">Epoch (1-based).</param>
    /// <param name="value">The first non-finite value found.</param>
    /// <param name="checkpointFolder">The run's checkpoint folder, or null.</param>
    public NonFiniteLossException(NonFiniteSite site, string? task, long step, int epoch, double value, string? checkpointFolder)
        : base(Describe(site, task, step, epoch, value, checkpointFolder))
    {
        Site = site;
        Task = task;
        Step = step;
        Epoch = epoch;
        Value = value;
    }

    /// <summary>Where the non-finite value was found.</summary>
    public NonFiniteSite Site { get; }

    /// <summary>The task whose value was not finite, or null when it belongs to no single task (shared weights).</summary>
    public string? Task { get; }

    /// <summary>Global step index (1-based).</summary>
    public long Step { get; }

    /// <summary>Epoch (1-based).</summary>
    public int Epoch { get; }

    /// <summary>The non-finite value (NaN or ±∞).</summary>
    public double Value { get; }

    private static string Describe(NonFiniteSite site, string? task, long step, int epoch, double value, string? checkpointFolder)
    {
        string of = task is null ? "" : $" of task '{task}'";
        string what = site switch
        {
            NonFiniteSite.Loss => $"The loss{of} is {value}",
            NonFiniteSite.Gramian => $"The gradient Gramian has a {value} entry (the gradient{of} is not finite)",
            NonFiniteSite.Jacobian => $"The per-task gradient{of} has a {value} entry",
            NonFiniteSite.GradientNorm => $"The shared-layer gradient norm{of} is {value}",
            NonFiniteSite.LossAfterStep => $"The loss{of} after the optimizer step is {value}",
            NonFiniteSite.Validation => $"The validation figure{of} is {value}",
            _ => task is null ? $"A shared weight of the network is {value}" : $"A weight of the head of task '{task}' is {value}",
        };
        string where = site is NonFiniteSite.Validation or NonFiniteSite.Weights ? $"after epoch {epoch} (step {step})" : $"at step {step} (epoch {epoch})";
        return $"{what} {where}: training diverged and stopped. " +
               "Lower the learning rate, check the labels and features for extreme values, or use gradient clipping. " +
               (checkpointFolder is null ? "No checkpoint folder was set." : $"The last completed epoch's checkpoint is kept in '{checkpointFolder}'.");
    }
}
