using static TorchSharp.torch;

namespace Mtl.Analysis.Weights;

/// <summary>
/// Tracks ‖Δθ‖ per parameter group between consecutive <see cref="Observe"/> calls (call it after each optimizer step,
/// or every k steps), and the mean over the last <see cref="Window"/> observations. The loss-scale study compares these
/// between runs with scaled and unscaled losses. Holds one snapshot: dispose it.
/// </summary>
public sealed class UpdateMagnitudeTracker : IDisposable
{
    private readonly IReadOnlyList<ParameterGroup> groups;
    private readonly Dictionary<string, Queue<double>> recent;
    private readonly Dictionary<string, List<double>> history;
    private WeightSnapshot previous;

    /// <summary>Starts tracking from the groups' current values.</summary>
    /// <param name="groups">The groups (distinct names).</param>
    /// <param name="window">Observations the moving mean spans (≥ 1).</param>
    public UpdateMagnitudeTracker(IReadOnlyList<ParameterGroup> groups, int window = 10)
    {
        ArgumentNullException.ThrowIfNull(groups);
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "The moving-mean window must hold at least 1 observation.");
        this.groups = groups.ToArray();
        Window = window;
        previous = WeightSnapshot.Capture(this.groups);
        recent = this.groups.ToDictionary(g => g.Name, _ => new Queue<double>());
        history = this.groups.ToDictionary(g => g.Name, _ => new List<double>());
    }

    /// <summary>Observations the moving mean spans.</summary>
    public int Window { get; }

    /// <summary>Observations made so far.</summary>
    public int Observations { get; private set; }

    /// <summary>Records ‖θ − θ_prev‖ per group since the previous observation (or the start) and returns it by group name.</summary>
    public IReadOnlyDictionary<string, double> Observe()
    {
        IReadOnlyList<GroupDistance> steps = WeightDistance.From(previous, groups);
        WeightSnapshot next = WeightSnapshot.Capture(groups);
        previous.Dispose();
        previous = next;
        foreach (GroupDistance step in steps)
        {
            Queue<double> queue = recent[step.Group];
            queue.Enqueue(step.Distance);
            if (queue.Count > Window) queue.Dequeue();
            history[step.Group].Add(step.Distance);
        }
        Observations++;
        return steps.ToDictionary(s => s.Group, s => s.Distance);
    }

    /// <summary>Mean ‖Δθ‖ of the group over the last min(Window, Observations) observations.</summary>
    public double WindowMean(string group)
    {
        if (!recent.TryGetValue(group, out Queue<double>? queue))
            throw new ArgumentException($"No parameter group \"{group}\" is tracked; tracked: {string.Join(", ", recent.Keys)}.", nameof(group));
        if (queue.Count == 0) throw new InvalidOperationException("No update has been observed yet: call Observe() after an optimizer step first.");
        return queue.Average();
    }

    /// <summary>Every ‖Δθ‖ of the group, in observation order.</summary>
    public IReadOnlyList<double> History(string group) =>
        history.TryGetValue(group, out List<double>? list)
            ? list
            : throw new ArgumentException($"No parameter group \"{group}\" is tracked; tracked: {string.Join(", ", history.Keys)}.", nameof(group));

    /// <inheritdoc />
    public void Dispose() => previous.Dispose();
}
