namespace Mtl.Transforms.Corruptions;

/// <summary>
/// The random source of one corruption call: xoshiro256** seeded through SplitMix64 from
/// (context seed, transform seed, row position), so a row's draws depend on nothing else.
/// </summary>
/// <remarks>A mutable struct: pass it by <c>ref</c>; copying it forks the stream.</remarks>
public struct CorruptionRandom
{
    private ulong _s0, _s1, _s2, _s3;
    private double _spareGaussian;
    private bool _hasSpare;

    /// <summary>Seeds the generator from one 64-bit value (expanded by SplitMix64).</summary>
    /// <param name="seed">Any value; equal seeds give equal streams.</param>
    public CorruptionRandom(ulong seed)
    {
        ulong state = seed;
        _s0 = SplitMix64(ref state);
        _s1 = SplitMix64(ref state);
        _s2 = SplitMix64(ref state);
        _s3 = SplitMix64(ref state);
        _spareGaussian = 0;
        _hasSpare = false;
    }

    /// <summary>
    /// The generator for one row: the three keys are mixed one after another with the SplitMix64
    /// finalizer, so nearby rows or seeds give unrelated streams.
    /// </summary>
    /// <param name="contextSeed">The <c>MLContext</c> seed (or 0 when it has none).</param>
    /// <param name="transformSeed">The transform's own seed.</param>
    /// <param name="rowPosition">The row's position in the data view.</param>
    public static CorruptionRandom ForRow(ulong contextSeed, ulong transformSeed, long rowPosition)
        => new(Combine(contextSeed, transformSeed, (ulong)rowPosition));

    /// <summary>
    /// One seed from three keys (e.g. context seed, epoch, sample index), mixed one after another with
    /// the SplitMix64 finalizer so that neighbouring keys give unrelated streams.
    /// </summary>
    /// <param name="a">First key.</param>
    /// <param name="b">Second key.</param>
    /// <param name="c">Third key.</param>
    public static ulong Combine(ulong a, ulong b, ulong c)
    {
        ulong h = Mix(a ^ 0x6A09E667F3BCC909UL);
        h = Mix(h ^ b ^ 0xBB67AE8584CAA73BUL);
        return Mix(h ^ c ^ 0x3C6EF372FE94F82BUL);
    }

    /// <summary>The SplitMix64 output function (a bijective 64-bit mix).</summary>
    /// <param name="z">The value to mix.</param>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    private static ulong SplitMix64(ref ulong state)
    {
        state += 0x9E3779B97F4A7C15UL;
        return Mix(state);
    }

    /// <summary>Next raw 64-bit value (xoshiro256**).</summary>
    public ulong NextUInt64()
    {
        ulong result = RotateLeft(_s1 * 5, 7) * 9;
        ulong t = _s1 << 17;
        _s2 ^= _s0;
        _s3 ^= _s1;
        _s1 ^= _s2;
        _s0 ^= _s3;
        _s2 ^= t;
        _s3 = RotateLeft(_s3, 45);
        return result;
    }

    private static ulong RotateLeft(ulong x, int k) => (x << k) | (x >> (64 - k));

    /// <summary>Uniform double in [0, 1) with 53 random bits.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform float in [0, 1) with 24 random bits.</summary>
    public float NextSingle() => (NextUInt64() >> 40) * (1.0f / (1 << 24));

    /// <summary>Uniform double in [low, high).</summary>
    /// <param name="low">Inclusive lower bound.</param>
    /// <param name="high">Exclusive upper bound.</param>
    public double Uniform(double low, double high) => low + (high - low) * NextDouble();

    /// <summary>Uniform integer in [0, count) (Lemire's multiply-shift, bias below 2^-32 for small counts).</summary>
    /// <param name="count">Number of outcomes, at least 1.</param>
    public int NextInt(int count)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "The number of outcomes must be positive.");
        return (int)(((NextUInt64() >> 32) * (ulong)count) >> 32);
    }

    /// <summary>Uniform integer in [low, high] (both inclusive).</summary>
    /// <param name="low">Smallest value.</param>
    /// <param name="high">Largest value.</param>
    public int NextIntInclusive(int low, int high) => low + NextInt(high - low + 1);

    /// <summary>Standard normal draw (Marsaglia's polar method; the second value is kept for the next call).</summary>
    public double NextGaussian()
    {
        if (_hasSpare)
        {
            _hasSpare = false;
            return _spareGaussian;
        }
        double u, v, s;
        do
        {
            u = 2 * NextDouble() - 1;
            v = 2 * NextDouble() - 1;
            s = u * u + v * v;
        } while (s >= 1 || s == 0);
        double f = Math.Sqrt(-2 * Math.Log(s) / s);
        _spareGaussian = v * f;
        _hasSpare = true;
        return u * f;
    }

    /// <summary>Poisson draw with mean <paramref name="lambda"/> (Knuth below 30, Hörmann's PTRS above).</summary>
    /// <param name="lambda">The mean, at least 0.</param>
    public int NextPoisson(double lambda)
    {
        if (!(lambda >= 0)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "The Poisson mean must be a non-negative number.");
        if (lambda == 0) return 0;
        if (lambda < 30)
        {
            double limit = Math.Exp(-lambda), product = NextDouble();
            int k = 0;
            while (product > limit)
            {
                k++;
                product *= NextDouble();
            }
            return k;
        }
        // PTRS: transformed rejection with squeeze (Hörmann 1993).
        double slam = Math.Sqrt(lambda), logLam = Math.Log(lambda);
        double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
        double invAlpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2);
        while (true)
        {
            double u = NextDouble() - 0.5, v = NextDouble();
            double us = 0.5 - Math.Abs(u);
            double k = Math.Floor((2 * a / us + b) * u + lambda + 0.43);
            if (us >= 0.07 && v <= vr) return (int)k;
            if (k < 0 || (us < 0.013 && v > us)) continue;
            double lhs = Math.Log(v * invAlpha / (a / (us * us) + b));
            double rhs = -lambda + k * logLam - LogFactorial(k);
            if (lhs <= rhs) return (int)k;
        }
    }

    private static double LogFactorial(double k)
    {
        if (k < 2) return 0;
        // Stirling series; exact enough for k >= 2 at double precision after the 1/(1260 k^5) term.
        double x = k + 1;
        return (x - 0.5) * Math.Log(x) - x + 0.5 * Math.Log(2 * Math.PI)
               + 1 / (12 * x) - 1 / (360 * x * x * x) + 1 / (1260 * Math.Pow(x, 5));
    }
}
