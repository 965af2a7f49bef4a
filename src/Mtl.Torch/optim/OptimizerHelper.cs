using static Mtl.Torch.torch.optim;

namespace Mtl.Torch.Modules;

/// <summary>
/// Base of the optimizers written as tensor code (TorchSharp's <c>OptimizerHelper</c>): keeps the parameter groups
/// and the per-parameter state, runs <see cref="step"/> under <c>no_grad</c> inside a dispose scope, and implements
/// zero_grad and the state dictionaries. A derived optimizer supplies its options type, a state factory and the
/// update of one parameter.
/// </summary>
public abstract class OptimizerHelper : Optimizer
{
    private sealed record Group(ParamGroup Source, Parameter[] Parameters, OptimizerState[] States);

    private readonly List<Group> groups = new();
    private readonly HashSet<Parameter> known = new(ReferenceEqualityComparer.Instance);
    private bool disposed;

    /// <summary>Creates the optimizer with its default options (validated here).</summary>
    protected OptimizerHelper(OptimizerOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        defaults.Validate();
        _defaults = defaults;
    }

    /// <summary>The defaults that fill a new group's unset options.</summary>
    protected readonly OptimizerOptions _defaults;

    /// <summary>A new, empty options record of this optimizer's options type.</summary>
    protected abstract OptimizerOptions NewOptions();

    /// <summary>The state of a parameter before its first step.</summary>
    protected abstract OptimizerState NewState(Parameter parameter, OptimizerOptions options);

    /// <summary>
    /// Updates one parameter in place from its gradient. Runs under <c>no_grad</c> inside the step's dispose scope:
    /// temporaries need no disposing, and tensors kept in the state go through <see cref="OptimizerState"/>'s slots.
    /// </summary>
    protected abstract void UpdateParameter(Parameter parameter, Tensor grad, OptimizerState state, OptimizerOptions options);

    /// <inheritdoc/>
    public override IEnumerable<ILearningRateController> ParamGroups => groups.Select(g => g.Source);

    /// <inheritdoc/>
    public override IEnumerable<Parameter> parameters() => groups.SelectMany(g => g.Parameters);

