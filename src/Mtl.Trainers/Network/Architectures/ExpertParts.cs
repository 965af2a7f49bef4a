using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network.Architectures;

/// <summary>The pieces the mixture-of-experts architectures share: experts built from the trunk, softmax gates, the gated mix.</summary>
internal static class ExpertParts
{
    /// <summary><paramref name="count"/> experts, each a fresh trunk of <paramref name="trunk"/>'s kind (MLP experts on vectors, conv experts on images); their output size.</summary>
    public static (ModuleList<nn.Module<Tensor, Tensor>> Experts, int Size) Trunks(TrunkSpec trunk, long[] inputShape, int count)
    {
        var experts = new nn.Module<Tensor, Tensor>[count];
        int size = 0;
        for (int i = 0; i < count; i++) (experts[i], size) = trunk.Build(inputShape);
        return (nn.ModuleList(experts), size);
    }

    /// <summary>The number of input values of a row (the gates read the flattened input).</summary>
    public static long InputSize(long[] inputShape) => inputShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>A gate: softmax(W·flatten(x) + b) over the experts.</summary>
    public static Tensor Gate(Linear gate, Tensor x) => F.softmax(gate.call(x.flatten(1)), 1);

    /// <summary>The gate in ONNX.</summary>
    public static string GateOnnx(OnnxGraphBuilder graph, Linear gate, string x) => graph.Softmax(OnnxExporters.Export(gate, graph, graph.Flatten(x)));

    /// <summary>Σᵢ wᵢ·eᵢ with per-row weights w (batch × n), summed in expert order (the ONNX graph adds in the same order).</summary>
    public static Tensor Mix(Tensor weights, IReadOnlyList<Tensor> experts)
    {
        using var scope = NewDisposeScope();
        Tensor sum = weights.narrow(1, 0, 1) * experts[0];
        for (int i = 1; i < experts.Count; i++) sum = sum + weights.narrow(1, i, 1) * experts[i];
        return sum.MoveToOuterDisposeScope();
    }

    /// <summary>The gated mix in ONNX.</summary>
    public static string MixOnnx(OnnxGraphBuilder graph, string weights, IReadOnlyList<string> experts)
    {
        string sum = graph.Node("Mul", [Column(graph, weights, 0), experts[0]]);
        for (int i = 1; i < experts.Count; i++) sum = graph.Add(sum, graph.Node("Mul", [Column(graph, weights, i), experts[i]]));
        return sum;
    }

    /// <summary>Column <paramref name="index"/> of a batch × n matrix, kept 2-D (batch × 1).</summary>
    public static string Column(OnnxGraphBuilder graph, string matrix, long index) =>
        graph.Node("Slice", [matrix, graph.ConstantInt64([index]), graph.ConstantInt64([index + 1]), graph.ConstantInt64([1])]);

    /// <summary>Every parameter of the given modules, in order.</summary>
    public static Parameter[] ParametersOf(params IEnumerable<nn.Module>[] groups) =>
        groups.SelectMany(g => g).SelectMany(m => m.parameters()).ToArray();

    /// <summary>Task heads on a representation of the given size.</summary>
    public static ModuleList<TaskHead> Heads(IReadOnlyList<TaskDefinition> tasks, int size) =>
        nn.ModuleList(tasks.Select(t => new TaskHead(size, t.HeadHiddenSizes, t.HeadDropout, t.OutputSize)).ToArray());

    /// <summary>Fails naming the architecture when a count is below its minimum (direct construction; options validate earlier).</summary>
    public static void AtLeast(int value, int minimum, string architecture, string what)
    {
        if (value < minimum) throw new ArgumentOutOfRangeException(what, value, $"{architecture} needs {what} ≥ {minimum}.");
    }
}
