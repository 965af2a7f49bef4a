using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using Mtl.Trainers;
using Mtl.Trainers.Data;
using Mtl.Trainers.IO;
using Mtl.Trainers.Monitoring;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>
/// The engine behind <c>mtl train --data</c> (and the web app): schema → split → trials (one with the given options, or a
/// time-budgeted successive-halving search) → the best model → test metrics → <c>&lt;Name&gt;.zip</c> (atomic) →
/// single-task baselines → <c>&lt;Name&gt;.mtlconfig</c>, rewritten after every trial. Progress goes to an
/// <see cref="IProgress{T}"/> of <see cref="AutoTrainEvent"/>s, reported synchronously on the calling thread.
/// </summary>
/// <remarks>
/// Every trial trains in a fresh <see cref="MLContext"/> seeded with the run's seed on the same test and validation split,
/// so a trial's model and score depend only on its configuration: a resumed run reaches what an uninterrupted one reaches.
/// A cancellation stops at the next training step; the <c>.mtlconfig</c> then holds every finished trial and no zip is
/// written (an earlier zip stays as it was).
/// </remarks>
public static class AutoTrainer
{
    /// <summary>Share of the time budget the search gets when single-task baselines will run; they get the rest.</summary>
    public const double SearchShareWithBaselines = 0.8;

    // The multi-head trainer's log source (its channels carry it as a prefix).
    private const string TrainerSource = "MultiHeadNetworkTrainer";

    /// <summary>Runs <paramref name="settings"/> to the end.</summary>
    /// <param name="settings">The run.</param>
    /// <param name="progress">Receives the run's events as they happen (may be null).</param>
    /// <param name="cancellation">Stops the run at the next training step.</param>
    /// <exception cref="OperationCanceledException">Cancelled; the .mtlconfig holds the finished trials, no zip was written.</exception>
    /// <exception cref="NonFiniteLossException">The single trial (no budget) diverged; nothing was written.</exception>
    /// <exception cref="InvalidDataException">A data problem (named by the schema and pipeline), or a history that is not this search's.</exception>
    public static AutoTrainResult Run(AutoTrainSettings settings, IProgress<AutoTrainEvent>? progress = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var run = new RunState(settings, progress, cancellation);
        try
        {
            return run.Execute();
        }
        finally
        {
            run.Dispose();
        }
    }

    private sealed class RunState : IDisposable
    {
        private readonly AutoTrainSettings s;
        private readonly IProgress<AutoTrainEvent>? progress;
        private readonly CancellationToken stop;
        private readonly string temp = SafeFiles.CreatePrivateFolder("mtl-autotrain-");
        private readonly List<TrialResult> trials = [];
        private TableSchema schema = null!;
        private MtlConfig file = null!;
        private TrialResult? best;
        private TrainedTrial? bestModel;

        public RunState(AutoTrainSettings settings, IProgress<AutoTrainEvent>? progress, CancellationToken stop)
        {
            s = settings;
            this.progress = progress;
            this.stop = stop;
        }

        public void Dispose()
        {
            bestModel?.Model.Network.Dispose();
            SafeFiles.DeleteFolder(temp);
        }

        private void Report(AutoTrainEvent e) => progress?.Report(e);

        public AutoTrainResult Execute()
        {
            schema = TableSchema.Infer(s.DataPath, s.Read);
            if (s.RecordedColumns is not null) MtlConfig.RequireSameColumns(s.RecordedColumns, schema, s.ConfigPath);
            Report(new SchemaInferred(schema));
            if (s.TestDataPath is not null) schema.RequireSameColumns(s.TestDataPath);
            file = MtlConfig.For(s with { History = [] }, schema);

            RunSplit split = RunSplit.Of(new MLContext(s.Seed), schema, s);
            long trainRows = DataViewRows.Count(split.Train), testRows = DataViewRows.Count(split.Test);
            if (s.TimeBudget is null) RunSingle(trainRows, testRows);
            else RunSearch(trainRows, testRows);

            if (best is null)
                throw new InvalidOperationException("No trial finished: every configuration diverged or could not run (see RunHistory in " +
                    $"'{s.ConfigPath}'). Try a larger --time, or train once without --time.");
            if (bestModel is null || bestModel.Number != best.Number)
            {
                // The best trial came from the history of a resumed run: train it again (same configuration, seed and split → the same model).
                Report(new RefittingBest(best));
                bestModel?.Model.Network.Dispose();
                bestModel = null;
                TrialPlan plan = new(best.Number, best.Candidate, 0, best.Rung, best.Config);
                (TrialResult again, TrainedTrial? model) = Train(plan, rethrow: true);
                bestModel = model ?? throw new InvalidOperationException($"Trial {best.Number} did not finish when trained again ({again.Reason}).");
            }
            return Finish();
        }

