using Mtl.Trainers.Tasks;

namespace Mtl.Trainers.Onnx;

/// <summary>
/// Where an exported graph's outputs go in a <see cref="ScoreBatch"/>: the outputs to request, per task the outputs whose
/// per-row values, concatenated, are the task's score values (<see cref="TaskKindHandler.OnnxScoreOutputCount"/>), and the
/// embedding's output. The one-row and the batched scorer read their graphs through it.
/// </summary>
internal sealed class OnnxScoreLayout
{
    public OnnxScoreLayout(ExportedNetwork exported, MultiHeadNetworkTransformer model)
    {
        OutputNames = [.. exported.OutputNames];
        TaskScoreOutputs = new int[model.Tasks.Count][];
        for (int i = 0; i < model.Tasks.Count; i++)
        {
            int count = model.Tasks[i].Handler().OnnxScoreOutputCount;
            TaskScoreOutputs[i] = exported.TaskOutputs[i].Take(count).Select(n => Array.IndexOf(OutputNames, n)).ToArray();
        }
        EmbeddingOutput = model.OutputEmbedding ? OutputNames.Length - 1 : -1;
    }

    /// <summary>Every output name of the graph, in its order.</summary>
    public string[] OutputNames { get; }

    /// <summary>Per task, the indices (into <see cref="OutputNames"/>) of the outputs that make its score values.</summary>
    public int[][] TaskScoreOutputs { get; }

    /// <summary>The embedding's output index, or −1 when the model has none.</summary>
    public int EmbeddingOutput { get; }
}
