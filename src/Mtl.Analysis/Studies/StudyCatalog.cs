namespace Mtl.Analysis.Studies;

/// <summary>Every study, by command name (<c>mtl study {name}</c>). Adding a study: one file under Studies/ and one line here.</summary>
public static class StudyCatalog
{
    private static readonly IStudy[] Studies =
    {
        new TransferStudy(),
        new ConflictsStudy(),
        new LossScaleStudy(),
        new GapStudy(),
        new UnitaryStudy(),
        new OptimizersStudy(),
        new ParetoStudy(),
        new ArchitecturesStudy(),
    };

    /// <summary>All studies, in the order of the help text.</summary>
    public static IReadOnlyList<IStudy> All => Studies;

    /// <summary>The study called <paramref name="name"/>.</summary>
    /// <exception cref="ArgumentException">No study has that name (the message lists them).</exception>
    public static IStudy Find(string name) =>
        Studies.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown study '{name}'. Studies: {string.Join(", ", Studies.Select(s => s.Name))}.");
}
