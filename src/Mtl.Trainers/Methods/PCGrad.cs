namespace Mtl.Trainers.Methods;

/// <summary>
/// PCGrad (Yu et al., 2020): for each task i, g̃ᵢ starts at gᵢ and, for the other tasks j in random order, loses its
/// component along gⱼ whenever g̃ᵢ·gⱼ &lt; 0: g̃ᵢ −= (g̃ᵢ·gⱼ/‖gⱼ‖²)gⱼ. d = Σ g̃ᵢ.
/// </summary>
/// <remarks>
/// Every g̃ᵢ stays a combination Σₖ Cᵢₖgₖ of the raw gradients, and all dot products are (CG)ᵢⱼ, so the rule runs on
/// the Gramian alone; the weights are the column sums of C. The order comes from <see cref="StepContext.Random"/>.
/// Parameters mode only, as in LibMTL.
/// </remarks>
public sealed class PCGrad : GramianWeighting
{
    /// <summary>Creates PCGrad.</summary>
    public PCGrad() : base("PCGrad", GradientMode.Parameters)
    {
    }

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context)
    {
        int n = gramian.GetLength(0);
        var weights = new double[n];
        var row = new double[n];
        for (int i = 0; i < n; i++)
        {
            Array.Clear(row);
            row[i] = 1;
            foreach (int j in GradientCombination.ShuffledOthers(i, n, context.Random))
            {
                double dot = GradientCombination.DotWithTask(row, gramian, j);
                if (dot < 0 && gramian[j, j] > 0)
                    row[j] -= dot / gramian[j, j];
            }
            for (int k = 0; k < n; k++)
                weights[k] += row[k];
        }
        return weights;
    }

    /// <summary>Options of <see cref="PCGrad"/> (no hyperparameters; text "pcgrad").</summary>
    public sealed class Options : MtlMethodOptions
    {

        /// <inheritdoc />
        public override string Name => "pcgrad";

        /// <inheritdoc />
        public override MtlMethod Create() => new PCGrad();
    }
}
