using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Mtl.Trainers.Onnx;

/// <summary>
/// Scores a batch of rows per ONNX Runtime call on the batched variant of the saved graph (<see cref="NetworkOnnxExporter"/>
/// with a batch dimension: the same exporters, nodes and task outputs): the fitted transformer's batched CPU scoring.
/// ONNX Runtime's convolutions beat libtorch's on the small images and batches scoring sees (see docs/benchmarks.md).
/// Threads: libtorch's thread count when the scorer is built, so scoring uses what training was given. A batch runs as
/// calls of <see cref="RowsPerRun"/> rows: ONNX Runtime's convolutions keep a smaller call's activations in cache and ran
/// faster per row at 64 rows than at 512 (the scoring benchmark's forward A/B, docs/benchmarks.md). The calls run one
/// after the other on all threads (intra-op): running them side by side on one thread each was no faster end to end on
/// this 2-core machine (the same A/B). Several callers (a cursor set's cursors) may score at once, each on its buffers.
/// Each cursor holds <see cref="Buffers"/>: its feature array (pinned for ONNX Runtime, so rows are written straight into
/// the input tensors, one per call's slice) and the output tensors of every full call; the last, shorter call of a short
/// batch runs on tensors of its own size, released at once. A cursor rents its buffers and gives them back when disposed,
/// and the next cursor reuses them: a batch on fresh tensors was usually slower than on reused ones (up to 2.9× in
/// the bench's forward A/B), and every cursor paid that on its first batch. At most <see cref="MaxPooledBuffers"/> are kept, until the
/// scorer is disposed.
/// </summary>
internal sealed class OnnxBatchScorer : IDisposable
{
    private readonly SessionOptions options;
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string[] inputNames;
    private readonly long[] rowShape;
    private readonly int rowSize;
    // The outputs requested per run: every task's score outputs, then the embedding (the saved graph's other outputs,
    // such as the predicted key, are what the getters compute from the scores).
    private readonly string[] outputNames;
    private readonly int[] outputWidths;
    private readonly int[][] taskParts;
    private readonly int[] taskWidths;
    private readonly int embeddingOutput = -1;
    private long ticks;
    private readonly ConcurrentBag<Buffers> pool = new();
    private volatile bool disposed;

    /// <summary>How many cursors' buffers are kept for reuse.</summary>
    public const int MaxPooledBuffers = 4;

    /// <summary>The rows of one ONNX Runtime call by default.</summary>
    public const int DefaultRowsPerRun = 64;

