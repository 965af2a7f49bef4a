using System.Text.Json;
using System.Text.Json.Nodes;
using Mtl.Trainers;
using Mtl.Trainers.IO;

namespace Mtl.Cli.Commands;

/// <summary>
/// <c>mtl train --checkpoint &lt;folder&gt;</c>: which run a checkpoint folder belongs to. The trainer checkpoints every
/// epoch into the folder and resumes from the latest checkpoint there (bit-exactly: weights, optimizer and method state,
/// RNG); this file, <c>run.json</c> beside the checkpoints, records the run's dataset, rows and configuration, so that a
/// checkpoint is only resumed by the run that wrote it. Only the epoch count may differ: a run may be extended.
/// </summary>
internal static class CheckpointRun
{
    /// <summary>The file in the checkpoint folder that names the run.</summary>
    public const string FileName = "run.json";

    // The trainer's own record of the latest checkpoint (CheckpointStore's latest.json).
    private const string LatestFile = "latest.json";

    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    /// <summary>
    /// Checks that <paramref name="folder"/> is empty of checkpoints or holds this run's, then records the run there.
    /// Returns true when there is a checkpoint to resume from.
    /// </summary>
    /// <exception cref="ArgumentException">The folder is a file, or holds another run's checkpoint (the message names the differing field).</exception>
    public static bool Prepare(string folder, string dataset, int trainRows, TrainingConfig config)
    {
        if (File.Exists(folder)) throw new ArgumentException($"--checkpoint '{folder}' is a file; pass a folder (it is created when missing).");
        JsonObject identity = Identity(dataset, trainRows, config);
        string runFile = Path.Combine(folder, FileName);
        bool hasCheckpoint = File.Exists(Path.Combine(folder, LatestFile));
        if (hasCheckpoint)
        {
            if (!File.Exists(runFile))
                throw new ArgumentException($"--checkpoint '{folder}' holds a checkpoint that mtl train did not write (no {FileName}); pass another folder, or delete it to start afresh.");
            JsonObject recorded;
            try
            {
                recorded = JsonNode.Parse(File.ReadAllText(runFile)) as JsonObject ?? throw new JsonException("not a JSON object");
            }
            catch (JsonException e)
            {
                throw new ArgumentException($"--checkpoint '{folder}': {FileName} is damaged ({e.Message}); delete the folder to start afresh.", e);
            }
            if (FirstDifference(recorded, identity) is { } field)
                throw new ArgumentException($"--checkpoint '{folder}' holds a checkpoint of another run: {field.Name} was {field.Was}, this run has {field.Now}. " +
                    "Pass the flags of that run to resume it (only --epochs may change), another folder, or delete it to start afresh.");
            return true;
        }
        Directory.CreateDirectory(folder);
        SafeFiles.WriteAtomically(runFile, stream => JsonSerializer.Serialize(stream, identity, Json));
        return false;
    }

    // What must match for a checkpoint to continue this run: everything but the epoch count.
    private static JsonObject Identity(string dataset, int trainRows, TrainingConfig config)
    {
        var identity = new JsonObject { ["dataset"] = dataset, ["trainRows"] = trainRows };
        JsonObject settings = JsonSerializer.SerializeToNode(config with { Epochs = null })!.AsObject();
        settings.Remove(nameof(TrainingConfig.Epochs));
        // Shared-bottom written either way (null, as before architectures, or by name) is one architecture.
        settings[nameof(TrainingConfig.Architecture)] = config.Architecture is null ? "shared-bottom" : Mtl.Trainers.Network.ArchitectureOptions.Parse(config.Architecture).ToString();
        foreach ((string name, JsonNode? value) in settings.ToList())
        {
            settings.Remove(name);
            identity[name] = value;
        }
        return identity;
    }

    private static (string Name, string Was, string Now)? FirstDifference(JsonObject recorded, JsonObject now)
    {
        foreach (string name in recorded.Select(p => p.Key).Union(now.Select(p => p.Key)))
        {
            JsonNode? a = recorded[name], b = now[name];
            if (!JsonNode.DeepEquals(a, b)) return (name, a?.ToJsonString() ?? "absent", b?.ToJsonString() ?? "absent");
        }
        return null;
    }
}
