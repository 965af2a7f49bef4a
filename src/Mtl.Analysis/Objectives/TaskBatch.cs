using static TorchSharp.torch;

namespace Mtl.Analysis.Objectives;

/// <summary>A batch of rows: features (rows first) and one target tensor per task (rows first). It does not own the tensors.</summary>
public sealed class TaskBatch
{
    /// <summary>Creates a batch, checking that every target has as many rows as the features.</summary>
    public TaskBatch(Tensor features, IReadOnlyList<Tensor> targets)
    {
        ArgumentNullException.ThrowIfNull(features);
        ArgumentNullException.ThrowIfNull(targets);
        if (features.dim() == 0)
            throw new ArgumentException("The features need a leading row dimension; got a scalar tensor.", nameof(features));
        if (targets.Count == 0) throw new ArgumentException("A batch needs at least one target tensor (one per task).", nameof(targets));
        long rows = features.shape[0];
        for (int t = 0; t < targets.Count; t++)
        {
            if (targets[t] is null) throw new ArgumentNullException(nameof(targets), $"Target {t} is null.");
            if (targets[t].dim() == 0 || targets[t].shape[0] != rows)
                throw new ArgumentException(
                    $"Target {t} has shape ({string.Join(", ", targets[t].shape)}) but the features have {rows} rows; every target needs one entry per row.",
                    nameof(targets));
        }
        Features = features;
        Targets = targets;
    }

    /// <summary>Features, rows first.</summary>
    public Tensor Features { get; }

    /// <summary>One target tensor per task, rows first.</summary>
    public IReadOnlyList<Tensor> Targets { get; }

    /// <summary>Number of rows.</summary>
    public long Rows => Features.shape[0];

    /// <summary>Rows [start, start + count) as views (no copy); the views belong to the caller's dispose scope.</summary>
    public TaskBatch Slice(long start, long count)
    {
        if (start < 0 || count < 1 || start + count > Rows)
            throw new ArgumentOutOfRangeException(nameof(count), $"Rows [{start}, {start + count}) are outside a batch of {Rows} rows.");
        return new TaskBatch(Features.narrow(0, start, count), Targets.Select(t => t.narrow(0, start, count)).ToArray());
    }
}
