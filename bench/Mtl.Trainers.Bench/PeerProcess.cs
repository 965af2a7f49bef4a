using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Mtl.Trainers.Bench;

/// <summary>
/// A PyTorch peer (a script next to the benchmark under /usr/bin/python3, Debian's python3-torch 1.13), kept alive
/// between requests so both sides stay warm and can be timed in alternating rounds. Mtl.Analysis.Bench links this file
/// for its per-sample peer.
/// </summary>
internal sealed class PeerProcess : IDisposable
{
    /// <summary>Debian's interpreter, the one with python3-torch (the python3 on PATH may be another one).</summary>
    public const string Python = "/usr/bin/python3";

    private readonly Process process;

    public PeerProcess(int threads) : this("multilenet_peer.py", threads)
    {
    }

    public PeerProcess(string scriptName, int threads)
    {
        string script = Path.Combine(AppContext.BaseDirectory, scriptName);
        if (!File.Exists(Python))
            throw new FileNotFoundException($"{Python} is missing; the PyTorch peer needs Debian's python3 with python3-torch (scripts/bootstrap.sh installs it).", Python);
        var psi = new ProcessStartInfo(Python, $"\"{script}\" --threads {threads}")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {Python}");
        Info = Ask("info");
        string version = Info["torch_version"]!.GetValue<string>();
        if (!version.StartsWith("1.13", StringComparison.Ordinal))
            throw new InvalidOperationException($"The peer runs torch {version}; the benchmark compares against PyTorch 1.13 (Debian's python3-torch).");
    }

    /// <summary>The peer's torch version and thread count.</summary>
    public JsonNode Info { get; }

    /// <summary>Sends one request line and parses the one-line JSON answer.</summary>
    public JsonNode Ask(string request)
    {
        process.StandardInput.WriteLine(request);
        process.StandardInput.Flush();
        string? line = process.StandardOutput.ReadLine();
        if (line is null)
            throw new InvalidOperationException($"The PyTorch peer stopped (is python3-torch installed? scripts/bootstrap.sh installs it):\n{process.StandardError.ReadToEnd()}");
        JsonNode answer = JsonNode.Parse(line) ?? throw new InvalidOperationException($"the peer answered '{line}'");
        if (answer is JsonObject o && o["error"] is { } error) throw new InvalidOperationException($"the peer answered: {error}");
        return answer;
    }

    public void Dispose()
    {
        process.StandardInput.Close();
        if (!process.WaitForExit(10_000)) process.Kill();
        process.Dispose();
    }
}
