using Mtl.Torch;
using Mtl.Trainers.Engine;
using static Mtl.Torch.torch;

namespace Mtl.Trainers;

/// <summary>
/// One Adam state per task on the shared parameters (Elich et al.): task i's (weighted) gradient is normalised by its
/// own first and second moments, and the shared update is the sum of the T normalised directions. This makes the
/// shared update invariant to a constant scale of any single task's loss (up to ε), like a head's update under Adam.
/// The moments are kept as T×nₚ matrices, so a step is a handful of vectorised ops per parameter tensor.
/// </summary>
internal sealed class PerTaskAdam : IDisposable
{
    private const double Beta1 = 0.9, Beta2 = 0.999, Epsilon = 1e-8;
    private readonly IReadOnlyList<Mtl.Torch.Modules.Parameter> parameters;
    private readonly Tensor[] firstMoments;
    private readonly Tensor[] secondMoments;
    private readonly int tasks;
    private readonly double weightDecay;
    private long step;

    public PerTaskAdam(IReadOnlyList<Mtl.Torch.Modules.Parameter> parameters, int tasks, double learningRate, double weightDecay)
    {
        this.parameters = parameters;
        this.tasks = tasks;
        this.weightDecay = weightDecay;
        LearningRate = learningRate;
        firstMoments = parameters.Select(p => zeros(new[] { tasks, p.numel() }, p.dtype, p.device).DetachFromDisposeScope()).ToArray();
        secondMoments = parameters.Select(p => zeros(new[] { tasks, p.numel() }, p.dtype, p.device).DetachFromDisposeScope()).ToArray();
    }

    public double LearningRate { get; set; }

    /// <summary>Applies one step from the stacked per-task gradients, each row scaled by its task weight.</summary>
    public void Step(StackedGradients gradients, double[]? weights = null)
    {
        step++;
        double bias1 = 1 - Math.Pow(Beta1, step), bias2 = 1 - Math.Pow(Beta2, step);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor? w = weights is null ? null : tensor(weights, new long[] { tasks, 1 }, firstMoments[0].dtype, firstMoments[0].device);
        for (int p = 0; p < parameters.Count; p++)
        {
            Tensor g = w is null ? gradients[p] : gradients[p] * w;
            firstMoments[p].mul_(Beta1).add_(g, 1 - Beta1);
            secondMoments[p].mul_(Beta2).addcmul_(g, g, 1 - Beta2);
            Tensor denominator = (secondMoments[p] / bias2).sqrt_().add_(Epsilon);
            Tensor direction = (firstMoments[p] / denominator).sum(0).view(parameters[p].shape);
            if (weightDecay != 0) parameters[p].mul_(1 - LearningRate * weightDecay);
            parameters[p].add_(direction, -LearningRate / bias1);
        }
    }

    public void Dispose()
    {
        foreach (Tensor t in firstMoments.Concat(secondMoments)) t.Dispose();
    }
}
