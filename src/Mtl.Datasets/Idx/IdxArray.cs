namespace Mtl.Datasets.Idx;

/// <summary>
/// The contents of one IDX file (the format of the MNIST and Fashion-MNIST distributions):
/// a row-major array of unsigned bytes and its dimensions, outermost first.
/// </summary>
public sealed class IdxArray
{
    /// <summary>Creates an array from its dimensions and row-major data.</summary>
    /// <param name="dimensions">Sizes of each dimension, outermost first.</param>
    /// <param name="data">Row-major values; its length must be the product of <paramref name="dimensions"/>.</param>
    public IdxArray(IReadOnlyList<int> dimensions, byte[] data)
    {
        ArgumentNullException.ThrowIfNull(dimensions);
        ArgumentNullException.ThrowIfNull(data);
        long expected = 1;
        foreach (int d in dimensions)
        {
            if (d < 0)
                throw new ArgumentOutOfRangeException(nameof(dimensions), $"Dimension sizes must be non-negative; got {d}.");
            expected *= d;
        }
        if (expected != data.Length)
            throw new ArgumentException($"The data holds {data.Length} values but the dimensions [{string.Join(", ", dimensions)}] need {expected}.", nameof(data));
        Dimensions = dimensions.ToArray();
        Data = data;
    }

    /// <summary>Sizes of each dimension, outermost first (e.g. [count, rows, columns] for images).</summary>
    public IReadOnlyList<int> Dimensions { get; }

    /// <summary>The values in row-major order.</summary>
    public byte[] Data { get; }
}
