using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers.Engine;

/// <summary>
/// Per-task gradients of a group of tensors, kept on the device as one T×nₚ matrix per tensor (row i = task i's
/// gradient of tensor p, flattened). The Gramian G = J Jᵀ is the sum over tensors of Mₚ Mₚᵀ, so J is never
/// concatenated or copied to the CPU; the combination d = Jᵀ w is one (1×T)·(T×nₚ) product per tensor.
/// </summary>
internal sealed class StackedGradients : IDisposable
{
    private readonly Tensor[] stacked;
    private readonly long[][] shapes;

    /// <summary>Takes ownership of per-tensor stacked matrices (T×nₚ) and the original shapes.</summary>
    public StackedGradients(Tensor[] stackedPerTensor, long[][] shapes)
    {
        if (stackedPerTensor.Length != shapes.Length) throw new ArgumentException("one shape per stacked tensor is needed", nameof(shapes));
        if (stackedPerTensor.Length == 0) throw new ArgumentException("no tensors to stack gradients of", nameof(stackedPerTensor));
        stacked = stackedPerTensor;
        this.shapes = shapes;
        foreach (Tensor t in stacked) t.DetachFromDisposeScope();
        TaskCount = (int)stacked[0].shape[0];
    }

    /// <summary>Number of tasks (rows of J).</summary>
    public int TaskCount { get; }

    /// <summary>Number of gradient tensors per task.</summary>
    public int TensorCount => stacked.Length;

    /// <summary>Total number of coordinates D (columns of J).</summary>
    public long Dimension => stacked.Sum(s => s.shape[1]);

    /// <summary>The stacked T×nₚ matrix of tensor p.</summary>
    public Tensor this[int tensorIndex] => stacked[tensorIndex];

    /// <summary>G = J Jᵀ as a T×T double array (one small device→host copy).</summary>
    public double[,] Gramian()
    {
        using var scope = NewDisposeScope();
        Tensor? g = null;
        foreach (Tensor m in stacked)
        {
            using var part = m.mm(m.t());
            g = g is null ? part.to_type(ScalarType.Float64) : g.add_(part);
        }
        return ToMatrix(g!);
    }

    /// <summary>G of each tensor separately (for methods with per-layer granularity).</summary>
    public double[][,] GramianPerTensor()
    {
        using var scope = NewDisposeScope();
        return stacked.Select(m => ToMatrix(m.mm(m.t()).to_type(ScalarType.Float64))).ToArray();
    }

    /// <summary>The full Jacobian J (T×D), concatenated on the device: only for aggregators that need coordinates.</summary>
    public Tensor Jacobian() => cat(stacked, 1);

    /// <summary>d = Jᵀ w per tensor, reshaped to each tensor's shape.</summary>
    public Tensor[] Combine(ReadOnlySpan<double> weights)
    {
        if (weights.Length != TaskCount) throw new ArgumentException($"{weights.Length} weights given for {TaskCount} tasks", nameof(weights));
        using var w = tensor(weights.ToArray(), new long[] { 1, TaskCount }, stacked[0].dtype, stacked[0].device);
        var result = new Tensor[stacked.Length];
        for (int p = 0; p < stacked.Length; p++)
        {
            using var row = w.mm(stacked[p]);
            result[p] = row.view(shapes[p]);
        }
        return result;
    }

    /// <summary>Splits a flat direction d (length D) back into per-tensor pieces with the original shapes.</summary>
    public Tensor[] Unflatten(Tensor direction)
    {
        var result = new Tensor[stacked.Length];
        long offset = 0;
        for (int p = 0; p < stacked.Length; p++)
        {
            long n = stacked[p].shape[1];
            using var piece = direction.narrow(0, offset, n);
            result[p] = piece.reshape(shapes[p]);
            offset += n;
        }
        return result;
    }

    /// <summary>Writes d = Jᵀ w into the .grad of the given tensors (replacing what was there).</summary>
    public void CombineInto(IReadOnlyList<Tensor> parameters, ReadOnlySpan<double> weights)
    {
        if (parameters.Count != stacked.Length) throw new ArgumentException($"{parameters.Count} parameters for {stacked.Length} stacked gradients", nameof(parameters));
        Tensor[] d = Combine(weights);
        for (int p = 0; p < d.Length; p++)
        {
            parameters[p].grad = d[p];
            d[p].Dispose();
        }
    }

    private static double[,] ToMatrix(Tensor g)
    {
        int t = (int)g.shape[0];
        using var host = g.cpu();
        double[] flat = host.data<double>().ToArray();
        var m = new double[t, t];
        Buffer.BlockCopy(flat, 0, m, 0, flat.Length * sizeof(double));
        return m;
    }

    /// <summary>Releases the device memory.</summary>
    public void Dispose()
    {
        foreach (Tensor t in stacked) t.Dispose();
    }

    /// <summary>Uninitialised T×nₚ matrices for the given tensors, to be filled row by row with <c>SetRow</c>.</summary>
    public static StackedGradients Allocate(int tasks, IReadOnlyList<Tensor> like)
    {
        if (tasks < 1) throw new ArgumentOutOfRangeException(nameof(tasks), tasks, "at least one task");
        var matrices = new Tensor[like.Count];
        var shapes = new long[like.Count][];
        for (int p = 0; p < like.Count; p++)
        {
            shapes[p] = like[p].shape;
            matrices[p] = empty(new[] { (long)tasks, like[p].numel() }, like[p].dtype, like[p].device);
        }
        return new StackedGradients(matrices, shapes);
    }

    /// <summary>Copies task <paramref name="task"/>'s gradient of tensor <paramref name="tensorIndex"/> (null = zeros) into its row.</summary>
    public void SetRow(int task, int tensorIndex, Tensor? gradient)
    {
        using Tensor row = stacked[tensorIndex].select(0, task);
        if (gradient is null) row.zero_();
        else
        {
            using Tensor flat = gradient.reshape(-1);
            row.copy_(flat);
        }
    }

    /// <summary>Copies task <paramref name="task"/>'s gradients (one per tensor; null = zeros) into row <paramref name="task"/>.</summary>
    public void SetRow(int task, IReadOnlyList<Tensor?> gradients)
    {
        if (gradients.Count != stacked.Length) throw new ArgumentException($"{gradients.Count} gradients for {stacked.Length} tensors", nameof(gradients));
        for (int p = 0; p < stacked.Length; p++) SetRow(task, p, gradients[p]);
    }
}
