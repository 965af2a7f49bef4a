namespace Mtl.Analysis.Studies;

/// <summary>One epoch's point of the conflict-vs-optimization relation (Mueller et al.'s question, studies.md B).</summary>
/// <param name="Seed">Run seed.</param>
/// <param name="Epoch">Epoch e ≥ 2.</param>
/// <param name="Conflict">Fraction of the epoch's defined inter-task cosines that are negative.</param>
/// <param name="LossDecrease">Mean training loss of epoch e−1 minus that of epoch e (positive = the task improved).</param>
public sealed record ConflictsLossPoint(int Seed, int Epoch, double Conflict, double LossDecrease);
