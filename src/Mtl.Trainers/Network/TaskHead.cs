using Mtl.Torch;
using Mtl.Torch.Modules;
using static Mtl.Torch.torch;
using F = Mtl.Torch.torch.nn.functional;

namespace Mtl.Trainers.Network;

/// <summary>A task head: (Linear → ReLU) per hidden size, dropout, then Linear to the task's outputs (Kurin et al.: 50 → 50 → 10).</summary>
public sealed class TaskHead : nn.Module<Tensor, Tensor>
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
}

/// <summary>Shared trunk + one head per task. <see cref="forward"/> returns the head outputs in task order.</summary>
public sealed class MultiHeadNetwork : nn.Module<Tensor, Tensor[]>
{
    private readonly nn.Module<Tensor, Tensor> trunk;
    private readonly ModuleList<TaskHead> heads;

    /// <summary>Builds the network for the given input shape (no batch dimension) and tasks.</summary>
    public MultiHeadNetwork(TrunkSpec trunkSpec, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) : base(nameof(MultiHeadNetwork))
    {
        (trunk, RepresentationSize) = trunkSpec.Build(inputShape);
        heads = nn.ModuleList(tasks.Select(t => new TaskHead(RepresentationSize, t.HeadHiddenSizes, t.HeadDropout, t.OutputSize)).ToArray());
        RegisterComponents();
    }

    /// <summary>Size of the shared representation z.</summary>
    public int RepresentationSize { get; }

    /// <summary>Number of heads.</summary>
    public int TaskCount => heads.Count;

    /// <summary>The shared trunk.</summary>
    public nn.Module<Tensor, Tensor> Trunk => trunk;

    /// <summary>Head of task i.</summary>
    public TaskHead Head(int task) => heads[task];

    /// <summary>Parameters of the shared trunk.</summary>
    public IReadOnlyList<Parameter> SharedParameters() => trunk.parameters().ToArray();

    /// <summary>Parameters of head i.</summary>
    public IReadOnlyList<Parameter> HeadParameters(int task) => heads[task].parameters().ToArray();

    /// <summary>The shared representation z = trunk(x).</summary>
    public Tensor Represent(Tensor x) => trunk.call(x);

    /// <inheritdoc />
    public override Tensor[] forward(Tensor x)
    {
        using Tensor z = trunk.call(x);
        return Enumerable.Range(0, heads.Count).Select(i => heads[i].call(z)).ToArray();
    }
}
