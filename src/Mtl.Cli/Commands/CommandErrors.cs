using Mtl.Trainers;

namespace Mtl.Cli.Commands;

/// <summary>
/// The one error path of the <c>mtl</c> commands: an exception that reports a user's mistake or an unusable file prints
/// <c>error: message</c> as plain text on stderr (a user who pipes the results still sees it, unwrapped) and exits with 1;
/// a command stopped by a signal prints <c>interrupted by SIGTERM: …</c> and exits with 128 + the signal number.
/// </summary>
internal static class CommandErrors
{
    /// <summary>
    /// Runs <paramref name="action"/>; a user-facing error, or one <paramref name="describeOther"/> gives a message for,
    /// is printed and turns into exit code 1; a cancellation by one of <paramref name="signals"/> into 128 + its number.
    /// </summary>
    public static int Run(Func<int> action, Func<Exception, string?>? describeOther = null, ShutdownSignals? signals = null)
    {
        try
        {
            return action();
        }
        catch (OperationCanceledException e) when (signals is { Received: > 0 })
        {
            Console.Error.WriteLine($"interrupted by {signals.Name}: {describeOther?.Invoke(e) ?? "stopped."}");
            return signals.ExitCode;
        }
        catch (Exception e) when (Describe(e, describeOther) is { } message)
        {
            Console.Error.WriteLine($"error: {message}");
            return 1;
        }
    }

    private static string? Describe(Exception e, Func<Exception, string?>? describeOther) =>
        describeOther?.Invoke(e) ??
        (e is IOException or InvalidDataException or ArgumentException or NotSupportedException or NonFiniteLossException or UnauthorizedAccessException
            ? Sentence(e)
            : null);

    /// <summary>
    /// The exception's message as the sentence its author wrote: without the "(Parameter 'name')" and "Actual value
    /// was …" tails that .NET appends to argument exceptions, which mean nothing to a command-line user.
    /// </summary>
    public static string Sentence(Exception e)
    {
        string message = e.Message;
        if (e is ArgumentOutOfRangeException { ActualValue: { } actual })
        {
            string tail = $"{Environment.NewLine}Actual value was {actual}.";
            if (message.EndsWith(tail, StringComparison.Ordinal)) message = message[..^tail.Length];
        }
        if (e is ArgumentException { ParamName: { } name })
        {
            string tail = $" (Parameter '{name}')";
            if (message.EndsWith(tail, StringComparison.Ordinal)) message = message[..^tail.Length];
        }
        return message;
    }
}