        private void RunSingle(long trainRows, long testRows)
        {
            Report(new DataSplit(trainRows, testRows, null));
            var plan = new TrialPlan(1, 0, 0, 0, s.Config with { Seed = s.Seed });
            TrialResult? recorded = s.History.Count > 0 ? s.History[0] : null;
            if (s.History.Count > 1 || (recorded is not null && recorded.Config != plan.Config))
                throw new InvalidDataException($"'{s.ConfigPath}': $.RunHistory.Trials: a run without TrainingTime has one trial with TrainingOption.Trainer; " +
                    "the history holds others. Set RunHistory.Trials to [] to start over.");
            if (recorded is { Status: TrialResult.Finished })
            {
                Accept(recorded, null, fromHistory: true);
                return;
            }
            (TrialResult result, TrainedTrial? model) = Train(plan, rethrow: true);
            Accept(result, model, fromHistory: false);
        }

        private void RunSearch(long trainRows, long testRows)
        {
            // The top rung trains the trainer's automatic epoch count for the rows it fits on (the rest validate).
            long fitRows = Math.Max(1, (long)Math.Round(trainRows * (1 - TablePipeline.ValidationFraction)));
            int fullEpochs = s.Space.Epochs ?? AutomaticChoices.Epochs(fitRows, AutomaticChoices.BatchSize(fitRows));
            var search = new SuccessiveHalving(s.Space, s.Seed, fullEpochs);
            bool baselinesWillRun = s.Baselines == BaselinesMode.Auto;
            TimeSpan budget = s.TimeBudget!.Value * (baselinesWillRun ? SearchShareWithBaselines : 1);
            Report(new DataSplit(trainRows, testRows,
                new SearchPlan(budget, search.FullEpochs, s.History.Count)));

            for (int i = 0; i < s.History.Count; i++)
            {
                TrialResult recorded = s.History[i];
                TrialPlan planned = search.Next(trials.Select(t => t.Outcome).ToList());
                if (recorded.Candidate != planned.Candidate || recorded.Rung != planned.Rung || recorded.Config != planned.Config)
                    throw new InvalidDataException($"'{s.ConfigPath}': $.RunHistory.Trials[{i}]: the search plans candidate {planned.Candidate} at rung " +
                        $"{planned.Rung} ({Describe(planned.Config)}) for trial {planned.Number}, but the file holds candidate {recorded.Candidate} at rung " +
                        $"{recorded.Rung} ({Describe(recorded.Config)}). The seed, search space or history was changed; set RunHistory.Trials to [] to start over.");
                Accept(recorded, null, fromHistory: true);
            }

            double spent = s.History.Sum(t => t.Seconds);
            var clock = Stopwatch.StartNew();
            while (true)
            {
                stop.ThrowIfCancellationRequested();
                if (s.MaxTrials is { } max && trials.Count >= max)
                {
                    Report(new SearchStopped($"the trial limit ({max}) was reached"));
                    break;
                }
                TrialPlan plan = search.Next(trials.Select(t => t.Outcome).ToList());
                double used = spent + clock.Elapsed.TotalSeconds, estimate = Estimate(plan);
                // Never stop before one trial finished: a run always leaves a model.
                if (best is not null && used + estimate > budget.TotalSeconds)
                {
                    Report(new SearchStopped($"trial {plan.Number} (about {estimate:F0} s) would not finish within the budget " +
                        $"({used:F0} of {budget.TotalSeconds:F0} s used)"));
                    break;
                }
                (TrialResult result, TrainedTrial? model) = Train(plan, rethrow: false);
                Accept(result, model, fromHistory: false);
            }
        }

