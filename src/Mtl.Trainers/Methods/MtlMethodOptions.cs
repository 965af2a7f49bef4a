namespace Mtl.Trainers.Methods;

/// <summary>
/// Typed options of an MTL method (the trainer's <c>Options.Method</c>): one subclass per method, in the method's own
/// file (<see cref="UPGrad.Options"/>, <see cref="AlignedMTL.Options"/>, <see cref="FixedWeights.Options"/>, …), carrying
/// that method's hyperparameters. <see cref="Create"/> returns a fresh, untrained method, and the trainer calls it once
/// per <c>Fit</c>: fitting the same estimator twice gives the same model.
/// </summary>
/// <remarks>
/// <para>Text form, both ways: <see cref="Parse"/> reads <c>"upgrad(ridge=1e-4)"</c>, <c>"alignedmtl(preference=ones)"</c>,
/// <c>"fixed(0.3,0.7)"</c>, <c>"stl(1)"</c> or <c>"ew"</c> (names and arguments case-insensitive; '-', '_' and spaces in
/// names ignored; the older <c>"fixed:0.3,0.7"</c> and <c>"stl:1"</c> also work), and <see cref="ToString"/> writes the
/// canonical text (arguments that differ from the defaults only), which parses back to equal options. A string converts
/// implicitly, so <c>Method = "mgda"</c> works.</para>
/// <para>A user-written method goes through <see cref="Custom"/>.</para>
/// </remarks>
public abstract class MtlMethodOptions : IEquatable<MtlMethodOptions>
{
    private protected MtlMethodOptions()
    {
    }

    /// <summary>A copy the trainer keeps, so that changing the caller's object later cannot bypass its validation.</summary>
    internal virtual MtlMethodOptions Copy() => (MtlMethodOptions)MemberwiseClone();

    /// <summary>The canonical text name, e.g. "upgrad".</summary>
    public abstract string Name { get; }

    /// <summary>A new, untrained instance of the method with these hyperparameters.</summary>
    /// <exception cref="ArgumentException">A hyperparameter is out of range.</exception>
    public abstract MtlMethod Create();

    /// <summary>The hyperparameters as text sees them, bound to this instance (none for most methods).</summary>
    internal virtual IReadOnlyList<MethodArgument> Arguments => [];

    /// <summary>Checks every hyperparameter; messages name the option path, e.g. "Options.Method.Ridge".</summary>
    /// <param name="path">Where these options sit, e.g. "Options.Method".</param>
    internal virtual void Validate(string path)
    {
        foreach (MethodArgument a in Arguments) a.Check(path);
    }

    /// <summary>A user-written method: <paramref name="factory"/> is called once per <c>Fit</c> and must return a fresh instance.</summary>
    /// <param name="name">A name for reports and <see cref="ToString"/>.</param>
    /// <param name="factory">Creates a new, untrained method.</param>
    public static MtlMethodOptions Custom(string name, Func<MtlMethod> factory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        return new CustomMethodOptions(name, factory);
    }

