using System.Diagnostics;
using Mtl.Trainers;
using Mtl.Trainers.Monitoring;

namespace Mtl.Analysis.Bench;

/// <summary>Passes every callback to the monitor it wraps and adds up the time spent inside (the monitor's direct cost).</summary>
internal sealed class TimedMonitor(ITrainingMonitor inner) : ITrainingMonitor
{
    private readonly Stopwatch watch = new();

    public int Interval => inner.Interval;

    public double Seconds => watch.Elapsed.TotalSeconds;

    public int Calls { get; private set; }

    public void OnTrainingStart(MonitorStartContext context) => inner.OnTrainingStart(context);

    public void BeforeStep(MonitorStepContext context)
    {
        Calls++;
        watch.Start();
        inner.BeforeStep(context);
        watch.Stop();
    }

    public void AfterStep(MonitorStepContext context) => inner.AfterStep(context);

    public void OnEpochEnd(EpochReport epoch) => inner.OnEpochEnd(epoch);
}
