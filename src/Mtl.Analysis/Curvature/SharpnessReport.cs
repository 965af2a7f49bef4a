namespace Mtl.Analysis.Curvature;

/// <summary>Top Hessian eigenvalues of the training losses on one batch.</summary>
/// <param name="TaskNames">Task names in task order.</param>
/// <param name="PerTask">Task t's loss w.r.t. the shared parameters and head t.</param>
/// <param name="Total">The sum of the task losses w.r.t. every parameter.</param>
public sealed record SharpnessReport(IReadOnlyList<string> TaskNames, IReadOnlyList<EigenvalueEstimate> PerTask, EigenvalueEstimate Total);
