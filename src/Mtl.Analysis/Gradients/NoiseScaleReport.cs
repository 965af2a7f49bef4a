namespace Mtl.Analysis.Gradients;

/// <summary>Gradient noise scales per task and for the total loss.</summary>
/// <param name="TaskNames">Task names in task order.</param>
/// <param name="PerTask">Task t's loss w.r.t. the shared parameters and head t.</param>
/// <param name="Total">The sum of the task losses w.r.t. every parameter.</param>
public sealed record NoiseScaleReport(IReadOnlyList<string> TaskNames, IReadOnlyList<NoiseScaleEstimate> PerTask, NoiseScaleEstimate Total);
