using System.Globalization;
using System.Text;

namespace Mtl.Analysis.AutoTrain;

/// <summary>C# source text for names and values that come from a user's data: identifiers, unique names and literals.</summary>
internal static class CSharpText
{
    /// <summary>
    /// A C# identifier for a column or model name, as Model Builder makes them: every character that cannot be in an
    /// identifier becomes '_', the first letter is upper case (so no name is ever a keyword: C#'s keywords are lower case),
    /// and a name that starts with a digit gets a leading '_'.
    /// </summary>
    public static string Identifier(string name)
    {
        var text = new StringBuilder(name.Length + 1);
        foreach (char c in name.Trim()) text.Append(char.IsLetterOrDigit(c) || c == '_' ? c : '_');
        if (!text.ToString().Any(char.IsLetterOrDigit)) return "Column";
        if (char.IsDigit(text[0])) text.Insert(0, '_');
        text[0] = char.ToUpperInvariant(text[0]);
        return text.ToString();
    }

    /// <summary><paramref name="candidate"/>, or it with the first free suffix 2, 3, … when <paramref name="taken"/> has it; the result is added.</summary>
    public static string Unique(string candidate, ISet<string> taken)
    {
        string name = candidate;
        for (int i = 2; taken.Contains(name); i++) name = candidate + i.ToString(CultureInfo.InvariantCulture);
        taken.Add(name);
        return name;
    }

    /// <summary>A regular C# string literal holding <paramref name="value"/> exactly.</summary>
    public static string Literal(string value)
    {
        var text = new StringBuilder("\"", value.Length + 2);
        for (int i = 0; i < value.Length; i++)
        {
            char c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                text.Append(c).Append(value[++i]);
                continue;
            }
            text.Append(c switch
            {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                // Control characters and a lone surrogate (not valid UTF-8 on its own) as escapes.
                _ when char.IsControl(c) || char.IsSurrogate(c) => $"\\u{(int)c:x4}",
                _ => c.ToString(),
            });
        }
        return text.Append('"').ToString();
    }

    /// <summary>A C# character literal.</summary>
    public static string Literal(char value) => value switch
    {
        '\'' => "'\\''",
        '\\' => "'\\\\'",
        '\t' => "'\\t'",
        _ when char.IsControl(value) => $"'\\u{(int)value:x4}'",
        _ => $"'{value}'",
    };

    /// <summary>
    /// The C# literal of a setting's value: null, strings, booleans, integers, doubles (round-trip) and enum members
    /// (<c>Type.Member</c>; the enum's namespace goes into <paramref name="usings"/>).
    /// </summary>
    /// <exception cref="NotSupportedException">A value of another type.</exception>
    public static string Literal(object? value, ISet<string> usings) => value switch
    {
        null => "null",
        string s => Literal(s),
        bool b => b ? "true" : "false",
        int i => i.ToString(CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture) + "L",
        double d when double.IsNaN(d) => "double.NaN",
        double d when double.IsPositiveInfinity(d) => "double.PositiveInfinity",
        double d when double.IsNegativeInfinity(d) => "double.NegativeInfinity",
        double d => Double(d),
        Enum e => EnumLiteral(e, usings),
        _ => throw new NotSupportedException($"Cannot write a setting of type {value.GetType().Name} ('{value}') as C#; generated code knows " +
            "strings, booleans, integers, doubles and enums."),
    };

    private static string Double(double d)
    {
        string text = d.ToString("R", CultureInfo.InvariantCulture);
        // "1" would be an int literal; a double needs a point or an exponent.
        return text.Contains('.') || text.Contains('E') ? text : text + ".0";
    }

    private static string EnumLiteral(Enum e, ISet<string> usings)
    {
        Type type = e.GetType();
        if (type.Namespace is { } ns) usings.Add(ns);
        return Enum.IsDefined(type, e) ? $"{type.Name}.{e}" : $"({type.Name}){Convert.ToInt64(e, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture)}";
    }
}
