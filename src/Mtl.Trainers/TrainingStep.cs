using System.Diagnostics;
using Mtl.ML;
using Mtl.Torch;
using Mtl.Torch.Modules;
using Mtl.Trainers.Engine;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;
using static Mtl.Torch.torch;

namespace Mtl.Trainers;

/// <summary>What one training step reports.</summary>
internal sealed record StepResult(double[] Losses, double[] MetricSums, double[]? Weights);

/// <summary>
/// One optimisation step: forward, task losses, the method (loss weighting → one backward of the combined loss;
/// gradient method → per-task gradients in the chosen mode, weights or aggregate, d into the shared .grad), optimizer step.
/// </summary>
internal sealed class TrainingStep : IDisposable
{
    private readonly MultiHeadNetworkTrainer.Options options;
    private readonly IReadOnlyList<TaskDefinition> tasks;
    private readonly MultiHeadNetwork network;
    private readonly MtlMethod method;
    private readonly Action<ChannelMessageKind, string> log;
    private readonly IReadOnlyList<Parameter> shared;
    private readonly IReadOnlyList<IReadOnlyList<Tensor>> heads;
    private readonly StepContext context;
    private readonly Stopwatch solverWatch = new();
    private readonly PerTaskAdam? perTaskAdam;

    public TrainingStep(MultiHeadNetworkTrainer.Options options, IReadOnlyList<TaskDefinition> tasks, MultiHeadNetwork network,
        MtlMethod method, int seed, Action<ChannelMessageKind, string> log)
    {
        this.options = options;
        this.tasks = tasks;
        this.network = network;
        this.method = method;
        this.log = log;
        shared = network.SharedParameters();
        heads = Enumerable.Range(0, tasks.Count).Select(i => (IReadOnlyList<Tensor>)network.HeadParameters(i)).ToArray();
        context = new StepContext(tasks.Count, seed);
        context.Solvers.OnProblem = run => log(ChannelMessageKind.Warning, $"{method.Name}: {run} (step {context.Step}).");
        var trainable = network.parameters().Concat(MethodParameters()).ToList();
        if (options.Optimizer == OptimizerKind.PerTaskAdam)
        {
            if (method is not GramianWeighting and not LossWeighting)
                throw new NotSupportedException($"OptimizerKind.PerTaskAdam needs per-task shared gradients weighted by the method; '{method.Name}' aggregates coordinates directly. Use another optimizer.");
            perTaskAdam = new PerTaskAdam(shared, tasks.Count, options.LearningRate, options.WeightDecay);
            Optimizer = OptimizerFactory.Create(options, trainable.Except(shared).ToList());
        }
        else
        {
            Optimizer = OptimizerFactory.Create(options, trainable);
        }
    }

    public optim.Optimizer Optimizer { get; }

    public long SolverCalls => context.Solvers.Calls;
    public long SolverFailures => context.Solvers.Failures;
    public double SolverSeconds => solverWatch.Elapsed.TotalSeconds;

    private IEnumerable<Parameter> MethodParameters() => method.Parameters();

