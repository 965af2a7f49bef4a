using Google.Protobuf;
using Mtl.Trainers.Network;
using Mtl.Trainers.Tasks;

namespace Mtl.Trainers.Onnx;

/// <summary>The saved graph of a multi-head network: its bytes and, per task, the names of its outputs.</summary>
/// <param name="Model">The serialized ONNX ModelProto.</param>
/// <param name="TaskOutputs">Per task, the output names in the order its kind expects them.</param>
/// <param name="OutputNames">Every output name of the graph.</param>
internal sealed record ExportedNetwork(byte[] Model, IReadOnlyList<IReadOnlyList<string>> TaskOutputs, IReadOnlyList<string> OutputNames);

/// <summary>
/// Writes a trained multi-task network (eval mode) as one ONNX graph that scores one row: input = the feature column
/// (its own shape), then the whole network (<see cref="MultiTaskNetwork"/>'s export) and each task kind's output nodes (softmax, sigmoid, argmax …).
/// With <c>batched</c> the same graph scores any number of rows per call (input rows × RowShape, each output rows × its
/// per-row width): what the fitted transformer's batched scoring runs. The saved zip holds the one-row graph.
/// </summary>
internal static class NetworkOnnxExporter
{
    public static ExportedNetwork Export(MultiHeadNetworkTransformer model, bool batched = false)
    {
        var graph = new OnnxGraphBuilder("multi_head_network", batched);
        string batch = graph.RowInput(model.FeatureColumnName, OnnxElementType.Float, model.RowShape);
        (string[] outputs, string? embedding) = model.Network.ExportWholeOnnx(graph, batch);
        var taskOutputs = new List<IReadOnlyList<string>>();
        for (int i = 0; i < model.Tasks.Count; i++)
        {
            TaskDefinition task = model.Tasks[i];
            string head = outputs[i];
            taskOutputs.Add(task.Handler().AddOnnxOutputs(graph, task, head, model.ClassNamesOf(i)));
        }
        var names = taskOutputs.SelectMany(o => o).ToList();
        if (model.OutputEmbedding)
            names.Add(graph.Output(graph.Flatten1D(embedding ?? throw new InvalidOperationException($"The {model.Network.ArchitectureName} network wrote no embedding into the ONNX graph.")),
                MultiHeadNetworkTransformer.EmbeddingColumnName, OnnxElementType.Float, model.Network.EmbeddingSize));
        return new ExportedNetwork(graph.Build("Mtl.Trainers").ToByteArray(), taskOutputs, names);
    }
}
