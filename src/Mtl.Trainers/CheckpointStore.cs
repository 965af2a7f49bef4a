using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using Mtl.Trainers.IO;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers;

/// <summary>Where a training run stands after an epoch: what a checkpoint restores besides the tensors.</summary>
/// <param name="Epoch">The last completed epoch.</param>
/// <param name="Step">Global step count after that epoch.</param>
/// <param name="Epochs">The report's epochs so far.</param>
/// <param name="SelectedEpoch">The epoch whose weights are currently selected.</param>
/// <param name="BestValidation">Best selection score so far (−∞ when none; see <see cref="EpochReport.SelectionScore"/>).</param>
/// <param name="EpochsWithoutImprovement">Early-stopping counter.</param>
internal sealed record TrainingProgress(int Epoch, long Step, IReadOnlyList<EpochReport> Epochs, int SelectedEpoch, double BestValidation, int EpochsWithoutImprovement);

/// <summary>
/// Per-epoch checkpoints in a folder (docs/architecture.md, "Saving"; issue 8, 4 (d)): the network's weights (TorchSharp state
/// dict), the training step's state (optimizer, scheduler, per-task Adam moments, method state), the torch RNG state, the
/// best-validation weights when kept, and a JSON record with the counters, the report so far and a SHA-256 of every file.
/// Every file is written to a temporary name and renamed, and <c>latest.json</c> goes last, so a crash never leaves a
/// half checkpoint that would be resumed from; a damaged or foreign checkpoint is an error, never a silent restart.
/// </summary>
internal sealed class CheckpointStore
{
    internal const string LatestFile = "latest.json";
    private const string Format = "mtl-multihead-checkpoint/1";
    private static readonly JsonSerializerOptions Json = new() { NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals };
    private readonly string folder;
    private readonly MultiTaskNetwork network;
    private readonly Action<Stream> writeStepState;
    private readonly Action<Stream> readStepState;

    public CheckpointStore(string folder, MultiTaskNetwork network, Action<Stream> writeStepState, Action<Stream> readStepState)
    {
        this.folder = folder;
        this.network = network;
        this.writeStepState = writeStepState;
        this.readStepState = readStepState;
        Directory.CreateDirectory(folder);
        // A writer killed mid-save (SIGKILL, a full disk) leaves its temporary file: remove those of dead writers.
        SafeFiles.DeleteStaleTemps(folder);
    }

    // Architecture: the network's ArchitectureName (null in checkpoints written before architectures existed: shared-bottom).
    private sealed record Record(string Format, int Tasks, string[] Heads, TrainingProgress Progress, Dictionary<string, string> Files, string? Architecture = null);

    /// <summary>Writes the checkpoint of a completed epoch; <paramref name="best"/> are the kept best-validation weights, if any.</summary>
    public void Save(TrainingProgress progress, IReadOnlyDictionary<string, Tensor>? best)
    {
        string prefix = $"epoch-{progress.Epoch:D4}";
        var files = new Dictionary<string, string>
        {
            [prefix + ".weights"] = WriteAtomic(prefix + ".weights", stream => network.save(stream)),
            [prefix + ".step"] = WriteAtomic(prefix + ".step", writeStepState),
            [prefix + ".rng"] = WriteAtomic(prefix + ".rng", stream =>
            {
                using Tensor state = torch.get_rng_state();
                stream.Write(state.data<byte>().ToArray());
            }),
        };
        if (best is not null) files[prefix + ".best"] = WriteAtomic(prefix + ".best", stream => WriteTensors(stream, best));
        var record = new Record(Format, network.TaskCount, HeadShapes(), progress, files, network.ArchitectureName);
        WriteAtomic(LatestFile, stream => JsonSerializer.Serialize(stream, record, Json));
        // Older epochs' files are superseded once latest.json names the new ones.
        foreach (string old in Directory.EnumerateFiles(folder, "epoch-*"))
            if (!files.ContainsKey(Path.GetFileName(old)) && !old.EndsWith(".tmp", StringComparison.Ordinal)) File.Delete(old);
    }

