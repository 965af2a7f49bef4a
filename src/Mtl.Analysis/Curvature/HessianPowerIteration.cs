using Mtl.Trainers.Engine;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Curvature;

/// <summary>
/// Top Hessian eigenvalue of a scalar loss by power iteration on Hessian-vector products: the gradient g is taken once
/// with <c>create_graph</c>, then each product is Hv = ∂(g·v)/∂θ on that retained graph (no Hessian is formed).
/// </summary>
public static class HessianPowerIteration
{
    /// <summary>
    /// Estimates the top eigenvalue of ∂²loss/∂θ² for θ = <paramref name="parameters"/>. The loss must be deterministic
    /// (for a network: evaluation mode, a fixed batch) — a dropout mask redrawn per product would make H random.
    /// </summary>
    /// <param name="loss">The loss, with its graph down to the parameters (built by the caller, e.g. on a fixed batch).</param>
    /// <param name="parameters">The parameters (leaves requiring grad).</param>
    /// <param name="options">Stopping rules and seed (defaults when null).</param>
    public static EigenvalueEstimate TopEigenvalue(Tensor loss, IReadOnlyList<Tensor> parameters, PowerIterationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(loss);
        ArgumentNullException.ThrowIfNull(parameters);
        options ??= new PowerIterationOptions();
        options.Validate();
        if (parameters.Count == 0) throw new ArgumentException("The Hessian needs at least one parameter tensor.", nameof(parameters));
        if (loss.numel() != 1) throw new ArgumentException($"The loss must be a scalar; got shape ({string.Join(", ", loss.shape)}).", nameof(loss));
        foreach (Tensor p in parameters)
            if (!p.requires_grad) throw new ArgumentException("Every parameter must require grad (a Hessian of a constant is meaningless here).", nameof(parameters));

        using var scope = NewDisposeScope();
        Tensor[] theta = parameters.ToArray();
        Device device = theta[0].device;
        Tensor[] gradient = LossGradients.Of(loss, theta, retainGraph: true, createGraph: true, what: "the Hessian's loss")
            .Select((g, i) => g ?? zeros_like(theta[i])).ToArray();
        Tensor Hvp(Tensor[] v)
        {
            Tensor gv = gradient.Zip(v, (g, vi) => (g * vi).sum()).Aggregate((a, b) => a + b);
            if (!gv.requires_grad) return zeros(theta.Sum(p => p.numel()), ScalarType.Float64, device); // the loss is linear: H = 0
            // The graph of g serves every product: retain it explicitly (TorchSharp frees it by default).
            Tensor?[] hv = LossGradients.Of(gv, theta, retainGraph: true, what: "a Hessian-vector product");
            return cat(hv.Select((h, i) => h?.detach().flatten().to_type(ScalarType.Float64) ?? zeros(theta[i].numel(), ScalarType.Float64, device)).ToArray(), 0);
        }

        PowerIterationRun dominant = Run(Hvp, theta, shift: 0, options, options.Seed);
        if (dominant.Eigenvalue >= 0 || !dominant.Converged)
            return new EigenvalueEstimate(dominant.Eigenvalue, dominant, null);
        PowerIterationRun shifted = Run(Hvp, theta, shift: dominant.Eigenvalue, options, options.Seed + 1);
        return new EigenvalueEstimate(dominant.Eigenvalue + shifted.Eigenvalue, dominant, shifted);
    }

    // Power iteration on H − shift·I; vectors live flat in float64, and are reshaped per parameter for each product.
    private static PowerIterationRun Run(Func<Tensor[], Tensor> hvp, Tensor[] theta, double shift, PowerIterationOptions options, int seed)
    {
        long size = theta.Sum(p => p.numel());
        using var generator = new Generator((ulong)seed);
        // Drawn on the CPU from a seeded generator (the same start on every device), then moved to the parameters.
        Tensor v = randn(new[] { size }, ScalarType.Float64, generator: generator).to(theta[0].device);
        v /= v.norm();
        var trace = new List<double>();
        double previous = double.NaN, residual = double.NaN;
        bool converged = false;
        for (int k = 0; k < options.MaxIterations; k++)
        {
            Tensor hv = hvp(Split(v, theta)) - shift * v;
            double lambda = v.dot(hv).item<double>();
            double hvNorm = hv.norm().item<double>();
            trace.Add(lambda);
            residual = hvNorm == 0 ? 0 : (hv - lambda * v).norm().item<double>() / hvNorm;
            if (hvNorm == 0)
            {
                // v is in the null space: an exact eigenpair with eigenvalue 0.
                converged = true;
                break;
            }
            bool stalled = k > 0 && Math.Abs(lambda - previous) <= options.Tolerance * Math.Abs(lambda);
            if (stalled && residual <= options.ResidualTolerance)
            {
                converged = true;
                break;
            }
            previous = lambda;
            v = hv / hvNorm;
        }
        return new PowerIterationRun(trace[^1], trace, converged, residual);
    }

    private static Tensor[] Split(Tensor flat, Tensor[] theta)
    {
        var pieces = new Tensor[theta.Length];
        long offset = 0;
        for (int i = 0; i < theta.Length; i++)
        {
            long n = theta[i].numel();
            pieces[i] = flat.narrow(0, offset, n).reshape(theta[i].shape).to_type(theta[i].dtype);
            offset += n;
        }
        return pieces;
    }
}
