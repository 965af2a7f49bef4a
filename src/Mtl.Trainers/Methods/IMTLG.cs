using Mtl.Trainers.Solvers;

namespace Mtl.Trainers.Methods;

/// <summary>
/// IMTL-G (Liu et al., 2021): d = Σ αᵢgᵢ with Σα = 1 whose projections on all unit gradients uᵢ = gᵢ/‖gᵢ‖ are equal.
/// Closed form with D = [g₁ − gᵢ]ᵢ≥₂ and U = [u₁ − uᵢ]ᵢ≥₂: α₂..T = g₁ᵀU(DᵀU)⁻¹, α₁ = 1 − Σα₂..T; every product
/// is read off the Gramian. When DᵀU is singular (e.g. identical tasks, where every α qualifies) the weights
/// closest to uniform that satisfy the equations in the least-squares sense are returned.
/// </summary>
public sealed class IMTLG : GramianWeighting
{
    /// <summary>Creates IMTL-G.</summary>
    public IMTLG() : base("IMTL-G", GradientMode.Parameters, GradientMode.Representation)
    {
    }

    /// <inheritdoc />
    protected override double[] ComputeWeights(double[,] gramian, StepContext context) => EqualProjectionWeights(gramian);

    /// <summary>The IMTL-G weights for a Gramian (shared with <c>IMTL</c>).</summary>
    /// <param name="gramian">Symmetric T×T Gramian.</param>
    public static double[] EqualProjectionWeights(double[,] gramian)
    {
        int n = gramian.GetLength(0);
        if (n == 1)
            return [1.0];
        var norms = Norms(gramian);
        double maxNorm = norms.Max();
        if (!(maxNorm > 0))
            return Simplex.Uniform(n);
        // A zero gradient has no direction; a tiny floor keeps uᵢ finite (its weight then barely matters).
        var safe = norms.Select(v => Math.Max(v, 1e-12 * maxNorm)).ToArray();
        double GU(int a, int b) => gramian[a, b] / safe[b]; // gₐ·u_b
        int m = n - 1;
        var rhs = new double[m];
        var matrix = new double[m, m]; // (DᵀU)ᵢⱼ = (g₁ − gᵢ)·(u₁ − uⱼ)
        for (int j = 0; j < m; j++)
        {
            rhs[j] = GU(0, 0) - GU(0, j + 1);
            for (int i = 0; i < m; i++)
                matrix[i, j] = GU(0, 0) - GU(0, j + 1) - GU(i + 1, 0) + GU(i + 1, j + 1);
        }
        // Row vector a = b·M⁻¹ ⇔ Mᵀaᵀ = bᵀ; solve for the deviation from uniform so a singular M keeps the weights uniform.
        var transposed = new double[m, m];
        var uniform = 1.0 / n;
        var shifted = new double[m];
        for (int i = 0; i < m; i++)
        {
            double s = rhs[i];
            for (int j = 0; j < m; j++)
            {
                transposed[i, j] = matrix[j, i];
                s -= matrix[j, i] * uniform;
            }
            shifted[i] = s;
        }
        var delta = SmallMatrix.Solve(transposed, shifted, 1e-10);
        var alpha = new double[n];
        double rest = 0;
        for (int i = 0; i < m; i++)
        {
            alpha[i + 1] = uniform + delta[i];
            rest += alpha[i + 1];
        }
        alpha[0] = 1 - rest;
        return alpha;
    }

    /// <summary>Options of <see cref="IMTLG"/> (no hyperparameters; text "imtl-g").</summary>
    public sealed class Options : MtlMethodOptions
    {

        /// <inheritdoc />
        public override string Name => "imtl-g";

        /// <inheritdoc />
        public override MtlMethod Create() => new IMTLG();
    }
}
