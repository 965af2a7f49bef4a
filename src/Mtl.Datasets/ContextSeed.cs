using Microsoft.ML;

namespace Mtl.Datasets;

/// <summary>
/// Derives a data-set seed from the seed of the <see cref="MLContext"/> that owns a data catalog.
/// </summary>
/// <remarks>
/// ML.NET keeps a catalog's environment (and so the context's seed) internal, and this library does
/// not reflect into internals. <see cref="DataOperationsCatalog.TrainTestSplit"/> is documented to
/// take its randomness from the context's seed when given none, so the way it splits a fixed probe of
/// <see cref="ProbeRows"/> rows is a fingerprint of that seed: the same for every context built with
/// the same seed (in any process) and different (with overwhelming probability) for other seeds. A
/// context without a seed splits the same way every time (TrainTestSplit then falls back to a fixed
/// seed), so its loads are repeatable too.
/// </remarks>
internal static class ContextSeed
{
    /// <summary>Probe size: one bit of fingerprint per row.</summary>
    internal const int ProbeRows = 64;

    /// <summary>The seed for a load through <paramref name="catalog"/>: a fingerprint of its context's seed.</summary>
    public static int Of(DataOperationsCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var probe = catalog.LoadFromEnumerable(Enumerable.Range(0, ProbeRows).Select(i => new ProbeRow { Index = i }));
        var split = catalog.TrainTestSplit(probe, testFraction: 0.5);
        ulong inTest = 0;
        foreach (var row in catalog.CreateEnumerable<ProbeRow>(split.TestSet, reuseRowObject: true))
            inTest |= 1UL << row.Index;
        return unchecked((int)DeterministicRandom.Mix(inTest));
    }

    /// <summary>One probe row: its index, so the rows that land in the test part can be named.</summary>
    private sealed class ProbeRow
    {
        public int Index { get; set; }
    }
}
