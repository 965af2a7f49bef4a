namespace Mtl.Torch;

/// <summary>An error raised by libtorch (bad shape, wrong dtype, …) or by the binding; the message is libtorch's own.</summary>
public sealed class TorchException : Exception
{
    /// <summary>Creates the exception with a message.</summary>
    public TorchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and the exception that caused it.</summary>
    public TorchException(string message, Exception inner) : base(message, inner) { }
}
