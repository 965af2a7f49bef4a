using System.Runtime.CompilerServices;
using Microsoft.ML;
using Mtl.Transforms.Corruptions;

namespace Mtl;

/// <summary>
/// The one seed policy of MtlMlNet: every component that draws random numbers (data-set builders, corruption steps, the
/// multi-task trainer) takes its seed from its explicit <c>seed</c> option when given, and otherwise from the seed of the
/// <see cref="MLContext"/> it was made with, mixed with the component's name. It never draws from the context's shared
/// random state, so a component's numbers do not depend on how many other components used the context before it, on
/// whether it sits inside an <c>EstimatorChain</c> or is fitted directly, or on how often it is
/// fitted. Same context seed → same numbers, in any process.
/// </summary>
/// <remarks>
/// ML.NET keeps a context's seed internal and this library does not reflect into internals. <see cref="DataOperationsCatalog.TrainTestSplit"/>
/// is documented to take its randomness from the context's seed when it is given none, so the way it splits a fixed
/// probe of <see cref="ProbeRows"/> rows is a fingerprint of that seed: the same for every context built with the same
/// seed (in any process) and different, with overwhelming probability, for other seeds. A context made without a seed
/// splits the same way every time (TrainTestSplit then falls back to a fixed seed), so its components are repeatable too.
/// The fingerprint is computed once per context.
/// </remarks>
public static class SeedPolicy
{
    /// <summary>Probe size: one bit of fingerprint per row.</summary>
    internal const int ProbeRows = 64;

    private static readonly ConditionalWeakTable<DataOperationsCatalog, StrongBox<int>> Fingerprints = new();

    /// <summary>The seed a context stands for: a fixed function of the seed it was created with.</summary>
    /// <param name="context">The context.</param>
    public static int ContextSeed(MLContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ContextSeed(context.Data);
    }

    /// <summary>The seed of the context that owns <paramref name="catalog"/> (see <see cref="ContextSeed(MLContext)"/>).</summary>
    /// <param name="catalog">The context's data catalog (<c>mlContext.Data</c>).</param>
    public static int ContextSeed(DataOperationsCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        return Fingerprints.GetValue(catalog, c => new StrongBox<int>(Fingerprint(c))).Value;
    }

    /// <summary>
    /// The seed of one component: <paramref name="explicitSeed"/> when given, else the context's seed mixed with
    /// <paramref name="component"/> (so two components of one context draw different, fixed streams).
    /// </summary>
    /// <param name="context">The context the component was made with.</param>
    /// <param name="component">A stable name of the component, e.g. "MultiHeadNetworkTrainer".</param>
    /// <param name="explicitSeed">The component's own seed option, if the user set one.</param>
    public static int For(MLContext context, string component, int? explicitSeed = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(component);
        return explicitSeed ?? Derive(ContextSeed(context), component);
    }

    /// <summary>A seed for <paramref name="component"/> derived from <paramref name="seed"/> (a fixed, well-spread function of both).</summary>
    /// <param name="seed">The parent seed.</param>
    /// <param name="component">The component's name.</param>
    public static int Derive(int seed, string component) => unchecked((int)StreamKey(seed, component));

    /// <summary>
    /// The 64-bit key of the stream named <paramref name="name"/> under <paramref name="seed"/>: a fixed, well-spread
    /// function of both (what <see cref="Derive"/> truncates; data-set generators seed their streams with it).
    /// </summary>
    /// <param name="seed">The parent seed.</param>
    /// <param name="name">The stream's or component's name.</param>
    public static ulong StreamKey(int seed, string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        ulong h = 14695981039346656037UL; // FNV-1a over the name: string.GetHashCode is randomised per process
        foreach (char c in name)
            h = (h ^ c) * 1099511628211UL;
        return CorruptionRandom.Mix((ulong)(uint)seed ^ CorruptionRandom.Mix(h));
    }

    private static int Fingerprint(DataOperationsCatalog catalog)
    {
        var probe = catalog.LoadFromEnumerable(Enumerable.Range(0, ProbeRows).Select(i => new ProbeRow { Index = i }));
        var split = catalog.TrainTestSplit(probe, testFraction: 0.5);
        ulong inTest = 0;
        foreach (var row in catalog.CreateEnumerable<ProbeRow>(split.TestSet, reuseRowObject: true))
            inTest |= 1UL << row.Index;
        return unchecked((int)CorruptionRandom.Mix(inTest));
    }

    /// <summary>One probe row: its index, so the rows that land in the test part can be named.</summary>
    private sealed class ProbeRow
    {
        public int Index { get; set; }
    }
}