    /// <summary>Restores the latest checkpoint if there is one; returns its progress and the kept best weights (or null).</summary>
    public (TrainingProgress progress, Dictionary<string, Tensor>? best)? TryResume()
    {
        string path = Path.Combine(folder, LatestFile);
        if (!File.Exists(path)) return null;
        Record record;
        try
        {
            record = JsonSerializer.Deserialize<Record>(File.ReadAllText(path), Json) ?? throw new InvalidDataException("empty record");
        }
        catch (Exception e) when (e is JsonException or InvalidDataException or NotSupportedException)
        {
            throw Damaged(path, e.Message, e);
        }
        if (record.Format != Format || record.Progress is null || record.Files is null)
            throw Damaged(path, $"it is not a multi-head trainer checkpoint (format '{record.Format}')", null);
        string recorded = record.Architecture ?? "shared-bottom";
        if (recorded != network.ArchitectureName)
            throw new InvalidDataException($"The checkpoint in {folder} was made by a {recorded} network; this run builds a {network.ArchitectureName} network " +
                $"(Options.Architecture). Train with the checkpoint's architecture to resume it, or use another CheckpointFolder, or delete this one to start afresh.");
        if (record.Tasks != network.TaskCount || !(record.Heads ?? Array.Empty<string>()).SequenceEqual(HeadShapes()))
            throw new InvalidDataException($"The checkpoint in {folder} was made for {record.Tasks} tasks with heads [{string.Join("; ", record.Heads ?? Array.Empty<string>())}]; " +
                $"this run has {network.TaskCount} tasks with heads [{string.Join("; ", HeadShapes())}]. Use another CheckpointFolder, or delete this one to start afresh.");
        foreach ((string file, string hash) in record.Files)
        {
            string full = Path.Combine(folder, file);
            if (!File.Exists(full)) throw Damaged(full, "the file is missing", null);
            if (Hash(full) != hash) throw Damaged(full, "its contents do not match the SHA-256 in latest.json", null);
        }
        string prefix = $"epoch-{record.Progress.Epoch:D4}";
        try
        {
            network.load(Path.Combine(folder, prefix + ".weights"));
            using (FileStream step = File.OpenRead(Path.Combine(folder, prefix + ".step"))) readStepState(step);
            byte[] rng = File.ReadAllBytes(Path.Combine(folder, prefix + ".rng"));
            using (Tensor state = tensor(rng, ScalarType.Byte)) torch.set_rng_state(state);
            Dictionary<string, Tensor>? best = null;
            if (record.Files.ContainsKey(prefix + ".best"))
                using (FileStream stream = File.OpenRead(Path.Combine(folder, prefix + ".best"))) best = ReadTensors(stream);
            return (record.Progress, best);
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw Damaged(Path.Combine(folder, prefix + ".*"), e.Message, e);
        }
    }

    private string[] HeadShapes() => Enumerable.Range(0, network.TaskCount)
        .Select(i => string.Join("x", network.TaskParameters(i).Last().shape)).ToArray();

    private static InvalidDataException Damaged(string path, string why, Exception? inner) =>
        new($"The checkpoint file {path} is damaged ({why}). Delete the checkpoint folder to start afresh, or point CheckpointFolder elsewhere.", inner);

    /// <summary>
    /// Writes through a private temporary file and a rename (a failed write, e.g. a full disk, leaves no temporary file;
    /// a killed writer's is removed by the next save); returns the file's SHA-256.
    /// </summary>
    private string WriteAtomic(string name, Action<Stream> write)
    {
        string path = Path.Combine(folder, name);
        SafeFiles.WriteAtomically(path, write);
        return Hash(path);
    }

    private static string Hash(string path)
    {
        using FileStream stream = File.OpenRead(path);
        return Convert.ToHexString(SHA256.HashData(stream));
    }

    private static void WriteTensors(Stream stream, IReadOnlyDictionary<string, Tensor> tensors)
    {
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(tensors.Count);
        foreach ((string name, Tensor t) in tensors)
        {
            writer.Write(name);
            t.Save(writer);
        }
    }

    private static Dictionary<string, Tensor> ReadTensors(Stream stream)
    {
        using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        int n = reader.ReadInt32();
        var result = new Dictionary<string, Tensor>();
        for (int i = 0; i < n; i++) result[reader.ReadString()] = Tensor.Load(reader).DetachFromDisposeScope();
        return result;
    }
}