    /// <summary>Reads the text form (see the remarks of <see cref="MtlMethodOptions"/>).</summary>
    /// <param name="text">E.g. "upgrad(ridge=1e-4)", "fixed(0.3,0.7)", "stl(1)", "ew".</param>
    /// <exception cref="ArgumentException">Unknown method, argument or value; the message lists what is accepted.</exception>
    public static MtlMethodOptions Parse(string text)
    {
        if (string.IsNullOrWhiteSpace(text))
            throw new ArgumentException($"An MTL method is required. Accepted methods: {MethodRegistry.Accepted}.");
        string trimmed = text.Trim();
        string name, body;
        int open = trimmed.IndexOf('('), colon = trimmed.IndexOf(':');
        if (open >= 0)
        {
            if (!trimmed.EndsWith(')'))
                throw new ArgumentException($"MTL method '{text}': the arguments must end with ')', e.g. 'upgrad(ridge=1e-4)'.");
            (name, body) = (trimmed[..open], trimmed[(open + 1)..^1]);
        }
        else if (colon >= 0)
        {
            (name, body) = (trimmed[..colon], trimmed[(colon + 1)..]);
        }
        else
        {
            (name, body) = (trimmed, "");
        }
        MtlMethodOptions options = MethodRegistry.Defaults(name)
            ?? throw new ArgumentException($"Unknown MTL method '{name.Trim()}'{(name.Trim() == trimmed ? "" : $" in '{text}'")}. Accepted methods: {MethodRegistry.Accepted}.");
        options.ReadArguments(text, body);
        try
        {
            options.Validate("Method");
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"MTL method '{text}': {e.Message}", e);
        }
        return options;
    }

    private void ReadArguments(string text, string body)
    {
        IReadOnlyList<MethodArgument> arguments = Arguments;
        var positional = new List<string>();
        foreach (string item in SplitTopLevel(body))
        {
            int equals = item.IndexOf('=');
            if (equals < 0)
            {
                positional.Add(item);
                continue;
            }
            string key = MethodRegistry.Normalize(item[..equals]);
            MethodArgument argument = arguments.FirstOrDefault(a => a.Name == key)
                ?? throw new ArgumentException($"MTL method '{text}': {Name} has no argument '{item[..equals].Trim()}'. {Describe(arguments)}");
            Read(text, argument, item[(equals + 1)..]);
        }
        if (positional.Count == 0) return;
        MethodArgument list = arguments.FirstOrDefault(a => a.Positional)
            ?? throw new ArgumentException($"MTL method '{text}': {Name} takes no unnamed arguments. {Describe(arguments)}");
        Read(text, list, string.Join(",", positional));
    }

    private void Read(string text, MethodArgument argument, string value)
    {
        try
        {
            argument.Parse(value);
        }
        catch (FormatException)
        {
            throw new ArgumentException($"MTL method '{text}': '{value.Trim()}' is not a valid {argument.Name}; {argument.Name} accepts {argument.Accepted}.");
        }
    }

    private string Describe(IReadOnlyList<MethodArgument> arguments) => arguments.Count == 0
        ? $"{Name} takes no arguments."
        : $"{Name} accepts: " + string.Join("; ", arguments.Select(a => a.Positional ? $"{a.Name} (unnamed, {a.Accepted})" : $"{a.Name} ({a.Accepted})")) + ".";

    /// <summary>
    /// Splits a comma-separated list of method texts, keeping each method's arguments whole:
    /// <c>"ew,fixed(0.3,0.7),upgrad(ridge=1e-4)"</c> gives three texts (as <c>mtl study --method</c> takes them).
    /// </summary>
    /// <param name="list">Method texts separated by commas.</param>
    public static IReadOnlyList<string> SplitList(string list)
    {
        ArgumentNullException.ThrowIfNull(list);
        return SplitTopLevel(list).ToArray();
    }

    /// <summary>Splits at commas outside brackets and parentheses, so <c>preferences=[1,2]</c> and <c>fixed(1,2)</c> stay whole.</summary>
    private static IEnumerable<string> SplitTopLevel(string body)
    {
        int depth = 0, start = 0;
        for (int i = 0; i <= body.Length; i++)
        {
            if (i < body.Length)
            {
                if (body[i] is '[' or '(') depth++;
                else if (body[i] is ']' or ')') depth--;
                if (body[i] != ',' || depth > 0) continue;
            }
            string item = body[start..i].Trim();
            if (item.Length > 0) yield return item;
            start = i + 1;
        }
    }

    /// <summary>The canonical text: the name, then the arguments that differ from the defaults, e.g. "upgrad(ridge=0.0001)".</summary>
    public override string ToString()
    {
        MtlMethodOptions defaults = MethodRegistry.Defaults(Name)!;
        IReadOnlyList<MethodArgument> mine = Arguments, theirs = defaults.Arguments;
        var parts = new List<string>();
        for (int i = 0; i < mine.Count; i++)
        {
            string value = mine[i].Format();
            if (value == theirs[i].Format()) continue;
            parts.Add(mine[i].Positional ? value : $"{mine[i].Name}={value}");
        }
        return parts.Count == 0 ? Name : $"{Name}({string.Join(",", parts)})";
    }

    /// <summary>Reads text as <see cref="Parse"/> does, so <c>Method = "mgda"</c> works.</summary>
    /// <param name="text">The method's text form.</param>
    public static implicit operator MtlMethodOptions(string text) => Parse(text);

    /// <summary>Same method and same hyperparameters (the same canonical text); custom methods: the same factory.</summary>
    public virtual bool Equals(MtlMethodOptions? other) =>
        other is not null && other.GetType() == GetType() && other.ToString() == ToString();

    /// <inheritdoc />
    public override bool Equals(object? obj) => Equals(obj as MtlMethodOptions);

    /// <inheritdoc />
    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(ToString());

    private sealed class CustomMethodOptions(string name, Func<MtlMethod> factory) : MtlMethodOptions
    {
        public override string Name => name;

        public override MtlMethod Create() => factory() ?? throw new InvalidOperationException($"The factory of the custom MTL method '{name}' returned null.");

        public override string ToString() => name;

        public override bool Equals(MtlMethodOptions? other) => other is CustomMethodOptions c && c.Name == name && c.Factory == factory;

        public override int GetHashCode() => HashCode.Combine(name, factory);

        private Func<MtlMethod> Factory => factory;
    }
}