    /// <param name="exported">The batched graph.</param>
    /// <param name="model">The transformer it was exported from.</param>
    /// <param name="threads">ONNX Runtime's intra-op threads.</param>
    /// <param name="rowsPerRun">Rows per ONNX Runtime call.</param>
    /// <param name="profilePrefix">Where ONNX Runtime writes a per-node profile (the benchmark's; null: none).</param>
    internal OnnxBatchScorer(ExportedNetwork exported, MultiHeadNetworkTransformer model, int threads,
        int rowsPerRun = DefaultRowsPerRun, string? profilePrefix = null)
    {
        RowsPerRun = Math.Max(1, rowsPerRun);
        options = new SessionOptions { IntraOpNumThreads = Math.Max(1, threads), InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        if (profilePrefix is not null)
        {
            options.EnableProfiling = true;
            options.ProfileOutputPathPrefix = profilePrefix;
        }
        // Spinning workers would take the cores from the cursor's own work (the upstream's rows) between batches.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        session = new InferenceSession(exported.Model, options);
        inputNames = [model.FeatureColumnName];
        rowShape = model.RowShape;
        rowSize = (int)rowShape.Aggregate(1L, (a, b) => a * b);
        var layout = new OnnxScoreLayout(exported, model);
        var requested = new List<int>();
        taskParts = layout.TaskScoreOutputs.Select(parts => parts.Select(p => { requested.Add(p); return requested.Count - 1; }).ToArray()).ToArray();
        if (layout.EmbeddingOutput >= 0)
        {
            requested.Add(layout.EmbeddingOutput);
            embeddingOutput = requested.Count - 1;
        }
        outputNames = requested.Select(p => layout.OutputNames[p]).ToArray();
        outputWidths = outputNames.Select(n => (int)session.OutputMetadata[n].Dimensions.Skip(1).Aggregate(1L, (a, b) => a * b)).ToArray();
        taskWidths = taskParts.Select(parts => parts.Sum(p => outputWidths[p])).ToArray();
    }

    /// <summary>
    /// A scorer for <paramref name="model"/> with <paramref name="threads"/> intra-op threads, or null when its network has
    /// a layer without an ONNX exporter (it then scores with TorchSharp).
    /// </summary>
    public static OnnxBatchScorer? TryCreate(MultiHeadNetworkTransformer model, int threads)
    {
        ExportedNetwork exported;
        try
        {
            exported = NetworkOnnxExporter.Export(model, batched: true);
        }
        catch (NotSupportedException)
        {
            return null;
        }
        return new OnnxBatchScorer(exported, model, threads);
    }

    /// <summary>The rows of one ONNX Runtime call (a batch runs as several).</summary>
    public int RowsPerRun { get; }

    /// <summary>Stopwatch ticks spent in <see cref="Score"/> so far (the forward's share of scoring).</summary>
    public long Ticks => Interlocked.Read(ref ticks);

    /// <summary>New buffers for batches of up to <paramref name="capacity"/> rows, for one caller (who disposes them).</summary>
    public Buffers CreateBuffers(int capacity) => new(this, capacity);

    /// <summary>Buffers for batches of up to <paramref name="capacity"/> rows, for one caller: kept ones when there are, else new; give them back with <see cref="Return"/>.</summary>
    public Buffers RentBuffers(int capacity)
    {
        while (pool.TryTake(out Buffers? kept))
        {
            if (kept.Capacity == capacity) return kept;
            kept.Dispose();
        }
        return new Buffers(this, capacity);
    }

    /// <summary>Takes back rented buffers (the caller no longer reads their scores): kept for the next caller, or released.</summary>
    public void Return(Buffers buffers)
    {
        if (!disposed && pool.Count < MaxPooledBuffers)
        {
            pool.Add(buffers);
            if (!disposed) return;
            // Disposed meanwhile: release what the pool still holds, this one included.
            while (pool.TryTake(out Buffers? kept)) kept.Dispose();
            return;
        }
        buffers.Dispose();
    }

    /// <summary>Scores the first <paramref name="rows"/> rows of <paramref name="buffers"/>' features into <paramref name="into"/> (whose arrays are the buffers').</summary>
    public void Score(Buffers buffers, int rows, ScoreBatch into)
    {
        if (rows < 1 || rows > buffers.Capacity) throw new ArgumentOutOfRangeException(nameof(rows), $"A batch has 1 to {buffers.Capacity} rows, not {rows}.");
        long start = Stopwatch.GetTimestamp();
        // InferenceSession.Run is safe to call from several threads; every caller has its own tensors.
        for (int call = 0, calls = (rows + buffers.RunRows - 1) / buffers.RunRows; call < calls; call++) Run(buffers, call, rows);
        into.Scores = buffers.Scores;
        into.Embedding = buffers.Embedding;
        into.Index = 0;
        Interlocked.Add(ref ticks, Stopwatch.GetTimestamp() - start);
    }

    /// <summary>Call <paramref name="call"/> of a batch of <paramref name="rows"/> rows: a full call on the buffers' tensors, a shorter last one on its own.</summary>
    private void Run(Buffers buffers, int call, int rows)
    {
        int first = call * buffers.RunRows, n = Math.Min(buffers.RunRows, rows - first);
        if (n == buffers.RunRows)
        {
            session.Run(runOptions, inputNames, buffers.Inputs[call], outputNames, buffers.Outputs[call]);
            CopyOut(buffers.Outputs[call], first, n, buffers);
        }
        else
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.Features.AsMemory(first * rowSize, n * rowSize), Shape(n));
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, inputNames, [input], outputNames);
            CopyOut(outputs, first, n, buffers);
        }
    }

    // Each task's scores are row-major (rows × its width); a task with several outputs (binary: raw score, probability)
    // interleaves them per row.
    private void CopyOut(IReadOnlyList<OrtValue> outputs, int first, int rows, Buffers buffers)
    {
        for (int i = 0; i < taskParts.Length; i++)
        {
            int[] parts = taskParts[i];
            int width = taskWidths[i], offset = 0;
            Span<float> scores = buffers.Scores[i].AsSpan(first * width);
            foreach (int p in parts)
            {
                int w = outputWidths[p];
                ReadOnlySpan<float> values = outputs[p].GetTensorDataAsSpan<float>();
                if (parts.Length == 1) values[..(rows * w)].CopyTo(scores);
                else
                    for (int r = 0; r < rows; r++) values.Slice(r * w, w).CopyTo(scores.Slice(r * width + offset, w));
                offset += w;
            }
        }
        if (embeddingOutput >= 0)
        {
            int width = outputWidths[embeddingOutput];
            outputs[embeddingOutput].GetTensorDataAsSpan<float>()[..(rows * width)].CopyTo(buffers.Embedding.AsSpan(first * width));
        }
    }

    /// <summary>Ends a profiled scorer's profile; returns the JSON file's path.</summary>
    internal string EndProfiling() => session.EndProfiling();

    private long[] Shape(int rows) => rowShape.Prepend(rows).ToArray();

    /// <summary>Releases the session and the kept buffers (cursors still open release theirs when they are disposed).</summary>
    public void Dispose()
    {
        disposed = true;
        while (pool.TryTake(out Buffers? kept)) kept.Dispose();
        session.Dispose();
        options.Dispose();
        runOptions.Dispose();
    }

    /// <summary>One caller's batch: the feature rows it writes, the tensors of each full call, and the arrays its getters read.</summary>
    internal sealed class Buffers : IDisposable
    {
        public Buffers(OnnxBatchScorer scorer, int capacity)
        {
            Capacity = capacity;
            RunRows = Math.Min(scorer.RowsPerRun, capacity);
            Features = new float[capacity * scorer.rowSize];
            int calls = capacity / RunRows, size = RunRows * scorer.rowSize;
            Inputs = Enumerable.Range(0, calls)
                .Select(c => new[] { OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, Features.AsMemory(c * size, size), scorer.Shape(RunRows)) })
                .ToArray();
            Outputs = Enumerable.Range(0, calls)
                .Select(_ => scorer.outputWidths.Select(w => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [RunRows, w])).ToArray())
                .ToArray();
            Scores = scorer.taskWidths.Select(w => new float[capacity * w]).ToArray();
            Embedding = scorer.embeddingOutput >= 0 ? new float[capacity * scorer.outputWidths[scorer.embeddingOutput]] : null;
        }

        public int Capacity { get; }

        /// <summary>Rows per ONNX Runtime call.</summary>
        public int RunRows { get; }

        /// <summary>The batch's feature rows, row-major (the input tensor's memory).</summary>
        public float[] Features { get; }

        /// <summary>Per full call, its input (a slice of <see cref="Features"/>) and its outputs.</summary>
        public OrtValue[][] Inputs { get; }
        public OrtValue[][] Outputs { get; }
        public float[][] Scores { get; }
        public float[]? Embedding { get; }

        public void Dispose()
        {
            foreach (OrtValue v in Inputs.SelectMany(i => i).Concat(Outputs.SelectMany(o => o))) v.Dispose();
        }
    }
}
