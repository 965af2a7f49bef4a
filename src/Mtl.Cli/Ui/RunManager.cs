using Microsoft.AspNetCore.Http;
using Mtl.Analysis.AutoTrain;
using Mtl.Cli.Commands;
using Mtl.Trainers;
using Mtl.Trainers.Tables;

namespace Mtl.Cli.Ui;

/// <summary>
/// The runs of the working folder. At most one trains at a time, on its own thread (not tied to a request: a browser that
/// closes leaves it running); its events go to a <see cref="RunLog"/> for the page. A run is <c>mtl train</c>'s run: its
/// settings come from <see cref="TableRunRequest"/> (the CLI's mapping) and it writes <c>&lt;name&gt;.mtlconfig</c>
/// before the first trial, so a run the server stopped is resumable (<see cref="Resume"/>, through
/// <see cref="MtlConfig.ToSettings"/> as <c>mtl train --config</c> does).
/// </summary>
internal sealed class RunManager
{
    private readonly UiContext ui;
    private readonly object gate = new();
    private readonly Dictionary<string, RunLog> logs = new(StringComparer.Ordinal);
    private Active? active;

    public RunManager(UiContext ui) => this.ui = ui;

    // The training run: its id (null while it is being prepared), its cancellation and its thread.
    private sealed class Active
    {
        public string? Id { get; set; }
        public CancellationTokenSource Stop { get; } = new();
        public bool ServerStopping { get; set; }
        public Task Thread { get; set; } = Task.CompletedTask;
    }

    /// <summary>The id of the run training now, or null.</summary>
    public string? Training
    {
        get
        {
            lock (gate) return active?.Id;
        }
    }

    /// <summary>The events of <paramref name="id"/> when this server trained it, else null.</summary>
    public RunLog? Log(string id)
    {
        lock (gate) return logs.GetValueOrDefault(id);
    }

    /// <summary>Starts a new run from the Train form; returns its id. 409 while one trains, 400 for a bad choice.</summary>
    public string Start(StartRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Active run = Reserve();
        try
        {
            AutoTrainSettings settings = request.ToSettings(ui);
            TableSchema schema = TableSchema.Infer(settings.DataPath, settings.Read);
            if (settings.TestDataPath is not null) schema.RequireSameColumns(settings.TestDataPath);
            string id = NewRunFolder(settings.Name);
            settings = settings with { OutFolder = Path.Combine(ui.RunsFolder, id) };
            // The .mtlconfig exists from the start (the engine rewrites it after every trial): the run is listed and resumable at once.
            MtlConfig.For(settings, schema).Write(settings.ConfigPath);
            Launch(run, id, settings);
            return id;
        }
        catch
        {
            Release(run);
            throw;
        }
    }

    /// <summary>Continues an unfinished run from its <c>.mtlconfig</c> (finished trials are not trained again); returns its id.</summary>
    public string Resume(string id)
    {
        (string _, string name, string configPath, string _) = ui.RunFolder(id);
        Active run = Reserve();
        try
        {
            RunInfo info = Info(id);
            if (info.Status == "finished")
                throw new UiException(StatusCodes.Status409Conflict, $"The run '{id}' is finished; there is nothing to resume. Start a new run to train again.");
            MtlConfig config = MtlConfig.Read(configPath);
            if (config.Name != name)
                throw new UiException(StatusCodes.Status400BadRequest, $"'{configPath}' names the model '{config.Name}' but the file is '{name}{MtlConfig.Extension}'; " +
                    "rename one of them so that they agree.");
            AutoTrainSettings settings = config.ToSettings(configPath);
            // The app reads only under its working folder, whatever a configuration file says.
            ui.ResolvePath(settings.DataPath);
            if (settings.TestDataPath is not null) ui.ResolvePath(settings.TestDataPath);
            Launch(run, id, settings);
            return id;
        }
        catch
        {
            Release(run);
            throw;
        }
    }

