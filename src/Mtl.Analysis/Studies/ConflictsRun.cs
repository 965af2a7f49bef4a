using Mtl.Analysis.Monitors;

namespace Mtl.Analysis.Studies;

/// <summary>One monitored training run of the conflicts study.</summary>
/// <param name="Method">MTL method name.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="TaskNames">Task names in head order.</param>
/// <param name="Epochs">The monitor's per-epoch measurements.</param>
/// <param name="Seconds">Wall time of the training (monitor included).</param>
public sealed record ConflictsRun(string Method, int Seed, IReadOnlyList<string> TaskNames, IReadOnlyList<ConflictEpoch> Epochs, double Seconds);
