namespace Mtl.Analysis.Comparison;

/// <summary>One configuration (a method, a weight, a run) and its values, one per objective of an <see cref="ObjectiveSpace"/>.</summary>
/// <param name="Label">Name of the configuration, e.g. "pcgrad" or "w=0.3, lr=1e-2".</param>
/// <param name="Values">One value per objective, in the space's order, in the metric's own units (not oriented).</param>
public sealed record LabelledPoint(string Label, IReadOnlyList<double> Values);
