using System.Security.Cryptography;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using Mtl.Trainers.Engine;
using Mtl.Trainers.Methods;
using Mtl.Trainers.Network;

namespace Mtl.Trainers;

/// <summary>What one training step reports.</summary>
/// <param name="Losses">Per task: the mean loss over the batch's labelled rows (0 when the batch has none for the task).</param>
/// <param name="MetricSums">Per task: the metric summed over the batch's labelled rows.</param>
/// <param name="LabelledRows">Per task: how many of the batch's rows are labelled for it.</param>
/// <param name="Weights">The method's task weights of the step, if it has any.</param>
internal sealed record StepResult(double[] Losses, double[] MetricSums, long[] LabelledRows, double[]? Weights);

/// <summary>
/// One optimisation step: forward, task losses, the method's family template (which asks for what the method declared:
/// one backward of a combined loss, the Gramian or the Jacobian of per-task gradients in the chosen mode), the declared
/// extras (shared-layer gradient norms, shared-gradient clipping, a forward after the step), the optimizer step.
/// </summary>
/// <remarks>
/// The surface TrainingSession uses, and nothing else:
/// <list type="bullet">
/// <item><c>new TrainingStep(options, tasks, network, method, seed, log)</c> — validates the method against the options
/// (gradient mode, per-task Adam), initialises the method, builds the optimizer and the LR scheduler.</item>
/// <item><c>StepResult Run(Tensor x, Tensor[] y, long stepIndex, int epoch, Tensor?[]? labelled)</c> — one step on a batch
/// (inside the caller's dispose scope); <c>labelled</c> holds the batch's label mask of each task with missing labels (null
/// for a fully labelled task: no masking work). Throws <see cref="NonFiniteLossException"/> for a NaN/infinite task loss.</item>
/// <item><c>double LearningRateForEpoch(int epoch)</c> — the epoch hook: steps the lr_scheduler up to epoch (1-based) and
/// returns that epoch's learning rate. Call at the start of every epoch.</item>
/// <item><c>void OnEpochEnd(IReadOnlyList&lt;double&gt; meanLosses)</c> — forwards the epoch's mean task losses to the method.</item>
/// <item><c>void WriteState(Stream)</c> / <c>void ReadState(Stream)</c> — optimizer, scheduler, method state and step
/// counters (the network weights and the torch RNG are the checkpoint store's). ReadState is all-or-nothing.</item>
/// <item><c>SolverCalls</c>, <c>SolverFailures</c>, <c>SolverSeconds</c> — solver statistics; <c>Dispose()</c>.</item>
/// <item>For inspection and tests only: <c>Optimizer</c>, <c>StepsTaken</c>.</item>
/// </list>
/// The step's random draws for the method come from (seed, step) (<see cref="StepContext.StepSeed"/>), so no method RNG
/// state needs saving.
/// </remarks>
internal sealed class TrainingStep : IDisposable
{
    private const int StateVersion = 1;
    private static readonly byte[] StateMagic = "MTLSTEP\0"u8.ToArray();

    private readonly MultiHeadNetworkTrainer.Options options;
    private readonly IReadOnlyList<TaskDefinition> tasks;
    private readonly MultiTaskNetwork network;
    private readonly MtlMethod method;
    private readonly MethodRequirements requirements;
    private readonly Parameter[] trainable;
    private readonly StepContext context;
    private readonly StepGradients gradients;
    private readonly OptimizerHelper optimizer;
    private optim.lr_scheduler.LRScheduler scheduler;
    private int scheduleSteps;
    private long stepsTaken;
    private readonly bool fastConvolutionBackward;

    public TrainingStep(MultiHeadNetworkTrainer.Options options, IReadOnlyList<TaskDefinition> tasks, MultiTaskNetwork network,
        MtlMethod method, int seed, Action<ChannelMessageKind, string> log)
        : this(options, tasks, network, method, seed, log, layerTaps: true, fastConvolutionBackward: true)
    {
    }

