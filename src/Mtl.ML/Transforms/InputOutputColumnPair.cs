namespace Mtl.ML;

/// <summary>An (output, input) column name pair; the input defaults to the output name.</summary>
public sealed class InputOutputColumnPair
{
    /// <summary>Creates a pair.</summary>
    public InputOutputColumnPair(string outputColumnName, string? inputColumnName = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(outputColumnName);
        OutputColumnName = outputColumnName;
        InputColumnName = inputColumnName ?? outputColumnName;
    }

    /// <summary>The output column name.</summary>
    public string OutputColumnName { get; }

    /// <summary>The input column name.</summary>
    public string InputColumnName { get; }

    internal static (string outputColumnName, string inputColumnName)[] ToTuples(InputOutputColumnPair[] pairs) =>
        (pairs ?? throw new ArgumentNullException(nameof(pairs))).Select(p => (p.OutputColumnName, p.InputColumnName)).ToArray();
}
