namespace Mtl.Datasets;

/// <summary>
/// A small seeded generator (SplitMix64) whose output is fixed by this code alone, so data sets built
/// from a seed are identical on every runtime and machine (System.Random's seeded sequence is not a
/// documented contract).
/// </summary>
internal sealed class DeterministicRandom
{
    private ulong _state;

    public DeterministicRandom(ulong seed) => _state = seed;

    /// <summary>A generator for one purpose, derived from a user seed and a stream name, so streams do not overlap.</summary>
    public static DeterministicRandom ForStream(int seed, string stream) => new(SeedPolicy.StreamKey(seed, stream));

    /// <summary>A generator for row <paramref name="row"/> of a stream: random access without replaying earlier rows.</summary>
    public static DeterministicRandom ForRow(ulong streamKey, long row) => new(Mix(streamKey ^ Mix((ulong)row + 0x632BE59BD9B4E019UL)));

    public ulong NextUInt64()
    {
        _state += 0x9E3779B97F4A7C15UL;
        return Mix(_state);
    }

    /// <summary>Uniform integer in [0, <paramref name="bound"/>), without modulo bias.</summary>
    public int NextInt(int bound)
    {
        if (bound <= 0)
            throw new ArgumentOutOfRangeException(nameof(bound), "The bound must be positive.");
        // Lemire's multiply-shift with rejection of the biased low zone.
        uint threshold = unchecked((uint)-bound) % (uint)bound; // 2^32 mod bound
        while (true)
        {
            ulong r = NextUInt64() >> 32;
            ulong m = r * (uint)bound;
            if ((uint)m >= threshold)
                return (int)(m >> 32);
        }
    }

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Standard normal draw (Box–Muller; one of the pair is discarded to keep the state simple).</summary>
    public double NextGaussian()
    {
        double u1 = 1.0 - NextDouble(); // (0, 1]: log is finite
        double u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle(Span<int> values)
    {
        for (int i = values.Length - 1; i > 0; i--)
        {
            int j = NextInt(i + 1);
            (values[i], values[j]) = (values[j], values[i]);
        }
    }

    /// <summary>The SplitMix64 output function (the corruption library's, one implementation).</summary>
    internal static ulong Mix(ulong z) => Mtl.Transforms.Corruptions.CorruptionRandom.Mix(z);
}
