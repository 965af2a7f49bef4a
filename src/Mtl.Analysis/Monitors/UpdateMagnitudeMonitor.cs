using Mtl.Analysis.Objectives;
using Mtl.Analysis.Weights;
using Mtl.Trainers.Engine;
using Mtl.Trainers.Monitoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Monitors;

/// <summary>
/// Training monitor of update magnitudes (Elich et al.'s loss-scale check): on every <see cref="Interval"/>-th step it
/// records ‖Δθ‖ of that one optimizer step per parameter group (trunk, each head), and optionally the gradient norm per
/// group of the trained objective Σ_t LossWeight_t·L_t at the step's weights. It can also keep the flat update vectors
/// of the first due steps, so two runs started from the same weights can be compared coordinate by coordinate.
/// It holds a weight snapshot between a step's two callbacks: dispose it.
/// </summary>
public sealed class UpdateMagnitudeMonitor : ITrainingMonitor, IDisposable
{
    private readonly List<UpdateMagnitudeRecord> records = new();
    private readonly Dictionary<(long Step, string Group), double[]> keptUpdates = new();
    private IReadOnlyList<ParameterGroup>? groups;
    private NetworkObjective? objective;
    private WeightSnapshot? before;
    private Dictionary<string, double>? pendingGradients;

    /// <summary>Creates the monitor.</summary>
    /// <param name="interval">Record every k-th step (k ≥ 1).</param>
    /// <param name="measureGradients">Also measure the gradient norm per group before each due step (one extra forward and backward, dropout off).</param>
    /// <param name="keepUpdateVectorsOfFirstSteps">Keep the flat Δθ of this many first due steps (0 = none).</param>
    /// <exception cref="ArgumentOutOfRangeException">interval &lt; 1 or a negative count of kept steps.</exception>
    public UpdateMagnitudeMonitor(int interval = 1, bool measureGradients = false, int keepUpdateVectorsOfFirstSteps = 0)
    {
        if (interval < 1)
            throw new ArgumentOutOfRangeException(nameof(interval), interval, "UpdateMagnitudeMonitor: the interval must be at least 1 step.");
        if (keepUpdateVectorsOfFirstSteps < 0)
            throw new ArgumentOutOfRangeException(nameof(keepUpdateVectorsOfFirstSteps), keepUpdateVectorsOfFirstSteps,
                "UpdateMagnitudeMonitor: the number of steps whose update vectors are kept must be 0 or more.");
        Interval = interval;
        MeasureGradients = measureGradients;
        KeepUpdateVectorsOfFirstSteps = keepUpdateVectorsOfFirstSteps;
    }

    /// <inheritdoc />
    public int Interval { get; }

    /// <summary>Whether gradient norms are measured.</summary>
    public bool MeasureGradients { get; }

    /// <summary>How many first due steps keep their flat update vectors.</summary>
    public int KeepUpdateVectorsOfFirstSteps { get; }

    /// <summary>Group names: "trunk", then the task names (empty before training starts).</summary>
    public IReadOnlyList<string> GroupNames => groups?.Select(g => g.Name).ToArray() ?? Array.Empty<string>();

    /// <summary>Every recorded step of the last run, in order.</summary>
    public IReadOnlyList<UpdateMagnitudeRecord> Records => records;

    /// <summary>‖Δθ‖ of <paramref name="group"/> at every recorded step.</summary>
    /// <exception cref="ArgumentException">No such group.</exception>
    public double[] Updates(string group)
    {
        RequireGroup(group);
        return records.Select(r => r.Update[group]).ToArray();
    }

    /// <summary>Gradient norms of <paramref name="group"/> at every recorded step.</summary>
    /// <exception cref="InvalidOperationException">The monitor was created without <c>measureGradients</c>.</exception>
    public double[] GradientNorms(string group)
    {
        RequireGroup(group);
        if (!MeasureGradients)
            throw new InvalidOperationException("This UpdateMagnitudeMonitor does not measure gradients; create it with measureGradients: true.");
        return records.Select(r => r.GradientNorm![group]).ToArray();
    }

