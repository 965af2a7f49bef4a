using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Engine;

/// <summary>
/// One quantity whose per-sample gradient is wanted: a scalar built linearly from the T task losses (one task's loss, or
/// their sum) and the parameters it is differentiated with respect to. Linearity matters: the engine backpropagates the
/// batch-mean of the rows' losses and rescales, which equals each row's own gradient only for a linear combination.
/// </summary>
/// <param name="Loss">The scalar from the task losses.</param>
/// <param name="Parameters">The parameters to differentiate with respect to, in the order the gradient is flattened.</param>
internal sealed record PerSampleTarget(Func<Tensor[], Tensor> Loss, IReadOnlyList<Tensor> Parameters);

/// <summary>What <see cref="PerSampleGradientEngine.Compute"/> measured.</summary>
internal sealed class PerSampleGradientResult
{
    public PerSampleGradientResult(Tensor[] gradients, IReadOnlyList<string> oneRowParameters)
    {
        Gradients = gradients;
        OneRowParameters = oneRowParameters;
    }

    /// <summary>One (groups × parameter count) matrix per target; row k is the gradient of group k's mean loss.</summary>
    public Tensor[] Gradients { get; }

    /// <summary>
    /// Parameters whose per-sample gradients came from the one-row path (a forward and backward per group), each as
    /// "name (layer type): reason"; empty when every parameter came from the one batched backward.
    /// </summary>
    public IReadOnlyList<string> OneRowParameters { get; }
}

/// <summary>
/// Per-sample (or per-group) gradients from ONE forward of all rows and ONE backward per target, per layer:
/// <list type="bullet">
/// <item>Linear: ∂ℓᵢ/∂W = δᵢᵀ aᵢ, ∂ℓᵢ/∂b = Σ δᵢ (an outer product per row, summed over any middle dimensions);</item>
/// <item>Conv2d (zero padding, groups = 1): ∂ℓᵢ/∂W = δᵢ · unfold(aᵢ)ᵀ, ∂ℓᵢ/∂b = Σ_positions δᵢ;</item>
/// <item>BatchNorm in evaluation mode: ∂ℓᵢ/∂γ = Σ δᵢ·x̂ᵢ, ∂ℓᵢ/∂β = Σ δᵢ with x̂ from the running statistics;</item>
/// </list>
/// where aᵢ is row i's input to the layer and δᵢ the gradient at row i's output. TorchSharp has no backward hooks, so
/// a forward hook (which <c>Module.call</c> runs) keeps each layer's input and adds a zero "probe" leaf to its output;
/// <c>autograd.grad</c> with respect to the probes then returns every layer's δ in one backward, exactly, since
/// out + 0 = out. The batch's losses are means, so δ is rescaled by the row count. Parameters of other layers, of a
/// layer not called through <c>call</c>, or of any layer when rows are not independent (batch norm using batch
/// statistics) take the one-row path: a forward and a backward per group, listed in the result.
/// </summary>
internal static class PerSampleGradientEngine
{
    /// <summary>
    /// Gradients of <paramref name="targets"/> for each of <c>rows / groupSize</c> consecutive groups of
    /// <paramref name="groupSize"/> rows (1 = per sample), each the gradient of the group's mean loss.
    /// </summary>
    /// <param name="model">The module whose layers compute the losses; null puts every parameter on the one-row path.</param>
    /// <param name="losses">Task losses of rows [start, start + count), each the mean over those rows, with their graph.</param>
    /// <param name="rows">Rows measured (a multiple of <paramref name="groupSize"/>).</param>
    /// <param name="groupSize">Rows per group.</param>
    /// <param name="targets">What to differentiate.</param>
    /// <param name="dtype">Element type of the result; the per-layer contractions run in it (float64 where statistics need it).</param>
    public static PerSampleGradientResult Compute(nn.Module? model, Func<long, long, Tensor[]> losses, long rows, long groupSize,
        IReadOnlyList<PerSampleTarget> targets, ScalarType dtype)
    {
        if (groupSize < 1 || rows < groupSize || rows % groupSize != 0)
            throw new ArgumentOutOfRangeException(nameof(groupSize), $"{rows} rows do not split into whole groups of {groupSize}.");
        long groups = rows / groupSize;
        var oneRow = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        var owners = new Dictionary<Tensor, string>(ReferenceEqualityComparer.Instance);
        Dictionary<Tensor, LayerRule> rules = Rules(model, targets, oneRow, owners);

        var gradients = new Dictionary<Tensor, Tensor>[targets.Count];
        for (int k = 0; k < targets.Count; k++) gradients[k] = new Dictionary<Tensor, Tensor>(ReferenceEqualityComparer.Instance);
        if (rules.Count > 0) Batched(rules, owners, losses, rows, groupSize, targets, dtype, gradients, oneRow);
        if (oneRow.Count > 0) OneGroupAtATime(losses, groups, groupSize, targets, dtype, gradients, oneRow);

        var result = new Tensor[targets.Count];
        for (int k = 0; k < targets.Count; k++)
        {
            var parts = new Tensor[targets[k].Parameters.Count];
            for (int p = 0; p < parts.Length; p++)
            {
                Tensor parameter = targets[k].Parameters[p];
                parts[p] = gradients[k].TryGetValue(parameter, out Tensor? g) ? g : zeros(groups, parameter.numel(), dtype: dtype, device: parameter.device);
            }
            result[k] = cat(parts, 1);
        }
        string[] described = oneRow.Values.Distinct().ToArray();
        return new PerSampleGradientResult(result, described);
    }

