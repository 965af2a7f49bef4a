using System.IO.Compression;
using System.Text;

namespace Mtl.ML;

/// <summary>
/// Where a component writes itself in a model .zip: its own folder, with a <c>Model.key</c> entry made of a small
/// versioned header (<see cref="SetVersionInfo"/>) followed by what the component writes to <see cref="Writer"/>,
/// plus any named entries (<see cref="SaveBinaryStream"/>, e.g. a trainer's <c>TSModel</c> weights) and sub-components
/// (<see cref="SaveModel"/>).
/// </summary>
public sealed class ModelSaveContext : IDisposable
{
    /// <summary>The name of the entry holding a component's header and main payload.</summary>
    public const string ModelEntryName = "Model.key";

    internal const string Magic = "MTLMODEL";
    internal const uint HeaderFormatVersion = 1;

    private readonly MemoryStream _payload = new();
    private VersionInfo? _version;
    private bool _done;

    /// <summary>Creates a context writing into folder <paramref name="directory"/> of <paramref name="archive"/> ("" for the root).</summary>
    public ModelSaveContext(ZipArchive archive, string directory, IHostEnvironment? environment = null)
    {
        Archive = archive ?? throw new ArgumentNullException(nameof(archive));
        Directory = (directory ?? "").Trim('/');
        Environment = environment;
        Writer = new BinaryWriter(_payload, Encoding.UTF8, leaveOpen: true);
    }

    /// <summary>The archive being written.</summary>
    public ZipArchive Archive { get; }

    /// <summary>This component's folder inside the archive.</summary>
    public string Directory { get; }

    /// <summary>The environment of the save, when known.</summary>
    public IHostEnvironment? Environment { get; }

    /// <summary>Writes the component's main payload (after the header) into <c>Model.key</c>.</summary>
    public BinaryWriter Writer { get; }

    /// <summary>Sets the version header; required once per component.</summary>
    public void SetVersionInfo(VersionInfo ver)
    {
        ArgumentNullException.ThrowIfNull(ver);
        if (string.IsNullOrEmpty(ver.LoaderSignature))
            throw new ArgumentException("A saved component needs a loader signature.", nameof(ver));
        _version = ver;
    }

    /// <summary>Writes a non-null string to <see cref="Writer"/>.</summary>
    public void SaveString(string value) => Writer.Write(value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>Writes a non-empty string to <see cref="Writer"/>.</summary>
    public void SaveNonEmptyString(string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(value);
        Writer.Write(value);
    }

    /// <summary>Writes a string that may be null to <see cref="Writer"/>.</summary>
    public void SaveStringOrNull(string? value)
    {
        Writer.Write(value is not null);
        if (value is not null) Writer.Write(value);
    }

    /// <summary>The full entry name of <paramref name="name"/> in this component's folder.</summary>
    public string GetEntryName(string name) => Directory.Length == 0 ? name : $"{Directory}/{name}";

    /// <summary>Writes a named binary entry in this component's folder.</summary>
    public void SaveBinaryStream(string name, Action<BinaryWriter> action)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(action);
        using var stream = Archive.CreateEntry(GetEntryName(name), CompressionLevel.Fastest).Open();
        using var writer = new BinaryWriter(stream, Encoding.UTF8);
        action(writer);
    }

    /// <summary>Writes a named UTF-8 text entry in this component's folder.</summary>
    public void SaveTextStream(string name, Action<TextWriter> action)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        ArgumentNullException.ThrowIfNull(action);
        using var stream = Archive.CreateEntry(GetEntryName(name), CompressionLevel.Fastest).Open();
        using var writer = new StreamWriter(stream, new UTF8Encoding(false));
        action(writer);
    }

    /// <summary>Saves a sub-component into sub-folder <paramref name="name"/>.</summary>
    public void SaveModel(ICanSaveModel model, string name)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentException.ThrowIfNullOrEmpty(name);
        using var sub = new ModelSaveContext(Archive, GetEntryName(name), Environment);
        model.Save(sub);
        sub.Done();
    }

    /// <summary>Writes <c>Model.key</c> (header + payload). Called by whoever created the context, after the component's Save.</summary>
    public void Done()
    {
        if (_done) return;
        var ver = _version ?? throw new InvalidOperationException(
            $"The component saved into '{Directory}' did not call SetVersionInfo; every saved component needs a versioned header.");
        Writer.Flush();
        using (var stream = Archive.CreateEntry(GetEntryName(ModelEntryName), CompressionLevel.Fastest).Open())
        using (var w = new BinaryWriter(stream, Encoding.UTF8))
        {
            w.Write(Encoding.ASCII.GetBytes(Magic));
            w.Write(HeaderFormatVersion);
            w.Write(ver.ModelSignature);
            w.Write(ver.VerWrittenCur);
            w.Write(ver.VerReadableCur);
            w.Write(ver.VerWeCanReadBack);
            w.Write(ver.LoaderAssemblyName ?? "");
            w.Write(ver.LoaderSignature);
            w.Write(_payload.Length);
            w.Write(_payload.GetBuffer(), 0, (int)_payload.Length);
        }
        _done = true;
    }

    /// <inheritdoc/>
    public void Dispose()
    {
        Writer.Dispose();
        _payload.Dispose();
    }
}

