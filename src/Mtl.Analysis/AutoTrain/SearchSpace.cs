using System.Globalization;
using Mtl.Trainers;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;

namespace Mtl.Analysis.AutoTrain;

/// <summary>
/// What the time-budgeted search draws from: the MTL method, the learning rate (log-uniform), the weight decay (zero, or
/// log-uniform), the dropout, the trunk and the multi-task architecture. Every candidate is a <see cref="TrainingConfig"/> (optimizer AdamW, automatic
/// batch size and early stopping), so a trial trains through the one mapping <see cref="TrainingConfig.ToOptions"/>.
/// </summary>
public sealed record SearchSpace
{
    // Declared before Default, which its initializer reads.
    /// <summary>
    /// The architectures of <see cref="Default"/>, shared-bottom first (candidate 0's): each has an MLP form, so every one
    /// builds on the search's MLP trunks, for tables and (features flattened) for image folders.
    /// </summary>
    public static IReadOnlyList<string> DefaultArchitectures { get; } = ["shared-bottom", "mmoe(experts=4)", "cgc", "ple", "cross-stitch", "mtan", "dselect-k"];

    /// <summary>
    /// The default space: cheap loss weightings and two gradient aggregators that run fast on small tables, over every
    /// built-in architecture (<see cref="DefaultArchitectures"/>).
    /// </summary>
    public static SearchSpace Default { get; } = new() { Architectures = DefaultArchitectures };

    /// <summary>Methods, in the text form of <see cref="MtlMethodOptions.Parse"/>.</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["ew", "uw", "dwa", "imtl-l", "famo", "upgrad", "nashmtl"];

    /// <summary>Lower end of the learning rate (log-uniform).</summary>
    public double MinLearningRate { get; init; } = 3e-4;

    /// <summary>Upper end of the learning rate (log-uniform).</summary>
    public double MaxLearningRate { get; init; } = 1e-2;

    /// <summary>Lower end of a non-zero weight decay (log-uniform); a third of the candidates have none.</summary>
    public double MinWeightDecay { get; init; } = 1e-5;

    /// <summary>Upper end of the weight decay.</summary>
    public double MaxWeightDecay { get; init; } = 1e-2;

    /// <summary>Dropout values of trunk and heads.</summary>
    public IReadOnlyList<double> Dropouts { get; init; } = [0, 0.1, 0.2, 0.3];

    /// <summary>Trunks, in the text form of <see cref="TrunkSpec.Parse"/>.</summary>
    public IReadOnlyList<string> Trunks { get; init; } = ["mlp(64)", "mlp(128)", "mlp(128,64)", "mlp(256,128)"];

    /// <summary>
    /// Architectures, in the text form of <see cref="ArchitectureOptions.Parse"/>; drawn last, so the other draws of a
    /// candidate do not depend on it. Null = shared-bottom only, nothing drawn: what a <c>.mtlconfig</c> written before
    /// architectures existed means, so its run resumes with the candidates it planned. One entry fixes the architecture
    /// (<c>mtl train --time … --arch mmoe</c>). Candidate 0 takes the first.
    /// </summary>
    public IReadOnlyList<string>? Architectures { get; init; }

    /// <summary>
    /// Epochs of a bracket's top rung (the lower rungs train a third, a ninth, …); null = the trainer's automatic count for
    /// the table's training rows (about 1,000 optimizer steps, 10 to 200 epochs).
    /// </summary>
    public int? Epochs { get; init; }

