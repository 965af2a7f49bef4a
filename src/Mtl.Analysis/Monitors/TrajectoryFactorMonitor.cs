using System.Diagnostics;
using Mtl.Analysis.Curvature;
using Mtl.Analysis.Gradients;
using Mtl.Analysis.Objectives;
using Mtl.Analysis.Weights;
using Mtl.Trainers;
using Mtl.Trainers.Monitoring;
using Mtl.Trainers.Network;
using static TorchSharp.torch;

namespace Mtl.Analysis.Monitors;

/// <summary>
/// Training monitor of Mueller et al.'s trajectory factors: at regular checkpoints (every m steps, at epoch ends, at the
/// start) it measures, on FIXED training and validation rows given at construction and with dropout off, each task's
/// training and validation loss, the sharpness per task and total, the Fisher trace, the gradient noise scale and the
/// distance of trunk and heads from their initial weights. Losses are the tasks' own (LossWeight ignored). It holds the
/// initial weights: dispose it.
/// </summary>
public sealed class TrajectoryFactorMonitor : ITrainingMonitor, IDisposable
{
    private readonly TrajectoryFactorOptions options;
    private readonly TaskBatch training;
    private readonly TaskBatch validation;
    private readonly List<TrajectoryCheckpoint> checkpoints = new();
    private MultiTaskNetwork? network;
    private NetworkObjective? objective;
    private IReadOnlyList<ParameterGroup>? groups;
    private WeightSnapshot? initial;
    private int stepsPerEpoch;

    /// <summary>Creates the monitor; the options are checked here and copied by reference (do not change them during training).</summary>
    /// <exception cref="ArgumentException">A fixed subset is missing, or a size does not fit the subsets.</exception>
    public TrajectoryFactorMonitor(TrajectoryFactorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        training = options.Training ?? throw new ArgumentException("TrajectoryFactorOptions.Training is null; give the fixed training rows as a TaskBatch.", nameof(options));
        validation = options.Validation ?? throw new ArgumentException("TrajectoryFactorOptions.Validation is null; give the fixed validation rows as a TaskBatch.", nameof(options));
        if (validation.Targets.Count != training.Targets.Count)
            throw new ArgumentException($"TrajectoryFactorOptions: Training has {training.Targets.Count} target tensors but Validation has {validation.Targets.Count}; give both one per task.", nameof(options));
        if (options.EveryNSteps < 0)
            throw new ArgumentException($"TrajectoryFactorOptions.EveryNSteps is {options.EveryNSteps}; use 0 (epoch ends only) or a positive step count.", nameof(options));
        if (options.EveryNSteps == 0 && !options.AtEpochEnds && !options.AtStart)
            throw new ArgumentException("TrajectoryFactorOptions: no checkpoint would ever be taken; set EveryNSteps > 0, AtEpochEnds or AtStart.", nameof(options));
        if (options.SharpnessIterations < 0)
            throw new ArgumentException($"TrajectoryFactorOptions.SharpnessIterations is {options.SharpnessIterations}; use 0 (skip) or a positive cap.", nameof(options));
        if (options.SharpnessIterations > 0 && (options.SharpnessRows < 1 || options.SharpnessRows > training.Rows))
            throw new ArgumentException($"TrajectoryFactorOptions.SharpnessRows is {options.SharpnessRows}; it must be between 1 and the {training.Rows} fixed training rows.", nameof(options));
        if (options.FisherSamples < 0 || options.FisherSamples > training.Rows)
            throw new ArgumentException($"TrajectoryFactorOptions.FisherSamples is {options.FisherSamples}; it must be between 0 (skip) and the {training.Rows} fixed training rows.", nameof(options));
        if (options.NoiseSmallBatch < 0 || options.NoiseSmallBatch >= training.Rows)
            throw new ArgumentException($"TrajectoryFactorOptions.NoiseSmallBatch is {options.NoiseSmallBatch}; the noise scale needs 0 (skip) or 1 ≤ b < the {training.Rows} fixed training rows.", nameof(options));
        this.options = options;
    }

    /// <inheritdoc />
    public int Interval => options.EveryNSteps > 0 ? options.EveryNSteps : int.MaxValue;

    /// <summary>Task names of the last run, in head order.</summary>
    public IReadOnlyList<string> TaskNames { get; private set; } = Array.Empty<string>();

    /// <summary>The checkpoints of the last run, in step order.</summary>
    public IReadOnlyList<TrajectoryCheckpoint> Checkpoints => checkpoints;

