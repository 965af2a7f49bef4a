using System.Text;

namespace Mtl.Analysis.AutoTrain;

/// <summary>Lines of C# (or XML) with four-space indentation per level and '\n' line ends, so generated files are formatted.</summary>
internal sealed class SourceWriter
{
    private readonly StringBuilder text = new();
    private int depth;

    /// <summary>One line at the current indentation; an empty line has no spaces.</summary>
    public SourceWriter Line(string line = "")
    {
        if (line.Length > 0) text.Append(' ', depth * 4).Append(line);
        text.Append('\n');
        return this;
    }

    /// <summary>The line, then "{" on its own line, and one level deeper.</summary>
    public SourceWriter Open(string line)
    {
        Line(line).Line("{");
        depth++;
        return this;
    }

    /// <summary>One level out, then "}" followed by <paramref name="suffix"/> (e.g. ";" or ",").</summary>
    public SourceWriter Close(string suffix = "")
    {
        depth--;
        return Line("}" + suffix);
    }

    /// <summary>One level deeper without a brace (XML elements, continued expressions).</summary>
    public SourceWriter Indent()
    {
        depth++;
        return this;
    }

    /// <summary>One level out without a brace.</summary>
    public SourceWriter Outdent()
    {
        depth--;
        return this;
    }

    /// <inheritdoc/>
    public override string ToString() => text.ToString();
}