    /// <summary>
    /// As the public constructor; <paramref name="layerTaps"/> = false takes Parameters mode's per-task gradients with T
    /// plain passes (the engine before <see cref="LayerTaps"/>), which tests compare the taps against;
    /// <paramref name="fastConvolutionBackward"/> = false keeps libtorch's convolution backward (<see cref="ConvolutionBackward"/>),
    /// for the benchmarks' before/after figures.
    /// </summary>
    internal TrainingStep(MultiHeadNetworkTrainer.Options options, IReadOnlyList<TaskDefinition> tasks, MultiTaskNetwork network,
        MtlMethod method, int seed, Action<ChannelMessageKind, string> log, bool layerTaps, bool fastConvolutionBackward = true)
    {
        this.fastConvolutionBackward = fastConvolutionBackward;
        this.options = options;
        this.tasks = tasks;
        this.network = network;
        this.method = method;
        method.EnsureSupports(options.GradientMode);
        network.EnsureSupports(options.GradientMode);
        method.Initialize(tasks.Count);
        requirements = method.Requirements;
        if (options.Optimizer is MtlOptimizerOptions.PerTaskAdam)
            EnsurePerTaskAdamFits();
        if (options.FreezeTrunk && (requirements.Gradients != GradientNeed.CombinedLoss || requirements.NeedsSharedLayerGradientNorms
                                    || requirements.SharedGradientClipNorm > 0 || options.Optimizer is MtlOptimizerOptions.PerTaskAdam))
            throw new NotSupportedException(
                $"Options.FreezeTrunk trains the heads only, so there are no shared parameters for '{method.Name}' to take per-task gradients, gradient norms or per-task Adam moments of. Use a loss weighting (e.g. \"ew\", \"uw\", \"fixed\") with a single-state optimizer, or leave the trunk trainable.");

        // A frozen trunk has no trainable shared parameters: the optimizer and the gradient engine see the heads only.
        IReadOnlyList<Parameter> shared = options.FreezeTrunk ? Array.Empty<Parameter>() : network.SharedParameters();
        var sharedHandles = shared.Select(p => p.Handle).ToHashSet();
        Parameter[] methodParameters = method.Parameters().ToArray();
        Parameter[] others = network.parameters().Where(p => !sharedHandles.Contains(p.Handle)).Concat(methodParameters).ToArray();
        trainable = shared.Concat(others).ToArray();
        var heads = Enumerable.Range(0, tasks.Count).Select(i => (IReadOnlyList<Tensor>)network.TaskParameters(i)).ToArray();

        context = new StepContext(tasks.Count, seed, taskNames: tasks.Select(t => t.Name).ToArray()) { CheckpointFolder = options.CheckpointFolder };
        context.Solvers.OnProblem = run => log(ChannelMessageKind.Warning, $"{method.Name}: {run} (step {context.Step}).");
        // The option decides: per-task Adam also receives the weighted task gradients, every other optimizer reads .grad.
        PerTaskAdam? perTask = options.Optimizer is MtlOptimizerOptions.PerTaskAdam ? OptimizerFactory.PerTask(options, shared, others, tasks.Count) : null;
        optimizer = perTask ?? OptimizerFactory.Create(options, shared, others, tasks.Count);
        bool perTaskGradients = requirements.Gradients != GradientNeed.CombinedLoss;
        gradients = new StepGradients(options.GradientMode, shared, heads, () => methodParameters, perTask, network.GradNormLayer,
            layerTaps && perTaskGradients ? network : null);
        scheduler = OptimizerFactory.Schedule(options, optimizer);
    }

    /// <summary>The optimizer (for inspection; checkpoints go through <see cref="WriteState"/>).</summary>
    public OptimizerHelper Optimizer => optimizer;

    /// <summary>Optimizer steps taken so far (restored by <see cref="ReadState"/>).</summary>
    public long StepsTaken => stepsTaken;

    /// <summary>Bytes the layer taps keep from step to step (their δ buffers), for the memory benchmark.</summary>
    internal long KeptTapBufferBytes => gradients.KeptTapBufferBytes;

    public long SolverCalls => context.Solvers.Calls;
    public long SolverFailures => context.Solvers.Failures;
    public double SolverSeconds => gradients.SolverTime.TotalSeconds;

    /// <summary>Per-task Adam takes Σᵢ wᵢgᵢ per task, so it needs a method with task weights and gradients at θ.</summary>
    private void EnsurePerTaskAdamFits()
    {
        if (!requirements.YieldsTaskWeights)
            throw new NotSupportedException(
                $"OptimizerKind.PerTaskAdam keeps one Adam state per task and needs a method that weights whole task gradients; '{method.Name}' combines gradient coordinates directly. Use another optimizer or a loss/Gramian weighting.");
        if (requirements.Gradients == GradientNeed.Gramian && options.GradientMode == GradientMode.Representation)
            throw new NotSupportedException(
                $"OptimizerKind.PerTaskAdam needs each task's gradient of the shared parameters, but GradientMode.Representation gives '{method.Name}' gradients at the representation only. Use GradientMode.Parameters or another optimizer.");
    }

