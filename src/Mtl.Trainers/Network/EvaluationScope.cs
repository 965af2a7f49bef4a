using TorchSharp;

namespace Mtl.Trainers.Network;

/// <summary>
/// The one evaluation-mode scope: every module of a network in evaluation mode (no dropout, batch-norm running
/// statistics) until disposed, then each module back in the mode it had — including a frozen trunk kept in evaluation
/// mode inside a network in training mode, which a plain <c>train(wasTraining)</c> would undo.
/// </summary>
internal sealed class EvaluationScope : IDisposable
{
    private readonly (torch.nn.Module Module, bool Training)[] modes;
    private bool disposed;

    /// <summary>Puts <paramref name="network"/> in evaluation mode.</summary>
    public EvaluationScope(torch.nn.Module network)
    {
        ArgumentNullException.ThrowIfNull(network);
        // Pre-order (the network first): restoring in this order leaves every module as it was, although train() recurses.
        modes = network.modules().Prepend(network).Select(m => (m, m.training)).ToArray();
        network.eval();
    }

    /// <summary>Restores every module's mode.</summary>
    public void Dispose()
    {
        if (disposed) return;
        disposed = true;
        foreach ((torch.nn.Module module, bool training) in modes) module.train(training);
    }
}
