using Mtl.ML;
using Mtl.Torch;
using Mtl.Trainers.Network;

namespace Mtl.Trainers;

[ModelLoader(LoaderSignature)]
public sealed partial class MultiHeadNetworkTransformer
{
    /// <summary>The loader signature in model files.</summary>
    public const string LoaderSignature = "MultiHeadNetworkTransformer";

    /// <summary>Name of the weights entry: the network's state dict in TorchSharp's format.</summary>
    public const string WeightsEntryName = "TSModel";

    private static readonly VersionInfo Version = new("MHNETTRN", 0x00010001, 0x00010001, 0x00010001, "Mtl.Trainers", LoaderSignature);

    /// <inheritdoc />
    public void Save(ModelSaveContext ctx)
    {
        if (Trunk.Kind == TrunkKind.Custom)
            throw new NotSupportedException("A model with a custom trunk module cannot be rebuilt from a model file; save its weights with Network.save(path) and rebuild it in code.");
        ctx.SetVersionInfo(Version);
        BinaryWriter w = ctx.Writer;
        w.Write(FeatureColumnName);
        w.Write(RowShape.Length);
        foreach (long d in RowShape) w.Write(d);
        w.Write((int)Trunk.Kind);
        w.Write(Trunk.MlpHiddenSizes.Length);
        foreach (int h in Trunk.MlpHiddenSizes) w.Write(h);
        w.Write(Trunk.Dropout);
        w.Write(OutputEmbedding);
        w.Write(ScoringBatchSize);
        w.Write(Tasks.Count);
        for (int i = 0; i < Tasks.Count; i++)
        {
            TaskDefinition t = Tasks[i];
            w.Write(t.Name);
            w.Write(t.LabelColumnName);
            w.Write((int)t.Kind);
            w.Write((int)t.Loss);
            w.Write(t.LossWeight);
            w.Write(t.ClassCount);
            w.Write(t.HeadHiddenSizes.Length);
            foreach (int h in t.HeadHiddenSizes) w.Write(h);
            w.Write(t.HeadDropout);
            string[]? names = keyValues[i];
            w.Write(names?.Length ?? -1);
            foreach (string n in names ?? Array.Empty<string>()) w.Write(n);
        }
        ctx.SaveBinaryStream(WeightsEntryName, writer => Network.save(writer.BaseStream));
    }

    /// <summary>Loads a saved transformer (called by the model loader registry).</summary>
    public static MultiHeadNetworkTransformer Create(IHostEnvironment env, ModelLoadContext ctx)
    {
        ctx.CheckAtModel(Version);
        BinaryReader r = ctx.Reader;
        string feature = r.ReadString();
        long[] rowShape = new long[ReadCount(r, 8, "row shape")];
        for (int i = 0; i < rowShape.Length; i++) rowShape[i] = r.ReadInt64();
        var trunkKind = (TrunkKind)r.ReadInt32();
        if (!Enum.IsDefined(trunkKind) || trunkKind == TrunkKind.Custom)
            throw new InvalidDataException($"{ctx.Source}: unknown or custom trunk kind {(int)trunkKind} in the model file.");
        int[] mlp = new int[ReadCount(r, 64, "MLP sizes")];
        for (int i = 0; i < mlp.Length; i++) mlp[i] = r.ReadInt32();
        var trunk = new TrunkSpec { Kind = trunkKind, MlpHiddenSizes = mlp, Dropout = r.ReadDouble() };
        bool embedding = r.ReadBoolean();
        int batch = r.ReadInt32();
        int taskCount = ReadCount(r, 1024, "task count");
        var tasks = new List<TaskDefinition>();
        var keyValues = new string[]?[taskCount];
        for (int i = 0; i < taskCount; i++)
        {
            var t = new TaskDefinition(r.ReadString(), r.ReadString(), (TaskKind)r.ReadInt32())
            {
                Loss = (TaskLoss)r.ReadInt32(),
                LossWeight = r.ReadDouble(),
                ClassCount = r.ReadInt32(),
            };
            int[] head = new int[ReadCount(r, 64, "head sizes")];
            for (int j = 0; j < head.Length; j++) head[j] = r.ReadInt32();
            t.HeadHiddenSizes = head;
            t.HeadDropout = r.ReadDouble();
            int names = r.ReadInt32();
            if (names >= 0)
            {
                keyValues[i] = new string[names];
                for (int j = 0; j < names; j++) keyValues[i]![j] = r.ReadString();
            }
            tasks.Add(t);
        }
        var network = new MultiHeadNetwork(trunk, rowShape, tasks);
        try
        {
            if (!ctx.ContainsEntry(WeightsEntryName))
                throw new InvalidDataException($"{ctx.Source}: the entry '{ctx.GetEntryName(WeightsEntryName)}' with the network weights is missing.");
            ctx.LoadBinaryStream(WeightsEntryName, reader =>
            {
                using var buffer = new MemoryStream();
                reader.BaseStream.CopyTo(buffer);
                buffer.Position = 0;
                network.load(buffer);
            });
        }
        catch
        {
            network.Dispose();
            throw;
        }
        network.eval();
        return new MultiHeadNetworkTransformer(env, network, feature, rowShape, tasks, trunk, embedding, batch, torch.CPU, report: null, keyValues);
    }

    private static int ReadCount(BinaryReader r, int max, string what)
    {
        int n = r.ReadInt32();
        if (n < 0 || n > max) throw new InvalidDataException($"The model file has an invalid {what} count ({n}); it is damaged or not a multi-head network model.");
        return n;
    }
}
