using Mtl.Trainers.Monitoring;

namespace Mtl.Analysis.Sweeps;

/// <summary>
/// Stops a training run before its next step when the token is cancelled. It never stops at an epoch's end: the
/// trainer writes that epoch's checkpoint after the monitors, and the resume should find it.
/// </summary>
internal sealed class CancellationMonitor(CancellationToken token) : ITrainingMonitor
{
    public int Interval => 1;

    public void BeforeStep(MonitorStepContext context) => token.ThrowIfCancellationRequested();
}
