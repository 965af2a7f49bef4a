namespace Mtl.Trainers.Tasks;

/// <summary>The registry of task kinds: adding a kind is one handler file and one line here.</summary>
internal static class TaskKinds
{
    private static readonly Dictionary<TaskKind, TaskKindHandler> Handlers = new TaskKindHandler[]
    {
        new MulticlassTaskKind(),
        new BinaryTaskKind(),
        new RegressionTaskKind(),
    }.ToDictionary(h => h.Kind);

    /// <summary>The handler of a kind.</summary>
    public static TaskKindHandler Of(TaskKind kind) => Handlers.TryGetValue(kind, out var handler) ? handler
        : throw new ArgumentOutOfRangeException(nameof(kind), kind, $"Unknown task kind. Known kinds: {string.Join(", ", Handlers.Keys)}.");

    /// <summary>The handler of a task's kind.</summary>
    public static TaskKindHandler Handler(this TaskDefinition task) => Of(task.Kind);
}
