namespace Mtl.Trainers.Bench;

/// <summary>The benchmarks' task lists, resolved as the trainer resolves them at Fit (class counts known).</summary>
internal static class BenchTasks
{
    /// <summary>Multi-Fashion: Left and Right, ten classes each (T = 2).</summary>
    public static List<TaskDefinition> MultiFashion() =>
        new[] { "Left", "Right" }.Select(n => new TaskDefinition(n) { ClassCount = 10 }).ToList();

    /// <summary>Fashion-MNIST one-vs-rest: "is class k" for k = 0…9, binary (T = 10).</summary>
    public static List<TaskDefinition> OneVsRest() =>
        Enumerable.Range(0, 10).Select(k => new TaskDefinition($"Is{k}", kind: TaskKind.Binary)).ToList();
}