    /// <summary>Cancels <paramref name="id"/>'s training; 409 when it is not training.</summary>
    public void Cancel(string id)
    {
        lock (gate)
        {
            if (active?.Id != id)
                throw new UiException(StatusCodes.Status409Conflict, $"The run '{id}' is not training{(active?.Id is { } other ? $" ('{other}' is)" : "")}; there is nothing to cancel.");
            active.Stop.Cancel();
        }
    }

    /// <summary>The server stops: cancels the training, if any, and waits for it to end; returns its id.</summary>
    public async Task<string?> CancelAndWaitAsync()
    {
        Active? run;
        lock (gate)
        {
            run = active;
            if (run is null) return null;
            run.ServerStopping = true;
            run.Stop.Cancel();
        }
        await run.Thread.ConfigureAwait(false);
        return run.Id;
    }

    /// <summary>What the run list shows of one run.</summary>
    /// <param name="Id">The run folder's name.</param>
    /// <param name="Name">The model's name.</param>
    /// <param name="Status">training, finished, unfinished (resumable), cancelled, interrupted, failed, or unreadable.</param>
    /// <param name="Message">What the status means, when there is more to say.</param>
    /// <param name="Resumable">Whether <see cref="Resume"/> would continue it.</param>
    /// <param name="Data">The data, relative to the working folder when it is under it.</param>
    /// <param name="Labels">The label columns.</param>
    /// <param name="Trials">Trials recorded in its <c>.mtlconfig</c>.</param>
    /// <param name="BestTrial">The best finished trial so far.</param>
    /// <param name="BestScore">Its validation score.</param>
    /// <param name="HasModel">Whether the zip exists.</param>
    /// <param name="Modified">When its <c>.mtlconfig</c> was last written.</param>
    internal sealed record RunInfo(string Id, string Name, string Status, string? Message, bool Resumable, string? Data, IReadOnlyList<string> Labels, int Trials,
        int? BestTrial, double? BestScore, bool HasModel, DateTime Modified);

    /// <summary>Every run folder under <c>&lt;root&gt;/mtl-runs</c>, the newest first.</summary>
    public IReadOnlyList<RunInfo> List()
    {
        if (!Directory.Exists(ui.RunsFolder)) return [];
        var runs = new List<RunInfo>();
        foreach (string folder in Directory.EnumerateDirectories(ui.RunsFolder))
        {
            string id = Path.GetFileName(folder);
            if (!UiContext.IsPlainName(id) || Directory.GetFiles(folder, "*" + MtlConfig.Extension).Length != 1) continue;
            runs.Add(Info(id));
        }
        return runs.OrderByDescending(r => r.Modified).ThenBy(r => r.Id, StringComparer.Ordinal).ToList();
    }

    /// <summary>One run's state, from its <c>.mtlconfig</c> and (when this server trained it) its log.</summary>
    public RunInfo Info(string id)
    {
        (string _, string name, string configPath, string zipPath) = ui.RunFolder(id);
        DateTime modified = File.GetLastWriteTimeUtc(configPath);
        MtlConfig config;
        try
        {
            config = MtlConfig.Read(configPath);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException)
        {
            return new RunInfo(id, name, "unreadable", CommandErrors.Sentence(e), false, null, [], 0, null, null, File.Exists(zipPath), modified);
        }
        MtlConfig.TrialEntry? best = config.RunHistory.Trials.Where(t => t.Score is not null).MaxBy(t => t.Score);
        bool hasModel = File.Exists(zipPath);
        bool done = config.RunHistory.ModelFilePath is not null && hasModel && !(config.Baselines.Mode == nameof(BaselinesMode.Auto) && config.Baselines.Status == "NotRun");
        RunLog? log = Log(id);
        (string status, string? message) = Training == id ? ("training", null)
            : done ? ("finished", null)
            : log is { Ended: true } ? (log.Status, log.Message)
            : ("unfinished", $"{config.RunHistory.Trials.Count} trial(s) recorded; the run stopped before it ended (the server stopped, or it was cancelled). Resume continues it.");
        string data = Path.IsPathRooted(config.DataSource.FilePath) && UiContext.IsUnder(config.DataSource.FilePath, ui.Root)
            ? ui.Relative(config.DataSource.FilePath) : config.DataSource.FilePath;
        return new RunInfo(id, name, status, message, status is not "finished" and not "training", data, config.TrainingOption.LabelColumns,
            config.RunHistory.Trials.Count, best?.Number, best?.Score, hasModel, modified);
    }