    /// <summary>The flat Δθ (float64, parameter order) of <paramref name="group"/> at <paramref name="step"/>, if it was kept.</summary>
    public double[]? UpdateVector(long step, string group)
    {
        RequireGroup(group);
        return keptUpdates.TryGetValue((step, group), out double[]? v) ? v : null;
    }

    /// <inheritdoc />
    public void OnTrainingStart(MonitorStartContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        records.Clear();
        keptUpdates.Clear();
        groups = ParameterGroup.Of(context.Network, context.Tasks.Select(t => t.Name).ToArray());
        objective = new NetworkObjective(context.Network, context.Tasks);
    }

    /// <inheritdoc />
    public void BeforeStep(MonitorStepContext context)
    {
        IReadOnlyList<ParameterGroup> g = groups ?? throw new InvalidOperationException("UpdateMagnitudeMonitor.BeforeStep was called before OnTrainingStart.");
        before?.Dispose();
        before = WeightSnapshot.Capture(g);
        pendingGradients = MeasureGradients ? GroupGradientNorms(context) : null;
    }

    /// <inheritdoc />
    public void AfterStep(MonitorStepContext context)
    {
        if (before is null || groups is null)
            throw new InvalidOperationException("UpdateMagnitudeMonitor.AfterStep was called without BeforeStep on the same step.");
        IReadOnlyList<GroupDistance> steps = WeightDistance.From(before, groups);
        if (records.Count < KeepUpdateVectorsOfFirstSteps) KeepVectors(context.Step);
        records.Add(new UpdateMagnitudeRecord(context.Step, context.Epoch, steps.ToDictionary(s => s.Group, s => s.Distance),
            pendingGradients, context.Losses?.ToArray() ?? Array.Empty<double>()));
        before.Dispose();
        before = null;
        pendingGradients = null;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        before?.Dispose();
        before = null;
    }

    private void KeepVectors(long step)
    {
        using var scope = NewDisposeScope();
        foreach (ParameterGroup g in groups!)
            keptUpdates[(step, g.Name)] = (WeightSnapshot.Flatten(g) - before!.Values(g)).data<double>().ToArray();
    }

    // The gradient the EW step follows (LossWeight included), dropout off so the measurement draws no random numbers.
    private Dictionary<string, double> GroupGradientNorms(MonitorStepContext context)
    {
        using var scope = NewDisposeScope();
        using IDisposable mode = objective!.EvaluationMode();
        Tensor[] losses = objective.Losses(new TaskBatch(context.Features, context.Labels));
        Tensor total = ObjectiveParameters.Total(losses);
        Tensor[] all = groups!.SelectMany(g => g.Parameters).ToArray();
        Tensor?[] grads = LossGradients.Of(total, all, retainGraph: false, what: "the EW loss (UpdateMagnitudeMonitor)");
        var norms = new Dictionary<string, double>();
        int offset = 0;
        foreach (ParameterGroup g in groups!)
        {
            double squared = 0;
            for (int p = 0; p < g.Parameters.Count; p++)
                if (grads[offset + p] is { } grad) squared += grad.to_type(ScalarType.Float64).square().sum().item<double>();
            offset += g.Parameters.Count;
            norms[g.Name] = Math.Sqrt(squared);
        }
        return norms;
    }

    private void RequireGroup(string group)
    {
        if (groups is null) throw new InvalidOperationException("UpdateMagnitudeMonitor has not seen a training run yet; pass it in TrainingHooks.Monitors to Fit first.");
        if (!groups.Any(g => g.Name == group))
            throw new ArgumentException($"No parameter group \"{group}\"; the groups are {string.Join(", ", GroupNames)}.", nameof(group));
    }
}
