namespace Mtl.Trainers.Tests.Methods;

/// <summary>Small dense helpers for the method tests: Jacobians as row lists, Gramians, directions.</summary>
internal static class MethodMath
{
    public static double[,] Gramian(double[][] jacobian)
    {
        int t = jacobian.Length;
        var g = new double[t, t];
        for (int i = 0; i < t; i++)
            for (int j = 0; j < t; j++)
                g[i, j] = Dot(jacobian[i], jacobian[j]);
        return g;
    }

    /// <summary>d = Jᵀw.</summary>
    public static double[] Direction(double[][] jacobian, double[] weights)
    {
        var d = new double[jacobian[0].Length];
        for (int i = 0; i < jacobian.Length; i++)
            for (int k = 0; k < d.Length; k++)
                d[k] += weights[i] * jacobian[i][k];
        return d;
    }

    public static double Dot(double[] a, double[] b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
            s += a[i] * b[i];
        return s;
    }

    public static double Norm(double[] a) => Math.Sqrt(Dot(a, a));

    public static double[][] RandomJacobian(int tasks, int dimensions, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, tasks)
            .Select(_ => Enumerable.Range(0, dimensions).Select(_ => random.NextDouble() * 2 - 1).ToArray())
            .ToArray();
    }

    /// <summary>A random point of the probability simplex (normalised exponentials).</summary>
    public static double[] RandomSimplexPoint(int n, Random random)
    {
        var e = Enumerable.Range(0, n).Select(_ => -Math.Log(1 - random.NextDouble())).ToArray();
        double s = e.Sum();
        return e.Select(x => x / s).ToArray();
    }

    public static void AreClose(double[] expected, double[] actual, double tolerance, string what = "")
    {
        Assert.HasCount(expected.Length, actual, what);
        for (int i = 0; i < expected.Length; i++)
            Assert.AreEqual(expected[i], actual[i], tolerance, $"{what} [{i}]: expected {expected[i]}, got {actual[i]}");
    }
}
