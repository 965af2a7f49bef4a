using System.Globalization;
using Mtl.Trainers.Network.Architectures;

namespace Mtl.Trainers.Network;

/// <summary>
/// Typed options of a multi-task architecture (the trainer's <c>Options.Architecture</c>): one subclass per architecture,
/// nested in its network's file (<see cref="MmoeNetwork.Options"/>, …), carrying its sizes. The trainer builds the network
/// with <see cref="Build"/> once per <c>Fit</c>, over the configured trunk (experts and columns are built from it).
/// </summary>
/// <remarks>
/// Text form, both ways: <see cref="Parse"/> reads <c>"mmoe(experts=4)"</c>, <c>"ple(levels=2)"</c>, <c>"cross-stitch"</c>
/// (names and argument names case-insensitive; '-', '_' and spaces in names ignored); <see cref="ToString"/> writes the
/// canonical text (arguments that differ from the defaults only). A string converts implicitly, so
/// <c>Architecture = "mmoe"</c> works. A user architecture goes through <see cref="Custom"/>.
/// </remarks>
public abstract class ArchitectureOptions
{
    private protected ArchitectureOptions()
    {
    }

    /// <summary>The canonical text name, e.g. "mmoe".</summary>
    public abstract string Name { get; }

    /// <summary>Builds an untrained network for inputs of <paramref name="inputShape"/> (no batch dimension) and the tasks.</summary>
    /// <param name="trunk">The configured trunk (shared bottom, experts or columns are built from it).</param>
    /// <param name="inputShape">The feature column's shape.</param>
    /// <param name="tasks">The tasks, in output order.</param>
    public abstract MultiTaskNetwork Build(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks);

    /// <summary>The sizes as text sees them, bound to this instance.</summary>
    internal virtual IReadOnlyList<ArchitectureArgument> Arguments => [];

    /// <summary>A copy the trainer keeps, so that changing the caller's object later cannot bypass its validation.</summary>
    internal virtual ArchitectureOptions Copy() => (ArchitectureOptions)MemberwiseClone();

    /// <summary>Checks every size; messages name the option path, e.g. "Options.Architecture.Experts".</summary>
    internal virtual void Validate(string path)
    {
        foreach (ArchitectureArgument a in Arguments)
            if (!a.Accepts(a.Get()))
                throw OptionChecks.Fail($"{path}.{a.Field}", a.Rule, a.Get());
    }

    /// <summary>The built-in architectures, by canonical name, with their defaults.</summary>
    private static readonly (string Name, Func<ArchitectureOptions> Defaults)[] BuiltIn =
    [
        ("shared-bottom", () => new SharedBottomOptions()),
        ("mmoe", () => new MmoeNetwork.Options()),
        ("cgc", () => new PleNetwork.CgcOptions()),
        ("ple", () => new PleNetwork.Options()),
        ("cross-stitch", () => new CrossStitchNetwork.Options()),
        ("dselect-k", () => new DSelectKNetwork.Options()),
        ("mtan", () => new MtanNetwork.Options()),
    ];

    /// <summary>The canonical names of the built-in architectures.</summary>
    public static IReadOnlyList<string> Names { get; } = BuiltIn.Select(b => b.Name).ToArray();

    /// <summary>The default architecture: shared-bottom (one trunk, one head per task).</summary>
    public static ArchitectureOptions SharedBottom() => new SharedBottomOptions();

    /// <summary>A user architecture: <paramref name="factory"/> builds a fresh network per <c>Fit</c> from the trunk, input shape and tasks.</summary>
    /// <param name="name">A name for reports and <see cref="ToString"/>.</param>
    /// <param name="factory">Creates the untrained network.</param>
    public static ArchitectureOptions Custom(string name, Func<TrunkSpec, long[], IReadOnlyList<TaskDefinition>, MultiTaskNetwork> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        return new CustomOptions(name, factory);
    }

    private static string Normalize(string name) =>
        new(name.Where(c => c is not ('-' or '_' or ' ')).Select(char.ToLowerInvariant).ToArray());