        // Seconds a trial will take: its epochs at the mean wall time per epoch of the trials so far (preprocessing included).
        private double Estimate(TrialPlan plan)
        {
            TrialResult[] done = trials.Where(t => t.EpochsTrained > 0).ToArray();
            if (done.Length == 0) return 0;
            return plan.Config.Epochs!.Value * done.Sum(t => t.Seconds) / done.Sum(t => t.EpochsTrained);
        }

        private void Accept(TrialResult result, TrainedTrial? model, bool fromHistory)
        {
            trials.Add(result);
            bool better = result.Score is { } score && (best?.Score is not { } top || score > top);
            if (better)
            {
                best = result;
                if (model is not null)
                {
                    bestModel?.Model.Network.Dispose();
                    bestModel = model;
                }
            }
            else
            {
                model?.Model.Network.Dispose();
            }
            if (!fromHistory) WriteConfig();
            Report(new TrialFinished(result, fromHistory, best));
            if (better) Report(new BestChanged(result));
        }

        private void WriteConfig()
        {
            file.RunHistory.Trials = trials.Select(MtlConfig.Entry).ToList();
            file.Write(s.ConfigPath);
        }

        private (TrialResult Result, TrainedTrial? Model) Train(TrialPlan plan, bool rethrow)
        {
            stop.ThrowIfCancellationRequested();
            Report(new TrialStarted(plan));
            var watch = Stopwatch.StartNew();
            var ml = new MLContext(s.Seed) { TempFilePath = temp };
            RunSplit split = RunSplit.Of(ml, schema, s);
            void OnLog(object? sender, LoggingEventArgs e)
            {
                if (e.Kind != ChannelMessageKind.Trace && e.Source is not null && e.Source.StartsWith(TrainerSource, StringComparison.Ordinal))
                    Report(new TrainerMessage(plan.Number, e.RawMessage));
            }
            ml.Log += OnLog;
            try
            {
                var hooks = new TrainingHooks { Monitors = [new CancellationMonitor(stop), new EpochEvents(plan, Report)] };
                TableModel model = TablePipeline.Fit(ml, schema, split.Train, plan.Config, s.Seed, hooks);
                TrainingReport report = model.Network.TrainingReport ?? throw new InvalidOperationException("The trained model has no training report.");
                double score = report.Epochs[report.SelectedEpoch - 1].SelectionScore;
                var result = new TrialResult(plan.Number, plan.Candidate, plan.Rung, plan.Config, TrialResult.Finished, score, watch.Elapsed.TotalSeconds,
                    report.TrainingSeconds, report.Epochs.Count, report.SelectedEpoch);
                return (result, new TrainedTrial(plan.Number, ml, model, split));
            }
            catch (NonFiniteLossException e) when (!rethrow)
            {
                return (new TrialResult(plan.Number, plan.Candidate, plan.Rung, plan.Config, TrialResult.Diverged, null, watch.Elapsed.TotalSeconds, 0, 0, 0, e.Message), null);
            }
            catch (NotSupportedException e) when (!rethrow)
            {
                return (new TrialResult(plan.Number, plan.Candidate, plan.Rung, plan.Config, TrialResult.NotApplicable, null, watch.Elapsed.TotalSeconds, 0, 0, 0, e.Message), null);
            }
            finally
            {
                ml.Log -= OnLog;
            }
        }

        private AutoTrainResult Finish()
        {
            TrainedTrial m = bestModel!;
            stop.ThrowIfCancellationRequested();
            MultiTaskMetrics metrics = m.Ml.MultiTask().Evaluate(m.Model.Model.Transform(m.Split.Test), m.Model.Network);
            Report(new TestEvaluated(best!, metrics));

            stop.ThrowIfCancellationRequested();
            SafeFiles.WriteAtomically(s.ZipPath, stream => m.Ml.Model.Save(m.Model.Model, m.Split.All.Schema, stream));
            ITransformer reloaded = SavedModel.Load(m.Ml, s.ZipPath, out _);
            try
            {
                MultiTaskMetrics again = m.Ml.MultiTask().Evaluate(reloaded.Transform(m.Split.Test), m.Model.Network.Tasks);
                Report(new ModelSaved(s.ZipPath, new FileInfo(s.ZipPath).Length, again, metrics));
            }
            finally
            {
                (reloaded as IDisposable)?.Dispose();
            }
            // The consumption code, training code and console app, generated from the saved zip's own schema.
            Report(new CodeGenerated(ConsumptionCodeGenerator.Write(Path.GetDirectoryName(Path.GetFullPath(s.ZipPath))!,
                Path.GetFileNameWithoutExtension(s.ZipPath), s.ZipPath, schema, best!.Config, s.Seed)));

            file.RunHistory.BestTrial = best!.Number;
            file.RunHistory.ModelFilePath = Path.GetFullPath(s.ZipPath);
            file.RunHistory.TestMetrics = MtlConfig.Metrics(metrics);
            WriteConfig();

            BaselineComparison? comparison = RunBaselines(m, metrics);
            var result = new AutoTrainResult(s.ZipPath, s.ConfigPath, trials.ToArray(), best, metrics, comparison);
            Report(new RunFinished(result));
            return result;
        }

