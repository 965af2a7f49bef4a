using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Methods;

/// <summary>How RLW draws its random weights.</summary>
public enum RlwDistribution
{
    /// <summary>w = softmax(ε), ε ~ N(0, I).</summary>
    NormalSoftmax,

    /// <summary>w ~ Dirichlet(1, …, 1) (uniform on the simplex).</summary>
    Dirichlet,
}

/// <summary>
/// Random loss weighting (Lin et al., 2022): fresh random weights every step, L = Σ wᵢLᵢ. The weights sum to 1
/// (LibMTL) or to T (Kurin et al.; same scale as EW), and are drawn from <see cref="StepContext.Random"/>.
/// </summary>
public sealed class RLW : LossWeighting
{
    /// <summary>Creates RLW.</summary>
    /// <param name="distribution">Weight distribution.</param>
    /// <param name="sumToTaskCount">True: weights sum to T; false: to 1.</param>
    public RLW(RlwDistribution distribution = RlwDistribution.NormalSoftmax, bool sumToTaskCount = false)
        : base(distribution == RlwDistribution.Dirichlet ? "RLW-Dirichlet" : "RLW")
    {
        Distribution = distribution;
        SumToTaskCount = sumToTaskCount;
    }

    /// <summary>Weight distribution.</summary>
    public RlwDistribution Distribution { get; }

    /// <summary>True when the weights sum to T rather than 1.</summary>
    public bool SumToTaskCount { get; }

    /// <summary>Draws one weight vector.</summary>
    /// <param name="taskCount">T.</param>
    /// <param name="random">Source of randomness.</param>
    public double[] SampleWeights(int taskCount, Random random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(taskCount, 1);
        var raw = new double[taskCount];
        for (int i = 0; i < taskCount; i++)
        {
            // Exp(1) draws normalised give Dirichlet(1); exp of a standard normal (Box–Muller) normalised is softmax(ε).
            raw[i] = Distribution == RlwDistribution.Dirichlet
                ? -Math.Log(1 - random.NextDouble())
                : Math.Exp(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        }
        double total = raw.Sum() / (SumToTaskCount ? taskCount : 1);
        return raw.Select(r => r / total).ToArray();
    }

    /// <inheritdoc />
    protected override Tensor CombineCore(IReadOnlyList<Tensor> losses, StepContext context) =>
        WeightedSum(losses, SampleWeights(losses.Count, context.Random));

    /// <summary>Options of <see cref="RLW"/>; text "rlw(distribution=dirichlet)" (also "rlw-dirichlet"), "rlw(sumtotaskcount=true)" for Kurin et al.'s scale (false is LibMTL's).</summary>
    public sealed class Options : MtlMethodOptions
    {
        /// <summary>Weight distribution.</summary>
        public RlwDistribution Distribution = RlwDistribution.NormalSoftmax;

        /// <summary>True: weights sum to T (Kurin et al.); false: to 1 (LibMTL).</summary>
        public bool SumToTaskCount;

        /// <inheritdoc />
        public override string Name => "rlw";

        /// <inheritdoc />
        public override MtlMethod Create() => new RLW(Distribution, SumToTaskCount);

        internal override IReadOnlyList<MethodArgument> Arguments =>
        [
            MethodArgument.Choice(nameof(Distribution), () => Distribution, v => Distribution = v),
            MethodArgument.Flag(nameof(SumToTaskCount), () => SumToTaskCount, v => SumToTaskCount = v),
        ];
    }
}
