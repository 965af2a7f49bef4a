using TorchSharp.Modules;

namespace Mtl.Trainers;

/// <summary>
/// Hyperparameters every Adam variant of ours shares (β₁, β₂, ε, weight decay), their range checks, and their place in
/// TorchSharp's optimizer state format. The variants derive their group options from it.
/// </summary>
internal abstract class AdamOptions : OptimizerOptions
{
    /// <summary>β₁ (decay of the first moment).</summary>
    public double? Beta1 { get; set; }

    /// <summary>β₂ (decay of the second moment).</summary>
    public double? Beta2 { get; set; }

    /// <summary>ε, added to √v̂ (outside the square root).</summary>
    public double? Eps { get; set; }

    /// <summary>Weight decay.</summary>
    public double? WeightDecay { get; set; }

    /// <summary>
    /// Throws when a hyperparameter is out of range: lr positive and finite, β₁ and β₂ in [0, 1), ε and the weight
    /// decay finite and ≥ 0.
    /// </summary>
    /// <param name="optimizer">The optimizer's name, for the learning-rate message (e.g. "Per-task Adam").</param>
    /// <param name="lr">Learning rate.</param>
    /// <param name="beta1">β₁.</param>
    /// <param name="beta2">β₂.</param>
    /// <param name="eps">ε.</param>
    /// <param name="weightDecay">Weight decay.</param>
    /// <exception cref="ArgumentOutOfRangeException">The first hyperparameter out of range, named.</exception>
    public static void Check(string optimizer, double lr, double beta1, double beta2, double eps, double weightDecay)
    {
        if (!(lr > 0) || !double.IsFinite(lr))
            throw new ArgumentOutOfRangeException(nameof(lr), lr, $"{optimizer}'s learning rate must be a positive finite number.");
        if (!(beta1 >= 0 && beta1 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "β₁ must be in [0, 1).");
        if (!(beta2 >= 0 && beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "β₂ must be in [0, 1).");
        if (!(eps >= 0) || !double.IsFinite(eps))
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "ε must be a finite number ≥ 0.");
        if (!(weightDecay >= 0) || !double.IsFinite(weightDecay))
            throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "The weight decay must be a finite number ≥ 0.");
    }

    /// <summary>Fills every unset hyperparameter from <paramref name="defaults"/> and pins the initial learning rate.</summary>
    /// <param name="defaults">The optimizer's defaults.</param>
    protected void FillFrom(AdamOptions defaults)
    {
        ArgumentNullException.ThrowIfNull(defaults);
        LearningRate ??= defaults.LearningRate;
        Beta1 ??= defaults.Beta1;
        Beta2 ??= defaults.Beta2;
        Eps ??= defaults.Eps;
        WeightDecay ??= defaults.WeightDecay;
        InitialLearningRate = LearningRate!.Value;
    }

    /// <inheritdoc />
    public override void SaveStateDict(BinaryWriter writer)
    {
        base.SaveStateDict(writer);
        writer.Write(Beta1!.Value);
        writer.Write(Beta2!.Value);
        writer.Write(Eps!.Value);
        writer.Write(WeightDecay!.Value);
    }

    /// <inheritdoc />
    public override void LoadStateDict(BinaryReader reader)
    {
        base.LoadStateDict(reader);
        Beta1 = reader.ReadDouble();
        Beta2 = reader.ReadDouble();
        Eps = reader.ReadDouble();
        WeightDecay = reader.ReadDouble();
    }

    /// <inheritdoc />
    public override void LoadStateDict(OptimizerOptions source)
    {
        base.LoadStateDict(source);
        var other = (AdamOptions)source;
        (Beta1, Beta2, Eps, WeightDecay) = (other.Beta1, other.Beta2, other.Eps, other.WeightDecay);
    }
}
