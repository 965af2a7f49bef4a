using Mtl.Trainers.Onnx;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Mtl.Trainers.Network.Architectures;

/// <summary>
/// DSelect-k (Hazimeh et al., NeurIPS 2021, "DSelect-k: Differentiable Selection in the Mixture of Experts"): n shared
/// experts; task k's gate is a softmax-weighted combination of k binary-encoded selectors. Selector l holds m = log₂ n
/// logits zˡ and selects expert i with weight r(zˡ)ᵢ = Πⱼ (bⱼ(i) S(zˡⱼ) + (1 − bⱼ(i))(1 − S(zˡⱼ))), where bⱼ(i) is bit j
/// of i and S the smooth step S(t) = 0 for t ≤ −γ/2, 1 for t ≥ γ/2, −2t³/γ³ + 3t/(2γ) + ½ between; the gate is
/// w = Σₗ softmax(α)ₗ r(zˡ), and the task's tower reads Σᵢ wᵢ fᵢ(x).
/// </summary>
/// <remarks>
/// Variant: the per-example gate — zˡ and α are linear functions of the (flattened) input x — with n a power of two
/// (every binary code is an expert). Training adds the paper's entropy regulariser λ·Σₗ H(r(zˡ)) (batch mean) to each
/// task's loss, pushing each selector to one expert; it touches only the task's own gate parameters. Experts are fresh
/// copies of the configured trunk. The boundary is the n expert outputs, so Representation mode works.
/// </remarks>
public sealed class DSelectKNetwork : MultiTaskNetwork
{
    private readonly ModuleList<nn.Module<Tensor, Tensor>> experts;
    private readonly ModuleList<Linear> selectorLogits;
    private readonly ModuleList<Linear> selectorWeights;
    private readonly ModuleList<TaskHead> heads;
    private readonly int expertCount, selectors, bits;
    private readonly double gamma, entropyWeight;
    private readonly float[] codes;

