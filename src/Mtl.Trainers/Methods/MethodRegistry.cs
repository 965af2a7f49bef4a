using System.Globalization;

namespace Mtl.Trainers.Methods;

/// <summary>
/// Creates MTL methods by name (case-insensitive; '-', '_' and spaces are ignored, so "IMTL-G", "imtl_g" and "imtlg"
/// are the same). Each call returns a fresh instance with default settings. Two names take arguments:
/// <c>"fixed:0.3,0.7"</c> (fixed weights) and <c>"stl:1"</c> (train task 1 alone, 0-based). Users add their own
/// methods with <see cref="Register"/>.
/// </summary>
public static class MethodRegistry
{
    private static readonly object Gate = new();
    private static readonly Dictionary<string, (string Display, Func<MtlMethod> Factory)> Factories = new(StringComparer.Ordinal);

    static MethodRegistry()
    {
        Add("ew", () => new EW(), "us", "unitary", "equal");
        Add("uw", () => new UW());
        Add("analyticuw", () => new AnalyticUW(), "auw");
        Add("dwa", () => new DWA());
        Add("gls", () => new GLS());
        Add("rlw", () => new RLW());
        Add("rlw-dirichlet", () => new RLW(RlwDistribution.Dirichlet));
        Add("imtl-l", () => new IMTLL());
        Add("famo", () => new FAMO());
        Add("stch", () => new STCH());
        Add("gradnorm", () => new GradNorm());
        Add("mgda", () => new MGDA());
        Add("mgda-ub", () => MGDA.UpperBound());
        Add("pcgrad", () => new PCGrad());
        Add("graddrop", () => new GradDrop());
        Add("random-graddrop", () => new RandomGradDrop());
        Add("imtl-g", () => new IMTLG());
        Add("imtl", () => new IMTL());
        Add("gradvac", () => new GradVac());
        Add("cagrad", () => new CAGrad());
        Add("nashmtl", () => new NashMTL(), "nash");
        Add("alignedmtl", () => new AlignedMTL(), "aligned");
        Add("upgrad", () => new UPGrad());
        Add("dualproj", () => new DualProj());
    }

    /// <summary>The registered names (display form), sorted.</summary>
    public static IReadOnlyList<string> Names
    {
        get
        {
            lock (Gate)
                return Factories.Values.Select(f => f.Display).Distinct().Order(StringComparer.Ordinal).ToArray();
        }
    }

    /// <summary>True when <paramref name="name"/> is a registered name or alias (arguments included, e.g. "fixed:1,2").</summary>
    public static bool Contains(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            return false;
        var (key, argument) = Split(name);
        if (argument is not null)
            return key is "fixed" or "ls" or "stl";
        lock (Gate)
            return Factories.ContainsKey(key);
    }

    /// <summary>Creates a new instance of the named method.</summary>
    /// <param name="name">A registered name, e.g. "ew", "mgda", "pcgrad", "cagrad", "nashmtl", "upgrad", "fixed:0.5,0.5", "stl:0".</param>
    /// <exception cref="ArgumentException">Unknown name (the message lists the known ones) or malformed arguments.</exception>
    public static MtlMethod Create(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException($"An MTL method name is required. Known methods: {string.Join(", ", Names)}.", nameof(name));
        var (key, argument) = Split(name);
        if (argument is not null)
            return CreateWithArgument(name, key, argument);
        Func<MtlMethod>? factory = null;
        lock (Gate)
            if (Factories.TryGetValue(key, out var entry))
                factory = entry.Factory;
        return factory?.Invoke() ?? throw new ArgumentException(
            $"Unknown MTL method '{name}'. Known methods: {string.Join(", ", Names)}; with arguments: 'fixed:w1,w2,…' and 'stl:<task index>'. " +
            "Register your own with MethodRegistry.Register(name, factory).", nameof(name));
    }

    /// <summary>Registers a user method under a new name (and optional aliases).</summary>
    /// <param name="name">Name to register; must not be taken.</param>
    /// <param name="factory">Creates a fresh, untrained instance per call.</param>
    /// <param name="aliases">Other names for the same method.</param>
    /// <exception cref="ArgumentException">The name or an alias is already registered, or is empty.</exception>
    public static void Register(string name, Func<MtlMethod> factory, params string[] aliases)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        lock (Gate)
        {
            foreach (var n in aliases.Prepend(name))
            {
                var key = Normalize(n);
                if (key.Length == 0 || key.Contains(':'))
                    throw new ArgumentException($"'{n}' is not a valid method name (it must contain letters or digits and no ':').", nameof(name));
                if (Factories.ContainsKey(key) || key is "fixed" or "ls" or "stl")
                    throw new ArgumentException($"An MTL method named '{n}' is already registered; choose another name.", nameof(name));
            }
            Add(name, factory, aliases);
        }
    }

    private static void Add(string name, Func<MtlMethod> factory, params string[] aliases)
    {
        foreach (var n in aliases.Prepend(name))
            Factories[Normalize(n)] = (name, factory);
    }

    private static string Normalize(string name) =>
        new(name.Trim().ToLowerInvariant().Where(c => c is not ('-' or '_' or ' ')).ToArray());

    private static (string Key, string? Argument) Split(string name)
    {
        int colon = name.IndexOf(':');
        return colon < 0 ? (Normalize(name), null) : (Normalize(name[..colon]), name[(colon + 1)..].Trim());
    }

    private static MtlMethod CreateWithArgument(string name, string key, string argument)
    {
        switch (key)
        {
            case "fixed" or "ls":
                var parts = argument.Split(',', StringSplitOptions.TrimEntries);
                var weights = new double[parts.Length];
                for (int i = 0; i < parts.Length; i++)
                    if (!double.TryParse(parts[i], NumberStyles.Float, CultureInfo.InvariantCulture, out weights[i]))
                        throw new ArgumentException($"'{name}': '{parts[i]}' is not a number; write fixed weights as 'fixed:0.3,0.7'.", nameof(name));
                return new FixedWeights(weights);
            case "stl":
                if (!int.TryParse(argument, NumberStyles.None, CultureInfo.InvariantCulture, out int task))
                    throw new ArgumentException($"'{name}': write single-task training as 'stl:<0-based task index>', e.g. 'stl:0'.", nameof(name));
                return FixedWeights.SingleTask(task);
            default:
                throw new ArgumentException($"Unknown MTL method '{name}': only 'fixed:…' and 'stl:…' take arguments. Known methods: {string.Join(", ", Names)}.", nameof(name));
        }
    }
}
