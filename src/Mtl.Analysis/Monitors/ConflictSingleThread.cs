using static TorchSharp.torch;

namespace Mtl.Analysis.Monitors;

/// <summary>
/// libtorch runs on one intra-op thread until disposed, then on as many as before. A conflict measurement is dozens of
/// single-row operations: with several threads each one pays OpenMP start-up and synchronisation that outweighs its work
/// (measured 4–7× slower on a loaded 2-core machine, bench/Mtl.Analysis.Bench profile), and one thread also makes the
/// measurement's numbers independent of the machine's thread count.
/// </summary>
internal readonly struct ConflictSingleThread : IDisposable
{
    private readonly int previous;

    public ConflictSingleThread()
    {
        previous = get_num_threads();
        if (previous != 1) set_num_threads(1);
    }

    public void Dispose()
    {
        if (previous != 1) set_num_threads(previous);
    }
}
