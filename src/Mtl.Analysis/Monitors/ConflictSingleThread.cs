using static TorchSharp.torch;

namespace Mtl.Analysis.Monitors;

/// <summary>
/// libtorch runs on one intra-op thread until disposed, then on as many as before. A conflict measurement is small
/// operations on n rows (one forward, T backward passes, the per-layer products): with several threads each pays OpenMP
/// start-up and synchronisation comparable to its work (the one-row loop it replaced ran 4–7× slower on two threads of a
/// loaded 2-core machine, bench/Mtl.Analysis.Bench profile), and one thread also makes the measurement's numbers
/// independent of the machine's thread count.
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
