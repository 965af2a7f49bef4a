namespace Mtl.Trainers.Monitoring;

/// <summary>
/// Stops a training run before its next step when the token is cancelled (<see cref="OperationCanceledException"/>
/// from <c>Fit</c>). It never stops at an epoch's end: the trainer writes that epoch's checkpoint after the monitors,
/// and a resume should find it.
/// </summary>
/// <param name="token">The token that stops training.</param>
public sealed class CancellationMonitor(CancellationToken token) : ITrainingMonitor
{
    /// <inheritdoc />
    public int Interval => 1;

    /// <inheritdoc />
    public void BeforeStep(MonitorStepContext context) => token.ThrowIfCancellationRequested();
}
