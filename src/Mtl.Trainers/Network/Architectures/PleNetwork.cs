using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network.Architectures;

/// <summary>
/// PLE (Tang et al., RecSys 2020, "Progressive Layered Extraction"): L stacked extraction levels, each with task-specific
/// experts per task and shared experts. At level j the gate of task k mixes task k's experts and the shared experts; below
/// the last level a shared gate mixes every expert (all tasks' and the shared ones) into the shared path. One level is CGC
/// (Customized Gate Control, the same paper), built by <see cref="CgcOptions"/>.
/// </summary>
/// <remarks>
/// Variant: as published — a gate reads the input of its path (level 1: the flattened x; level j &gt; 1: the path's output
/// of level j − 1, task k's path for task k's gate, the shared path for the shared gate), one linear layer + softmax.
/// Level-1 experts are fresh copies of the configured trunk (MLP experts on vectors, conv experts on images); experts of
/// higher levels are Linear(d→d) + ReLU on the paths. Experts are ordered task experts first, then shared experts.
/// Parameters: everything below the last level feeds every task through the shared gate, so it is shared; task k owns its
/// last-level experts, its last gate and its head. The boundary is the last level's task paths (from level L − 1; none
/// for CGC, whose task experts read x) and the last level's shared expert outputs, so Representation mode works.
/// </remarks>
public sealed class PleNetwork : MultiTaskNetwork
{
    private readonly string architecture;
    private readonly int levels, taskExperts, sharedExperts, tasks;
    // Per level: experts[level][path] with path 0..T-1 = task paths, T = the shared path; gates[level][path] likewise
    // (the last level has no shared gate).
    private readonly ModuleList<ModuleList<ModuleList<nn.Module<Tensor, Tensor>>>> experts;
    private readonly ModuleList<ModuleList<Linear>> gates;
    private readonly ModuleList<TaskHead> heads;

    internal PleNetwork(string name, TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> taskList, int levels, int taskExperts, int sharedExperts)
        : base(nameof(PleNetwork), taskList)
    {
        ExpertParts.AtLeast(levels, 1, name, "levels");
        ExpertParts.AtLeast(taskExperts, 1, name, "task experts");
        ExpertParts.AtLeast(sharedExperts, 1, name, "shared experts");
        (architecture, this.levels, this.taskExperts, this.sharedExperts, tasks) = (name, levels, taskExperts, sharedExperts, taskList.Count);
        int size = 0;
        long inputs = ExpertParts.InputSize(inputShape);
        var levelExperts = new List<ModuleList<ModuleList<nn.Module<Tensor, Tensor>>>>();
        var levelGates = new List<ModuleList<Linear>>();
        for (int level = 0; level < levels; level++)
        {
            var paths = new List<ModuleList<nn.Module<Tensor, Tensor>>>();
            for (int path = 0; path <= tasks; path++)
            {
                int count = path < tasks ? taskExperts : sharedExperts;
                if (level == 0)
                {
                    (ModuleList<nn.Module<Tensor, Tensor>> trunks, size) = ExpertParts.Trunks(trunk, inputShape, count);
                    paths.Add(trunks);
                }
                else
                {
                    paths.Add(nn.ModuleList(Enumerable.Range(0, count).Select(_ => (nn.Module<Tensor, Tensor>)new LinearReluExpert(size)).ToArray()));
                }
            }
            levelExperts.Add(nn.ModuleList(paths.ToArray()));
            long gateInputs = level == 0 ? inputs : size;
            bool last = level == levels - 1;
            var g = Enumerable.Range(0, tasks).Select(_ => nn.Linear(gateInputs, taskExperts + sharedExperts)).ToList();
            if (!last) g.Add(nn.Linear(gateInputs, tasks * taskExperts + sharedExperts));
            levelGates.Add(nn.ModuleList(g.ToArray()));
        }
        experts = nn.ModuleList(levelExperts.ToArray());
        gates = nn.ModuleList(levelGates.ToArray());
        heads = ExpertParts.Heads(taskList, size);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string ArchitectureName => architecture;

    private int Last => levels - 1;

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> SharedParameters()
    {
        var below = Enumerable.Range(0, Last).SelectMany(l => experts[l].SelectMany(p => p).Concat<nn.Module>(gates[l]));
        return ExpertParts.ParametersOf(below, experts[Last][tasks]);
    }

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> TaskParameters(int task) =>
        ExpertParts.ParametersOf(experts[Last][task], [gates[Last][task]], [heads[task]]);

    /// <inheritdoc />
    protected override IEnumerable<nn.Module> SharedModules() =>
        Enumerable.Range(0, Last).SelectMany(l => experts[l].Concat<nn.Module>(gates[l])).Concat(experts[Last][tasks]);

    /// <inheritdoc />
    public override bool HasBoundary => true;

    /// <inheritdoc />
    protected override IReadOnlyList<Tensor> SharedForward(Tensor x)
    {
        // Paths 0..T-1 are the tasks', T the shared one; all start at x.
        Tensor[] paths = Enumerable.Repeat(x, tasks + 1).ToArray();
        for (int level = 0; level < Last; level++)
        {
            using var scope = NewDisposeScope();
            Tensor[][] outs = Enumerable.Range(0, tasks + 1).Select(p => experts[level][p].Select(e => e.call(paths[p])).ToArray()).ToArray();
            var next = new Tensor[tasks + 1];
            for (int k = 0; k < tasks; k++)
                next[k] = ExpertParts.Mix(ExpertParts.Gate(gates[level][k], paths[k]), [.. outs[k], .. outs[tasks]]);
            next[tasks] = ExpertParts.Mix(ExpertParts.Gate(gates[level][tasks], paths[tasks]), outs.SelectMany(o => o).ToArray());
            paths = next.Select(t => t.MoveToOuterDisposeScope()).ToArray();
        }
        Tensor[] shared = experts[Last][tasks].Select(e => e.call(paths[tasks])).ToArray();
        return levels == 1 ? shared : [.. paths.Take(tasks), .. shared];
    }

    /// <inheritdoc />
    protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries)
    {
        int offset = levels == 1 ? 0 : tasks;
        Tensor[] shared = boundaries.Skip(offset).ToArray();
        var outputs = new Tensor[tasks];
        for (int k = 0; k < tasks; k++)
        {
            using var scope = NewDisposeScope();
            Tensor path = levels == 1 ? x : boundaries[k];
            Tensor[] own = experts[Last][k].Select(e => e.call(path)).ToArray();
            Tensor mixed = ExpertParts.Mix(ExpertParts.Gate(gates[Last][k], path), [.. own, .. shared]);
            outputs[k] = heads[k].call(mixed).MoveToOuterDisposeScope();
        }
        return outputs;
    }

