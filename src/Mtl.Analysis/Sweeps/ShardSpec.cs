using System.Globalization;

namespace Mtl.Analysis.Sweeps;

/// <summary>
/// The i-th of n disjoint slices of a grid (i is 1-based): run k of the grid order belongs to slice (k mod n) + 1, so
/// the slices are deterministic, disjoint, cover the grid, and each gets a fair share of every part of it.
/// </summary>
public sealed record ShardSpec
{
    /// <summary>Creates a slice.</summary>
    /// <exception cref="ArgumentOutOfRangeException">n &lt; 1 or i outside 1..n.</exception>
    public ShardSpec(int index, int count)
    {
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "A sweep needs at least one shard (n ≥ 1 in --shard i/n).");
        if (index < 1 || index > count)
            throw new ArgumentOutOfRangeException(nameof(index), index, $"--shard i/n needs 1 ≤ i ≤ n; got {index}/{count} (i is 1-based).");
        Index = index;
        Count = count;
    }

    /// <summary>The whole grid (1/1).</summary>
    public static ShardSpec All { get; } = new(1, 1);

    /// <summary>1-based slice number.</summary>
    public int Index { get; }

    /// <summary>Number of slices.</summary>
    public int Count { get; }

    /// <summary>Parses "i/n", e.g. "3/8" (a Slurm array task or a Kubernetes completion index + 1 over the job's size).</summary>
    /// <exception cref="ArgumentException">Not of the form i/n with 1 ≤ i ≤ n.</exception>
    public static ShardSpec Parse(string text)
    {
        string[] parts = (text ?? "").Split('/');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int i)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n))
            throw new ArgumentException($"--shard expects i/n with 1 ≤ i ≤ n, e.g. 2/4; got '{text}'.");
        if (n < 1 || i < 1 || i > n)
            throw new ArgumentException($"--shard expects i/n with 1 ≤ i ≤ n (i is 1-based), e.g. 2/4; got '{text}'.");
        return new ShardSpec(i, n);
    }

    /// <summary>True when grid position <paramref name="gridIndex"/> (0-based) belongs to this slice.</summary>
    public bool Contains(int gridIndex) => gridIndex % Count == Index - 1;

    /// <summary>The grid positions of this slice, in grid order.</summary>
    public IReadOnlyList<int> Select(int gridSize) => Enumerable.Range(0, gridSize).Where(Contains).ToArray();

    /// <summary>"i/n".</summary>
    public override string ToString() => $"{Index}/{Count}";
}
