using System.Reflection;

namespace Mtl.ML;

using Mtl.ML.Data;

/// <summary>The severity of a log message.</summary>
public enum ChannelMessageKind
{
    /// <summary>Detailed progress.</summary>
    Trace,
    /// <summary>Information.</summary>
    Info,
    /// <summary>Something may be wrong.</summary>
    Warning,
    /// <summary>Something went wrong.</summary>
    Error,
}

/// <summary>A log message raised through <see cref="MLContext.Log"/>.</summary>
public sealed class LoggingEventArgs : EventArgs
{
    /// <summary>Creates a message without source or kind (kind <see cref="ChannelMessageKind.Info"/>).</summary>
    public LoggingEventArgs(string message) : this(message, ChannelMessageKind.Info, "") { }

    /// <summary>Creates a message.</summary>
    public LoggingEventArgs(string message, ChannelMessageKind kind, string source)
    {
        RawMessage = message ?? "";
        Kind = kind;
        Source = source ?? "";
        Message = $"[Source={Source}, Kind={Kind}] {RawMessage}";
    }

    /// <summary>The message with its source and kind, formatted like ML.NET's.</summary>
    public string Message { get; }
    /// <summary>The message text alone.</summary>
    public string RawMessage { get; }
    /// <summary>The severity.</summary>
    public ChannelMessageKind Kind { get; }
    /// <summary>The component that wrote the message.</summary>
    public string Source { get; }
}

/// <summary>
/// What components need from their environment: the seed, a seeded random source, logging and the component catalog.
/// <see cref="MLContext"/> implements it; catalogs expose it as <c>Environment</c> so extension catalogs can use it.
/// </summary>
public interface IHostEnvironment
{
    /// <summary>The seed given to the context, or null for a random one.</summary>
    int? Seed { get; }

    /// <summary>A new random source; with a seed, the sequence of sources created is reproducible.</summary>
    Random CreateRandom();

    /// <summary>Raises a log message.</summary>
    void WriteLog(ChannelMessageKind kind, string source, string message);

    /// <summary>Where model loaders and custom-mapping factories are found.</summary>
    ComponentCatalog ComponentCatalog { get; }
}

/// <summary>
/// The entry point, as in ML.NET: holds the seed and log, and the catalogs of operations
/// (<see cref="Data"/>, <see cref="Transforms"/>, <see cref="Model"/>, the evaluation catalogs).
/// Other projects add catalogs with extension methods, e.g. <c>public static MultiTaskCatalog MultiTask(this MLContext ctx)</c>.
/// </summary>
public sealed class MLContext : IHostEnvironment
{
    private readonly Random _seeds;
    private readonly Lock _seedLock = new();

    /// <summary>Creates a context. With a <paramref name="seed"/>, every random choice of components made from it is reproducible.</summary>
    public MLContext(int? seed = null)
    {
        Seed = seed;
        _seeds = seed is int s ? new Random(s) : new Random();
        Data = new DataOperationsCatalog(this);
        Transforms = new TransformsCatalog(this);
        Model = new ModelOperationsCatalog(this);
        BinaryClassification = new BinaryClassificationCatalog(this);
        MulticlassClassification = new MulticlassClassificationCatalog(this);
        Regression = new RegressionCatalog(this);
    }

    /// <summary>Raised for every log message of components created from this context.</summary>
    public event EventHandler<LoggingEventArgs>? Log;

    /// <inheritdoc/>
    public int? Seed { get; }

    /// <summary>Loading, saving, splitting and reshaping data.</summary>
    public DataOperationsCatalog Data { get; }

    /// <summary>Data transformations.</summary>
    public TransformsCatalog Transforms { get; }

    /// <summary>Saving and loading models, prediction engines.</summary>
    public ModelOperationsCatalog Model { get; }

    /// <summary>Binary classification evaluation.</summary>
    public BinaryClassificationCatalog BinaryClassification { get; }

    /// <summary>Multiclass classification evaluation.</summary>
    public MulticlassClassificationCatalog MulticlassClassification { get; }

    /// <summary>Regression evaluation.</summary>
    public RegressionCatalog Regression { get; }

    /// <inheritdoc/>
    public ComponentCatalog ComponentCatalog => ComponentCatalog.Default;

    /// <inheritdoc/>
    public Random CreateRandom()
    {
        lock (_seedLock) return new Random(_seeds.Next());
    }

    /// <summary>Draws a seed from the context's seeded sequence.</summary>
    public int NextSeed()
    {
        lock (_seedLock) return _seeds.Next();
    }

    /// <inheritdoc/>
    public void WriteLog(ChannelMessageKind kind, string source, string message) =>
        Log?.Invoke(this, new LoggingEventArgs(message, kind, source));
}

/// <summary>Helpers on <see cref="IHostEnvironment"/>.</summary>
public static class HostEnvironmentExtensions
{
    /// <summary>A seed: <paramref name="seed"/> when given, else one drawn from the environment's seeded sequence.</summary>
    public static int ResolveSeed(this IHostEnvironment env, int? seed) => seed ?? env.CreateRandom().Next();
}
