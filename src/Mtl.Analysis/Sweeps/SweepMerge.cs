using Mtl.Trainers.IO;
using System.Text;

namespace Mtl.Analysis.Sweeps;

/// <summary>Joins results files (e.g. one per shard) into one, in grid order.</summary>
public static class SweepMerge
{
    /// <summary>
    /// The union by run id of <paramref name="inputs"/>, ordered by grid position. A run found twice with the same
    /// outcome (<see cref="RunResult.SameOutcome"/>) is kept once; with different outcomes it is an error.
    /// </summary>
    /// <param name="inputs">Results files.</param>
    /// <param name="warnings">Receives a sentence per torn tail ignored.</param>
    /// <exception cref="FileNotFoundException">An input does not exist.</exception>
    /// <exception cref="InvalidDataException">Conflicting duplicates (names the id and both files), or two runs at one grid position (files of different grids).</exception>
    public static IReadOnlyList<RunResult> Merge(IReadOnlyList<string> inputs, List<string>? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Count == 0) throw new ArgumentException("Merge needs at least one results file.");
        var byId = new Dictionary<string, (RunResult Result, string File)>();
        var byIndex = new Dictionary<int, (string Id, string File)>();
        foreach (string input in inputs)
        {
            if (!File.Exists(input)) throw new FileNotFoundException($"Results file '{input}' does not exist.", input);
            ResultsReadout readout = ResultsFile.Read(input);
            if (readout.Warning is { } w) warnings?.Add(w);
            foreach (RunResult r in readout.Results)
            {
                if (byId.TryGetValue(r.Id, out var known))
                {
                    if (known.Result.Index != r.Index)
                        throw new InvalidDataException($"Run {r.Id} sits at grid position {known.Result.Index} in '{known.File}' but at {r.Index} in '{input}': " +
                                                       "these files come from different grids.");
                    if (!known.Result.SameOutcome(r))
                        throw new InvalidDataException($"Run {r.Id} ({r.Config.Label}) has different results in '{known.File}' and '{input}'; " +
                                                       "keep one of them (remove the other line) and merge again.");
                    continue;
                }
                if (byIndex.TryGetValue(r.Index, out var other) && other.Id != r.Id)
                    throw new InvalidDataException($"Grid position {r.Index} holds run {other.Id} in '{other.File}' but run {r.Id} in '{input}': " +
                                                   "these files come from different grids.");
                byId[r.Id] = (r, input);
                byIndex[r.Index] = (r.Id, input);
            }
        }
        return byId.Values.Select(v => v.Result).OrderBy(r => r.Index).ToArray();
    }

    /// <summary>Merges <paramref name="inputs"/> into <paramref name="output"/> (written whole, through a temporary file).</summary>
    /// <returns>The merged results.</returns>
    public static IReadOnlyList<RunResult> MergeInto(string output, IReadOnlyList<string> inputs, List<string>? warnings = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(output);
        IReadOnlyList<RunResult> merged = Merge(inputs, warnings);
        var text = new StringBuilder();
        foreach (RunResult r in merged) text.Append(ResultsFile.Serialize(r)).Append('\n');
        SafeFiles.WriteAllText(output, text.ToString());
        return merged;
    }
}
