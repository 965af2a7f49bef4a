namespace Mtl.Trainers.Methods;

/// <summary>
/// Helpers for methods that build each modified task gradient as a combination g̃ = Σₖ cₖgₖ of the raw gradients
/// (PCGrad, GradVac), so that they run on the Gramian only.
/// </summary>
internal static class GradientCombination
{
    /// <summary>g̃·gⱼ = Σₖ cₖGₖⱼ.</summary>
    public static double DotWithTask(double[] coefficients, double[,] gramian, int j)
    {
        double s = 0;
        for (int k = 0; k < coefficients.Length; k++)
            s += coefficients[k] * gramian[k, j];
        return s;
    }

    /// <summary>‖g̃‖² = cᵀGc.</summary>
    public static double SquaredNorm(double[] coefficients, double[,] gramian) =>
        Solvers.SmallMatrix.QuadraticForm(gramian, coefficients);

    /// <summary>The task indices other than <paramref name="i"/>, in a random order (Fisher–Yates).</summary>
    public static int[] ShuffledOthers(int i, int n, Random random)
    {
        var order = Enumerable.Range(0, n).Where(j => j != i).ToArray();
        for (int k = order.Length - 1; k > 0; k--)
        {
            int swap = random.Next(k + 1);
            (order[k], order[swap]) = (order[swap], order[k]);
        }
        return order;
    }
}