    // Which rule forms each target parameter's per-row gradient; parameters without one go to oneRow with the reason.
    // owners receives each module parameter's "name (layer type)".
    private static Dictionary<Tensor, LayerRule> Rules(nn.Module? model, IReadOnlyList<PerSampleTarget> targets, Dictionary<Tensor, string> oneRow,
        Dictionary<Tensor, string> owners)
    {
        var wanted = new HashSet<Tensor>(targets.SelectMany(t => t.Parameters), ReferenceEqualityComparer.Instance);
        var rules = new Dictionary<Tensor, LayerRule>(ReferenceEqualityComparer.Instance);
        string? coupled = null;
        if (model is not null)
        {
            var layers = new List<(string Name, nn.Module Module)> { ("", model) };
            layers.AddRange(model.named_modules());
            foreach ((string name, nn.Module module) in layers)
            {
                string label = name.Length == 0 ? module.GetType().Name : $"{name} ({module.GetType().Name})";
                // Any such layer couples the rows, whether or not it has parameters of its own.
                if (module is BatchNorm norm && (norm.training || norm.running_mean is null))
                    coupled ??= $"{label} normalises with batch statistics, which couple the rows";
                Dictionary<string, Tensor> all = module.named_parameters(recurse: false).ToDictionary(p => p.name, p => (Tensor)p.parameter);
                (string Name, Tensor Parameter)[] own = all.Where(p => wanted.Contains(p.Value)).Select(p => (p.Key, p.Value)).ToArray();
                if (own.Length == 0) continue;
                (LayerRule? rule, string? reason) = LayerRule.For(module, all);
                foreach ((string parameterName, Tensor parameter) in own)
                {
                    owners[parameter] = $"{(name.Length == 0 ? "" : name + ".")}{parameterName} ({module.GetType().Name})";
                    if (rule is not null) rules[parameter] = rule;
                    else oneRow[parameter] = $"{owners[parameter]}: {reason}";
                }
            }
        }
        foreach (Tensor parameter in wanted)
            if (!owners.ContainsKey(parameter))
                oneRow[parameter] = model is null ? "every parameter: the objective names no module" : $"a {string.Join("×", parameter.shape)} tensor: not a parameter of the module";
        if (coupled is not null)
        {
            // A batched forward is only per-row exact when rows do not interact; here they do, so nothing is batched.
            foreach ((Tensor parameter, LayerRule _) in rules) oneRow[parameter] = $"{owners[parameter]}: {coupled}";
            rules.Clear();
        }
        return rules;
    }

