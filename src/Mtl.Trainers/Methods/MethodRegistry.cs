namespace Mtl.Trainers.Methods;

/// <summary>
/// The built-in MTL methods by name (case-insensitive; '-', '_' and spaces are ignored, so "IMTL-G", "imtl_g" and
/// "imtlg" are the same). The registry is fixed when the library loads and never changes afterwards, so every
/// <c>MLContext</c> and thread sees the same names: a user-written method is not registered but passed on the
/// options, as <c>Method = MtlMethodOptions.Custom("mine", () =&gt; new MyMethod())</c>. Text with arguments
/// ("upgrad(ridge=1e-4)", "fixed(0.3,0.7)", "stl(1)") is read by <see cref="MtlMethodOptions.Parse"/>.
/// </summary>
public static class MethodRegistry
{
    // name or alias (normalised) → (canonical name, default options). Written once, by the static constructor.
    private static readonly Dictionary<string, (string Name, Func<MtlMethodOptions> Defaults)> Entries = new(StringComparer.Ordinal);

    static MethodRegistry()
    {
        Add("ew", () => new EW.Options(), "us", "unitary", "equal");
        Add("uw", () => new UW.Options());
        Add("analyticuw", () => new AnalyticUW.Options(), "auw");
        Add("dwa", () => new DWA.Options());
        Add("gls", () => new GLS.Options());
        Add("rlw", () => new RLW.Options());
        Add("rlw-dirichlet", () => new RLW.Options { Distribution = RlwDistribution.Dirichlet }, preset: true);
        Add("imtl-l", () => new IMTLL.Options());
        Add("famo", () => new FAMO.Options());
        Add("stch", () => new STCH.Options());
        Add("gradnorm", () => new GradNorm.Options());
        Add("mgda", () => new MGDA.Options());
        Add("mgda-ub", () => new MGDA.Options { UpperBound = true }, preset: true);
        Add("pcgrad", () => new PCGrad.Options());
        Add("graddrop", () => new GradDrop.Options());
        Add("random-graddrop", () => new RandomGradDrop.Options());
        Add("imtl-g", () => new IMTLG.Options());
        Add("imtl", () => new IMTL.Options());
        Add("gradvac", () => new GradVac.Options());
        Add("cagrad", () => new CAGrad.Options());
        Add("nashmtl", () => new NashMTL.Options(), "nash");
        Add("alignedmtl", () => new AlignedMTL.Options(), "aligned");
        Add("upgrad", () => new UPGrad.Options());
        Add("dualproj", () => new DualProj.Options());
        // These two need their arguments ("fixed(0.3,0.7)", "stl(1)"), so they are not in Names.
        Add("fixed", () => new FixedWeights.Options(), "ls");
        Add("stl", () => new FixedWeights.SingleTaskOptions());
        // Here, not in an initializer: static initializers run before this constructor fills the table.
        Names = Entries.Values.Select(e => e.Name).Where(n => n is not ("fixed" or "stl")).Distinct().Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// The names that create a method on their own (canonical form, sorted): every built-in method and preset such as
    /// "mgda-ub". "fixed(w1,w2,…)" and "stl(task)" need their arguments and are listed in <see cref="Accepted"/>.
    /// </summary>
    public static IReadOnlyList<string> Names { get; }

    /// <summary>What method text accepts, for messages: the names, then the two forms that need arguments.</summary>
    public static string Accepted => string.Join(", ", Names) + ", fixed(w1,w2,…), stl(<0-based task index>)";

    /// <summary>True when <paramref name="text"/> names a built-in method with valid arguments (e.g. "ew", "fixed(1,2)").</summary>
    public static bool Contains(string text)
    {
        if (string.IsNullOrWhiteSpace(text)) return false;
        try
        {
            MtlMethodOptions.Parse(text);
            return true;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>A new, untrained instance of the method <paramref name="text"/> describes.</summary>
    /// <param name="text">E.g. "ew", "mgda", "upgrad(ridge=1e-4)", "fixed(0.5,0.5)", "stl(0)".</param>
    /// <exception cref="ArgumentException">Unknown method, argument or value (the message lists what is accepted).</exception>
    public static MtlMethod Create(string text) => MtlMethodOptions.Parse(text).Create();

    /// <summary>The default options of a name or alias (a preset such as "mgda-ub" included), or null.</summary>
    internal static MtlMethodOptions? Defaults(string name) =>
        Entries.TryGetValue(Normalize(name), out var entry) ? entry.Defaults() : null;

    internal static string Normalize(string name) =>
        new(name.Trim().ToLowerInvariant().Where(c => c is not ('-' or '_' or ' ')).ToArray());

    private static void Add(string name, Func<MtlMethodOptions> defaults, params string[] aliases) => Add(name, defaults, false, aliases);

    // A preset is a name for non-default options of another method (its canonical text is that method's).
    private static void Add(string name, Func<MtlMethodOptions> defaults, bool preset, params string[] aliases)
    {
        string canonical = preset ? name : defaults().Name;
        foreach (string n in aliases.Prepend(name))
            Entries.Add(Normalize(n), (canonical, defaults));
    }
}
