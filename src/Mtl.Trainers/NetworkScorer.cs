using Mtl.Torch;
using Mtl.Trainers.Network;
using static Mtl.Torch.torch;

namespace Mtl.Trainers;

/// <summary>Runs the network in eval mode on a batch of feature rows and returns per-task scores (probabilities or values).</summary>
internal sealed class NetworkScorer
{
    private readonly MultiHeadNetwork network;
    private readonly IReadOnlyList<TaskDefinition> tasks;
    private readonly long[] rowShape;
    private readonly Device device;
    private readonly object gate = new();

    public NetworkScorer(MultiHeadNetwork network, IReadOnlyList<TaskDefinition> tasks, long[] rowShape, Device device)
    {
        this.network = network;
        this.tasks = tasks;
        this.rowShape = rowShape;
        this.device = device;
        RowSize = (int)rowShape.Aggregate(1L, (a, b) => a * b);
    }

    public int RowSize { get; }

    /// <summary>Scores of a batch: per task a row-major array (rows × OutputSize) and, when asked, the embeddings (rows × R).</summary>
    public (float[][] scores, float[]? embedding) Score(float[] features, int rows, bool withEmbedding)
    {
        // The network is shared by all cursors of a transformer; libtorch modules are not safe for concurrent forward passes
        // that switch train/eval, so scoring is serialised.
        lock (gate)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            network.eval();
            Tensor x = tensor<float>(features.AsSpan(0, rows * RowSize), rowShape.Prepend(rows).ToArray());
            if (device.type != DeviceType.CPU) x = x.to(device);
            Tensor z = network.Represent(x);
            var scores = new float[tasks.Count][];
            for (int i = 0; i < tasks.Count; i++)
            {
                Tensor output = network.Head(i).call(z);
                Tensor s = tasks[i].Kind switch
                {
                    TaskKind.Multiclass => nn.functional.softmax(output, 1),
                    TaskKind.Binary => output.squeeze(1).sigmoid(),
                    _ => output.squeeze(1),
                };
                scores[i] = s.cpu().contiguous().ToArray<float>();
            }
            float[]? embedding = withEmbedding ? z.cpu().contiguous().ToArray<float>() : null;
            return (scores, embedding);
        }
    }
}
