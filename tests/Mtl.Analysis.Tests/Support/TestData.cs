using Mtl.Analysis.Objectives;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests.Support;

/// <summary>Seeded rows as plain arrays (for closed forms) and as a batch.</summary>
public sealed class TestData
{
    public readonly double[][] X;
    public readonly double[][] Y; // [row][task]

    public TestData(int rows, int features, int tasks, int seed)
    {
        var random = new Random(seed);
        X = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, features).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
        Y = Enumerable.Range(0, rows).Select(_ => Enumerable.Range(0, tasks).Select(_ => random.NextDouble() * 2 - 1).ToArray()).ToArray();
    }

    /// <summary>The rows as a batch; the tensors join the caller's dispose scope.</summary>
    public TaskBatch Batch()
    {
        int rows = X.Length, features = X[0].Length, tasks = Y[0].Length;
        Tensor x = tensor(X.SelectMany(r => r).ToArray(), new long[] { rows, features }, ScalarType.Float64);
        var targets = Enumerable.Range(0, tasks).Select(t => tensor(Y.Select(r => r[t]).ToArray(), ScalarType.Float64)).ToArray();
        return new TaskBatch(x, targets);
    }

    public static double SquaredNorm(IEnumerable<double> v) => v.Sum(x => x * x);
}
