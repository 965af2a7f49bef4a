namespace Mtl.Torch.Modules;

/// <summary>
/// Hyper-parameters of one parameter group (TorchSharp's <c>OptimizerOptions</c>). Each optimizer derives its own
/// options class; an unset (null) option takes the optimizer's default when the group is added.
/// </summary>
public abstract class OptimizerOptions
{
    /// <summary>The learning rate of the next step.</summary>
    public double? LearningRate { get; set; }

    /// <summary>The learning rate schedulers start from (PyTorch's <c>initial_lr</c>); set when the group is added.</summary>
    public double InitialLearningRate { get; set; }

    /// <summary>Copies every option from <paramref name="source"/>, an options record of the same type.</summary>
    public virtual void LoadStateDict(OptimizerOptions source)
    {
        RequireSameType(source);
        LearningRate = source.LearningRate;
        InitialLearningRate = source.InitialLearningRate;
    }

    /// <summary>Writes the options (learning rates first, then the optimizer's own options).</summary>
    public virtual void SaveStateDict(BinaryWriter writer)
    {
        writer.Write(InitialLearningRate);
        writer.Write(LearningRate ?? double.NaN);
    }

    /// <summary>Reads options written by <see cref="SaveStateDict"/>.</summary>
    public virtual void LoadStateDict(BinaryReader reader)
    {
        InitialLearningRate = reader.ReadDouble();
        LearningRate = reader.ReadDouble();
    }

    /// <summary>Fills every unset option from <paramref name="defaults"/> (the optimizer's options, of this type).</summary>
    protected internal virtual void FillMissingFrom(OptimizerOptions defaults) => LearningRate ??= defaults.LearningRate;

    /// <summary>Throws <see cref="ArgumentException"/> with the option's name when a value is out of range.</summary>
    protected internal virtual void Validate()
    {
        if (LearningRate is not double lr || !(lr >= 0) || double.IsInfinity(lr))
            throw new ArgumentException($"Invalid learning rate {LearningRate?.ToString() ?? "(unset)"}: it must be a finite number ≥ 0.");
    }

    /// <summary>A shallow copy (all options are values).</summary>
    internal OptimizerOptions Copy() => (OptimizerOptions)MemberwiseClone();

    /// <summary>Throws unless <paramref name="source"/> has this record's exact type.</summary>
    protected void RequireSameType(OptimizerOptions source)
    {
        ArgumentNullException.ThrowIfNull(source);
        if (source.GetType() != GetType())
            throw new ArgumentException($"Cannot load {source.GetType().FullName} options into {GetType().FullName}: the state comes from a different kind of optimizer.");
    }

    /// <summary>Throws <see cref="ArgumentException"/> unless <paramref name="value"/> lies in [<paramref name="low"/>, <paramref name="high"/>) (or ≤ high when <paramref name="highInclusive"/>).</summary>
    protected static void RequireRange(string name, double? value, double low, double high, bool highInclusive = false)
    {
        if (value is not double v || !(v >= low) || (highInclusive ? v > high : v >= high))
        {
            string interval = $"[{low}, {(double.IsPositiveInfinity(high) ? "∞" : high.ToString(System.Globalization.CultureInfo.InvariantCulture))}{(highInclusive ? "]" : ")")}";
            throw new ArgumentException($"Invalid {name} {value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "(unset)"}: it must lie in {interval}.");
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> when a flag option is unset.</summary>
    protected static void RequireSet(string name, bool? value)
    {
        if (value is null) throw new ArgumentException($"The option {name} is unset; give it a value or leave it to the optimizer's default.");
    }
}