    internal DSelectKNetwork(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks, int expertCount, int selectors, double gamma, double entropyWeight)
        : base(nameof(DSelectKNetwork), tasks)
    {
        if (expertCount < 2 || (expertCount & (expertCount - 1)) != 0)
            throw new ArgumentOutOfRangeException(nameof(expertCount), expertCount, "DSelect-k needs a number of experts that is a power of two (2, 4, 8, …): each expert is one binary code of the selectors.");
        ExpertParts.AtLeast(selectors, 1, "DSelect-k", "selectors");
        if (!(gamma > 0)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "DSelect-k's smooth-step width γ must be > 0.");
        (this.expertCount, this.selectors, this.gamma, this.entropyWeight) = (expertCount, selectors, gamma, entropyWeight);
        bits = System.Numerics.BitOperations.Log2((uint)expertCount);
        codes = new float[expertCount * bits];
        for (int i = 0; i < expertCount; i++)
            for (int j = 0; j < bits; j++) codes[i * bits + j] = (i >> j) & 1;
        (experts, int size) = ExpertParts.Trunks(trunk, inputShape, expertCount);
        long inputs = ExpertParts.InputSize(inputShape);
        selectorLogits = nn.ModuleList(tasks.Select(_ => nn.Linear(inputs, selectors * bits)).ToArray());
        selectorWeights = nn.ModuleList(tasks.Select(_ => nn.Linear(inputs, selectors)).ToArray());
        heads = ExpertParts.Heads(tasks, size);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override string ArchitectureName => "DSelect-k";

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> SharedParameters() => ExpertParts.ParametersOf(experts);

    /// <inheritdoc />
    public override IReadOnlyList<Parameter> TaskParameters(int task) =>
        ExpertParts.ParametersOf([selectorLogits[task]], [selectorWeights[task]], [heads[task]]);

    /// <inheritdoc />
    protected override IEnumerable<nn.Module> SharedModules() => experts;

    /// <inheritdoc />
    public override bool HasBoundary => true;

    /// <summary>The smooth step S(t) of width γ: the cubic on t clamped to [−γ/2, γ/2] (0 and 1 outside, as published).</summary>
    internal static Tensor SmoothStep(Tensor t, double gamma)
    {
        using Tensor c = t.clamp(-gamma / 2, gamma / 2);
        using Tensor cube = c.pow(3);
        using Tensor a = cube * (-2 / (gamma * gamma * gamma));
        using Tensor b = c * (3 / (2 * gamma));
        using Tensor sum = a + b;
        return sum + 0.5;
    }

    /// <summary>Each selector's weights over the experts, r(zˡ): batch × selectors × experts.</summary>
    private Tensor Selections(int task, Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor s = SmoothStep(selectorLogits[task].call(x.flatten(1)).view(-1, selectors, bits), gamma).unsqueeze(2);
        Tensor code = tensor(codes, [expertCount, bits], dtype: s.dtype, device: s.device);
        Tensor term = s * code + (1 - s) * (1 - code);
        return term.prod(3).MoveToOuterDisposeScope();
    }

    /// <summary>Task <paramref name="task"/>'s gate w (batch × experts): Σₗ softmax(α)ₗ r(zˡ).</summary>
    internal Tensor GateWeights(int task, Tensor x)
    {
        using var scope = NewDisposeScope();
        Tensor r = Selections(task, x);
        Tensor alpha = F.softmax(selectorWeights[task].call(x.flatten(1)), 1).unsqueeze(2);
        return (alpha * r).sum(1).MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    protected override IReadOnlyList<Tensor> SharedForward(Tensor x) => experts.Select(e => e.call(x)).ToArray();

    /// <inheritdoc />
    protected override Tensor[] TaskForward(Tensor x, IReadOnlyList<Tensor> boundaries)
    {
        var outputs = new Tensor[heads.Count];
        for (int k = 0; k < outputs.Length; k++)
        {
            using var scope = NewDisposeScope();
            outputs[k] = heads[k].call(ExpertParts.Mix(GateWeights(k, x), boundaries)).MoveToOuterDisposeScope();
        }
        return outputs;
    }

    /// <inheritdoc />
    protected override Tensor?[]? TrainingRegularizers(Tensor x)
    {
        if (entropyWeight == 0) return null;
        var terms = new Tensor?[heads.Count];
        for (int k = 0; k < terms.Length; k++)
        {
            using var scope = NewDisposeScope();
            Tensor r = Selections(k, x);
            Tensor entropy = -(r * (r + 1e-6).log()).sum(2);   // batch × selectors
            terms[k] = (entropy.sum(1).mean() * entropyWeight).MoveToOuterDisposeScope();
        }
        return terms;
    }

    /// <inheritdoc />
    protected override (string[] TaskOutputs, string? Embedding) ExportOnnx(OnnxGraphBuilder graph, string input)
    {
        string[] e = experts.Select(m => OnnxExporters.Export(m, graph, input)).ToArray();
        string flat = graph.Flatten(input);
        string code;
        using (Tensor codeTensor = tensor(codes, [expertCount, bits])) code = graph.Initializer("dselect_codes", codeTensor);
        string one = graph.ConstantFloat(1f);
        string codeOff = graph.Node("Sub", [one, code]);
        var outputs = new string[heads.Count];
        for (int k = 0; k < outputs.Length; k++)
        {
            string z = graph.Reshape(OnnxExporters.Export(selectorLogits[k], graph, flat), -1, selectors, bits);
            string c = graph.Node("Clip", [z, graph.ConstantFloat((float)(-gamma / 2)), graph.ConstantFloat((float)(gamma / 2))]);
            string cube = graph.Node("Mul", [graph.Node("Pow", [c, graph.ConstantFloat(3f)]), graph.ConstantFloat((float)(-2 / (gamma * gamma * gamma)))]);
            string s = graph.Add(graph.Add(cube, graph.Node("Mul", [c, graph.ConstantFloat((float)(3 / (2 * gamma)))])), graph.ConstantFloat(0.5f));
            string s4 = graph.Node("Unsqueeze", [s, graph.ConstantInt64([2])]);
            string term = graph.Add(graph.Node("Mul", [s4, code]), graph.Node("Mul", [graph.Node("Sub", [one, s4]), codeOff]));
            string r = graph.Node("ReduceProd", [term], ("axes", new long[] { 3 }), ("keepdims", 0L));
            string alpha = graph.Node("Unsqueeze", [graph.Softmax(OnnxExporters.Export(selectorWeights[k], graph, flat)), graph.ConstantInt64([2])]);
            string w = graph.Node("ReduceSum", [graph.Node("Mul", [alpha, r]), graph.ConstantInt64([1])], ("keepdims", 0L));
            outputs[k] = heads[k].ExportOnnx(graph, ExpertParts.MixOnnx(graph, w, e));
        }
        return (outputs, null);
    }

    /// <summary>DSelect-k's options: experts (a power of two), selectors per task, the smooth step's width γ and the entropy weight λ.</summary>
    public sealed class Options : ArchitectureOptions
    {
        /// <summary>Number of shared experts (a power of two, ≥ 2).</summary>
        public int Experts = 4;

        /// <summary>Selectors per task, k (≥ 1): the gate combines up to k experts.</summary>
        public int Selectors = 2;

        /// <summary>Width γ of the smooth step (&gt; 0).</summary>
        public double Gamma = 1.0;

        /// <summary>Weight λ of the selectors' entropy regulariser (≥ 0; 0 turns it off).</summary>
        public double EntropyWeight = 1e-3;

        /// <inheritdoc />
        public override string Name => "dselect-k";

        internal override IReadOnlyList<ArchitectureArgument> Arguments =>
        [
            new("experts", nameof(Experts), 2, true, () => Experts, v => Experts = (int)v),
            new("selectors", nameof(Selectors), 1, true, () => Selectors, v => Selectors = (int)v),
            new("gamma", nameof(Gamma), 0, false, () => Gamma, v => Gamma = v, Positive: true),
            new("entropyweight", nameof(EntropyWeight), 0, false, () => EntropyWeight, v => EntropyWeight = v),
        ];

        internal override void Validate(string path)
        {
            base.Validate(path);
            if ((Experts & (Experts - 1)) != 0)
                throw OptionChecks.Fail(path + ".Experts", "a power of two ≥ 2 (2, 4, 8, …): each expert is one binary code of the selectors", Experts);
        }

        /// <inheritdoc />
        public override MultiTaskNetwork Build(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) =>
            new DSelectKNetwork(trunk, inputShape, tasks, Experts, Selectors, Gamma, EntropyWeight);
    }
}
