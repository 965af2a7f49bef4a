using System.Diagnostics;
using Mtl.Analysis.Gradients;
using Mtl.Trainers.Monitoring;
using static TorchSharp.torch;

namespace Mtl.Analysis.Bench;

/// <summary>Splits one conflict measurement's time into its parts: the per-sample gradients and the pairwise comparison.</summary>
internal sealed class ProfileMonitor(int interval, int samples, bool allThreads) : ITrainingMonitor
{
    public int Interval => interval;

    public List<double> GradientMilliseconds { get; } = new();

    public List<double> CompareMilliseconds { get; } = new();

    public void BeforeStep(MonitorStepContext context)
    {
        using var scope = NewDisposeScope();
        var watch = Stopwatch.StartNew();
        // As the monitor measures: on one libtorch thread (see Mtl.Analysis.Monitors.ConflictSingleThread), unless --threads-in-monitor asks for all.
        int threads = get_num_threads();
        if (!allThreads) set_num_threads(1);
        Tensor[] gradients = context.PerSampleSharedGradients(samples);
        GradientMilliseconds.Add(watch.Elapsed.TotalMilliseconds);
        watch.Restart();
        GradientConflictSampler.Compare(context.Tasks.Select(t => t.Name).ToArray(), gradients);
        CompareMilliseconds.Add(watch.Elapsed.TotalMilliseconds);
        set_num_threads(threads);
    }
}
