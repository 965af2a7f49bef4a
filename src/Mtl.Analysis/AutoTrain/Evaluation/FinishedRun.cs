using Microsoft.ML;
using Mtl.Trainers;
using Mtl.Trainers.IO;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>
/// A run of <see cref="AutoTrainer"/> that saved its model: its <c>.mtlconfig</c>, the settings it describes, the data's
/// schema (checked against the columns the file recorded) and the zip beside it. The start of everything a finished run
/// offers afterwards: <see cref="RunEvaluation.Of"/>, <see cref="RunPredictor"/>, <see cref="GeneratedProject"/>.
/// </summary>
public sealed class FinishedRun
{
    private FinishedRun(string configPath, MtlConfig config, AutoTrainSettings settings, TableSchema schema)
    {
        ConfigPath = configPath;
        Config = config;
        Settings = settings;
        Schema = schema;
    }

    /// <summary>The run's <c>&lt;Name&gt;.mtlconfig</c> (full path).</summary>
    public string ConfigPath { get; }

    /// <summary>The file's content.</summary>
    public MtlConfig Config { get; }

    /// <summary>The run the file describes (<see cref="MtlConfig.ToSettings"/>).</summary>
    public AutoTrainSettings Settings { get; }

    /// <summary>The data's schema, as the run inferred it.</summary>
    public TableSchema Schema { get; }

    /// <summary>The model's name.</summary>
    public string Name => Settings.Name;

    /// <summary>The folder holding the zip, the <c>.mtlconfig</c> and the generated code.</summary>
    public string Folder => Settings.OutFolder;

    /// <summary>The saved model, <c>&lt;Folder&gt;/&lt;Name&gt;.zip</c>.</summary>
    public string ZipPath => Settings.ZipPath;

    /// <summary>
    /// Opens the finished run <paramref name="configPath"/> describes: reads and checks the file, infers the data's schema
    /// again (the data must still read as the file recorded) and requires the saved zip.
    /// </summary>
    /// <exception cref="FileNotFoundException">The file, the data or the zip does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a valid <c>.mtlconfig</c>, or the data changed since the run.</exception>
    /// <exception cref="InvalidOperationException">The run has not saved a model yet (it is training, or was stopped before).</exception>
    public static FinishedRun Open(string configPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(configPath);
        string path = Path.GetFullPath(configPath);
        MtlConfig config = MtlConfig.Read(path);
        if (config.RunHistory.TestMetrics is null || config.RunHistory.BestTrial is null)
            throw new InvalidOperationException($"'{path}' describes a run that has not saved a model yet (RunHistory has no TestMetrics): it is still " +
                "training, or was stopped before its end. Let it finish, or resume it with mtl train --config.");
        AutoTrainSettings settings = config.ToSettings(path);
        if (!File.Exists(settings.ZipPath))
            throw new FileNotFoundException($"The model '{settings.ZipPath}' of the run '{path}' does not exist; it was moved or deleted. " +
                "Train again with mtl train --config.", settings.ZipPath);
        TableSchema schema = TableSchema.Infer(settings.DataPath, settings.Read);
        MtlConfig.RequireSameColumns(config.DataSource.ColumnProperties, schema, path);
        return new FinishedRun(path, config, settings, schema);
    }

    /// <summary>The saved zip loaded with plain <c>mlContext.Model.Load</c>, in a context of the run's seed.</summary>
    internal LoadedModel LoadModel() => new(ZipPath, Settings.Seed);
}

/// <summary>A zip loaded with plain ML.NET; its OnnxTransformer's copy of the network lives in a private folder removed on dispose.</summary>
internal sealed class LoadedModel : IDisposable
{
    private readonly string temp = SafeFiles.CreatePrivateFolder("mtl-finished-run-");

    public LoadedModel(string zipPath, int seed)
    {
        Ml = new MLContext(seed) { TempFilePath = temp };
        try
        {
            Model = SavedModel.Load(Ml, zipPath, out DataViewSchema input);
            Input = input;
        }
        catch (Exception e) when (e is InvalidOperationException or FormatException or InvalidDataException or IOException or System.Reflection.TargetInvocationException)
        {
            SafeFiles.DeleteFolder(temp);
            throw new InvalidDataException($"'{zipPath}' could not be loaded as an ML.NET model ({e.GetBaseException().Message}); train the run again.", e);
        }
    }

    public MLContext Ml { get; }

    public ITransformer Model { get; } = null!;

    public DataViewSchema Input { get; } = null!;

    public void Dispose()
    {
        (Model as IDisposable)?.Dispose();
        SafeFiles.DeleteFolder(temp);
    }
}
