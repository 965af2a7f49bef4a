using System.Diagnostics;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Mtl.Trainers.Onnx;

/// <summary>
/// Scores a batch of rows per ONNX Runtime call on the batched variant of the saved graph (<see cref="NetworkOnnxExporter"/>
/// with a batch dimension: the same exporters, nodes and task outputs): the fitted transformer's batched CPU scoring.
/// ONNX Runtime's convolutions beat libtorch's on the small images and batches scoring sees (see docs/benchmarks.md).
/// Intra-op threads: libtorch's thread count when the scorer is built, so scoring uses what training was given.
/// Each cursor owns <see cref="Buffers"/>: its feature array (pinned for ONNX Runtime, so rows are written straight into
/// the input tensor) and full-batch output tensors allocated once; a shorter last batch runs on tensors of its own size,
/// released at once.
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

    internal OnnxBatchScorer(ExportedNetwork exported, MultiHeadNetworkTransformer model, int threads, bool allowSpinning)
    {
        options = new SessionOptions { IntraOpNumThreads = Math.Max(1, threads), InterOpNumThreads = 1, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        // Spinning workers would take the cores from the cursor's own work (the upstream's rows) between batches.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", allowSpinning ? "1" : "0");
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
        return new OnnxBatchScorer(exported, model, threads, allowSpinning: false);
    }

    /// <summary>Stopwatch ticks spent in <see cref="Score"/> so far (the forward's share of scoring).</summary>
    public long Ticks => Interlocked.Read(ref ticks);

    /// <summary>Buffers for batches of up to <paramref name="capacity"/> rows, for one caller.</summary>
    public Buffers CreateBuffers(int capacity) => new(this, capacity);

    /// <summary>Scores the first <paramref name="rows"/> rows of <paramref name="buffers"/>' features into <paramref name="into"/> (whose arrays are the buffers').</summary>
    public void Score(Buffers buffers, int rows, ScoreBatch into)
    {
        if (rows < 1 || rows > buffers.Capacity) throw new ArgumentOutOfRangeException(nameof(rows), $"A batch has 1 to {buffers.Capacity} rows, not {rows}.");
        long start = Stopwatch.GetTimestamp();
        // InferenceSession.Run is safe to call from several threads; every caller has its own tensors.
        if (rows == buffers.Capacity)
        {
            session.Run(runOptions, inputNames, buffers.Inputs, outputNames, buffers.Outputs);
            CopyOut(buffers.Outputs, rows, buffers);
        }
        else
        {
            using OrtValue input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, buffers.Features.AsMemory(0, rows * rowSize), Shape(rows));
            using IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, inputNames, [input], outputNames);
            CopyOut(outputs, rows, buffers);
        }
        into.Scores = buffers.Scores;
        into.Embedding = buffers.Embedding;
        into.Index = 0;
        Interlocked.Add(ref ticks, Stopwatch.GetTimestamp() - start);
    }

    // Each task's scores are row-major (rows × its width); a task with several outputs (binary: raw score, probability)
    // interleaves them per row.
    private void CopyOut(IReadOnlyList<OrtValue> outputs, int rows, Buffers buffers)
    {
        for (int i = 0; i < taskParts.Length; i++)
        {
            int[] parts = taskParts[i];
            int width = taskWidths[i], offset = 0;
            Span<float> scores = buffers.Scores[i];
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
        if (embeddingOutput >= 0) outputs[embeddingOutput].GetTensorDataAsSpan<float>()[..(rows * outputWidths[embeddingOutput])].CopyTo(buffers.Embedding);
    }

    private long[] Shape(int rows) => rowShape.Prepend(rows).ToArray();

    /// <summary>Releases the session.</summary>
    public void Dispose()
    {
        session.Dispose();
        options.Dispose();
        runOptions.Dispose();
    }

    /// <summary>One caller's batch: the feature rows it writes, the full-batch tensors, and the arrays its getters read.</summary>
    internal sealed class Buffers : IDisposable
    {
        public Buffers(OnnxBatchScorer scorer, int capacity)
        {
            Capacity = capacity;
            Features = new float[capacity * scorer.rowSize];
            Inputs = [OrtValue.CreateTensorValueFromMemory(Features, scorer.Shape(capacity))];
            Outputs = scorer.outputWidths.Select(w => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [capacity, w])).ToArray();
            Scores = scorer.taskWidths.Select(w => new float[capacity * w]).ToArray();
            Embedding = scorer.embeddingOutput >= 0 ? new float[capacity * scorer.outputWidths[scorer.embeddingOutput]] : null;
        }

        public int Capacity { get; }

        /// <summary>The batch's feature rows, row-major (the input tensor's memory).</summary>
        public float[] Features { get; }

        public OrtValue[] Inputs { get; }
        public OrtValue[] Outputs { get; }
        public float[][] Scores { get; }
        public float[]? Embedding { get; }

        public void Dispose()
        {
            foreach (OrtValue v in Inputs) v.Dispose();
            foreach (OrtValue v in Outputs) v.Dispose();
        }
    }
}
