namespace Mtl.Torch;

/// <summary>
/// Collects the tensors created on this thread while it is the innermost scope and disposes them with it
/// (TorchSharp's <c>DisposeScope</c>). Native memory is invisible to the GC: training steps and scoring loops
/// run inside <c>using var scope = torch.NewDisposeScope();</c>.
/// </summary>
public sealed class DisposeScope : IDisposable
{
    [ThreadStatic] private static List<DisposeScope>? stack;

    private readonly HashSet<Tensor> tensors = new(ReferenceEqualityComparer.Instance);
    private bool disposed;

    internal DisposeScope()
    {
        (stack ??= new List<DisposeScope>()).Add(this);
    }

    /// <summary>The innermost scope of the current thread, or null.</summary>
    public static DisposeScope? Current => stack is { Count: > 0 } s ? s[^1] : null;

    /// <summary>Number of live tensors the scope owns.</summary>
    public int DisposablesCount => tensors.Count;

    internal DisposeScope? Outer
    {
        get
        {
            if (stack is null) return null;
            int i = stack.IndexOf(this);
            return i > 0 ? stack[i - 1] : null;
        }
    }

    internal void Add(Tensor t)
    {
        tensors.Add(t);
        t.OwningScope = this;
    }

    internal void Remove(Tensor t)
    {
        tensors.Remove(t);
        t.OwningScope = null;
    }

    /// <summary>Moves a tensor to the enclosing scope (or to no scope) so it survives this one.</summary>
    public T MoveToOuter<T>(T tensor) where T : Tensor
    {
        Remove(tensor);
        Outer?.Add(tensor);
        return tensor;
    }

    /// <summary>Takes a tensor out of every scope: the caller disposes it.</summary>
    public T Detach<T>(T tensor) where T : Tensor
    {
        Remove(tensor);
        return tensor;
    }

    /// <summary>Disposes every tensor the scope still owns and leaves it.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        stack?.Remove(this);
        foreach (Tensor t in tensors)
        {
            t.OwningScope = null;
            t.Dispose();
        }
        tensors.Clear();
    }
}
