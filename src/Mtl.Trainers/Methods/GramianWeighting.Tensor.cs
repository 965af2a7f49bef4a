using TorchSharp;
using static TorchSharp.torch;
using Mtl.Trainers.Engine;

namespace Mtl.Trainers.Methods;

public abstract partial class GramianWeighting
{
    /// <summary>Computes the weights for a Gramian held in a tensor (any floating dtype/device; copied to the CPU as float64).</summary>
    /// <param name="gramian">T×T Gramian tensor.</param>
    /// <param name="context">The step's context.</param>
    public double[] Weights(Tensor gramian, StepContext context)
    {
        ArgumentNullException.ThrowIfNull(gramian);
        if (gramian.Dimensions != 2)
            throw new ArgumentException($"'{Name}' needs a 2-D T×T Gramian tensor; got shape [{string.Join(", ", gramian.shape)}].", nameof(gramian));
        int rows = (int)gramian.shape[0], columns = (int)gramian.shape[1];
        double[] flat;
        using (var cpu = gramian.detach().to_type(ScalarType.Float64).cpu())
            flat = cpu.data<double>().ToArray();
        var g = new double[rows, columns];
        for (int i = 0; i < rows; i++)
            for (int j = 0; j < columns; j++)
                g[i, j] = flat[i * columns + j];
        return Weights(g, context);
    }

    /// <summary>The Gramian template: per-task gradients, G summed per tensor (J is never concatenated), w = <c>Weights</c>(G), d = Jᵀw applied.</summary>
    internal sealed override double[]? Apply(IStepGradients step, IReadOnlyList<Tensor> losses, StepContext context)
    {
        IReadOnlyList<Tensor> prepared = PrepareTaskLosses(losses, context);
        using StackedGradients gradients = step.TaskGradients(prepared);
        double[,] gramian = gradients.Gramian();
        double[] weights = step.Solve(() => Weights(gramian, context));
        step.ApplyWeights(gradients, weights);
        return weights;
    }

    /// <summary>d = Jᵀw with w = <see cref="Weights(double[,], StepContext)"/> of G = JJᵀ (computed in float64).</summary>
    /// <param name="jacobian">Per-task gradients, shape [T, …].</param>
    /// <param name="context">The step's context.</param>
    public override Tensor Aggregate(Tensor jacobian, StepContext context)
    {
        using var rows = RowsOf(jacobian, context);
        double[] w;
        using (var precise = rows.detach().to_type(ScalarType.Float64))
        using (var gramian = precise.mm(precise.t()))
            w = Weights(gramian, context);
        using var weights = torch.tensor(w, new long[] { 1, w.Length }, dtype: jacobian.dtype, device: jacobian.device);
        using var combined = weights.mm(rows);
        return combined.reshape(jacobian.shape[1..]);
    }
}
