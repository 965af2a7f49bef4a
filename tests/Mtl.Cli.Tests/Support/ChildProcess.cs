using System.Diagnostics;

namespace Mtl.Cli.Tests.Support;

/// <summary>What a finished child process left: its exit code and both output streams.</summary>
internal sealed record ProcessResult(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>Both streams, for assertion messages.</summary>
    public string Transcript => $"exit code {ExitCode}\n--- stdout ---\n{StandardOutput}\n--- stderr ---\n{StandardError}";
}

/// <summary>Runs a built .NET app as <c>dotnet app.dll args…</c> in a given folder.</summary>
internal static class ChildProcess
{
    /// <summary>Generous: a tiny `mtl train` takes seconds; this only stops a hung child from hanging the run.</summary>
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(5);

    public static ProcessResult RunDotnet(string dll, string workingDirectory, params string[] args) =>
        RunDotnetWith(null, dll, workingDirectory, args);

    /// <summary>As <see cref="RunDotnet"/>, with extra environment variables for the child.</summary>
    public static ProcessResult RunDotnetWith(IReadOnlyDictionary<string, string>? environment, string dll, string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        // MSBuild's variables of this test host's own build would leak into a child `dotnet build`.
        foreach (string key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList()) start.Environment.Remove(key);
        foreach ((string key, string value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        start.ArgumentList.Add(dll);
        foreach (string a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start 'dotnet {dll}'.");
        // Read both pipes at once: a child blocked on a full stderr pipe would never finish its stdout.
        Task<string> stdout = process.StandardOutput.ReadToEndAsync();
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'dotnet {dll} {string.Join(' ', args)}' did not finish within {Timeout}.");
        }
        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
