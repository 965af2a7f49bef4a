namespace Mtl.Analysis.Studies;

/// <summary>One model of the transfer study: a single-task network for one task, or a multi-task network trained with a method.</summary>
/// <param name="Name">Shown in tables and plots: "STL Left", "EW", "UW".</param>
/// <param name="Method">The method it is trained and fine-tuned with ("ew" for STL: one task has nothing to weigh).</param>
/// <param name="Tasks">Its tasks (one head each), in head order.</param>
/// <param name="IsMultiTask">Whether it is an MTL model.</param>
public sealed record TransferModel(string Name, string Method, IReadOnlyList<string> Tasks, bool IsMultiTask)
{
    /// <summary>The STL model of <paramref name="task"/>.</summary>
    public static TransferModel SingleTask(string task) => new($"STL {task}", "ew", [task], false);

    /// <summary>The MTL model of <paramref name="method"/> over <paramref name="tasks"/>.</summary>
    public static TransferModel MultiTask(string method, IReadOnlyList<string> tasks) => new(method.ToUpperInvariant(), method, tasks, true);
}
