namespace Mtl.Analysis.Studies;

/// <summary>
/// One method of Kurin et al.'s comparison: its name in their table, its <c>MethodRegistry</c> name, and their Multi-MNIST
/// result (mean test accuracy and 95 % CI half-width over 10 runs; studies.md C) when they report one.
/// </summary>
/// <param name="Display">Name in the paper's table, e.g. "RLW-Normal".</param>
/// <param name="Registry">Name in <c>MethodRegistry</c>, e.g. "rlw".</param>
/// <param name="PaperMean">The paper's mean test accuracy on Multi-MNIST, or null.</param>
/// <param name="PaperHalfWidth">The paper's 95 % CI half-width, or null.</param>
/// <param name="PaperCelebAEpochSeconds">The paper's CelebA epoch time (US, IMTL, MGDA, PCGrad), or null: the evidence for "specialised methods cost more per epoch".</param>
public sealed record UnitaryMethod(string Display, string Registry, double? PaperMean, double? PaperHalfWidth, double? PaperCelebAEpochSeconds)
{
    /// <summary>Unitary scalarization: the plain sum of the task losses.</summary>
    public static UnitaryMethod Unitary { get; } = new("US", "ew", 0.9476, 0.0044, 287);

    /// <summary>The paper's seven methods, US first.</summary>
    public static IReadOnlyList<UnitaryMethod> All { get; } =
    [
        Unitary,
        new("IMTL", "imtl", 0.9487, 0.0025, 361),
        new("MGDA", "mgda", 0.9478, 0.0020, 700),
        new("GradDrop", "graddrop", 0.9347, 0.0128, null),
        new("PCGrad", "pcgrad", 0.9479, 0.0036, 10_150),
        new("RLW-Dirichlet", "rlw-dirichlet", 0.9430, 0.0030, null),
        new("RLW-Normal", "rlw", 0.9399, 0.0089, null),
    ];

    /// <summary>The method called <paramref name="name"/> (paper or registry name, case-insensitive).</summary>
    /// <exception cref="ArgumentException">Not one of the study's methods (the message lists them).</exception>
    public static UnitaryMethod Find(string name) =>
        All.FirstOrDefault(m => string.Equals(m.Display, name, StringComparison.OrdinalIgnoreCase) || string.Equals(m.Registry, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Method '{name}' is not part of the unitary study; use {string.Join(", ", All.Select(m => $"{m.Display} ({m.Registry})"))}.", nameof(name));

    /// <summary>The paper's 95 % interval [mean − h, mean + h], or null.</summary>
    public (double Low, double High)? PaperInterval => PaperMean is { } m && PaperHalfWidth is { } h ? (m - h, m + h) : null;
}