    private static void Batched(Dictionary<Tensor, LayerRule> rules, Dictionary<Tensor, string> owners, Func<long, long, Tensor[]> losses, long rows, long groupSize,
        IReadOnlyList<PerSampleTarget> targets, ScalarType dtype, Dictionary<Tensor, Tensor>[] gradients, Dictionary<Tensor, string> oneRow)
    {
        LayerRule[] layers = rules.Values.Distinct().ToArray();
        var calls = new List<(LayerRule Layer, Tensor Input, Tensor Probe)>();
        var owned = new List<Tensor>();
        var removers = new List<Action>();
        try
        {
            foreach (LayerRule layer in layers)
                removers.Add(layer.Tap((kept, probe) =>
                {
                    owned.Add(kept);
                    owned.Add(probe);
                    calls.Add((layer, kept, probe));
                }));
            Tensor[] taskLosses = losses(0, rows);
            foreach (Action remove in removers) remove();
            removers.Clear();

            var called = new HashSet<LayerRule>(calls.Select(c => c.Layer));
            foreach ((Tensor parameter, LayerRule layer) in rules)
                if (!called.Contains(layer)) oneRow[parameter] = $"{owners[parameter]}: its forward ran without Module.call, so no hook saw it";

            // Backward: each target's δ at every layer call it reaches, kept until all targets have theirs.
            var deltas = new Tensor?[targets.Count, calls.Count];
            var wanted = new HashSet<Tensor>[targets.Count];
            for (int k = 0; k < targets.Count; k++)
            {
                wanted[k] = new HashSet<Tensor>(targets[k].Parameters.Where(p => rules.ContainsKey(p) && !oneRow.ContainsKey(p)), ReferenceEqualityComparer.Instance);
                int[] relevant = Enumerable.Range(0, calls.Count).Where(c => calls[c].Layer.Parameters.Any(wanted[k].Contains)).ToArray();
                if (relevant.Length == 0) continue;
                Tensor?[] defined = LossGradients.Of(targets[k].Loss(taskLosses), relevant.Select(c => calls[c].Probe).ToArray(),
                    retainGraph: k < targets.Count - 1, what: "a per-sample target");
                for (int j = 0; j < relevant.Length; j++)
                    deltas[k, relevant[j]] = defined[j];
            }

            // Per layer call, one contraction for all the targets that reach it (one larger bmm instead of T small ones).
            // δ of the batch-mean loss is δᵢ/rows per row; a group's mean-loss gradient is the sum of its rows' δ times rows/groupSize.
            double scale = (double)rows / groupSize;
            for (int c = 0; c < calls.Count; c++)
            {
                int[] reaching = Enumerable.Range(0, targets.Count).Where(k => deltas[k, c] is not null).ToArray();
                if (reaching.Length == 0) continue;
                (LayerRule layer, Tensor input, Tensor _) = calls[c];
                Tensor stacked = stack(reaching.Select(k => deltas[k, c]!).ToArray(), 0).to_type(dtype) * scale;
                foreach ((Tensor parameter, Tensor perTarget) in layer.PerGroup(input.to_type(dtype), stacked, groupSize))
                    for (int j = 0; j < reaching.Length; j++)
                    {
                        int k = reaching[j];
                        if (!wanted[k].Contains(parameter)) continue;
                        Tensor perGroup = perTarget[j];
                        gradients[k][parameter] = gradients[k].TryGetValue(parameter, out Tensor? earlier) ? earlier + perGroup : perGroup;
                    }
            }
        }
        finally
        {
            foreach (Action remove in removers) remove();
            foreach (Tensor t in owned) t.Dispose();
        }
    }

    // The one-row path: a forward per group and a backward per target on its graph (the fallback, and the reference).
    private static void OneGroupAtATime(Func<long, long, Tensor[]> losses, long groups, long groupSize, IReadOnlyList<PerSampleTarget> targets,
        ScalarType dtype, Dictionary<Tensor, Tensor>[] gradients, Dictionary<Tensor, string> oneRow)
    {
        var perGroup = new Tensor[targets.Count][][];
        Tensor[][] parameters = targets.Select(t => t.Parameters.Where(oneRow.ContainsKey).ToArray()).ToArray();
        for (int k = 0; k < targets.Count; k++)
            perGroup[k] = parameters[k].Select(_ => new Tensor[groups]).ToArray();
        int lastTarget = Array.FindLastIndex(parameters, p => p.Length > 0);
        for (long g = 0; g < groups; g++)
        {
            Tensor[] groupLosses = losses(g * groupSize, groupSize);
            for (int k = 0; k <= lastTarget; k++)
            {
                if (parameters[k].Length == 0) continue;
                // The group's graph serves every target: keep it until the last one.
                Tensor?[] grads = LossGradients.Of(targets[k].Loss(groupLosses), parameters[k], retainGraph: k < lastTarget, what: "a per-sample target");
                for (int p = 0; p < parameters[k].Length; p++)
                {
                    perGroup[k][p][g] = grads[p]?.detach().flatten().to_type(dtype) ?? zeros(parameters[k][p].numel(), dtype: dtype, device: parameters[k][p].device);
                }
            }
        }
        for (int k = 0; k < targets.Count; k++)
            for (int p = 0; p < parameters[k].Length; p++)
                gradients[k][parameters[k][p]] = stack(perGroup[k][p], 0);
    }
}
