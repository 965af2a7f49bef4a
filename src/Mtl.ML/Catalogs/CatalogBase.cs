namespace Mtl.ML;

/// <summary>
/// Base of every catalog: exposes the <see cref="Environment"/> (seed, log, component catalog) so that other projects
/// can write extension methods and sub-catalogs that create components, e.g.
/// <c>public static MultiTaskCatalog MultiTask(this MLContext ctx)</c> or, with a C# 14 extension property,
/// <c>extension(TransformsCatalog c) { public CorruptionsCatalog Corruptions => c.GetOrCreateSubCatalog(env => new CorruptionsCatalog(env)); }</c>.
/// </summary>
public abstract class CatalogBase
{
    private readonly Dictionary<Type, object> _subCatalogs = [];
    private readonly Lock _lock = new();

    /// <summary>Creates a catalog over <paramref name="environment"/>.</summary>
    protected CatalogBase(IHostEnvironment environment) =>
        Environment = environment ?? throw new ArgumentNullException(nameof(environment));

    /// <summary>The environment components created from this catalog use.</summary>
    public IHostEnvironment Environment { get; }

    /// <summary>The sub-catalog of type <typeparamref name="TCatalog"/>, created once with <paramref name="factory"/> (a public hook for extension sub-catalogs).</summary>
    public TCatalog GetOrCreateSubCatalog<TCatalog>(Func<IHostEnvironment, TCatalog> factory) where TCatalog : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        lock (_lock)
        {
            if (_subCatalogs.TryGetValue(typeof(TCatalog), out var existing)) return (TCatalog)existing;
            var created = factory(Environment) ?? throw new InvalidOperationException($"The factory of {typeof(TCatalog).Name} returned null.");
            _subCatalogs[typeof(TCatalog)] = created;
            return created;
        }
    }
}

/// <summary>The transforms catalog (<c>mlContext.Transforms</c>); transforms are extension methods on it and on its sub-catalogs.</summary>
public sealed class TransformsCatalog : CatalogBase
{
    internal TransformsCatalog(IHostEnvironment environment) : base(environment) => Conversion = new ConversionTransforms(environment);

    /// <summary>Type and key conversions (<c>MapValueToKey</c>, <c>MapKeyToValue</c>).</summary>
    public ConversionTransforms Conversion { get; }

    /// <summary>The conversion sub-catalog.</summary>
    public sealed class ConversionTransforms : CatalogBase
    {
        internal ConversionTransforms(IHostEnvironment environment) : base(environment) { }
    }
}

/// <summary>Binary classification (<c>mlContext.BinaryClassification</c>): evaluation here; trainers are added by other projects.</summary>
public sealed partial class BinaryClassificationCatalog : CatalogBase
{
    internal BinaryClassificationCatalog(IHostEnvironment environment) : base(environment) { }
}

/// <summary>Multiclass classification (<c>mlContext.MulticlassClassification</c>): evaluation here; trainers are added by other projects.</summary>
public sealed partial class MulticlassClassificationCatalog : CatalogBase
{
    internal MulticlassClassificationCatalog(IHostEnvironment environment) : base(environment) { }
}

/// <summary>Regression (<c>mlContext.Regression</c>): evaluation here; trainers are added by other projects.</summary>
public sealed partial class RegressionCatalog : CatalogBase
{
    internal RegressionCatalog(IHostEnvironment environment) : base(environment) { }
}
