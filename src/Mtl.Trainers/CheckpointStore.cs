using System.Text.Json;
using Mtl.Torch;
using Mtl.Torch.Modules;
using Mtl.Trainers.Network;
using static Mtl.Torch.torch;

namespace Mtl.Trainers;

/// <summary>
/// Per-epoch checkpoints in a folder: the network's weights (TorchSharp state-dict format), the optimizer state and a
/// small JSON record. Each file is written to a temporary name and renamed, and <c>latest.json</c> is written last, so
/// a crash never leaves a half checkpoint that would be resumed from.
/// </summary>
internal sealed class CheckpointStore
{
    private const string LatestFile = "latest.json";
    private readonly string folder;
    private readonly MultiHeadNetwork network;
    private readonly optim.Optimizer optimizer;

    public CheckpointStore(string folder, MultiHeadNetwork network, optim.Optimizer optimizer)
    {
        this.folder = folder;
        this.network = network;
        this.optimizer = optimizer;
        Directory.CreateDirectory(folder);
    }

    private sealed record Latest(int Epoch, string Weights, string Optimizer, int Tasks);

    public void Save(int epoch, TrainingReport report)
    {
        string weights = $"epoch-{epoch:D4}.weights";
        string optimizerFile = $"epoch-{epoch:D4}.optimizer";
        WriteAtomic(Path.Combine(folder, weights), stream => network.save(stream));
        WriteAtomic(Path.Combine(folder, optimizerFile), stream =>
        {
            using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            ((OptimizerHelper)optimizer).save_state_dict(writer);
        });
        var latest = new Latest(epoch, weights, optimizerFile, network.TaskCount);
        WriteAtomic(Path.Combine(folder, LatestFile), stream => JsonSerializer.Serialize(stream, latest));
    }

    /// <summary>Loads the latest checkpoint if there is one; returns its epoch.</summary>
    public int? TryResume(TrainingReport report)
    {
        string path = Path.Combine(folder, LatestFile);
        if (!File.Exists(path)) return null;
        Latest latest;
        try
        {
            latest = JsonSerializer.Deserialize<Latest>(File.ReadAllText(path)) ?? throw new InvalidDataException("empty record");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException)
        {
            throw new InvalidDataException($"The checkpoint record {path} is damaged ({e.Message}). Delete the checkpoint folder to start afresh.", e);
        }
        if (latest.Tasks != network.TaskCount)
            throw new InvalidDataException($"The checkpoint in {folder} was made for {latest.Tasks} tasks, this run has {network.TaskCount}. Use another CheckpointFolder.");
        network.load(Path.Combine(folder, latest.Weights));
        using (var reader = new BinaryReader(File.OpenRead(Path.Combine(folder, latest.Optimizer))))
            ((OptimizerHelper)optimizer).load_state_dict(reader);
        return latest.Epoch;
    }

    private static void WriteAtomic(string path, Action<Stream> write)
    {
        string temp = path + ".tmp";
        using (var stream = File.Create(temp)) write(stream);
        File.Move(temp, path, overwrite: true);
    }
}
