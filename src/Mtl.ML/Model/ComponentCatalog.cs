using System.Collections.Concurrent;
using System.Reflection;

namespace Mtl.ML;

/// <summary>
/// Marks a class that can load a saved component. The class must have a public static method
/// <c>Create(IHostEnvironment env, ModelLoadContext ctx)</c> returning the component.
/// Classes in loaded assemblies that reference Mtl.ML are found automatically; others can be added with
/// <see cref="ComponentCatalog.RegisterAssembly"/> or <see cref="ComponentCatalog.RegisterLoader"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = true)]
public sealed class ModelLoaderAttribute(string loaderSignature) : Attribute
{
    /// <summary>The signature written in the component's header (see <see cref="VersionInfo.LoaderSignature"/>).</summary>
    public string LoaderSignature { get; } = loaderSignature;
}

/// <summary>Loads a component from its folder in a model file.</summary>
public delegate object ModelLoader(IHostEnvironment env, ModelLoadContext ctx);

/// <summary>
/// The registry of model loaders (by loader signature) and of custom-mapping factories (by contract name).
/// Lookups first use explicit registrations, then scan loaded assemblies for <see cref="ModelLoaderAttribute"/>
/// and <see cref="Transforms.CustomMappingFactoryAttributeAttribute"/>.
/// </summary>
public sealed class ComponentCatalog
{
    private readonly ConcurrentDictionary<string, ModelLoader> _loaders = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Type> _factories = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Assembly, bool> _scanned = new();

    /// <summary>The process-wide catalog used by every <see cref="MLContext"/>.</summary>
    public static ComponentCatalog Default { get; } = new();

    /// <summary>Registers a loader for <paramref name="loaderSignature"/> (replacing any earlier one).</summary>
    public void RegisterLoader(string loaderSignature, ModelLoader loader)
    {
        ArgumentException.ThrowIfNullOrEmpty(loaderSignature);
        ArgumentNullException.ThrowIfNull(loader);
        _loaders[loaderSignature] = loader;
    }

    /// <summary>Registers a custom-mapping factory type for <paramref name="contractName"/>.</summary>
    public void RegisterCustomMappingFactory(string contractName, Type factoryType)
    {
        ArgumentException.ThrowIfNullOrEmpty(contractName);
        ArgumentNullException.ThrowIfNull(factoryType);
        _factories[contractName] = factoryType;
    }

    /// <summary>Registers every loader and custom-mapping factory declared in <paramref name="assembly"/>.</summary>
    public void RegisterAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        if (!_scanned.TryAdd(assembly, true)) return;
        // Let the assembly register what it defines (e.g. custom column types for model schemas) before it is used.
        System.Runtime.CompilerServices.RuntimeHelpers.RunModuleConstructor(assembly.ManifestModule.ModuleHandle);
        Type[] types;
        try { types = assembly.GetTypes(); }
        catch (ReflectionTypeLoadException e) { types = e.Types.Where(t => t is not null).ToArray()!; }
        foreach (var type in types)
        {
            foreach (var attr in type.GetCustomAttributes<ModelLoaderAttribute>(false))
                _loaders.TryAdd(attr.LoaderSignature, MakeLoader(type));
            foreach (var attr in type.GetCustomAttributes<Transforms.CustomMappingFactoryAttributeAttribute>(false))
                _factories.TryAdd(attr.ContractName, type);
        }
    }

    /// <summary>Scans the loaded assemblies (and those they reference) for loaders and registrations, once.</summary>
    public void EnsureAssembliesScanned() => ScanLoadedAssemblies();

    /// <summary>Gets the loader registered under <paramref name="loaderSignature"/>, scanning assemblies when it is not known yet.</summary>
    public bool TryGetLoader(string loaderSignature, out ModelLoader loader)
    {
        if (_loaders.TryGetValue(loaderSignature, out loader!)) return true;
        ScanLoadedAssemblies();
        return _loaders.TryGetValue(loaderSignature, out loader!);
    }

    /// <summary>Finds the custom-mapping factory type for <paramref name="contractName"/>.</summary>
    public bool TryGetCustomMappingFactory(string contractName, out Type factoryType)
    {
        if (_factories.TryGetValue(contractName, out factoryType!)) return true;
        ScanLoadedAssemblies();
        return _factories.TryGetValue(contractName, out factoryType!);
    }

    private int _referencesLoaded;

    private void ScanLoadedAssemblies()
    {
        // Assemblies are loaded lazily by the runtime: the one holding a loader may not be loaded yet when a model is
        // read. Once, load the (non-framework) assemblies referenced by those already loaded.
        if (Interlocked.Exchange(ref _referencesLoaded, 1) == 0) LoadReferencedAssemblies();
        string self = typeof(ComponentCatalog).Assembly.GetName().Name!;
        foreach (var asm in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (asm.IsDynamic || _scanned.ContainsKey(asm)) continue;
            bool relevant = asm == typeof(ComponentCatalog).Assembly || asm.GetReferencedAssemblies().Any(r => r.Name == self);
            if (relevant) RegisterAssembly(asm);
            else _scanned.TryAdd(asm, false);
        }
    }

    private static void LoadReferencedAssemblies()
    {
        static bool IsFramework(string? name) => name is null || name.StartsWith("System", StringComparison.Ordinal)
            || name.StartsWith("Microsoft.", StringComparison.Ordinal) || name is "mscorlib" or "netstandard";
        var seen = new HashSet<string>(AppDomain.CurrentDomain.GetAssemblies().Select(a => a.GetName().Name ?? ""), StringComparer.Ordinal);
        var queue = new Queue<Assembly>(AppDomain.CurrentDomain.GetAssemblies().Where(a => !a.IsDynamic && !IsFramework(a.GetName().Name)));
        while (queue.Count > 0)
        {
            foreach (var reference in queue.Dequeue().GetReferencedAssemblies())
            {
                if (IsFramework(reference.Name) || !seen.Add(reference.Name!)) continue;
                try { queue.Enqueue(Assembly.Load(reference)); }
                catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
                {
                    // A reference that cannot be loaded cannot hold a loader we need; skip it.
                }
            }
        }
    }

    private static ModelLoader MakeLoader(Type type)
    {
        var create = type.GetMethod("Create", BindingFlags.Public | BindingFlags.Static, [typeof(IHostEnvironment), typeof(ModelLoadContext)])
            ?? throw new InvalidOperationException(
                $"{type.FullName} has [ModelLoader] but no public static Create(IHostEnvironment, ModelLoadContext) method.");
        return (env, ctx) =>
        {
            try { return create.Invoke(null, [env, ctx])!; }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }
        };
    }
}
