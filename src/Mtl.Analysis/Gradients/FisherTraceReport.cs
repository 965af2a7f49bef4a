namespace Mtl.Analysis.Gradients;

/// <summary>Fisher traces estimated on n samples.</summary>
/// <param name="Samples">n.</param>
/// <param name="TaskNames">Task names in task order.</param>
/// <param name="PerTask">(1/n) Σᵢ ‖∇L_t(xᵢ)‖² w.r.t. the shared parameters and head t.</param>
/// <param name="Total">(1/n) Σᵢ ‖∇Σ_t L_t(xᵢ)‖² w.r.t. every parameter.</param>
public sealed record FisherTraceReport(int Samples, IReadOnlyList<string> TaskNames, IReadOnlyList<double> PerTask, double Total);
