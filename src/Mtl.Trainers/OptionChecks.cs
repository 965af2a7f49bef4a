using System.Globalization;

namespace Mtl.Trainers;

/// <summary>
/// The one validation helper every options class uses, so that every message has the same shape:
/// "Options.Optimizer.LearningRate must be a positive finite number; got ∞." (the option's path, the rule, the value).
/// </summary>
internal static class OptionChecks
{
    /// <summary>The exception every failed check throws (the message names the path; no "(Parameter …)" suffix repeats it).</summary>
    public static ArgumentException Fail(string path, string rule, object? value) =>
        new ArgumentOutOfRangeException($"{path} must be {rule}; got {Show(value)}.", (Exception?)null);

    public static void PositiveFinite(double value, string path)
    {
        if (!(value > 0) || !double.IsFinite(value)) throw Fail(path, "a positive finite number", value);
    }

    public static void NonNegativeFinite(double value, string path)
    {
        if (!(value >= 0) || !double.IsFinite(value)) throw Fail(path, "a finite number ≥ 0", value);
    }

    public static void Finite(double value, string path)
    {
        if (!double.IsFinite(value)) throw Fail(path, "a finite number", value);
    }

    /// <summary>value ∈ [low, high) or [low, high] when <paramref name="highInclusive"/>.</summary>
    public static void InRange(double value, double low, double high, bool highInclusive, string path, bool lowInclusive = true)
    {
        bool ok = (lowInclusive ? value >= low : value > low) && (highInclusive ? value <= high : value < high);
        if (!ok) throw Fail(path, $"in {(lowInclusive ? "[" : "(")}{Show(low)}, {Show(high)}{(highInclusive ? "]" : ")")}", value);
    }

    public static void AtLeast(int value, int minimum, string path)
    {
        if (value < minimum) throw Fail(path, $"at least {minimum}", value);
    }

    public static void AtLeast(int? value, int minimum, string path)
    {
        if (value is { } v) AtLeast(v, minimum, path);
    }

    public static void NotNull(object? value, string path, string what)
    {
        if (value is null) throw new ArgumentNullException($"{path} must be {what}; got null.", (Exception?)null);
    }

    /// <summary>A value as the messages show it: ∞ and −∞ rather than "Infinity", invariant culture.</summary>
    public static string Show(object? value) => value switch
    {
        null => "null",
        double.PositiveInfinity => "∞",
        double.NegativeInfinity => "−∞",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => Show((double)f),
        IEnumerable<double> list => "[" + string.Join(", ", list.Select(v => Show(v))) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}
