using System.CommandLine;
using System.Diagnostics;
using Mtl.Cli.Ui;

namespace Mtl.Cli.Commands;

/// <summary>
/// <c>mtl ui [--port P] [--open] [--root DIR] [--upload-limit-mb N]</c>: the Model Builder-style web app on 127.0.0.1.
/// Its first stdout line is the address with the session token; Ctrl+C cancels a training (its <c>.mtlconfig</c> keeps
/// the finished trials) and stops the server.
/// </summary>
internal static class UiCommand
{
    public static Command Create()
    {
        var port = new Option<int>("--port") { Description = "Port on 127.0.0.1 (0 = a free port)", DefaultValueFactory = _ => 0 };
        var open = new Option<bool>("--open") { Description = "Open the address in the default browser" };
        var root = new Option<string?>("--root") { Description = "The working folder: the file browser's root, where runs (mtl-runs/) and uploads (mtl-uploads/) go (default: the current folder)" };
        var uploadLimit = new Option<int>("--upload-limit-mb")
        {
            Description = "The largest upload accepted, in MB",
            DefaultValueFactory = _ => UiServerOptions.DefaultUploadLimitMegabytes,
        };
        var command = new Command("ui", "A local web app in the style of Model Builder: pick a table or an image folder and its labels, train against a " +
            "clock, watch the trials, compare with single-task models, download the model and its code.")
        {
            port, open, root, uploadLimit,
        };
        command.SetAction(parse => Run(parse.GetValue(port), parse.GetValue(open), parse.GetValue(root) ?? Directory.GetCurrentDirectory(), parse.GetValue(uploadLimit)));
        return command;
    }

    private static int Run(int port, bool open, string root, int uploadLimitMb)
    {
        using var signals = new ShutdownSignals();
        return CommandErrors.Run(() =>
        {
            if (uploadLimitMb < 1) throw new ArgumentException($"--upload-limit-mb must be at least 1; got {uploadLimitMb}.");
            RunningUiServer server = UiServer.Start(new UiServerOptions { Root = root, Port = port, UploadLimitBytes = uploadLimitMb * 1024L * 1024L });
            try
            {
                // The first line is the contract with scripts and the browser tests: the address, then the folder.
                Console.Out.WriteLine($"mtl ui: {server.Url} (working folder {server.Root}; Ctrl+C stops)");
                Console.Out.Flush();
                if (open) OpenBrowser(server.Url);
                signals.Token.WaitHandle.WaitOne();
            }
            finally
            {
                string? interrupted = server.StopAsync().GetAwaiter().GetResult();
                if (interrupted is not null)
                    Console.Error.WriteLine($"mtl ui: the run '{interrupted}' was stopped; its .mtlconfig keeps the finished trials. Resume it from the Train page " +
                        "of the next mtl ui, or with mtl train --config.");
                Console.Error.WriteLine("mtl ui: stopped.");
            }
            return 0;
        });
    }

    private static void OpenBrowser(string url)
    {
        string opener = OperatingSystem.IsWindows() ? "explorer" : OperatingSystem.IsMacOS() ? "open" : "xdg-open";
        try
        {
            using Process? process = Process.Start(new ProcessStartInfo(opener, [url]) { UseShellExecute = false });
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            Console.Error.WriteLine($"mtl ui: could not open a browser with {opener} ({e.Message}); open the address above yourself.");
        }
    }
}
