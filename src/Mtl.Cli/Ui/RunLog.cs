using System.Text.Json;
using Mtl.Trainers;

namespace Mtl.Cli.Ui;

/// <summary>
/// The events of one run trained by this server, numbered from 1 in the order they happened: the Server-Sent Events
/// stream replays them after <c>Last-Event-ID</c> (a reloaded page gets them all and redraws), then waits for new ones.
/// Also keeps each trial's epochs for its validation curves.
/// </summary>
internal sealed class RunLog
{
    private readonly object gate = new();
    private readonly List<RunEvent> events = [];
    private readonly Dictionary<int, List<EpochReport>> epochs = [];
    private TaskCompletionSource changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>One event: its number, its SSE event type and its JSON data.</summary>
    public sealed record RunEvent(long Id, string Type, string Data);

    /// <summary>The run's state: "training", then "finished", "cancelled", "interrupted" or "failed".</summary>
    public string Status { get; private set; } = "training";

    /// <summary>What the end state means, in words.</summary>
    public string? Message { get; private set; }

    /// <summary>Whether the run ended (no event follows).</summary>
    public bool Ended { get; private set; }

    /// <summary>The last event's number.</summary>
    public long LastId
    {
        get
        {
            lock (gate) return events.Count;
        }
    }

    /// <summary>Appends an event and wakes the streams that wait.</summary>
    public void Add(string type, object data)
    {
        string json = JsonSerializer.Serialize(data, UiContext.Json);
        TaskCompletionSource wake;
        lock (gate)
        {
            if (Ended) return;
            events.Add(new RunEvent(events.Count + 1, type, json));
            wake = changed;
            changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        wake.TrySetResult();
    }

    /// <summary>Records an epoch of a trial (for its curves).</summary>
    public void AddEpoch(int trial, EpochReport epoch)
    {
        lock (gate)
        {
            if (!epochs.TryGetValue(trial, out List<EpochReport>? list)) epochs[trial] = list = [];
            list.Add(epoch);
        }
    }

    /// <summary>The epochs of <paramref name="trial"/> so far (null when none were recorded), and the latest trial that has epochs.</summary>
    public (IReadOnlyList<EpochReport>? Epochs, int? Latest) Epochs(int? trial)
    {
        lock (gate)
        {
            int? latest = epochs.Count == 0 ? null : epochs.Keys.Max();
            int? wanted = trial ?? latest;
            return (wanted is { } t && epochs.TryGetValue(t, out List<EpochReport>? list) ? list.ToArray() : null, latest);
        }
    }

    /// <summary>Ends the run with its final state, as the last event ("state").</summary>
    public void End(string status, string message)
    {
        Add("state", new { status, message });
        TaskCompletionSource wake;
        lock (gate)
        {
            Status = status;
            Message = message;
            Ended = true;
            wake = changed;
        }
        wake.TrySetResult();
    }

    /// <summary>The events after <paramref name="lastId"/>, a task that completes when more come, and whether the run ended.</summary>
    public (IReadOnlyList<RunEvent> Events, Task Changed, bool Ended) Since(long lastId)
    {
        lock (gate)
        {
            int from = (int)Math.Clamp(lastId, 0, events.Count);
            return (events.GetRange(from, events.Count - from), changed.Task, Ended);
        }
    }
}
