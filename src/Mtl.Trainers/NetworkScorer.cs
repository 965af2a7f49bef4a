using Microsoft.ML;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers;

/// <summary>The scores of a batch of rows: per task a row-major array (rows × the kind's score width), and the embeddings.</summary>
internal sealed class ScoreBatch
{
    public float[][] Scores = Array.Empty<float[]>();
    public float[]? Embedding;
    public int Index;
}

/// <summary>
/// One caller's batched scoring (a cursor's): the caller writes up to <see cref="Capacity"/> feature rows (row-major) into
/// <see cref="Features"/> and scores the first rows of it; the scores stay valid until the next <see cref="Score"/>.
/// </summary>
internal abstract class ScoringBatch : IDisposable
{
    public abstract int Capacity { get; }

    public abstract float[] Features { get; }

    public abstract void Score(int rows, ScoreBatch into);

    public virtual void Dispose()
    {
    }
}

/// <summary>
/// Runs the network in eval mode on batches of feature rows. Batched scoring on the CPU runs ONNX Runtime on the batched
/// graph (<see cref="Onnx.OnnxBatchScorer"/>, built on the first batch); a network with a layer that has no ONNX exporter,
/// and a network on a GPU (<see cref="MLContext.GpuDeviceId"/>), score with TorchSharp on their device, one dispose scope
/// per batch.
/// </summary>
internal sealed class NetworkScorer : IDisposable
{
    private readonly MultiTaskNetwork network;
    private readonly IReadOnlyList<TaskDefinition> tasks;
    private readonly long[] rowShape;
    private readonly Device device;
    private readonly Lazy<Onnx.OnnxBatchScorer?> onnx;
    private readonly object gate = new();

    /// <param name="network">The trained network.</param>
    /// <param name="tasks">Its tasks, in head order.</param>
    /// <param name="rowShape">One feature row's shape.</param>
    /// <param name="device">Where the network lives.</param>
    /// <param name="onnxBatchScorer">Builds the ONNX Runtime batch scorer, or returns null where the network scores with TorchSharp.</param>
    public NetworkScorer(MultiTaskNetwork network, IReadOnlyList<TaskDefinition> tasks, long[] rowShape, Device device, Func<Onnx.OnnxBatchScorer?> onnxBatchScorer)
    {
        this.network = network;
        this.tasks = tasks;
        this.rowShape = rowShape;
        this.device = device;
        onnx = new Lazy<Onnx.OnnxBatchScorer?>(onnxBatchScorer, LazyThreadSafetyMode.ExecutionAndPublication);
        RowSize = (int)rowShape.Aggregate(1L, (a, b) => a * b);
    }

    public int RowSize { get; }

    /// <summary>Stopwatch ticks spent in network forwards so far, both engines (the forward's share of scoring, for the benchmark).</summary>
    public long ForwardTicks => Interlocked.Read(ref forwardTicks) + (onnx.IsValueCreated && onnx.Value is { } o ? o.Ticks : 0);

    private long forwardTicks;

    /// <summary>What scores batches: "ONNX Runtime" or "TorchSharp" (builds the ONNX Runtime session on first use).</summary>
    public string BatchEngine => onnx.Value is not null ? "ONNX Runtime" : "TorchSharp";

    /// <summary>Batched scoring of up to <paramref name="capacity"/> rows per call, for one caller.</summary>
    public ScoringBatch CreateBatch(int capacity, bool withEmbedding) =>
        onnx.Value is { } scorer ? new OnnxBatch(scorer, capacity) : new TorchBatch(this, capacity * RowSize, withEmbedding);

    /// <summary>Releases the ONNX Runtime session (the network belongs to the transformer).</summary>
    public void Dispose()
    {
        if (onnx.IsValueCreated) onnx.Value?.Dispose();
    }

    /// <summary>Scores <paramref name="rows"/> rows of <paramref name="features"/> (row-major) into <paramref name="into"/>.</summary>
    public void Score(float[] features, int rows, bool withEmbedding, ScoreBatch into)
    {
        // All cursors of a transformer share the network; libtorch modules are not safe for concurrent forward passes.
        lock (gate)
        {
            long start = System.Diagnostics.Stopwatch.GetTimestamp();
            ScoreLocked(features, rows, withEmbedding, into);
            Interlocked.Add(ref forwardTicks, System.Diagnostics.Stopwatch.GetTimestamp() - start);
        }
    }

    private sealed class OnnxBatch(Onnx.OnnxBatchScorer scorer, int capacity) : ScoringBatch
    {
        private readonly Onnx.OnnxBatchScorer.Buffers buffers = scorer.RentBuffers(capacity);
        private int returned;

        public override int Capacity => capacity;
        public override float[] Features => buffers.Features;
        public override void Score(int rows, ScoreBatch into) => scorer.Score(buffers, rows, into);

        // Once: a cursor may be disposed twice, and the buffers then belong to the next cursor.
        public override void Dispose()
        {
            if (Interlocked.Exchange(ref returned, 1) == 0) scorer.Return(buffers);
        }
    }

    private sealed class TorchBatch(NetworkScorer scorer, int length, bool withEmbedding) : ScoringBatch
    {
        public override int Capacity => length / scorer.RowSize;
        public override float[] Features { get; } = new float[length];
        public override void Score(int rows, ScoreBatch into) => scorer.Score(Features, rows, withEmbedding, into);
    }

    private void ScoreLocked(float[] features, int rows, bool withEmbedding, ScoreBatch into)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        network.eval();
        long capacity = features.Length / RowSize;
        Tensor x = tensor(features, rowShape.Prepend(capacity).ToArray());
        if (rows < capacity) x = x.narrow(0, 0, rows);
        if (device.type != DeviceType.CPU) x = x.to(device);
        MultiTaskForward forward = network.Forward(x);
        var scores = new float[tasks.Count][];
        for (int i = 0; i < tasks.Count; i++)
            scores[i] = tasks[i].Handler().ScoreValues(network.InTargetUnits(i, forward.Outputs[i])).cpu().contiguous().data<float>().ToArray();
        into.Scores = scores;
        into.Embedding = withEmbedding ? forward.Embedding!.cpu().contiguous().data<float>().ToArray() : null;
    }
}
