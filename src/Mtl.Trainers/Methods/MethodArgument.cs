using System.Globalization;

namespace Mtl.Trainers.Methods;

/// <summary>
/// One hyperparameter of a method's options as text sees it: its name in <c>name(arg=value)</c>, how its value is
/// written and read, and the rule it must satisfy (checked with <see cref="OptionChecks"/>).
/// </summary>
internal sealed class MethodArgument
{
    private readonly Func<string> format;
    private readonly Action<string> parse;
    private readonly Action<string> check;

    private MethodArgument(string property, string accepted, Func<string> format, Action<string> parse, Action<string> check, bool positional)
    {
        Property = property;
        Name = property.ToLowerInvariant();
        Accepted = accepted;
        this.format = format;
        this.parse = parse;
        this.check = check;
        Positional = positional;
    }

    /// <summary>The options field, e.g. "Ridge" (messages name it as "Options.Method.Ridge").</summary>
    public string Property { get; }

    /// <summary>The text name, e.g. "ridge".</summary>
    public string Name { get; }

    /// <summary>What the text accepts, e.g. "a finite number ≥ 0" or "one of mean, ones".</summary>
    public string Accepted { get; }

    /// <summary>A list written without its name, as in <c>fixed(0.3,0.7)</c>.</summary>
    public bool Positional { get; }

    public string Format() => format();

    /// <summary>Reads <paramref name="text"/> into the options.</summary>
    /// <exception cref="FormatException">The text is not a value of this argument's type.</exception>
    public void Parse(string text) => parse(text.Trim());

    /// <summary>Throws the options-path message when the current value breaks the rule.</summary>
    public void Check(string path) => check(path + "." + Property);

    public static MethodArgument Number(string property, Func<double> get, Action<double> set, Action<double, string> rule, string accepted) =>
        new(property, accepted, () => Text(get()), s => set(ReadDouble(s)), path => rule(get(), path), positional: false);

    public static MethodArgument Integer(string property, Func<int> get, Action<int> set, int minimum, bool positional = false) =>
        new(property, $"an integer ≥ {minimum}", () => get().ToString(CultureInfo.InvariantCulture),
            s => set(int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : throw new FormatException()),
            path => OptionChecks.AtLeast(get(), minimum, path), positional);

    public static MethodArgument Flag(string property, Func<bool> get, Action<bool> set) =>
        new(property, "true or false", () => get() ? "true" : "false",
            s => set(bool.TryParse(s, out bool v) ? v : throw new FormatException()), _ => { }, positional: false);

    public static MethodArgument Choice<TEnum>(string property, Func<TEnum> get, Action<TEnum> set) where TEnum : struct, Enum =>
        new(property, "one of " + string.Join(", ", Enum.GetNames<TEnum>().Select(n => n.ToLowerInvariant())),
            () => get().ToString().ToLowerInvariant(),
            s => set(Enum.GetNames<TEnum>().FirstOrDefault(n => string.Equals(n, s, StringComparison.OrdinalIgnoreCase)) is { } name
                ? Enum.Parse<TEnum>(name) : throw new FormatException()),
            path =>
            {
                if (!Enum.IsDefined(get())) throw OptionChecks.Fail(path, "one of " + string.Join(", ", Enum.GetNames<TEnum>()), get());
            }, positional: false);

    /// <summary>A list of numbers: <c>[0.3,0.7]</c> when named, <c>0.3,0.7</c> when positional; null (unset) is written as nothing.</summary>
    public static MethodArgument Numbers(string property, Func<double[]?> get, Action<double[]?> set, Action<double[]?, string> rule, string accepted, bool positional) =>
        new(property, accepted, () => get() is { } v ? (positional ? "" : "[") + string.Join(",", v.Select(Text)) + (positional ? "" : "]") : "",
            s =>
            {
                string body = s.StartsWith('[') && s.EndsWith(']') ? s[1..^1] : s;
                set(body.Trim().Length == 0 ? null : body.Split(',').Select(p => ReadDouble(p.Trim())).ToArray());
            },
            path => rule(get(), path), positional);

    private static string Text(double v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static double ReadDouble(string s) =>
        double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v : throw new FormatException();
}
