using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;
using Mtl.Trainers.Methods;

namespace Mtl.Trainers.Engine;

/// <summary>
/// The training step's side of <see cref="IStepGradients"/>: serves a method family's template with per-task gradients in
/// the configured <see cref="GradientMode"/> and puts the result where the optimizer reads it (the shared parameters'
/// <c>.grad</c>, one trunk backward, or per task into <see cref="PerTaskAdam"/>). One instance per training run; the
/// step calls <see cref="Begin"/> with the step's trunk output before the method's template runs.
/// </summary>
internal sealed class StepGradients : IStepGradients, IDisposable
{
    private readonly GradientMode _mode;
    private readonly IReadOnlyList<Parameter> _shared;
    private readonly IReadOnlyList<IReadOnlyList<Tensor>> _heads;
    private readonly Func<IReadOnlyList<Parameter>> _methodParameters;
    private readonly PerTaskAdam? _perTask;
    private readonly Stopwatch _solverWatch = new();
    private readonly Parameter? _gradNormLayer;
    private readonly LayerTaps? _taps;
    private bool _tapsRecorded;
    private IReadOnlyList<Tensor>? _boundaries;
    private IReadOnlyList<Tensor>? _taskInputs;

    /// <summary>Creates the server.</summary>
    /// <param name="mode">Where per-task gradients are taken.</param>
    /// <param name="shared">Shared (trunk) parameters.</param>
    /// <param name="heads">Each task's head parameters.</param>
    /// <param name="methodParameters">The method's learnable parameters (asked each step: created by Initialize).</param>
    /// <param name="perTask">The per-task optimizer, when the run uses one.</param>
    /// <param name="gradNormLayer">The shared layer whose per-task gradient norms GradNorm-like methods read (the network's choice).</param>
    /// <param name="tapRoot">
    /// In Parameters mode, the network whose shared Linear/Conv2d layers <see cref="LayerTaps"/> hooks so that per-task
    /// weight gradients are formed for all tasks at once; null takes every per-task gradient with a plain pass.
    /// </param>
    public StepGradients(GradientMode mode, IReadOnlyList<Parameter> shared, IReadOnlyList<IReadOnlyList<Tensor>> heads,
        Func<IReadOnlyList<Parameter>> methodParameters, PerTaskAdam? perTask, Parameter? gradNormLayer, nn.Module? tapRoot = null)
    {
        _taps = mode == GradientMode.Parameters && tapRoot is not null ? LayerTaps.For(tapRoot, shared) : null;
        _gradNormLayer = gradNormLayer;
        _mode = mode;
        _shared = shared;
        _heads = heads;
        _methodParameters = methodParameters;
        _perTask = perTask;
    }

    /// <summary>Total time spent in the methods' own computations (solvers, weightings).</summary>
    public TimeSpan SolverTime => _solverWatch.Elapsed;

    /// <summary>
    /// Starts a step with the network's boundary tensors. In Representation mode the task-specific part must have consumed
    /// <paramref name="taskInputs"/>, the detached, grad-requiring copies of <paramref name="boundaries"/>; otherwise both
    /// are the same tensors.
    /// </summary>
    public void Begin(IReadOnlyList<Tensor> boundaries, IReadOnlyList<Tensor> taskInputs)
    {
        _boundaries = boundaries;
        _taskInputs = taskInputs;
    }

    /// <summary>
    /// Call around the step's forward: hooks the tapped layers (Parameters mode with a tap root) for the per-task passes of
    /// this step; disposing removes the hooks. Null when there is nothing to tap.
    /// </summary>
    public IDisposable? RecordForward()
    {
        _tapsRecorded = _taps is not null;
        return _taps?.Record();
    }

    /// <summary>Removes any hooks and releases the tensors a recorded forward kept.</summary>
    public void Dispose() => _taps?.Dispose();

    /// <summary>Bytes of δ buffers the layer taps keep from one step to the next (0 without taps; for the memory benchmark).</summary>
    internal long KeptTapBufferBytes => _taps?.KeptBufferBytes ?? 0;

    /// <summary>True when the heads see a detached copy of z (Representation mode for methods that need per-task gradients).</summary>
    public static bool DetachesRepresentation(GradientMode mode, MethodRequirements requirements) =>
        mode == GradientMode.Representation && requirements.Gradients != GradientNeed.CombinedLoss;

    /// <inheritdoc />
    public void BackwardCombined(Tensor combined, IReadOnlyList<Tensor> taskLosses, IReadOnlyList<double>? weights)
    {
        if (_perTask is null)
        {
            combined.backward();
            return;
        }
        if (weights is null)
            throw new InvalidOperationException(
                "OptimizerKind.PerTaskAdam needs the method's effective task weights (CurrentWeights) to weight each task's shared gradient, but the loss weighting reported none.");
        // The method's own parameters (UW's log-variances, …) learn from the combined loss; the graph stays for the task passes.
        MethodParameterGradients([combined]);
        var weighted = new Tensor[taskLosses.Count];
        for (int i = 0; i < weighted.Length; i++)
            weighted[i] = taskLosses[i] * weights[i];
        using StackedGradients gradients = TaskGradientEngine.ParameterGradients(weighted, _shared, _heads);
        _perTask.StageTaskGradients(gradients, null);
    }

