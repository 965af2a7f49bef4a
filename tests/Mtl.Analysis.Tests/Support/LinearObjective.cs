using Mtl.Analysis.Objectives;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Analysis.Tests.Support;

/// <summary>
/// Two-task linear regression in float64 with closed-form gradients: s = x·w (shared w ∈ Rᵈ), prediction_t = a_t·s
/// (scalar head a_t), L_t = ½·mean(a_t·s − y_t)². Per row: ∂L_t/∂w = r_t·a_t·x and ∂L_t/∂a_t = r_t·s with r_t = a_t·s − y_t.
/// </summary>
public sealed class LinearObjective : IMultiTaskObjective, IDisposable
{
    public readonly Parameter W;
    public readonly Parameter[] A;
    public int EvaluationModeCalls;
    public bool InEvaluationMode;

    public LinearObjective(double[] w, double[] a)
    {
        W = new Parameter(tensor(w, ScalarType.Float64));
        A = a.Select(v => new Parameter(tensor(new[] { v }, ScalarType.Float64))).ToArray();
        TaskNames = a.Select((_, i) => "T" + i).ToArray();
    }

    public IReadOnlyList<string> TaskNames { get; }

    public IReadOnlyList<Tensor> SharedParameters => new Tensor[] { W };

    public IReadOnlyList<Tensor> TaskParameters(int task) => new Tensor[] { A[task] };

    public Tensor[] Losses(TaskBatch batch)
    {
        Tensor s = batch.Features.matmul(W);
        return A.Select((a, t) => 0.5 * (a * s - batch.Targets[t]).square().mean()).ToArray();
    }

    public IDisposable EvaluationMode()
    {
        EvaluationModeCalls++;
        InEvaluationMode = true;
        return new Restore(this);
    }

    private sealed class Restore(LinearObjective owner) : IDisposable
    {
        public void Dispose() => owner.InEvaluationMode = false;
    }

    public void Dispose()
    {
        W.Dispose();
        foreach (Parameter a in A) a.Dispose();
    }

    /// <summary>Closed-form per-row gradient of task t w.r.t. (w, a_t) — or of the total w.r.t. (w, a_0, …) when t is null.</summary>
    public double[] RowGradient(double[] x, double[] y, int? task)
    {
        double[] w = W.data<double>().ToArray();
        double[] a = A.Select(p => p.item<double>()).ToArray();
        double s = x.Zip(w, (xi, wi) => xi * wi).Sum();
        double[] r = a.Select((at, t) => at * s - y[t]).ToArray();
        if (task is int t0)
            return x.Select(xi => r[t0] * a[t0] * xi).Append(r[t0] * s).ToArray();
        var shared = x.Select(xi => Enumerable.Range(0, a.Length).Sum(t => r[t] * a[t] * xi));
        return shared.Concat(r.Select(rt => rt * s)).ToArray();
    }
}
