using System.IO.Compression;
using System.Text;

namespace Mtl.ML;

using Mtl.ML.Data;

/// <summary>Saving and loading models, and prediction engines (<c>mlContext.Model</c>).</summary>
public sealed class ModelOperationsCatalog : CatalogBase
{
    /// <summary>The folder of the model's transformer chain in the .zip.</summary>
    public const string ChainDirectory = "TransformerChain";
    /// <summary>The folder of the saved input schema.</summary>
    public const string SchemaDirectory = "Schema";
    /// <summary>The entry naming the version that wrote the file.</summary>
    public const string VersionEntry = "TrainingInfo/Version.txt";
    /// <summary>The version written into <see cref="VersionEntry"/>.</summary>
    public const string FormatVersion = "Mtl.ML 1.0";

    private static readonly VersionInfo SchemaVersion = new("SCHEMA", 0x00010001, 0x00010001, 0x00010001, "Mtl.ML", "DataViewSchema");

    internal ModelOperationsCatalog(IHostEnvironment environment) : base(environment) { }

    /// <summary>
    /// Saves <paramref name="model"/> and the schema of its input to a .zip file. The write is atomic: the file is written
    /// next to the target under a temporary name and renamed when complete, so a failure leaves any old file intact.
    /// </summary>
    public void Save(ITransformer model, DataViewSchema? inputSchema, string filePath)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        string full = Path.GetFullPath(filePath);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir))
            throw new DirectoryNotFoundException($"Cannot save the model to '{full}': folder '{dir}' does not exist. Create it first.");
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                Save(model, inputSchema, stream);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
            Environment.WriteLog(ChannelMessageKind.Info, nameof(ModelOperationsCatalog), $"Saved model to '{full}'.");
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>Saves <paramref name="model"/> and the schema of its input (when given) as a .zip into <paramref name="stream"/>.</summary>
    public void Save(ITransformer model, DataViewSchema? inputSchema, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(stream);
        // Fail before writing anything if the model does not accept the schema.
        if (inputSchema is not null) model.GetOutputSchema(inputSchema);
        var chain = model as ITransformerChain ?? new TransformerChain<ITransformer>(model);
        using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
        using (var writer = new StreamWriter(archive.CreateEntry(VersionEntry).Open(), new UTF8Encoding(false)))
            writer.WriteLine(FormatVersion);
        using (var ctx = new ModelSaveContext(archive, ChainDirectory, Environment))
        {
            chain.Save(ctx);
            ctx.Done();
        }
        if (inputSchema is not null)
        {
            using var ctx = new ModelSaveContext(archive, SchemaDirectory, Environment);
            ctx.SetVersionInfo(SchemaVersion);
            DataViewTypeCodec.WriteSchema(ctx.Writer, inputSchema);
            ctx.Done();
        }
    }

    /// <summary>Loads a model saved by <see cref="Save(ITransformer, DataViewSchema, string)"/>; <paramref name="inputSchema"/> is the saved input schema.</summary>
    public ITransformer Load(string filePath, out DataViewSchema inputSchema)
    {
        ArgumentException.ThrowIfNullOrEmpty(filePath);
        if (!File.Exists(filePath))
            throw new FileNotFoundException($"Model file '{Path.GetFullPath(filePath)}' not found. Check the path, or train and save the model first.", filePath);
        using var stream = File.OpenRead(filePath);
        return Load(stream, out inputSchema, $"'{filePath}'");
    }

    /// <summary>Loads a model from a stream holding a model .zip.</summary>
    public ITransformer Load(Stream stream, out DataViewSchema inputSchema) => Load(stream, out inputSchema, "the model stream");

    private ITransformer Load(Stream stream, out DataViewSchema inputSchema, string source)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ZipArchive archive;
        try { archive = new ZipArchive(stream, ZipArchiveMode.Read, leaveOpen: true); }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source} is not a readable model .zip (damaged or truncated: {e.Message}). Save the model again.", e);
        }
        using (archive)
        {
            try
            {
                var version = archive.GetEntry(VersionEntry) ?? throw new InvalidDataException(
                    $"{source} has no '{VersionEntry}' entry: it is not a model saved by Mtl.ML, or it is incomplete.");
                // Reading the entry also proves the archive's data is intact enough to decompress.
                using (var reader = new StreamReader(version.Open())) _ = reader.ReadToEnd();
                inputSchema = DataViewSchema.Empty;
                if (archive.GetEntry($"{SchemaDirectory}/{ModelSaveContext.ModelEntryName}") is not null)
                {
                    using var ctx = ModelLoadContext.Open(archive, SchemaDirectory, Environment, source);
                    ctx.CheckAtModel(SchemaVersion);
                    inputSchema = DataViewTypeCodec.ReadSchema(ctx.Reader);
                }
                var model = ModelLoadContext.LoadFromDirectory<ITransformer>(archive, ChainDirectory, Environment, source);
                Environment.WriteLog(ChannelMessageKind.Info, nameof(ModelOperationsCatalog),
                    $"Loaded model from {source}: {(model as ITransformerChain)?.Count() ?? 1} step(s).");
                return model;
            }
            catch (EndOfStreamException e)
            {
                throw new InvalidDataException($"{source} is truncated inside an entry. Save the model again.", e);
            }
            catch (InvalidDataException e) when (!e.Message.Contains(source, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"{source} is damaged: {e.Message} Save the model again.", e);
            }
        }
    }

    /// <summary>
    /// A prediction engine mapping one <typeparamref name="TSrc"/> object to one <typeparamref name="TDst"/> object with
    /// <paramref name="transformer"/> (only its <see cref="TransformerScope.Scoring"/> steps). Not thread-safe: use one per thread.
    /// </summary>
    public PredictionEngine<TSrc, TDst> CreatePredictionEngine<TSrc, TDst>(ITransformer transformer, bool ignoreMissingColumns = true,
        SchemaDefinition? inputSchemaDefinition = null, SchemaDefinition? outputSchemaDefinition = null)
        where TSrc : class where TDst : class, new() =>
        new(Environment, transformer, ignoreMissingColumns, inputSchemaDefinition, outputSchemaDefinition);
}
