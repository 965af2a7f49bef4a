using System.Diagnostics;
using System.Reflection;

namespace Mtl.Trainers.Tests.Support;

/// <summary>The console probes built beside the tests (their paths are baked into the test assembly) and how to run them.</summary>
public static class Probes
{
    public static string Path(string name)
    {
        string path = typeof(Probes).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == name + "Path").Value!;
        if (!File.Exists(path)) throw new FileNotFoundException($"The {name} app was not built at {path}; build tests/Mtl.Trainers.Tests (it references {name}/{name}.csproj).", path);
        return path;
    }

    /// <summary>Runs a probe with <c>dotnet</c> in a child process; returns its standard output lines (fails on a non-zero exit).</summary>
    public static string[] Run(string name, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path(name));
        foreach (string a in arguments) start.ArgumentList.Add(a);
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{name} exited with {process.ExitCode}: {error.Result}\n{output}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }
}
