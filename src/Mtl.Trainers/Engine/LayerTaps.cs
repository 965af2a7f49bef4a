using Mtl.Trainers.Network;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Engine;

/// <summary>
/// Parameters mode's per-task gradients with the shared layers' weight gradients formed for all tasks at once
/// (issue 22, item 3). T plain passes each recompute every shared weight gradient — for MultiLeNet's one-input-channel
/// conv1 a slow kernel — from that task's gradient δₜ at the layer's output and the layer's input a, which every task
/// shares. So each shared <see cref="Linear"/> and <see cref="Conv2d"/> is tapped (<see cref="LayerRule.Tap"/>, the per-sample
/// gradient engine's hooks: the layer's input a is kept and a zero probe added to its output); each task's pass then asks
/// autograd for δₜ at the probes instead of the weight gradients, each δₜ is copied into the call's buffer in the layout
/// the rule contracts (<see cref="LayerRule.Arranged"/>), and after the passes the rule (<see cref="LayerRule.AllRows"/>)
/// gives every task's weight and bias gradients in one product or convolution. The results equal the plain
/// passes' up to float reassociation (a different summation order). A shared convolution that only a 2×2 max pool reads,
/// directly or through a channel dropout (<see cref="PooledConvolution"/>: both of MultiLeNet's), is probed at the pool's
/// output instead: each task's δ is a quarter of the size, and the weight gradients add only the patches under the
/// maxima (<see cref="MaxPooledConv2dRule"/>), a quarter of the dense products. Parameters of other layers, or of a tapped layer
/// whose forward ran without <c>Module.call</c>, take the plain path inside the same passes. The δ are buffered for at
/// most <see cref="BufferBytes"/> per layer call (tasks in chunks), which bounds the extra memory at large T; the buffers
/// are kept for the next step of the same shapes (<see cref="KeptBufferBytes"/>).
/// </summary>
internal sealed class LayerTaps : IDisposable
{
    /// <summary>The most bytes of δ buffered per layer call before its chunk of tasks is contracted.</summary>
    public const long BufferBytes = 64L << 20;

    // The tapped layers by module, in the network's order (a pooled convolution is recorded by its module).
    private readonly Dictionary<nn.Module, Layer> layers;
    private readonly List<Call> calls = new();
    private readonly List<Action> removers = new();

    private readonly long bufferBytes;
    // δ buffers kept from step to step: a chunk is tens of MB, above glibc's mmap threshold, and a fresh one every step
    // pays its page faults and zeroing again.
    private readonly List<Tensor> spareBuffers = new();

    private LayerTaps(Dictionary<nn.Module, Layer> layers, long bufferBytes)
    {
        this.layers = layers;
        this.bufferBytes = bufferBytes;
    }