    /// <summary>The learning rate of an epoch (1-based): steps the scheduler once per epoch up to it and returns the rate.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Epoch &lt; 1.</exception>
    /// <exception cref="InvalidOperationException">The schedule is already past that epoch.</exception>
    public double LearningRateForEpoch(int epoch)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(epoch, 1);
        if (epoch - 1 < scheduleSteps)
            throw new InvalidOperationException($"The learning-rate schedule is already at epoch {scheduleSteps + 1}; it cannot go back to epoch {epoch}.");
        while (scheduleSteps < epoch - 1)
        {
            scheduler.step();
            scheduleSteps++;
        }
        return optimizer.ParamGroups.First().LearningRate;
    }

    /// <summary>Forwards the epoch's mean task losses to the method (DWA's ratios, STCH's warm-up).</summary>
    public void OnEpochEnd(IReadOnlyList<double> meanLosses) => method.OnEpochEnd(meanLosses);

    /// <summary>One optimizer step on a batch that is already on the training device (the session moves it once).</summary>
    public StepResult Run(Tensor x, Tensor[] y, long stepIndex, int epoch, Tensor?[]? labelled = null)
    {
        foreach (var p in trainable)
            p.grad = null;
        optimizer.zero_grad();

        MultiTaskForward forward;
        // While layer taps record (Parameters mode), the convolutions run through Module.call so that the taps see them and
        // form their weight gradients for all tasks at once; otherwise they take the faster backward (ConvolutionBackward).
        using (IDisposable? taps = requirements.Gradients != GradientNeed.CombinedLoss ? gradients.RecordForward() : null)
        using (fastConvolutionBackward && taps is null ? ConvolutionBackward.Fast() : null)
            forward = network.Forward(x, StepGradients.DetachesRepresentation(options.GradientMode, requirements));
        var losses = new Tensor[tasks.Count];
        var metricSums = new Tensor[tasks.Count];
        Tensor[] targets = Targets(y, labelled);
        for (int i = 0; i < tasks.Count; i++)
        {
            Tensor output = forward.Outputs[i];
            losses[i] = TaskLosses.LossOverLabelled(tasks[i], output, targets[i], labelled?[i]);
            using (no_grad()) metricSums[i] = TaskLosses.MetricSumOverLabelled(tasks[i], output, targets[i], labelled?[i]);
        }
        (double[] lossValues, double[] metricValues, long[] labelledRows) = TaskLosses.ToHost(losses, metricSums, labelled, x.shape[0]);
        for (int i = 0; i < tasks.Count; i++)
            if (!double.IsFinite(lossValues[i]))
                throw new NonFiniteLossException(NonFiniteSite.Loss, tasks[i].Name, stepIndex, epoch, lossValues[i], options.CheckpointFolder);
        // An architecture's regulariser (DSelect-k's selector entropy) joins its task's loss for the gradients, not the reported losses.
        if (forward.Regularizers is { } regularizers)
            for (int i = 0; i < tasks.Count; i++)
                if (regularizers[i] is { } term) losses[i] = losses[i] + term;

        context.BeginStep(stepIndex, epoch, lossValues, labelledRows.Select(n => n > 0).ToArray());
        if (requirements.NeedsRepresentation)
            context.Representation = Representation(forward.Boundaries);
        gradients.Begin(forward.Boundaries, forward.TaskInputs);
        if (requirements.NeedsSharedLayerGradientNorms)
            context.RecordSharedLayerGradientNorms(gradients.SharedLayerGradientNorms(losses));

        double[]? weights = method.Apply(gradients, losses, context);
        method.OnGradientsReady(context);
        if (requirements.SharedGradientClipNorm > 0)
            gradients.ClipShared(requirements.SharedGradientClipNorm);
        optimizer.step();
        stepsTaken++;

        if (requirements.NeedsLossesAfterStep)
            context.RecordLossesAfterStep(LossesAfterStep(x, targets, labelled));
        method.AfterStep(context);
        return new StepResult(lossValues, metricValues, labelledRows, weights ?? method.CurrentWeights);
    }

    /// <summary>The boundary as one tensor for methods that read it (GradDrop's sign(z)): z itself, or several boundaries flattened and joined in the Jacobian rows' order.</summary>
    private Tensor Representation(IReadOnlyList<Tensor> boundaries) => boundaries.Count switch
    {
        0 => throw new NotSupportedException($"The method reads the shared representation, but the {network.ArchitectureName} architecture has none. Use GradientMode.Parameters with another method."),
        1 => boundaries[0],
        _ => cat(boundaries.Select(b => b.flatten()).ToArray()),
    };

    /// <summary>The batch's targets, with missing labels of masked tasks replaced by a placeholder the mask leaves out.</summary>
    private Tensor[] Targets(Tensor[] y, Tensor?[]? labelled)
    {
        if (labelled is null) return y;
        var targets = new Tensor[y.Length];
        for (int i = 0; i < y.Length; i++)
            targets[i] = labelled[i] is { } mask ? TaskLosses.Filled(tasks[i], y[i], mask) : y[i];
        return targets;
    }

    /// <summary>The task losses of the same batch after the step (declared by e.g. FAMO); no graph is recorded.</summary>
    private double[] LossesAfterStep(Tensor x, Tensor[] targets, Tensor?[]? labelled)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor[] outputs = network.forward(x);
        Tensor all = stack(outputs.Select((o, i) => TaskLosses.LossOverLabelled(tasks[i], o, targets[i], labelled?[i]).to_type(ScalarType.Float64).reshape(1)).ToArray());
        return all.cpu().data<double>().ToArray();
    }

    /// <summary>
    /// Writes the optimizer (moments, per-task moments included), the scheduler position, the method's state and the step
    /// counter: a versioned binary record with a SHA-256 of its contents.
    /// </summary>
    public void WriteState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] payload = Payload();
        using var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true);
        writer.Write(StateMagic);
        writer.Write(StateVersion);
        writer.Write((long)payload.Length);
        writer.Write(payload);
        writer.Write(SHA256.HashData(payload));
        writer.Flush();
    }

    /// <summary>
    /// Restores what <see cref="WriteState"/> wrote. All or nothing: a damaged, truncated or foreign stream, or one from
    /// another method or optimizer, throws <see cref="InvalidDataException"/> and leaves the step as it was.
    /// </summary>
    /// <exception cref="InvalidDataException">The stream cannot be this step's state (the message says why).</exception>
    public void ReadState(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        byte[] payload = VerifiedPayload(stream);
        byte[] backup = Payload();
        try
        {
            Apply(payload);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Apply(backup);
            throw new InvalidDataException(
                $"The saved training-step state does not fit this run ({e.Message}); nothing was loaded. Resume with the method, optimizer, tasks and network the checkpoint was written with.", e);
        }
    }

    private byte[] Payload()
    {
        using var memory = new MemoryStream();
        using (var writer = new BinaryWriter(memory, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(method.GetType().FullName ?? method.Name);
            method.WriteState(writer);
            optimizer.save_state_dict(writer);
            writer.Write(scheduleSteps);
            writer.Write(stepsTaken);
        }
        return memory.ToArray();
    }

    private static byte[] VerifiedPayload(Stream stream)
    {
        try
        {
            using var reader = new BinaryReader(stream, System.Text.Encoding.UTF8, leaveOpen: true);
            byte[] magic = reader.ReadBytes(StateMagic.Length);
            if (!magic.AsSpan().SequenceEqual(StateMagic))
                throw new InvalidDataException("The stream is not a training-step state (wrong magic bytes); it was not written by TrainingStep.WriteState.");
            int version = reader.ReadInt32();
            if (version != StateVersion)
                throw new InvalidDataException($"The training-step state has version {version}; this build reads version {StateVersion}.");
            long length = reader.ReadInt64();
            if (length < 0 || length > int.MaxValue)
                throw new InvalidDataException($"The training-step state declares {length} bytes of contents; the stream is damaged.");
            byte[] payload = reader.ReadBytes((int)length);
            byte[] hash = reader.ReadBytes(32);
            if (payload.Length != length || hash.Length != 32)
                throw new InvalidDataException("The training-step state is truncated; the checkpoint was not written completely.");
            if (!SHA256.HashData(payload).AsSpan().SequenceEqual(hash))
                throw new InvalidDataException("The training-step state is damaged (its SHA-256 does not match its contents).");
            return payload;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidDataException("The training-step state is truncated; the checkpoint was not written completely.", e);
        }
    }

    private void Apply(byte[] payload)
    {
        using var reader = new BinaryReader(new MemoryStream(payload), System.Text.Encoding.UTF8);
        string methodType = reader.ReadString();
        string expected = method.GetType().FullName ?? method.Name;
        if (methodType != expected)
            throw new InvalidDataException($"the state was written by method type '{methodType}', this run uses '{expected}'");
        method.ReadState(reader);
        optimizer.load_state_dict(reader);
        int steps = reader.ReadInt32();
        long taken = reader.ReadInt64();
        if (steps < 0 || taken < 0)
            throw new InvalidDataException($"negative counters (schedule {steps}, steps {taken})");
        if (reader.BaseStream.Position != reader.BaseStream.Length)
            throw new InvalidDataException("unexpected bytes after the state");
        // Replay the schedule from its start: the same per-epoch arithmetic gives bit-identical rates.
        foreach (var group in optimizer.ParamGroups)
            group.LearningRate = group.InitialLearningRate;
        scheduler = OptimizerFactory.Schedule(options, optimizer);
        for (int k = 0; k < steps; k++)
            scheduler.step();
        scheduleSteps = steps;
        stepsTaken = taken;
    }

    public void Dispose()
    {
        optimizer.Dispose();
        context.Dispose();
        gradients.Dispose();
    }
}
