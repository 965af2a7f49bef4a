using System.Runtime.InteropServices;

namespace Mtl.Cli.Commands;

/// <summary>
/// SIGINT (Ctrl+C), SIGTERM and SIGHUP turned into a cancellation, so a command stops where it can resume, cleans up
/// and exits with 128 + the signal number (130, 143, 129), as a shell reports a killed process. A second signal takes
/// the default action at once (the user insists).
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource stop = new();
    private readonly PosixSignalRegistration[] registrations;
    private int received;

    public ShutdownSignals()
    {
        registrations = [Register(PosixSignal.SIGINT, 2), Register(PosixSignal.SIGTERM, 15), Register(PosixSignal.SIGHUP, 1)];
    }

    /// <summary>Cancelled by the first signal (or by <see cref="Cancel"/>).</summary>
    public CancellationToken Token => stop.Token;

    /// <summary>The first signal's number, or 0 when none came.</summary>
    public int Received => Volatile.Read(ref received);

    /// <summary>The first signal's name, e.g. "SIGTERM".</summary>
    public string Name => Received switch { 1 => "SIGHUP", 2 => "SIGINT", 15 => "SIGTERM", _ => "no signal" };

    /// <summary>The exit code of a command stopped by the signal: 128 + its number.</summary>
    public int ExitCode => 128 + Received;

    /// <summary>Stops as a signal would, without one (the worker's parent died).</summary>
    public void Cancel(int signal)
    {
        if (Interlocked.CompareExchange(ref received, signal, 0) == 0) stop.Cancel();
    }

    private PosixSignalRegistration Register(PosixSignal signal, int number) => PosixSignalRegistration.Create(signal, context =>
    {
        if (Interlocked.CompareExchange(ref received, number, 0) != 0) return;
        context.Cancel = true;
        stop.Cancel();
    });

    public void Dispose()
    {
        foreach (PosixSignalRegistration r in registrations) r.Dispose();
        stop.Dispose();
    }
}
