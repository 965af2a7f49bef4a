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

/// <summary>Runs the network in eval mode on a batch of feature rows, one dispose scope per batch.</summary>
internal sealed class NetworkScorer
{
    private readonly MultiTaskNetwork network;
    private readonly IReadOnlyList<TaskDefinition> tasks;
    private readonly long[] rowShape;
    private readonly Device device;
    private readonly object gate = new();

    public NetworkScorer(MultiTaskNetwork network, IReadOnlyList<TaskDefinition> tasks, long[] rowShape, Device device)
    {
        this.network = network;
        this.tasks = tasks;
        this.rowShape = rowShape;
        this.device = device;
        RowSize = (int)rowShape.Aggregate(1L, (a, b) => a * b);
    }

    public int RowSize { get; }

    /// <summary>Stopwatch ticks spent in <see cref="Score"/> so far (the forward's share of scoring, for the benchmark).</summary>
    public long ForwardTicks => Interlocked.Read(ref forwardTicks);

    private long forwardTicks;

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
