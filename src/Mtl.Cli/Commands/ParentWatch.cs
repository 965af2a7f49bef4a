namespace Mtl.Cli.Commands;

/// <summary>
/// Parent-death detection for a sweep worker: the parent holds the write end of the worker's standard input and never
/// writes; when the parent dies, however it dies (SIGKILL included), the kernel closes that pipe and the read here
/// returns end-of-file. The worker then stops as on SIGTERM (before its next training step, checkpoints kept), and
/// exits at the latest after a grace period, so no worker trains on under PID 1.
/// </summary>
internal static class ParentWatch
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(10);

    /// <summary>Starts the watching thread.</summary>
    public static void Start(ShutdownSignals signals)
    {
        var thread = new Thread(() =>
        {
            using Stream input = Console.OpenStandardInput();
            var buffer = new byte[64];
            try
            {
                while (input.Read(buffer) > 0) { }
            }
            catch (IOException)
            {
                // A broken pipe is the same news as end-of-file.
            }
            signals.Cancel(15);
            Thread.Sleep(Grace);
            Console.Error.WriteLine("interrupted: the parent 'mtl sweep run' is gone; finished runs are recorded.");
            Environment.Exit(143);
        })
        {
            IsBackground = true,
            Name = "parent watch",
        };
        thread.Start();
    }
}
