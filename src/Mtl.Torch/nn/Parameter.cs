namespace Mtl.Torch.Modules;

/// <summary>
/// A trainable tensor owned by a module (TorchSharp's <c>TorchSharp.Modules.Parameter</c>). It takes over the given
/// tensor's storage, requires grad by default, and never belongs to a dispose scope: its module disposes it.
/// </summary>
public sealed class Parameter : Tensor
{
    /// <summary>Wraps the data of <paramref name="data"/> (which stays usable and keeps its own lifetime).</summary>
    public Parameter(Tensor data, bool requires_grad = true) : base(DetachedAlias(data))
    {
        DetachFromDisposeScope();
        this.requires_grad = requires_grad;
    }

    private static IntPtr DetachedAlias(Tensor data)
    {
        // A leaf that shares storage with data but not its autograd history.
        using var detached = data.detach();
        using var scopeFree = detached.alias();
        return Native.Check.Handle(Native.NativeMethods.mt_alias(scopeFree.Handle));
    }
}