    /// <inheritdoc />
    public StackedGradients TaskGradients(IReadOnlyList<Tensor> losses)
    {
        MethodParameterGradients(losses);
        if (_mode == GradientMode.Parameters && _tapsRecorded)
        {
            _tapsRecorded = false;
            try
            {
                return _taps!.ParameterGradients(losses, _shared, _heads);
            }
            finally
            {
                _taps!.Clear();
            }
        }
        if (_mode == GradientMode.Parameters)
            return TaskGradientEngine.ParameterGradients(losses, _shared, _heads);
        var z = _taskInputs ?? throw new InvalidOperationException("StepGradients.Begin was not called for this step.");
        return TaskGradientEngine.RepresentationGradients(losses, z, _heads);
    }

    /// <inheritdoc />
    public void ApplyWeights(StackedGradients gradients, IReadOnlyList<double> weights)
    {
        double[] w = weights.ToArray();
        if (_mode == GradientMode.Representation)
            TaskGradientEngine.BackwardThroughTrunk(_boundaries!, gradients, w);
        else if (_perTask is not null)
            _perTask.StageTaskGradients(gradients, w);
        else
            gradients.CombineInto(_shared, w);
    }

    /// <inheritdoc />
    public void ApplyDirection(StackedGradients gradients, Tensor direction)
    {
        if (_mode == GradientMode.Representation)
        {
            if (_boundaries!.Count == 1)
            {
                using Tensor dz = direction.view(_boundaries[0].shape);
                _boundaries[0].backward(new[] { dz });
                return;
            }
            Tensor[] dzs = gradients.Unflatten(direction);
            try
            {
                autograd.backward(_boundaries.ToArray(), dzs);
            }
            finally
            {
                foreach (Tensor d in dzs) d.Dispose();
            }
            return;
        }
        Tensor[] pieces = gradients.Unflatten(direction);
        for (int p = 0; p < pieces.Length; p++)
        {
            _shared[p].grad = pieces[p];
            pieces[p].Dispose();
        }
    }

    /// <inheritdoc />
    public T Solve<T>(Func<T> solver)
    {
        _solverWatch.Start();
        try
        {
            return solver();
        }
        finally
        {
            _solverWatch.Stop();
        }
    }

    /// <summary>
    /// ‖∇_W Lᵢ‖ of every task loss at the network's GradNorm layer W (by default the last shared parameter with two or
    /// more dimensions), with the graph retained for the main backward.
    /// </summary>
    /// <exception cref="InvalidOperationException">The network has no such layer.</exception>
    public double[] SharedLayerGradientNorms(IReadOnlyList<Tensor> losses)
    {
        Parameter last = _gradNormLayer ?? throw new InvalidOperationException(
            "The method needs gradient norms at a shared weight matrix, but the network has none (MultiTaskNetwork.GradNormLayer is null).");
        var norms = new double[losses.Count];
        for (int i = 0; i < norms.Length; i++)
        {
            Tensor? g = LossGradients.Of(losses[i], [last], retainGraph: true, what: $"task {i}'s loss")[0];
            if (g is null)
                continue;
            using (var norm = g.norm())
                norms[i] = norm.to_type(ScalarType.Float64).item<double>();
            g.Dispose();
        }
        return norms;
    }

    /// <summary>Clips the combined shared gradient to <paramref name="maxNorm"/> wherever it lives (.grad or the staged task gradients).</summary>
    public void ClipShared(double maxNorm)
    {
        if (_perTask is not null && _mode == GradientMode.Parameters)
            _perTask.ClipStagedCombinedNorm(maxNorm);
        else
            nn.utils.clip_grad_norm_(_shared, maxNorm);
    }

    /// <summary>
    /// Gradients of the method's own learnable parameters from Σᵢ of the given losses, taken with the graph retained
    /// before the per-task passes free it (for gradient methods these are the prepared losses, as each task's backward
    /// accumulates them in LibMTL).
    /// </summary>
    private void MethodParameterGradients(IReadOnlyList<Tensor> losses)
    {
        IReadOnlyList<Parameter> own = _methodParameters();
        if (own.Count == 0)
            return;
        Tensor total = losses.Count == 1 ? losses[0] : losses.Aggregate((a, b) => a + b);
        Tensor?[] grads = LossGradients.Of(total, own.Cast<Tensor>().ToArray(), retainGraph: true, what: "the method's own loss terms");
        for (int k = 0; k < own.Count; k++)
            if (grads[k] is { } g)
                own[k].grad = g;
    }
}