    /// <inheritdoc/>
    public override void add_param_group(ParamGroup param_group)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(param_group);
        Parameter[] parameters = param_group.Parameters?.ToArray()
            ?? throw new ArgumentException("The parameter group has no Parameters collection.", nameof(param_group));
        if (parameters.Length == 0)
            throw new ArgumentException($"{GetType().Name} got an empty parameter group; give it at least one parameter.", nameof(param_group));
        var seen = new HashSet<Parameter>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < parameters.Length; i++)
        {
            if (parameters[i] is null) throw new ArgumentException($"Parameter {i} of the group is null.", nameof(param_group));
            if (known.Contains(parameters[i]) || !seen.Add(parameters[i]))
                throw new ArgumentException($"Parameter {i} of the group (shape [{string.Join(", ", parameters[i].shape)}]) already appears in this optimizer; every parameter may belong to one group only, once.", nameof(param_group));
        }

        OptimizerOptions options = CompleteOptions(param_group);
        var states = new OptimizerState[parameters.Length];
        for (int i = 0; i < parameters.Length; i++) states[i] = NewState(parameters[i], options);

        param_group.Parameters = parameters;
        param_group.Options = options;
        groups.Add(new Group(param_group, parameters, states));
        known.UnionWith(parameters);
    }

    private OptimizerOptions CompleteOptions(ParamGroup group)
    {
        Type expected = _defaults.GetType();
        for (Type? t = group.GetType(); t is not null; t = t.BaseType)
        {
            if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(ParamGroup<>) && !t.GetGenericArguments()[0].IsAssignableFrom(expected))
                throw new ArgumentException($"A {group.GetType().FullName} cannot be added to {GetType().Name}, which needs {expected.FullName} options.", nameof(group));
        }
        // A copy: the caller's record stays as given, and two groups never share one record.
        OptimizerOptions options = group.Options?.Copy() ?? NewOptions();
        if (options.GetType() != expected)
            throw new ArgumentException($"{GetType().Name} needs {expected.FullName} options, but the group has {options.GetType().FullName}.", nameof(group));
        options.FillMissingFrom(_defaults);
        options.Validate();
        options.InitialLearningRate = options.LearningRate!.Value;
        return options;
    }

    /// <inheritdoc/>
    public override Tensor? step(Func<Tensor>? closure = null)
    {
        ThrowIfDisposed();
        Tensor? loss = null;
        if (closure is not null)
        {
            using (torch.enable_grad()) loss = closure();
        }
        using (torch.no_grad())
        using (torch.NewDisposeScope())
        {
            foreach (Group group in groups)
            {
                OptimizerOptions options = group.Source.Options!;
                for (int i = 0; i < group.Parameters.Length; i++)
                {
                    Parameter p = group.Parameters[i];
                    if (p.grad is not { } grad) continue;
                    UpdateParameter(p, grad, group.States[i], options);
                }
            }
        }
        return loss;
    }

    /// <inheritdoc/>
    public override void zero_grad(bool set_to_none = false)
    {
        ThrowIfDisposed();
        using var _ = torch.no_grad();
        foreach (Parameter p in parameters())
        {
            if (set_to_none)
            {
                p.grad = null;
                continue;
            }
            using Tensor? grad = p.grad;
            grad?.zero_();
        }
    }

    /// <summary>
    /// The gradient the update rules use: −grad when maximizing, plus the L2 term weight_decay·parameter. Returns
    /// <paramref name="grad"/> itself when neither applies (no copy).
    /// </summary>
    protected static Tensor EffectiveGradient(Tensor grad, Parameter parameter, double weight_decay, bool maximize)
    {
        if (weight_decay == 0) return maximize ? grad.neg() : grad;
        return maximize ? parameter.mul(weight_decay).sub_(grad) : grad.add(parameter, weight_decay);
    }

    /// <inheritdoc/>
    public override StateDictionary state_dict()
    {
        ThrowIfDisposed();
        return new StateDictionary(groups.Select(g => g.Source.Options!).ToList(), groups.SelectMany(g => g.States).ToList());
    }

    /// <inheritdoc/>
    public override void load_state_dict(StateDictionary state_dict)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(state_dict);
        CheckCounts(state_dict.Options.Count, state_dict.State.Count);
        var own = this.state_dict();
        for (int i = 0; i < own.Options.Count; i++)
            CheckOptions(own.Options[i], state_dict.Options[i], i);
        for (int i = 0; i < own.State.Count; i++)
            own.State[i].CheckLoadable(state_dict.State[i], $"the state of parameter {i}");
        // Everything matches: nothing below can fail half-way.
        for (int i = 0; i < own.Options.Count; i++)
            if (!ReferenceEquals(own.Options[i], state_dict.Options[i])) own.Options[i].LoadStateDict(state_dict.Options[i]);
        for (int i = 0; i < own.State.Count; i++)
            own.State[i].LoadStateDict(state_dict.State[i]);
    }

    /// <summary>Saves the state to a file (written to a temporary file, then renamed: never left half-written).</summary>
    /// <param name="location">The file to write.</param>
    public void save_state_dict(string location)
    {
        string full = Path.GetFullPath(location);
        string temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var stream = File.Create(temp))
            using (var writer = new BinaryWriter(stream))
                save_state_dict(writer);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Writes the state: optimizer type name, group and parameter counts, each group's options, each parameter's state.</summary>
    /// <param name="writer">Where to write.</param>
    public void save_state_dict(BinaryWriter writer)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(writer);
        StateDictionary sd = state_dict();
        writer.Write(GetType().Name);
        writer.Write7BitEncodedInt(sd.Options.Count);
        writer.Write7BitEncodedInt(sd.State.Count);
        foreach (OptimizerOptions o in sd.Options) o.SaveStateDict(writer);
        foreach (OptimizerState s in sd.State) s.SaveStateDict(writer);
    }

    /// <summary>Loads state saved by <see cref="save_state_dict(string)"/>; a wrong optimizer type, count, shape or a
    /// truncated file throws (<see cref="InvalidDataException"/> or <see cref="ArgumentException"/>) and changes nothing.</summary>
    /// <param name="location">The file to read.</param>
    public void load_state_dict(string location)
    {
        if (!File.Exists(location))
            throw new FileNotFoundException($"The optimizer state file '{location}' does not exist.", location);
        using var stream = File.OpenRead(location);
        using var reader = new BinaryReader(stream);
        try
        {
            load_state_dict(reader);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"The optimizer state file '{location}' is truncated: {e.Message}", e);
        }
    }

    /// <summary>Reads state written by <see cref="save_state_dict(BinaryWriter)"/> (all-or-nothing).</summary>
    /// <param name="reader">Where to read.</param>
    public void load_state_dict(BinaryReader reader)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(reader);
        string name = reader.ReadString();
        if (name != GetType().Name)
            throw new InvalidDataException($"The optimizer state was saved by {name}, but this optimizer is {GetType().Name}.");
        int optionCount = reader.Read7BitEncodedInt();
        int stateCount = reader.Read7BitEncodedInt();
        CheckCounts(optionCount, stateCount);

        StateDictionary own = state_dict();
        var options = new List<OptimizerOptions>(optionCount);
        var states = new List<OptimizerState>(stateCount);
        try
        {
            foreach (OptimizerOptions o in own.Options)
            {
                OptimizerOptions read = o.Copy();
                read.LoadStateDict(reader);
                options.Add(read);
            }
            for (int i = 0; i < stateCount; i++) states.Add(own.State[i].ReadCopy(reader, $"parameter {i}"));
            load_state_dict(new StateDictionary(options, states));
        }
        finally
        {
            foreach (OptimizerState s in states) s.Dispose();
        }
    }

    private void CheckCounts(int optionCount, int stateCount)
    {
        int ownGroups = groups.Count, ownParameters = groups.Sum(g => g.Parameters.Length);
        if (optionCount != ownGroups)
            throw new ArgumentException($"Cannot load the optimizer state: it has {optionCount} parameter group(s), but this {GetType().Name} has {ownGroups}.");
        if (stateCount != ownParameters)
            throw new ArgumentException($"Cannot load the optimizer state: it holds state for {stateCount} parameter(s), but this {GetType().Name} optimizes {ownParameters}.");
    }

    private static void CheckOptions(OptimizerOptions own, OptimizerOptions source, int group)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.GetType() != own.GetType())
            throw new ArgumentException($"Cannot load the options of group {group}: they come from a different kind of optimizer ({source.GetType().FullName}; this optimizer uses {own.GetType().FullName}).");
        OptimizerOptions probe = source.Copy();
        try
        {
            probe.Validate();
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Cannot load the options of group {group}: {e.Message}", e);
        }
    }

    /// <summary>
    /// Applies <paramref name="change"/> to the options of every group and to the defaults, after checking on copies
    /// that every changed record is still valid (all or nothing; invalid values throw <see cref="ArgumentException"/>).
    /// </summary>
    protected void SetForAllGroups(Action<OptimizerOptions> change)
    {
        List<OptimizerOptions> all = groups.Select(g => g.Source.Options!).Append(_defaults).ToList();
        foreach (OptimizerOptions o in all)
        {
            OptimizerOptions probe = o.Copy();
            change(probe);
            probe.Validate();
        }
        foreach (OptimizerOptions o in all) change(o);
    }

    /// <summary>Throws <see cref="ObjectDisposedException"/> once the optimizer was disposed.</summary>
    protected void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(disposed, this);

    /// <inheritdoc/>
    protected override void Dispose(bool disposing)
    {
        if (disposed) return;
        disposed = true;
        if (!disposing) return;
        foreach (Group g in groups)
            foreach (OptimizerState s in g.States) s.Dispose();
    }
}
