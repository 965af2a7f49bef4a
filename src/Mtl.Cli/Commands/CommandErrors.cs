using Mtl.Trainers;

namespace Mtl.Cli.Commands;

/// <summary>
/// The one error path of the <c>mtl</c> commands: an exception that reports a user's mistake or an unusable file prints
/// <c>error: message</c> as plain text on stderr (a user who pipes the results still sees it, unwrapped) and exits with 1.
/// </summary>
internal static class CommandErrors
{
    /// <summary>
    /// Runs <paramref name="action"/>; a user-facing error, or one <paramref name="describeOther"/> gives a message for,
    /// is printed and turns into exit code 1.
    /// </summary>
    public static int Run(Func<int> action, Func<Exception, string?>? describeOther = null)
    {
        try
        {
            return action();
        }
        catch (Exception e) when (Describe(e, describeOther) is { } message)
        {
            Console.Error.WriteLine($"error: {message}");
            return 1;
        }
    }

    private static string? Describe(Exception e, Func<Exception, string?>? describeOther) =>
        e is IOException or InvalidDataException or ArgumentException or NotSupportedException or NonFiniteLossException or UnauthorizedAccessException
            ? e.Message
            : describeOther?.Invoke(e);
}
