namespace Mtl.Torch.Modules;

/// <summary>
/// A parameter group (TorchSharp's <c>TorchSharp.Modules.ParamGroup</c>): parameters that share one set of
/// hyper-parameters. Options left unset are filled from the optimizer's defaults when the group is added.
/// </summary>
public class ParamGroup : torch.optim.ILearningRateController
{
    /// <summary>The group's parameters. Adding the group to an optimizer materializes them into an array, which the
    /// optimizer keeps: reassigning this afterwards does not change what it optimizes (add another group instead).</summary>
    public IEnumerable<Parameter> Parameters { get; set; } = Array.Empty<Parameter>();

    /// <summary>The group's hyper-parameters; null = all defaults.</summary>
    public OptimizerOptions? Options { get; set; }

    /// <summary>The learning rate of the group's next step.</summary>
    public double LearningRate
    {
        get => Options?.LearningRate ?? throw NotAdded();
        set => (Options ?? throw NotAdded()).LearningRate = value;
    }

    /// <summary>The learning rate a scheduler starts from (PyTorch's <c>initial_lr</c>).</summary>
    public double InitialLearningRate
    {
        get => Options?.InitialLearningRate ?? throw NotAdded();
        set => (Options ?? throw NotAdded()).InitialLearningRate = value;
    }

    private static InvalidOperationException NotAdded() =>
        new("This parameter group has no learning rate yet: give it options with a LearningRate, or add it to an optimizer, which fills in the defaults.");
}

/// <summary>A parameter group whose options have a known type.</summary>
/// <typeparam name="TOptions">The optimizer's options type.</typeparam>
public class ParamGroup<TOptions> : ParamGroup where TOptions : OptimizerOptions
{
    /// <summary>An empty group (set <see cref="ParamGroup.Parameters"/> before adding it).</summary>
    public ParamGroup() { }

    /// <summary>A group of <paramref name="parameters"/> with its own options (null = the optimizer's defaults).</summary>
    public ParamGroup(IEnumerable<Parameter> parameters, TOptions? options = null)
    {
        Parameters = parameters;
        base.Options = options;
    }

    /// <summary>The group's hyper-parameters.</summary>
    public new TOptions? Options
    {
        get => (TOptions?)base.Options;
        set => base.Options = value;
    }
}
