using System.Collections;
using static Mtl.Torch.torch;

namespace Mtl.Torch.Modules;

/// <summary>
/// Runs its modules in order, each on the previous one's output (TorchSharp's <c>Sequential</c>). Children are named "0", "1", …
/// unless names are given. As in TorchSharp, intermediate results are disposed as soon as the next module has consumed
/// them (autograd keeps what it needs), so only the final output reaches the caller's scope: a module inside a Sequential
/// must return a new tensor (or its input), not a tensor it keeps (parameters are never disposed here).
/// </summary>
public sealed class Sequential : nn.Module<Tensor, Tensor>, IEnumerable<nn.Module<Tensor, Tensor>>
{
    private readonly List<nn.Module<Tensor, Tensor>> layers = new();

    internal Sequential(IEnumerable<(string name, nn.Module<Tensor, Tensor> module)> modules) : base(nameof(Sequential))
    {
        foreach (var (n, m) in modules) append(n, m);
    }

    /// <summary>Number of modules.</summary>
    public int Count => layers.Count;

    /// <summary>The module at a position.</summary>
    public nn.Module<Tensor, Tensor> this[int index] => layers[index];

    /// <summary>Appends a module named by its position.</summary>
    public Sequential append(nn.Module<Tensor, Tensor> module) => append(layers.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), module);

    /// <summary>Appends a named module.</summary>
    public Sequential append(string name, nn.Module<Tensor, Tensor> module)
    {
        ArgumentNullException.ThrowIfNull(module);
        register_module(name, module);
        layers.Add(module);
        return this;
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input)
    {
        if (layers.Count == 0) return input.alias();
        Tensor current = layers[0].call(input);
        for (int i = 1; i < layers.Count; i++)
        {
            Tensor next = layers[i].call(current);
            if (!ReferenceEquals(next, current) && !ReferenceEquals(current, input) && current is not Parameter) current.Dispose();
            current = next;
        }
        return current;
    }

    /// <inheritdoc />
    public IEnumerator<nn.Module<Tensor, Tensor>> GetEnumerator() => layers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>An indexable list of child modules named "0", "1", … (TorchSharp's <c>ModuleList</c>); it has no forward.</summary>
public sealed class ModuleList<T> : nn.Module, IList<T> where T : nn.Module
{
    private readonly List<T> items = new();

    internal ModuleList(IEnumerable<T> modules) : base(nameof(ModuleList<T>))
    {
        foreach (T m in modules) Add(m);
    }

    private void Reregister()
    {
        ClearModules();
        for (int i = 0; i < items.Count; i++) register_module(i.ToString(System.Globalization.CultureInfo.InvariantCulture), items[i]);
    }

    /// <inheritdoc />
    public T this[int index]
    {
        get => items[index];
        set
        {
            items[index] = value ?? throw new ArgumentNullException(nameof(value));
            Reregister();
        }
    }

    /// <inheritdoc />
    public int Count => items.Count;

    /// <inheritdoc />
    public bool IsReadOnly => false;

    /// <inheritdoc />
    public void Add(T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        register_module(items.Count.ToString(System.Globalization.CultureInfo.InvariantCulture), item);
        items.Add(item);
    }

    /// <summary>Appends a module (PyTorch's name for Add).</summary>
    public void append(T item) => Add(item);

    /// <summary>Appends several modules.</summary>
    public void extend(IEnumerable<T> modules)
    {
        foreach (T m in modules) Add(m);
    }

    /// <summary>Removes all modules from the list (they are not disposed).</summary>
    public void Clear()
    {
        items.Clear();
        ClearModules();
    }

    /// <inheritdoc />
    public bool Contains(T item) => items.Contains(item);

    /// <inheritdoc />
    public void CopyTo(T[] array, int arrayIndex) => items.CopyTo(array, arrayIndex);

    /// <inheritdoc />
    public int IndexOf(T item) => items.IndexOf(item);

    /// <inheritdoc />
    public void Insert(int index, T item)
    {
        ArgumentNullException.ThrowIfNull(item);
        items.Insert(index, item);
        Reregister();
    }

    /// <summary>Removes a module (not disposed); later modules are renumbered.</summary>
    public bool Remove(T item)
    {
        bool removed = items.Remove(item);
        if (removed) Reregister();
        return removed;
    }

    /// <summary>Removes the module at a position (not disposed); later modules are renumbered.</summary>
    public void RemoveAt(int index)
    {
        items.RemoveAt(index);
        Reregister();
    }

    /// <inheritdoc />
    public IEnumerator<T> GetEnumerator() => items.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>Child modules addressed by name, in insertion order (TorchSharp's <c>ModuleDict</c>); it has no forward.</summary>
public sealed class ModuleDict<T> : nn.Module, IEnumerable<(string name, T module)> where T : nn.Module
{
    private readonly List<(string name, T module)> entries = new();

    internal ModuleDict(IEnumerable<(string name, T module)> modules) : base(nameof(ModuleDict<T>))
    {
        foreach (var (n, m) in modules) Add(n, m);
    }

    /// <summary>Adds a named module (names must be new).</summary>
    public void Add(string key, T module)
    {
        ArgumentNullException.ThrowIfNull(module);
        register_module(key, module);
        entries.Add((key, module));
    }

    /// <summary>The module under a name.</summary>
    public T this[string key] => TryGetValue(key, out T? m) ? m
        : throw new KeyNotFoundException($"ModuleDict has no module named '{key}'. Names: {string.Join(", ", entries.Select(i => i.name))}.");

    /// <summary>Looks a module up by name.</summary>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out T module)
    {
        foreach (var (n, m) in entries)
            if (n == key)
            {
                module = m;
                return true;
            }
        module = null;
        return false;
    }

    /// <summary>True when a module has the name.</summary>
    public bool ContainsKey(string key) => TryGetValue(key, out _);

    /// <summary>Number of modules.</summary>
    public int Count => entries.Count;

    /// <summary>The names, in insertion order.</summary>
    public IEnumerable<string> keys() => entries.Select(i => i.name);

    /// <summary>The modules, in insertion order.</summary>
    public IEnumerable<T> values() => entries.Select(i => i.module);

    /// <summary>(name, module) pairs in insertion order.</summary>
    public IEnumerable<(string name, T module)> items() => entries;

    /// <inheritdoc />
    public IEnumerator<(string name, T module)> GetEnumerator() => entries.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