    /// <summary>The taps for the layers of <paramref name="root"/> that own <paramref name="shared"/> parameters; null when none qualifies.</summary>
    /// <param name="root">The network.</param>
    /// <param name="shared">The shared parameters, in the order of the stacked gradients' tensors.</param>
    /// <param name="bufferBytes">The most bytes of δ buffered per layer call (tests make it small to exercise the chunks).</param>
    public static LayerTaps? For(nn.Module root, IReadOnlyList<Tensor> shared, long bufferBytes = BufferBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bufferBytes, 1);
        var index = new Dictionary<IntPtr, int>();
        for (int p = 0; p < shared.Count; p++) index[shared[p].Handle] = p;
        var found = new Dictionary<nn.Module, Layer>(ReferenceEqualityComparer.Instance);
        foreach ((string _, nn.Module module) in root.named_modules())
        {
            // Batch norm's rule reads running statistics, which a training forward does not normalise with.
            if (module is not (Linear or Conv2d)) continue;
            Dictionary<string, Tensor> own = module.named_parameters(recurse: false).ToDictionary(p => p.name, p => (Tensor)p.parameter);
            int weight = own.TryGetValue("weight", out Tensor? w) && index.TryGetValue(w.Handle, out int wi) ? wi : -1;
            int bias = own.TryGetValue("bias", out Tensor? b) && index.TryGetValue(b.Handle, out int bi) ? bi : -1;
            // Only a layer whose every parameter is shared: a partly shared layer's other half would need its own pass.
            if (weight < 0 || (own.ContainsKey("bias") && bias < 0) || own.Count != (bias < 0 ? 1 : 2)) continue;
            (LayerRule? rule, string? _) = LayerRule.For(module, own);
            if (rule is null) continue; // grouped or non-zero-padded convolutions: the plain passes
            var rows = new Dictionary<Tensor, int>(ReferenceEqualityComparer.Instance) { [own["weight"]] = weight };
            if (bias >= 0) rows[own["bias"]] = bias;
            found.Add(module, new Layer(rule, own, weight, bias, rows));
        }
        return found.Count == 0 ? null : new LayerTaps(found, bufferBytes);
    }

    /// <summary>Hooks the layers for one forward; disposing the result removes the hooks (the recorded calls stay until <see cref="Clear"/>).</summary>
    public IDisposable Record()
    {
        Clear();
        foreach (Layer layer in layers.Values)
            removers.Add(layer.Rule.Tap((kept, probe) => calls.Add(new Call(layer, layer.Rule, kept, probe, null)))); // released by Clear
        removers.Add(PooledConvolution.Recording(new PooledRecorder(this)).Dispose);
        return new Removal(this);
    }

    /// <summary>
    /// The stacked per-task gradients of <paramref name="shared"/> (the same rows as
    /// <see cref="TaskGradientEngine.ParameterGradients"/>), each task's head gradient written to its head parameters.
    /// </summary>
    public StackedGradients ParameterGradients(IReadOnlyList<Tensor> taskLosses, IReadOnlyList<Tensor> shared, IReadOnlyList<IReadOnlyList<Tensor>> headParameters)
    {
        int tasks = taskLosses.Count;
        if (headParameters.Count != tasks)
            throw new ArgumentException($"{headParameters.Count} heads for {tasks} task losses", nameof(headParameters));
        var tapped = new bool[shared.Count];
        foreach (Call call in calls)
        {
            tapped[call.Layer.Weight] = true;
            if (call.Layer.Bias >= 0) tapped[call.Layer.Bias] = true;
        }
        int[] plain = Enumerable.Range(0, shared.Count).Where(p => !tapped[p]).ToArray();
        StackedGradients result = StackedGradients.Allocate(tasks, shared);
        // This call rents from the previous call's buffers and keeps what it uses; the rest (other shapes) is released.
        var previous = new List<Tensor>(spareBuffers);
        spareBuffers.Clear();
        var contractions = calls.Select(c => new Contraction(c, tasks, bufferBytes, previous, spareBuffers)).ToArray();
        try
        {
            // A layer called more than once (weight sharing) adds each call's part; every row starts at 0.
            foreach (int p in Enumerable.Range(0, shared.Count).Where(p => tapped[p])) result[p].zero_();
            for (int i = 0; i < tasks; i++)
            {
                using var scope = NewDisposeScope();
                var inputs = new List<Tensor>(calls.Count + plain.Length + headParameters[i].Count);
                inputs.AddRange(calls.Select(c => c.Probe));
                inputs.AddRange(plain.Select(p => shared[p]));
                inputs.AddRange(headParameters[i]);
                Tensor?[] grads = LossGradients.Of(taskLosses[i], inputs, retainGraph: i < tasks - 1, what: $"task {i}'s loss");
                for (int c = 0; c < contractions.Length; c++)
                    contractions[c].Add(i, grads[c], result);
                for (int k = 0; k < plain.Length; k++)
                    result.SetRow(i, plain[k], grads[calls.Count + k]);
                TaskGradientEngine.AssignHeadGradients(headParameters[i], grads.Skip(calls.Count + plain.Length).ToArray());
            }
            return result;
        }
        catch
        {
            result.Dispose();
            throw;
        }
        finally
        {
            foreach (Contraction c in contractions) c.Dispose();
            foreach (Tensor unused in previous) unused.Dispose();
        }
    }

    /// <summary>The shapes of the recorded calls' probes, in call order: where the tasks' δ are taken (for tests and diagnostics).</summary>
    internal IReadOnlyList<long[]> RecordedProbeShapes => calls.Select(c => c.Probe.shape).ToArray();

    /// <summary>Bytes of the δ buffers kept for the next call.</summary>
    public long KeptBufferBytes => spareBuffers.Sum(t => t.numel() * t.element_size());

    /// <summary>Releases the recorded inputs and probes.</summary>
    public void Clear()
    {
        foreach (Call call in calls)
        {
            call.Input.Dispose();
            call.Probe.Dispose();
            call.Owned?.Dispose();
        }
        calls.Clear();
    }

    /// <inheritdoc />
    public void Dispose()
    {
        RemoveHooks();
        Clear();
        foreach (Tensor spare in spareBuffers) spare.Dispose();
        spareBuffers.Clear();
    }

    private void RemoveHooks()
    {
        foreach (Action remove in removers) remove();
        removers.Clear();
    }

    /// <summary>A tapped layer: its rule and registered parameters, and the rows of its weight and bias (−1: none) among the shared parameters.</summary>
    private sealed record Layer(LayerRule Rule, IReadOnlyDictionary<string, Tensor> Parameters, int Weight, int Bias, IReadOnlyDictionary<Tensor, int> Rows);

    /// <summary>One recorded call: the rule that contracts its δ, its input, its probe, and what else it holds (released with it).</summary>
    private sealed record Call(Layer Layer, IAllRowsRule Rule, Tensor Input, Tensor Probe, IDisposable? Owned);

    /// <summary>
    /// Records a tapped convolution that only a max pool reads (<see cref="PooledConvolution"/>) with its probe on the pool's
    /// output: the tasks' δ there, the maxima's positions, the dropout's channel scale and the layer's input give its
    /// weight gradients (<see cref="MaxPooledConv2dRule"/>). A layer reached this way does not run its forward hook, so it
    /// is recorded once.
    /// </summary>
    private sealed class PooledRecorder(LayerTaps taps) : PooledConvolution.IRecorder
    {
        public bool Records(Conv2d conv) => MaxPooledConv2dRule.Applies(conv) && taps.layers.ContainsKey(conv);

        public Tensor Recorded(Conv2d conv, Tensor input, Tensor index, Tensor? channelScale, Tensor pooled)
        {
            Layer layer = taps.layers[conv];
            Tensor kept = input.detach().DetachFromDisposeScope();
            var rule = new MaxPooledConv2dRule(conv, layer.Parameters, index.detach().DetachFromDisposeScope(),
                channelScale?.detach().DetachFromDisposeScope());
            Tensor probe = zeros_like(pooled).requires_grad_(true).DetachFromDisposeScope();
            taps.calls.Add(new Call(layer, rule, kept, probe, rule)); // released by Clear
            return pooled + probe;
        }
    }

    private sealed class Removal(LayerTaps taps) : IDisposable
    {
        public void Dispose() => taps.RemoveHooks();
    }

    /// <summary>One layer call's δ buffer ([chunk, …the rule's arranged output shape]); a full chunk of tasks goes through the layer's rule.</summary>
    private sealed class Contraction : IDisposable
    {
        private readonly Call call;
        private readonly int tasks;
        private readonly int chunk;
        private Tensor? buffer;
        private int first = -1, filled;

        private readonly List<Tensor> spares, kept;

        public Contraction(Call call, int tasks, long bufferBytes, List<Tensor> spares, List<Tensor> kept)
        {
            this.spares = spares;
            this.kept = kept;
            this.call = call;
            this.tasks = tasks;
            chunk = (int)Math.Clamp(bufferBytes / Math.Max(1, call.Probe.numel() * call.Probe.element_size()), 1, tasks);
        }

        /// <summary>Task <paramref name="task"/>'s δ at the call's output (null: the task does not reach it, a zero part).</summary>
        public void Add(int task, Tensor? delta, StackedGradients result)
        {
            if (first < 0) first = task;
            if (delta is not null)
            {
                if (buffer is null)
                {
                    // Kept for later chunks; slots before this task (tasks that did not reach the call) hold zeros.
                    long[] arrangedShape;
                    using (Tensor arrangedProbe = call.Rule.Arranged(call.Probe)) arrangedShape = arrangedProbe.shape;
                    buffer = Rent(arrangedShape.Prepend(chunk).ToArray());
                    if (task > first)
                        using (Tensor earlier = buffer.narrow(0, 0, task - first)) earlier.zero_();
                }
                using Tensor slot = buffer.select(0, task - first);
                using Tensor arranged = call.Rule.Arranged(delta);
                slot.copy_(arranged);
            }
            else if (buffer is not null)
            {
                using Tensor slot = buffer.select(0, task - first);
                slot.zero_();
            }
            filled = task - first + 1;
            if (filled == chunk || task == tasks - 1) Flush(result);
        }

        // The tasks are the rule's targets and all rows one group: each task's gradient of its (batch-mean) loss.
        private void Flush(StackedGradients result)
        {
            int start = first, count = filled;
            first = -1;
            filled = 0;
            if (buffer is null) return; // no task so far reached this call: its part is 0
            using var scope = NewDisposeScope();
            Tensor deltas = buffer.narrow(0, 0, count);
            foreach ((Tensor parameter, Tensor perTask) in call.Rule.AllRows(call.Input, deltas))
                result[call.Layer.Rows[parameter]].narrow(0, start, count).add_(perTask);
        }

        // A spare of the same shape, type and device, or a new buffer (detached: the taps own it).
        private Tensor Rent(long[] shape)
        {
            int found = spares.FindIndex(t => t.dtype == call.Probe.dtype && t.device_type == call.Probe.device_type && t.device_index == call.Probe.device_index && t.shape.SequenceEqual(shape));
            if (found < 0) return empty(shape, call.Probe.dtype, call.Probe.device).DetachFromDisposeScope();
            Tensor spare = spares[found];
            spares.RemoveAt(found);
            return spare;
        }

        public void Dispose()
        {
            if (buffer is not null) kept.Add(buffer);
            buffer = null;
        }
    }
}