    /// <summary>Reads the text form (see the remarks of <see cref="ArchitectureOptions"/>).</summary>
    /// <param name="text">E.g. "mmoe(experts=4)", "ple(levels=2,experts=2,sharedexperts=2)", "cross-stitch".</param>
    /// <exception cref="ArgumentException">Unknown architecture, argument or value; the message lists what is accepted.</exception>
    public static ArchitectureOptions Parse(string text)
    {
        string accepted = "Accepted architectures: " + string.Join(", ", BuiltIn.Select(b => Describe(b.Defaults()))) + ".";
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException($"An architecture is required. {accepted}");
        string trimmed = text.Trim();
        int open = trimmed.IndexOf('(');
        if (open >= 0 && !trimmed.EndsWith(')'))
            throw new ArgumentException($"Architecture '{text}': the arguments must end with ')', e.g. 'mmoe(experts=4)'.");
        string name = open >= 0 ? trimmed[..open] : trimmed, body = open >= 0 ? trimmed[(open + 1)..^1] : "";
        ArchitectureOptions options = BuiltIn.FirstOrDefault(b => Normalize(b.Name) == Normalize(name)).Defaults?.Invoke()
            ?? throw new ArgumentException($"Unknown architecture '{name.Trim()}'. {accepted}");
        foreach (string item in body.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            int equals = item.IndexOf('=');
            string key = equals < 0 ? "" : Normalize(item[..equals]);
            ArchitectureArgument argument = options.Arguments.FirstOrDefault(a => a.Name == key)
                ?? throw new ArgumentException($"Architecture '{text}': '{item}' is not an argument of {options.Name}. {Describe(options)}");
            if (!double.TryParse(item[(equals + 1)..].Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
                || (argument.Integer && value != Math.Floor(value)))
                throw new ArgumentException($"Architecture '{text}': '{item[(equals + 1)..].Trim()}' is not a valid {argument.Name}; it takes {argument.Rule}.");
            argument.Set(value);
        }
        try
        {
            options.Validate("Architecture");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"Architecture '{text}': {e.Message}", e);
        }
        return options;
    }

    private static string Describe(ArchitectureOptions o) =>
        o.Arguments.Count == 0 ? o.Name : $"{o.Name}({string.Join(",", o.Arguments.Select(a => $"{a.Name}={a.Format(a.Get())}"))})";

    /// <summary>Reads text as <see cref="Parse"/> does, so <c>Architecture = "mmoe"</c> works.</summary>
    /// <param name="text">The architecture's text form.</param>
    public static implicit operator ArchitectureOptions(string text) => Parse(text);

    /// <summary>The canonical text: the name, then the arguments that differ from the defaults, e.g. "mmoe(experts=8)".</summary>
    public override string ToString()
    {
        ArchitectureOptions? defaults = BuiltIn.FirstOrDefault(b => b.Name == Name).Defaults?.Invoke();
        if (defaults is null) return Name;
        var parts = Arguments.Zip(defaults.Arguments).Where(p => p.First.Get() != p.Second.Get()).Select(p => $"{p.First.Name}={p.First.Format(p.First.Get())}");
        string list = string.Join(",", parts);
        return list.Length == 0 ? Name : $"{Name}({list})";
    }

    /// <summary>The default architecture's options (hard parameter sharing).</summary>
    private sealed class SharedBottomOptions : ArchitectureOptions
    {
        public override string Name => "shared-bottom";

        public override MultiTaskNetwork Build(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) =>
            new SharedBottomNetwork(trunk, inputShape, tasks);
    }

    private sealed class CustomOptions(string name, Func<TrunkSpec, long[], IReadOnlyList<TaskDefinition>, MultiTaskNetwork> factory) : ArchitectureOptions
    {
        public override string Name => name;

        public override MultiTaskNetwork Build(TrunkSpec trunk, long[] inputShape, IReadOnlyList<TaskDefinition> tasks) =>
            factory(trunk, inputShape, tasks) ?? throw new InvalidOperationException($"The factory of the custom architecture '{name}' returned null.");

        public override string ToString() => name;
    }
}

/// <summary>
/// One size of an architecture as its text form sees it: name, field (for messages), the smallest accepted value (or, with
/// <paramref name="Positive"/>, any value above 0), whether it is a whole number, getter and setter.
/// </summary>
internal sealed record ArchitectureArgument(string Name, string Field, double Minimum, bool Integer, Func<double> Get, Action<double> Set, bool Positive = false)
{
    /// <summary>True for a finite value the argument accepts (NaN and infinities never).</summary>
    public bool Accepts(double value) => double.IsFinite(value) && (Positive ? value > 0 : value >= Minimum);

    /// <summary>What the argument accepts, as messages say it.</summary>
    public string Rule => Positive ? "a positive number"
        : $"{(Integer ? "a whole number" : "a number")} ≥ {Minimum.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The value as text writes it.</summary>
    public string Format(double value) => value.ToString(Integer ? "0" : "R", CultureInfo.InvariantCulture);
}