    private Active Reserve()
    {
        lock (gate)
        {
            if (active is not null)
                throw new UiException(StatusCodes.Status409Conflict, $"a run is training: '{active.Id ?? "(starting)"}'. One run trains at a time: wait for it to finish, " +
                    "or cancel it on the Train page.");
            return active = new Active();
        }
    }

    private void Release(Active run)
    {
        lock (gate)
        {
            if (active == run) active = null;
        }
        run.Stop.Dispose();
    }

    // <root>/mtl-runs/<name>, or <name>-2, -3, … when taken (an earlier run is never overwritten).
    private string NewRunFolder(string name)
    {
        Directory.CreateDirectory(ui.RunsFolder);
        for (int n = 1; ; n++)
        {
            string id = n == 1 ? name : $"{name}-{n}";
            string folder = Path.Combine(ui.RunsFolder, id);
            if (Directory.Exists(folder) || File.Exists(folder)) continue;
            Directory.CreateDirectory(folder);
            return id;
        }
    }

    private void Launch(Active run, string id, AutoTrainSettings settings)
    {
        var log = new RunLog();
        lock (gate)
        {
            run.Id = id;
            logs[id] = log;
        }
        log.Add("state", new { status = "training", message = (string?)null, id, name = settings.Name });
        run.Thread = Task.Factory.StartNew(() => Train(run, settings, log), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
    }

    private void Train(Active run, AutoTrainSettings settings, RunLog log)
    {
        try
        {
            AutoTrainResult result = AutoTrainer.Run(settings, new RunEvents(log, ui), run.Stop.Token);
            log.End("finished", $"Trial {result.Best.Number} is the best; the model is '{ui.Relative(Path.GetFullPath(result.ZipPath))}'.");
        }
        catch (OperationCanceledException)
        {
            int trials = TrialsRecorded(settings.ConfigPath);
            log.End(run.ServerStopping ? "interrupted" : "cancelled", $"{(run.ServerStopping ? "The server stopped" : "Cancelled")}: no model was saved; the " +
                $".mtlconfig keeps the {trials} finished trial(s). Resume continues the run (or: mtl train --config {settings.ConfigPath}).");
        }
        catch (Exception e)
        {
            log.End("failed", CommandErrors.Sentence(e));
        }
        finally
        {
            lock (gate)
            {
                if (active == run) active = null;
            }
        }
    }

    private static int TrialsRecorded(string configPath)
    {
        try
        {
            return MtlConfig.Read(configPath).RunHistory.Trials.Count;
        }
        catch (Exception e) when (e is InvalidDataException or IOException)
        {
            return 0;
        }
    }

    // The engine's events as the page's: each a small JSON object, numbers that are not finite as null.
    private sealed class RunEvents(RunLog log, UiContext ui) : IProgress<AutoTrainEvent>
    {
        public void Report(AutoTrainEvent value)
        {
            switch (value)
            {
                case SchemaInferred s:
                    log.Add("schema", new
                    {
                        rows = s.Schema.RowCount,
                        imageFolder = s.Schema.IsImageFolder,
                        labels = s.Schema.Labels.Select(l => new { name = l.Name, kind = l.Kind?.ToString(), missing = l.MissingCount }).ToList(),
                    });
                    break;
                case DataSplit d:
                    log.Add("split", new
                    {
                        trainRows = d.TrainRows, testRows = d.TestRows, budgetSeconds = d.Search?.Budget.TotalSeconds, fullEpochs = d.Search?.FullEpochs,
                        resumedTrials = d.Search?.ResumedTrials,
                    });
                    break;
                case TrialStarted t:
                    log.Add("trialStarted", new
                    {
                        trial = t.Trial.Number, candidate = t.Trial.Candidate, rung = t.Trial.Rung, epochs = t.Trial.Config.Epochs,
                        configuration = AutoTrainer.Describe(t.Trial.Config),
                    });
                    break;
                case TrialEpoch e:
                    log.AddEpoch(e.Trial, e.Epoch);
                    log.Add("epoch", new
                    {
                        trial = e.Trial, epoch = e.Epoch.Epoch, maxEpochs = e.MaxEpochs, score = Finite(e.Epoch.SelectionScore), seconds = e.Epoch.Seconds,
                        tasks = e.Epoch.Tasks.Select(t => new
                        {
                            task = t.Task, trainLoss = Finite(t.TrainLoss), validationLoss = Finite(t.ValidationLoss), validationMetric = Finite(t.ValidationMetric),
                        }).ToList(),
                    });
                    break;
                case TrainerMessage m:
                    log.Add("log", new { trial = m.Trial, message = m.Message });
                    break;
                case TrialFinished f:
                    log.Add("trialFinished", new
                    {
                        trial = Trial(f.Result), fromHistory = f.FromHistory, bestTrial = f.Best?.Number, bestScore = f.Best?.Score is { } top ? Finite(top) : null,
                    });
                    break;
                case BestChanged b:
                    log.Add("best", new { trial = b.Best.Number, score = b.Best.Score is { } score ? Finite(score) : null });
                    break;
                case SearchStopped s:
                    log.Add("searchStopped", new { reason = s.Reason });
                    break;
                case RefittingBest r:
                    log.Add("refitting", new { trial = r.Best.Number });
                    break;
                case TestEvaluated t:
                    log.Add("test", new { trial = t.Best.Number, tasks = MtlConfig.Metrics(t.Metrics) });
                    break;
                case ModelSaved m:
                    log.Add("saved", new { zip = Relative(m.ZipPath), bytes = m.Bytes, reloaded = MtlConfig.Metrics(m.Reloaded) });
                    break;
                case CodeGenerated c:
                    log.Add("code", new { files = c.Code.Files.Select(Relative).ToList() });
                    break;
                case BaselineTrialFinished bt:
                    log.Add("baselineTrial", new
                    {
                        task = bt.Trial.Task, trainer = bt.Trial.Trainer, metric = Finite(bt.Trial.ValidationMetric), seconds = bt.Trial.Duration.TotalSeconds,
                    });
                    break;
                case BaselinesSkipped s:
                    log.Add("baselinesSkipped", new { reason = s.Reason });
                    break;
                case BaselinesCompared c:
                    log.Add("baselines", new
                    {
                        deltaM = Finite(c.Comparison.DeltaM), verdict = c.Comparison.Verdict,
                        tasks = c.Comparison.Tasks.Select(t => new
                        {
                            task = t.Task, metric = t.MetricName, higherIsBetter = t.HigherIsBetter, multiTask = Finite(t.MultiTask), baseline = Finite(t.Baseline),
                            baselineTrainer = t.BaselineTrainer, deltaM = Finite(t.DeltaM),
                        }).ToList(),
                    });
                    break;
                case RunFinished r:
                    log.Add("finished", new { bestTrial = r.Result.Best.Number, zip = Relative(r.Result.ZipPath), config = Relative(r.Result.ConfigPath) });
                    break;
            }
        }

        private string Relative(string path)
        {
            string full = Path.GetFullPath(path);
            return UiContext.IsUnder(full, ui.Root) ? ui.Relative(full) : full;
        }
    }

    /// <summary>A trial as the page shows it.</summary>
    public static object Trial(TrialResult t) => new
    {
        number = t.Number, candidate = t.Candidate, rung = t.Rung, status = t.Status, score = t.Score is { } s ? Finite(s) : null, seconds = t.Seconds,
        epochs = t.EpochsTrained, selectedEpoch = t.SelectedEpoch, method = t.Config.Method, configuration = AutoTrainer.Describe(t.Config), reason = t.Reason,
    };

    /// <summary>A number for JSON: null when it is NaN or infinite.</summary>
    public static double? Finite(double x) => double.IsFinite(x) ? x : null;
}