    /// <inheritdoc />
    public void OnTrainingStart(MonitorStartContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.Tasks.Count != training.Targets.Count)
            throw new ArgumentException($"TrajectoryFactorMonitor: the run trains {context.Tasks.Count} task(s) ({string.Join(", ", context.Tasks.Select(t => t.Name))}) " +
                                        $"but the fixed rows carry {training.Targets.Count} target tensor(s); give one target per trained task, in head order.", nameof(context));
        checkpoints.Clear();
        initial?.Dispose();
        network = context.Network;
        stepsPerEpoch = context.StepsPerEpoch;
        TaskNames = context.Tasks.Select(t => t.Name).ToArray();
        // The factors describe each task's own loss: a loss-scale weight would only rescale them.
        TaskDefinition[] own = context.Tasks.Select(t => { TaskDefinition c = t.Clone(); c.LossWeight = 1; return c; }).ToArray();
        // The fixed rows are the user's, in the labels' units.
        objective = new NetworkObjective(network, own, targetsInLabelUnits: true);
        groups = ParameterGroup.Of(network, TaskNames);
        initial = WeightSnapshot.Capture(groups);
        if (options.AtStart) Measure((long)(context.FirstEpoch - 1) * stepsPerEpoch);
    }

    /// <inheritdoc />
    public void AfterStep(MonitorStepContext context)
    {
        if (options.EveryNSteps > 0) Measure(context.Step);
    }

    /// <inheritdoc />
    public void OnEpochEnd(EpochReport epoch)
    {
        ArgumentNullException.ThrowIfNull(epoch);
        long step = (long)epoch.Epoch * stepsPerEpoch;
        if (options.AtEpochEnds && (checkpoints.Count == 0 || checkpoints[^1].Step != step)) Measure(step);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        initial?.Dispose();
        initial = null;
    }

    private void Measure(long step)
    {
        if (objective is null || groups is null || initial is null)
            throw new InvalidOperationException("TrajectoryFactorMonitor measured before OnTrainingStart.");
        var watch = Stopwatch.StartNew();
        int tasks = TaskNames.Count;
        double[] trainLoss = Losses(training), valLoss = Losses(validation);
        double[] sharp = Nan(tasks);
        double sharpTotal = double.NaN;
        bool converged = true;
        int products = 0;
        if (options.SharpnessIterations > 0)
        {
            using var scope = NewDisposeScope();
            SharpnessReport s = Sharpness.Measure(objective, training.Slice(0, options.SharpnessRows),
                new PowerIterationOptions { MaxIterations = options.SharpnessIterations, Tolerance = options.SharpnessTolerance, Seed = options.Seed });
            sharp = s.PerTask.Select(e => e.Top).ToArray();
            sharpTotal = s.Total.Top;
            converged = s.PerTask.All(e => e.Converged) && s.Total.Converged;
            products = s.PerTask.Sum(e => e.HessianVectorProducts) + s.Total.HessianVectorProducts;
        }
        double[] fisher = Nan(tasks);
        double fisherTotal = double.NaN;
        if (options.FisherSamples > 0)
        {
            FisherTraceReport f = FisherTrace.Measure(objective, training, options.FisherSamples);
            fisher = f.PerTask.ToArray();
            fisherTotal = f.Total;
        }
        double[] noise = Nan(tasks);
        double noiseTotal = double.NaN;
        if (options.NoiseSmallBatch > 0)
        {
            NoiseScaleReport n = GradientNoiseScale.Measure(objective, training, options.NoiseSmallBatch);
            noise = n.PerTask.Select(e => e.SimpleNoiseScale).ToArray();
            noiseTotal = n.Total.SimpleNoiseScale;
        }
        IReadOnlyList<GroupDistance> distance = WeightDistance.From(initial, groups);
        var checkpoint = new TrajectoryCheckpoint(step, stepsPerEpoch > 0 ? (double)step / stepsPerEpoch : double.NaN, trainLoss, valLoss,
            sharp, sharpTotal, converged, products, fisher, fisherTotal, noise, noiseTotal,
            distance[0].Distance, distance.Skip(1).Select(d => d.Distance).ToArray(), watch.Elapsed.TotalSeconds);
        checkpoints.Add(checkpoint);
        options.Checkpointed?.Invoke(checkpoint);
    }

    private double[] Losses(TaskBatch batch)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using IDisposable mode = objective!.EvaluationMode();
        return objective.Losses(batch).Select(l => l.to_type(ScalarType.Float64).item<double>()).ToArray();
    }

    private static double[] Nan(int n) => Enumerable.Repeat(double.NaN, n).ToArray();
}
