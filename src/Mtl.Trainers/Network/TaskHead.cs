using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network;

/// <summary>A task head: (Linear → ReLU) per hidden size, dropout, then Linear to the task's outputs (Kurin et al.: 50 → 50 → 10).</summary>
internal sealed class TaskHead : nn.Module<Tensor, Tensor>, IOnnxExportable
{
    private readonly ModuleList<Linear> hidden;
    private readonly Dropout dropout;
    private readonly Linear output;

    /// <summary>Creates a head.</summary>
    public TaskHead(long inputs, int[] hiddenSizes, double dropout, long outputs) : base(nameof(TaskHead))
    {
        var list = new List<Linear>();
        long previous = inputs;
        foreach (int h in hiddenSizes)
        {
            list.Add(nn.Linear(previous, h));
            previous = h;
        }
        hidden = nn.ModuleList(list.ToArray());
        this.dropout = nn.Dropout(dropout);
        output = nn.Linear(previous, outputs);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor z)
    {
        using var scope = NewDisposeScope();
        Tensor h = z;
        foreach (Linear layer in hidden) h = F.relu(layer.call(h));
        return output.call(dropout.call(h)).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public string ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string h = input;
        foreach (Linear layer in hidden) h = graph.Relu(OnnxExporters.Export(layer, graph, h));
        return OnnxExporters.Export(output, graph, h);
    }
}
