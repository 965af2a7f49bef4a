namespace Mtl.Analysis.Comparison;

/// <summary>
/// The objectives that points are compared on: one name and one direction per objective (task metric or loss).
/// Every comparison internally turns values into "larger is better" by negating the minimised ones (<see cref="Orient"/>).
/// </summary>
public sealed class ObjectiveSpace
{
    private readonly bool[] _higherIsBetter;

    /// <summary>Creates a space.</summary>
    /// <param name="names">One name per objective, e.g. "Left accuracy".</param>
    /// <param name="higherIsBetter">Per objective: true when larger values are better (accuracy), false when smaller are (loss, error).</param>
    /// <exception cref="ArgumentException">No objectives, or the two lists differ in length.</exception>
    public ObjectiveSpace(IReadOnlyList<string> names, IReadOnlyList<bool> higherIsBetter)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(higherIsBetter);
        if (names.Count == 0) throw new ArgumentException("An objective space needs at least one objective.", nameof(names));
        if (names.Count != higherIsBetter.Count)
            throw new ArgumentException($"{names.Count} objective names but {higherIsBetter.Count} directions; give one direction per objective.", nameof(higherIsBetter));
        Names = names.ToArray();
        _higherIsBetter = higherIsBetter.ToArray();
    }

    /// <summary>A space whose objectives, named by <paramref name="names"/>, are all maximised (e.g. per-task accuracies).</summary>
    public static ObjectiveSpace Maximise(params string[] names) => new(names, names.Select(_ => true).ToArray());

    /// <summary>A space whose objectives are all minimised (e.g. per-task training losses).</summary>
    public static ObjectiveSpace Minimise(params string[] names) => new(names, names.Select(_ => false).ToArray());

    /// <summary>Objective names.</summary>
    public IReadOnlyList<string> Names { get; }

    /// <summary>Number of objectives.</summary>
    public int Dimension => _higherIsBetter.Length;

    /// <summary>Whether objective <paramref name="index"/> is maximised.</summary>
    public bool HigherIsBetter(int index) => _higherIsBetter[index];

    /// <summary>The values turned to "larger is better": maximised objectives as they are, minimised ones negated.</summary>
    /// <exception cref="ArgumentException">The vector has the wrong length or a NaN entry.</exception>
    public double[] Orient(IReadOnlyList<double> values, string what = "point")
    {
        Require(values, what);
        var oriented = new double[Dimension];
        for (int k = 0; k < Dimension; k++) oriented[k] = _higherIsBetter[k] ? values[k] : -values[k];
        return oriented;
    }

    /// <summary>Checks that <paramref name="values"/> has one non-NaN value per objective.</summary>
    /// <exception cref="ArgumentException">Wrong length or a NaN entry (the message names <paramref name="what"/> and the objective).</exception>
    public void Require(IReadOnlyList<double> values, string what)
    {
        ArgumentNullException.ThrowIfNull(values);
        if (values.Count != Dimension)
            throw new ArgumentException($"The {what} has {values.Count} values but the space has {Dimension} objectives ({string.Join(", ", Names)}).", nameof(values));
        for (int k = 0; k < Dimension; k++)
            if (double.IsNaN(values[k]))
                throw new ArgumentException($"The {what} has NaN for objective '{Names[k]}'; remove undefined runs first.", nameof(values));
    }
}