/// <summary>The header read from a component's <c>Model.key</c>.</summary>
/// <param name="ModelSignature">The format name written.</param>
/// <param name="VerWritten">The version of the code that wrote it.</param>
/// <param name="VerReadable">The oldest code version able to read it.</param>
/// <param name="VerWeCanReadBack">The oldest version the writer could read.</param>
/// <param name="LoaderAssemblyName">The assembly of the writer.</param>
/// <param name="LoaderSignature">The signature of the loader to use.</param>
public sealed record ModelHeader(string ModelSignature, uint VerWritten, uint VerReadable, uint VerWeCanReadBack,
    string LoaderAssemblyName, string LoaderSignature);

/// <summary>Reads a component from its folder in a model .zip (the counterpart of <see cref="ModelSaveContext"/>).</summary>
public sealed class ModelLoadContext : IDisposable
{
    private ModelLoadContext(ZipArchive archive, string directory, IHostEnvironment environment, ModelHeader header, byte[] payload, string source)
    {
        Archive = archive;
        Directory = directory;
        Environment = environment;
        Header = header;
        Source = source;
        Reader = new BinaryReader(new MemoryStream(payload, writable: false), Encoding.UTF8);
    }

    /// <summary>The archive being read.</summary>
    public ZipArchive Archive { get; }
    /// <summary>This component's folder.</summary>
    public string Directory { get; }
    /// <summary>The environment of the load.</summary>
    public IHostEnvironment Environment { get; }
    /// <summary>The header read from <c>Model.key</c>.</summary>
    public ModelHeader Header { get; }
    /// <summary>Reads the payload the component wrote to <see cref="ModelSaveContext.Writer"/>.</summary>
    public BinaryReader Reader { get; }
    /// <summary>A description of the file being read (for error messages).</summary>
    public string Source { get; }

    /// <summary>Opens the component in folder <paramref name="directory"/>; throws when <c>Model.key</c> is missing or damaged.</summary>
    public static ModelLoadContext Open(ZipArchive archive, string directory, IHostEnvironment environment, string source = "model")
    {
        ArgumentNullException.ThrowIfNull(archive);
        ArgumentNullException.ThrowIfNull(environment);
        directory = (directory ?? "").Trim('/');
        string entryName = directory.Length == 0 ? ModelSaveContext.ModelEntryName : $"{directory}/{ModelSaveContext.ModelEntryName}";
        var entry = archive.GetEntry(entryName) ?? throw new InvalidDataException(
            $"The model file {source} has no entry '{entryName}': it is incomplete or not a model saved by Mtl.ML. Save the model again.");
        try
        {
            using var stream = entry.Open();
            using var r = new BinaryReader(stream, Encoding.UTF8);
            var magic = Encoding.ASCII.GetString(r.ReadBytes(ModelSaveContext.Magic.Length));
            if (magic != ModelSaveContext.Magic)
                throw new InvalidDataException($"Entry '{entryName}' of {source} does not start with a model header (found '{magic}'). The file is damaged or not an Mtl.ML model.");
            uint format = r.ReadUInt32();
            if (format > ModelSaveContext.HeaderFormatVersion)
                throw new InvalidDataException($"Entry '{entryName}' of {source} uses header format {format}; this version reads up to {ModelSaveContext.HeaderFormatVersion}. Update Mtl.ML to load it.");
            var header = new ModelHeader(r.ReadString(), r.ReadUInt32(), r.ReadUInt32(), r.ReadUInt32(), r.ReadString(), r.ReadString());
            long length = r.ReadInt64();
            if (length < 0 || length > int.MaxValue)
                throw new InvalidDataException($"Entry '{entryName}' of {source} declares an invalid payload length {length}. The file is damaged.");
            byte[] payload = r.ReadBytes((int)length);
            if (payload.Length != length)
                throw new InvalidDataException($"Entry '{entryName}' of {source} is truncated ({payload.Length} of {length} payload bytes). The file is damaged; save the model again.");
            return new ModelLoadContext(archive, directory, environment, header, payload, source);
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Entry '{entryName}' of {source} is truncated. The file is damaged; save the model again.", e);
        }
    }