    /// <summary>
    /// Candidate <paramref name="index"/> of the search seeded with <paramref name="seed"/>: a pure function of the two (its
    /// own random stream, so candidate 5 is the same whether or not candidates 0–4 were drawn). Candidate 0 is the
    /// trainer's defaults (ew, learning rate 1e-3, automatic trunk, no dropout or decay), so the search never does worse on
    /// validation than the plain run it replaces, at the same epochs. Numbers are rounded to 3 significant digits so that a
    /// configuration reads and round-trips exactly.
    /// </summary>
    public TrainingConfig Sample(int seed, int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        if (index == 0) return new TrainingConfig { Method = "ew", Optimizer = OptimizerKind.AdamW, LearningRate = 1e-3, Seed = seed, Architecture = Canonical(Architectures?[0]) };
        var random = new Random(SeedPolicy.Derive(seed, $"autotrain.candidate.{index}"));
        string method = Methods[random.Next(Methods.Count)];
        double lr = Round(LogUniform(random, MinLearningRate, MaxLearningRate));
        double decay = random.Next(3) == 0 ? 0 : Round(LogUniform(random, MinWeightDecay, MaxWeightDecay));
        double dropout = Dropouts[random.Next(Dropouts.Count)];
        string trunk = Trunks[random.Next(Trunks.Count)];
        string? architecture = Architectures is null ? null : Canonical(Architectures[random.Next(Architectures.Count)]);
        return new TrainingConfig
        {
            Method = method, Optimizer = OptimizerKind.AdamW, LearningRate = lr, WeightDecay = decay, Dropout = dropout, Trunk = trunk, Seed = seed,
            Architecture = architecture,
        };
    }

    // The canonical text ("mmoe" for "MMoE(experts=4)"); shared-bottom is null, as in a configuration written without architectures.
    private static string? Canonical(string? text)
    {
        if (text is null) return null;
        string canonical = ArchitectureOptions.Parse(text).ToString()!;
        return canonical == ArchitectureOptions.SharedBottom().Name ? null : canonical;
    }

    /// <summary>Checks every value of the space (methods and trunks parse, ranges are positive and ordered); the message names the field.</summary>
    /// <exception cref="ArgumentException">The first invalid field.</exception>
    public void Validate()
    {
        if (Methods.Count == 0) throw new ArgumentException("methods must name at least one method.");
        foreach (string m in Methods)
        {
            try { MtlMethodOptions.Parse(m); }
            catch (ArgumentException e) { throw new ArgumentException($"methods: '{m}' is not a method. {e.Message}", e); }
        }
        if (Trunks.Count == 0) throw new ArgumentException("trunks must name at least one trunk.");
        foreach (string t in Trunks)
        {
            try { TrunkSpec.Parse(t); }
            catch (ArgumentException e) { throw new ArgumentException($"trunks: '{t}' is not a trunk. {e.Message}", e); }
        }
        if (Architectures is { Count: 0 }) throw new ArgumentException("architectures must name at least one architecture, or be null for shared-bottom only.");
        foreach (string a in Architectures ?? [])
        {
            try { ArchitectureOptions.Parse(a); }
            catch (ArgumentException e) { throw new ArgumentException($"architectures: '{a}' is not an architecture. {e.Message}", e); }
        }
        Range(MinLearningRate, MaxLearningRate, "learning rate");
        Range(MinWeightDecay, MaxWeightDecay, "weight decay");
        if (Epochs is < 1) throw new ArgumentException($"epochs must be at least 1, or null for the trainer's automatic count; got {Epochs}.");
        if (Dropouts.Count == 0 || Dropouts.Any(d => !(d >= 0 && d < 1)))
            throw new ArgumentException("dropouts must hold at least one value, each in [0, 1).");
    }

    private static void Range(double low, double high, string what)
    {
        if (!(low > 0 && double.IsFinite(high) && high >= low))
            throw new ArgumentException($"The {what} range must satisfy 0 < min ≤ max; got [{low.ToString(CultureInfo.InvariantCulture)}, {high.ToString(CultureInfo.InvariantCulture)}].");
    }

    private static double LogUniform(Random random, double low, double high) => Math.Exp(Math.Log(low) + random.NextDouble() * (Math.Log(high) - Math.Log(low)));

    private static double Round(double value) => double.Parse(value.ToString("G3", CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
}