    /// <summary>The learning rate of an epoch under the schedule; also sets it on the optimizer(s).</summary>
    public double LearningRateForEpoch(int epoch)
    {
        double lr = options.LearningRate * options.Schedule switch
        {
            LearningRateSchedule.Constant => 1.0,
            LearningRateSchedule.Exponential => Math.Pow(options.ScheduleGamma, epoch - 1),
            LearningRateSchedule.Step => Math.Pow(options.ScheduleGamma, (epoch - 1) / Math.Max(1, options.ScheduleStepSize)),
            LearningRateSchedule.Cosine => 0.5 * (1 + Math.Cos(Math.PI * (epoch - 1) / options.MaxEpoch)),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Schedule, "unknown schedule"),
        };
        foreach (var group in Optimizer.ParamGroups) group.LearningRate = lr;
        if (perTaskAdam is not null) perTaskAdam.LearningRate = lr;
        return lr;
    }

    public StepResult Run(Tensor x, Tensor[] y, long stepIndex, int epoch)
    {
        if (options.Device.type != DeviceType.CPU)
        {
            x = x.to(options.Device);
            y = y.Select(t => t.to(options.Device)).ToArray();
        }
        Optimizer.zero_grad(set_to_none: true);
        bool gradientMethod = method is GradientMethod;
        bool representation = gradientMethod && options.GradientMode == GradientMode.Representation;

        Tensor z = network.Represent(x);
        Tensor headInput = representation ? z.detach().requires_grad_(true) : z;
        var losses = new Tensor[tasks.Count];
        var lossValues = new double[tasks.Count];
        var metricSums = new double[tasks.Count];
        for (int i = 0; i < tasks.Count; i++)
        {
            Tensor output = network.Head(i).call(headInput);
            losses[i] = TaskLosses.Loss(tasks[i], output, y[i]);
            using (no_grad()) metricSums[i] = TaskLosses.MetricSum(tasks[i], output, y[i]).item<double>();
        }
        // One device→host copy for all task losses.
        double[] values = stack(losses.Select(l => l.detach()).ToArray()).to_type(ScalarType.Float64).ToArray<double>();
        for (int i = 0; i < tasks.Count; i++)
        {
            lossValues[i] = values[i];
            if (!double.IsFinite(values[i]))
                throw new NonFiniteLossException(tasks[i].Name, stepIndex, epoch, values[i], options.CheckpointFolder);
        }
        context.BeginStep(stepIndex, epoch, lossValues);
        if (method is GradientMethod gm && gm.NeedsRepresentation) context.Representation = z;

        double[]? weights;
        switch (method)
        {
            case LossWeighting lw:
                weights = CombineLosses(lw, losses);
                break;
            case GradientMethod gm2:
                weights = representation ? RepresentationStep(gm2, losses, z, headInput) : ParameterStep(gm2, losses);
                break;
            default:
                throw new NotSupportedException($"Method '{method.Name}' is neither a loss weighting nor a gradient method.");
        }

        if (method is NashMTL nash)
        {
            // Nash-MTL's authors clip the shared gradient's norm (1.0 by default).
            nn.utils.clip_grad_norm_(shared, nash.MaxGradientNorm);
        }
        Optimizer.step();
        if (method.NeedsLossesAfterStep) context.RecordLossesAfterStep(LossesAfterStep(x, y));
        method.AfterStep(context);
        return new StepResult(lossValues, metricSums, weights ?? method.CurrentWeights);
    }

    /// <summary>The task losses of the same batch after the step (FAMO needs them); no graph is recorded.</summary>
    private double[] LossesAfterStep(Tensor x, Tensor[] y)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor[] outputs = network.forward(x);
        return outputs.Select((o, i) => (double)TaskLosses.Loss(tasks[i], o, y[i]).item<float>()).ToArray();
    }

    private double[]? CombineLosses(LossWeighting lw, Tensor[] losses)
    {
        solverWatch.Start();
        Tensor total = lw.Combine(losses, context);
        solverWatch.Stop();
        if (lw is GradNorm gradNorm)
        {
            // GradNorm balances the per-task gradient norms at the last shared layer W; taken before the main backward
            // frees the graph, then its balancing loss gives the task logits their gradient.
            Tensor lastShared = shared.Last(p => p.Dimensions >= 2);
            var norms = losses.Select(l => autograd.grad(new[] { l }, new[] { lastShared }, retain_graph: true)[0]!.norm().item<float>()).Select(v => (double)v).ToArray();
            total.backward();
            gradNorm.BalanceLoss(norms, context).backward();
            return lw.CurrentWeights;
        }
        if (perTaskAdam is not null)
        {
            double[] w = lw.CurrentWeights ?? Enumerable.Repeat(1.0, losses.Length).ToArray();
            // Learnable method parameters (UW's log-variances, …) still learn from the combined loss.
            MethodParameterGradients(new[] { total });
            using StackedGradients sg = TaskGradientEngine.ParameterGradients(losses.Select((l, i) => l * w[i]).ToArray(), shared, heads);
            perTaskAdam.Step(sg);
            return lw.CurrentWeights;
        }
        total.backward();
        return lw.CurrentWeights;
    }

    /// <summary>
    /// Gradients of a method's own learnable parameters (UW's log-variances, IMTL's loss scales …) from the sum of the given losses,
    /// taken with the graph retained, before per-task passes free it. For gradient methods the combined loss is Σᵢ L̃ᵢ of
    /// the prepared losses, as each task's backward accumulates it in LibMTL.
    /// </summary>
    private void MethodParameterGradients(IReadOnlyList<Tensor> losses)
    {
        Parameter[] own = method.Parameters().ToArray();
        if (own.Length == 0) return;
        Tensor total = losses.Count == 1 ? losses[0] : losses.Aggregate((a, b) => a + b);
        IList<Tensor?> grads = autograd.grad(new[] { total }, own, retain_graph: true, allow_unused: true);
        for (int k = 0; k < own.Length; k++) if (grads[k] is { } g) own[k].grad = g;
    }

    private double[]? ParameterStep(GradientMethod gm, Tensor[] losses)
    {
        IReadOnlyList<Tensor> prepared = gm.PrepareTaskLosses(losses, context);
        MethodParameterGradients(prepared);
        using StackedGradients sg = TaskGradientEngine.ParameterGradients(prepared, shared, heads);
        return ApplyMethod(gm, sg,
            weights =>
            {
                if (perTaskAdam is not null) perTaskAdam.Step(sg, weights);
                else sg.CombineInto(shared, weights);
            },
            direction =>
            {
                Tensor[] pieces = sg.Unflatten(direction);
                for (int p = 0; p < pieces.Length; p++)
                {
                    shared[p].grad = pieces[p];
                    pieces[p].Dispose();
                }
            });
    }

    private double[]? RepresentationStep(GradientMethod gm, Tensor[] losses, Tensor z, Tensor detachedZ)
    {
        IReadOnlyList<Tensor> prepared = gm.PrepareTaskLosses(losses, context);
        MethodParameterGradients(prepared);
        using StackedGradients sg = TaskGradientEngine.RepresentationGradients(prepared, detachedZ, heads);
        return ApplyMethod(gm, sg,
            weights => TaskGradientEngine.BackwardThroughTrunk(z, sg, weights),
            direction =>
            {
                using Tensor dz = direction.view(z.shape);
                z.backward(dz);
            });
    }

    /// <summary>
    /// Asks the method for the shared update: Gramian weightings give weights w (d = Jᵀw, applied by
    /// <paramref name="applyWeights"/>); other gradient methods aggregate the Jacobian into a direction d.
    /// Only the method's own work is timed as solver time. Returns w, or null for direction methods.
    /// </summary>
    private double[]? ApplyMethod(GradientMethod gm, StackedGradients sg, Action<double[]> applyWeights, Action<Tensor> applyDirection)
    {
        if (gm is GramianWeighting gw)
        {
            double[,] gramian = sg.Gramian();
            solverWatch.Start();
            double[] w = gw.Weights(gramian, context);
            solverWatch.Stop();
            applyWeights(w);
            return w;
        }
        using Tensor jacobian = sg.Jacobian();
        solverWatch.Start();
        using Tensor d = gm.Aggregate(jacobian, context);
        solverWatch.Stop();
        applyDirection(d);
        return null;
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        perTaskAdam?.Dispose();
    }
}

/// <summary>A task loss became NaN or infinite; training stopped.</summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception.</summary>
    public NonFiniteLossException(string task, long step, int epoch, double value, string? checkpointFolder)
        : base($"The loss of task '{task}' is {value} at step {step} (epoch {epoch}); training stopped. " +
               "Lower the learning rate, check the labels and features for extreme values, or use gradient clipping. " +
               (checkpointFolder is null ? "No checkpoint folder was set." : $"The last completed epoch's checkpoint is kept in '{checkpointFolder}'."))
    {
        Task = task;
        Step = step;
        Epoch = epoch;
    }

    /// <summary>The task whose loss was not finite.</summary>
    public string Task { get; }

    /// <summary>Global step index (1-based).</summary>
    public long Step { get; }

    /// <summary>Epoch (1-based).</summary>
    public int Epoch { get; }
}