    /// <summary>
    /// Checks that the header matches <paramref name="ver"/>: same model signature, and a file version this code can read.
    /// Throws a clear exception otherwise (newer file: update; older file: re-save with an older release).
    /// </summary>
    public void CheckAtModel(VersionInfo ver)
    {
        ArgumentNullException.ThrowIfNull(ver);
        string where = $"'{Directory}' of {Source}";
        if (Header.ModelSignature != ver.ModelSignature)
            throw new InvalidDataException($"Component {where} has format '{Header.ModelSignature}', but loader '{ver.LoaderSignature}' reads '{ver.ModelSignature}'.");
        if (Header.VerReadable > ver.VerWrittenCur)
            throw new InvalidDataException(
                $"Component {where} ('{Header.LoaderSignature}') was written by a newer version (format version 0x{Header.VerWritten:X8}, needs a reader of at least 0x{Header.VerReadable:X8}; this code is 0x{ver.VerWrittenCur:X8}). Update to a newer Mtl.ML to load it.");
        if (Header.VerWritten < ver.VerWeCanReadBack)
            throw new InvalidDataException(
                $"Component {where} ('{Header.LoaderSignature}') was written by an old version 0x{Header.VerWritten:X8}; this code reads 0x{ver.VerWeCanReadBack:X8} and later. Re-save it with an older release.");
    }

    /// <summary>Reads a string written by <see cref="ModelSaveContext.SaveString"/>.</summary>
    public string LoadString() => Reader.ReadString();

    /// <summary>Reads a non-empty string; throws on an empty one.</summary>
    public string LoadNonEmptyString()
    {
        string s = Reader.ReadString();
        return s.Length > 0 ? s : throw new InvalidDataException($"Component '{Directory}' of {Source} holds an empty string where a name was expected. The file is damaged.");
    }

    /// <summary>Reads a string written by <see cref="ModelSaveContext.SaveStringOrNull"/>.</summary>
    public string? LoadStringOrNull() => Reader.ReadBoolean() ? Reader.ReadString() : null;

    /// <summary>Whether the named entry exists in this component's folder.</summary>
    public bool ContainsEntry(string name) => Archive.GetEntry(GetEntryName(name)) is not null;

    /// <summary>The full entry name of <paramref name="name"/> in this component's folder.</summary>
    public string GetEntryName(string name) => Directory.Length == 0 ? name : $"{Directory}/{name}";

    /// <summary>Reads a named binary entry when it exists.</summary>
    public bool TryLoadBinaryStream(string name, Action<BinaryReader> action)
    {
        var entry = Archive.GetEntry(GetEntryName(name));
        if (entry is null) return false;
        using var stream = entry.Open();
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try { action(reader); }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException($"Entry '{GetEntryName(name)}' of {Source} is truncated. The file is damaged; save the model again.", e);
        }
        return true;
    }

    /// <summary>Reads a named binary entry; throws when it is missing.</summary>
    public void LoadBinaryStream(string name, Action<BinaryReader> action)
    {
        if (!TryLoadBinaryStream(name, action))
            throw new InvalidDataException($"The model file {Source} lacks entry '{GetEntryName(name)}'. The file is incomplete or damaged; save the model again.");
    }

    /// <summary>Reads a named text entry when it exists.</summary>
    public bool TryLoadTextStream(string name, Action<TextReader> action)
    {
        var entry = Archive.GetEntry(GetEntryName(name));
        if (entry is null) return false;
        using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
        action(reader);
        return true;
    }

    /// <summary>Loads the sub-component saved in sub-folder <paramref name="name"/> with its registered loader.</summary>
    public T LoadModel<T>(string name) where T : class =>
        LoadFromDirectory<T>(Archive, GetEntryName(name), Environment, Source);

    /// <summary>Loads the component saved in <paramref name="directory"/> of <paramref name="archive"/> with its registered loader.</summary>
    public static T LoadFromDirectory<T>(ZipArchive archive, string directory, IHostEnvironment environment, string source = "model") where T : class
    {
        using var ctx = Open(archive, directory, environment, source);
        if (!environment.ComponentCatalog.TryGetLoader(ctx.Header.LoaderSignature, out var loader))
            throw new InvalidDataException(
                $"No loader is registered for signature '{ctx.Header.LoaderSignature}' (component '{ctx.Directory}' of {source}, written by '{ctx.Header.LoaderAssemblyName}'). " +
                "Load the assembly that defines it (reference it or call mlContext.ComponentCatalog.RegisterAssembly) before loading the model.");
        object component = loader(environment, ctx);
        return component as T ?? throw new InvalidDataException(
            $"Component '{ctx.Directory}' of {source} loaded as {component.GetType().Name}, which is not a {typeof(T).Name}.");
    }

    /// <inheritdoc/>
    public void Dispose() => Reader.Dispose();
}