    /// <inheritdoc />
    protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string[] paths = Enumerable.Repeat(input, tasks + 1).ToArray();
        for (int level = 0; level < levels; level++)
        {
            string[][] outs = Enumerable.Range(0, tasks + 1).Select(p => experts[level][p].Select(e => OnnxExporters.Export(e, graph, paths[p])).ToArray()).ToArray();
            var next = new string[tasks + 1];
            for (int k = 0; k < tasks; k++)
                next[k] = ExpertParts.MixOnnx(graph, ExpertParts.GateOnnx(graph, gates[level][k], paths[k]), [.. outs[k], .. outs[tasks]]);
            if (level < Last)
                next[tasks] = ExpertParts.MixOnnx(graph, ExpertParts.GateOnnx(graph, gates[level][tasks], paths[tasks]), outs.SelectMany(o => o).ToArray());
            paths = next;
        }
        return (Enumerable.Range(0, tasks).Select(k => heads[k].ExportOnnx(graph, paths[k])).ToArray(), null);
    }

    /// <summary>An expert above the first level: Linear(d→d) + ReLU on a path.</summary>
    private sealed class LinearReluExpert : nn.Module<Tensor, Tensor>, IOnnxExportable
    {
        private readonly Linear linear;

        public LinearReluExpert(int size) : base(nameof(LinearReluExpert))
        {
            linear = nn.Linear(size, size);
            RegisterComponents();
        }

        public override Tensor forward(Tensor x)
        {
            using Tensor h = linear.call(x);
            return F.relu(h);
        }

        public string ExportOnnx(OnnxGraphBuilder graph, string input) => graph.Relu(OnnxExporters.Export(linear, graph, input));
    }

    /// <summary>PLE's options: levels, task-specific experts per task and shared experts per level.</summary>
    public sealed class Options : ArchitectureOptions
    {
        /// <summary>Number of extraction levels (≥ 1; 1 is CGC).</summary>
        public int Levels = 2;

        /// <summary>Task-specific experts per task and level (≥ 1).</summary>
        public int TaskExperts = 1;

        /// <summary>Shared experts per level (≥ 1).</summary>
        public int SharedExperts = 2;

        /// <inheritdoc />
        public override string Name => "ple";

        internal override IReadOnlyList<ArchitectureArgument> Arguments =>
        [
            new("levels", nameof(Levels), 1, true, () => Levels, v => Levels = (int)v),
            new("taskexperts", nameof(TaskExperts), 1, true, () => TaskExperts, v => TaskExperts = (int)v),
            new("sharedexperts", nameof(SharedExperts), 1, true, () => SharedExperts, v => SharedExperts = (int)v),
        ];

        /// <inheritdoc />
        public override MultiTaskNetwork Build(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) =>
            new PleNetwork("PLE", trunk, inputShape, tasks, Levels, TaskExperts, SharedExperts);
    }

    /// <summary>CGC's options (one PLE level): task-specific experts per task and shared experts.</summary>
    public sealed class CgcOptions : ArchitectureOptions
    {
        /// <summary>Task-specific experts per task (≥ 1).</summary>
        public int TaskExperts = 1;

        /// <summary>Shared experts (≥ 1).</summary>
        public int SharedExperts = 2;

        /// <inheritdoc />
        public override string Name => "cgc";

        internal override IReadOnlyList<ArchitectureArgument> Arguments =>
        [
            new("taskexperts", nameof(TaskExperts), 1, true, () => TaskExperts, v => TaskExperts = (int)v),
            new("sharedexperts", nameof(SharedExperts), 1, true, () => SharedExperts, v => SharedExperts = (int)v),
        ];

        /// <inheritdoc />
        public override MultiTaskNetwork Build(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) =>
            new PleNetwork("CGC", trunk, inputShape, tasks, 1, TaskExperts, SharedExperts);
    }
}