        // The single-task baselines get what is left of the budget (without one: as long as the best trial took).
        private BaselineComparison? RunBaselines(TrainedTrial m, MultiTaskMetrics metrics)
        {
            string? skipped = s.Baselines == BaselinesMode.None ? "--baselines none" : null;
            if (skipped is not null)
            {
                file.Baselines.Status = $"Skipped: {skipped}";
                WriteConfig();
                Report(new BaselinesSkipped(skipped));
                return null;
            }
            double spentSeconds = trials.Sum(t => t.Seconds);
            TimeSpan share = s.TimeBudget is { } total
                ? TimeSpan.FromSeconds(Math.Max(total.TotalSeconds * (1 - SearchShareWithBaselines), total.TotalSeconds - spentSeconds))
                : TimeSpan.FromSeconds(Math.Max(10, best!.Seconds));
            stop.ThrowIfCancellationRequested();
            // Tables: ML.NET's trainers on the same features; images: the same network with one head (ML.NET has no conv trainer).
            BaselineFamily family = schema.Images is null ? BaselineFamily.MlNetTrainers : BaselineFamily.SingleHeadNetwork;
            var options = new BaselineOptions { Budget = share, Seed = s.Seed, Family = family, NetworkConfig = best!.Config };
            IReadOnlyList<BaselineResult> results = SingleTaskBaselines.Run(m.Ml, schema, m.Split.Train, m.Split.Test, options, stop,
                trial => Report(new BaselineTrialFinished(trial)));
            BaselineComparison comparison = BaselineComparison.Of(metrics, results);
            file.Baselines.Status = "Compared";
            file.Baselines.Tasks = comparison.Tasks.ToList();
            file.Baselines.DeltaM = comparison.DeltaM;
            file.Baselines.Verdict = comparison.Verdict;
            WriteConfig();
            Report(new BaselinesCompared(comparison));
            return comparison;
        }
    }

    /// <summary>A short description of a configuration: method, learning rate, weight decay, dropout, trunk and (unless shared-bottom) architecture.</summary>
    public static string Describe(TrainingConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return $"{c.Method} {DescribeSettings(c)}";
    }

    /// <summary><see cref="Describe"/> without the method (for a table that gives the method its own column).</summary>
    public static string DescribeSettings(TrainingConfig c)
    {
        ArgumentNullException.ThrowIfNull(c);
        static string G3(double x) => x.ToString("G3", System.Globalization.CultureInfo.InvariantCulture).Replace("E-0", "e-", StringComparison.Ordinal).Replace("E-", "e-", StringComparison.Ordinal);
        return $"lr={G3(c.LearningRate)} wd={G3(c.WeightDecay)} dropout={(c.Dropout is { } d ? G3(d) : "auto")} {c.Trunk ?? "auto trunk"}{(c.Architecture is { } a ? " " + a : "")}";
    }

    private sealed record TrainedTrial(int Number, MLContext Ml, TableModel Model, RunSplit Split);

    // Reports each epoch of a trial as it ends.
    private sealed class EpochEvents(TrialPlan plan, Action<AutoTrainEvent> report) : ITrainingMonitor
    {
        public int Interval => int.MaxValue;

        public void OnEpochEnd(EpochReport epoch) => report(new TrialEpoch(plan.Number, epoch, plan.Config.Epochs));
    }
}
