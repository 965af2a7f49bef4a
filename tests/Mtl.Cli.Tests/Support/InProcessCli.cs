using Spectre.Console;

namespace Mtl.Cli.Tests.Support;

/// <summary>
/// Runs <see cref="Program.Main"/> in this process with its output captured. The app writes through both
/// <see cref="Console"/> (System.CommandLine, the plain progress lines) and Spectre's <see cref="AnsiConsole"/>
/// (tables, errors), so both are pointed at the capture, as a non-interactive terminal without colours.
/// The test assembly runs one test at a time (AssemblyInfo.cs), so swapping these process-wide writers is safe.
/// </summary>
internal static class InProcessCli
{
    public static ProcessResult Run(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        TextWriter previousOut = Console.Out, previousError = Console.Error;
        IAnsiConsole previousAnsi = AnsiConsole.Console;
        Console.SetOut(output);
        Console.SetError(error);
        AnsiConsole.Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
            Out = new AnsiConsoleOutput(output),
        });
        // Wide enough that no message wraps: tests look for whole sentences.
        AnsiConsole.Console.Profile.Width = 1000;
        try
        {
            int code = Program.Main(args);
            return new ProcessResult(code, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(previousOut);
            Console.SetError(previousError);
            AnsiConsole.Console = previousAnsi;
        }
    }
}
