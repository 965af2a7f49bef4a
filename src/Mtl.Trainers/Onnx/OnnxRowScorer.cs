using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Mtl.Trainers.Tasks;

namespace Mtl.Trainers.Onnx;

/// <summary>
/// Scores ONE row with ONNX Runtime on the very graph the saved zip holds (<see cref="NetworkOnnxExporter"/>): the
/// PredictionEngine path of a fitted transformer. A one-row forward through TorchSharp pays libtorch's per-operation
/// overhead dozens of times (≈ 5× ONNX Runtime's latency on MultiLeNet). Batched scoring runs the batched variant of the
/// same graph (<see cref="OnnxBatchScorer"/>).
/// Each caller (a PredictionEngine's row) owns <see cref="RowBuffers"/>: input and output tensors allocated once by
/// ONNX Runtime (native memory, released by the row or its finalizer; no managed array stays pinned), so a prediction
/// allocates nothing.
/// </summary>
internal sealed class OnnxRowScorer : IDisposable
{
    private readonly InferenceSession session;
    private readonly RunOptions runOptions = new();
    private readonly string[] inputNames;
    private readonly long[] inputShape;
    private readonly string[] outputNames;
    private readonly long[][] outputShapes;
    // Per task, the indices (into outputNames) of the outputs whose concatenation is the task's score values.
    private readonly int[][] taskScoreOutputs;
    private readonly int embeddingOutput;

    private OnnxRowScorer(ExportedNetwork exported, MultiHeadNetworkTransformer model)
    {
        session = new InferenceSession(exported.Model);
        inputNames = [model.FeatureColumnName];
        inputShape = model.RowShape;
        var layout = new OnnxScoreLayout(exported, model);
        outputNames = layout.OutputNames;
        outputShapes = outputNames.Select(n => session.OutputMetadata[n].Dimensions.Select(d => (long)d).ToArray()).ToArray();
        taskScoreOutputs = layout.TaskScoreOutputs;
        embeddingOutput = layout.EmbeddingOutput;
    }

    /// <summary>A scorer for <paramref name="model"/>, or null when its network has a layer without an ONNX exporter (it then scores with TorchSharp).</summary>
    public static OnnxRowScorer? TryCreate(MultiHeadNetworkTransformer model)
    {
        ExportedNetwork exported;
        try
        {
            exported = NetworkOnnxExporter.Export(model);
        }
        catch (NotSupportedException)
        {
            return null;
        }
        return new OnnxRowScorer(exported, model);
    }

    /// <summary>Input and output tensors for one caller, allocated once.</summary>
    public RowBuffers CreateBuffers() => new(this);

    /// <summary>Scores <paramref name="features"/> (one row) into <paramref name="into"/> (whose arrays are the buffers').</summary>
    public void Score(ReadOnlySpan<float> features, RowBuffers buffers, ScoreBatch into)
    {
        features.CopyTo(buffers.Input.GetTensorMutableDataAsSpan<float>());
        // InferenceSession.Run is safe to call from several threads (prediction engines of one transformer share it).
        session.Run(runOptions, inputNames, buffers.InputValues, outputNames, buffers.Outputs);
        for (int i = 0; i < taskScoreOutputs.Length; i++)
        {
            int offset = 0;
            foreach (int p in taskScoreOutputs[i])
            {
                ReadOnlySpan<float> part = buffers.Outputs[p].GetTensorDataAsSpan<float>();
                part.CopyTo(buffers.Scores[i].AsSpan(offset));
                offset += part.Length;
            }
        }
        if (buffers.Embedding is not null) buffers.Outputs[embeddingOutput].GetTensorDataAsSpan<float>().CopyTo(buffers.Embedding);
        into.Scores = buffers.Scores;
        into.Embedding = buffers.Embedding;
        into.Index = 0;
    }

    /// <summary>Releases the session.</summary>
    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }

    /// <summary>One caller's tensors (native) and the arrays its getters read.</summary>
    internal sealed class RowBuffers : IDisposable
    {
        public RowBuffers(OnnxRowScorer scorer)
        {
            Input = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, scorer.inputShape);
            InputValues = [Input];
            Outputs = scorer.outputShapes.Select(s => OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, s)).ToArray();
            long Size(int output) => scorer.outputShapes[output].Aggregate(1L, (a, b) => a * b);
            Scores = scorer.taskScoreOutputs.Select(parts => new float[parts.Sum(Size)]).ToArray();
            Embedding = scorer.embeddingOutput >= 0 ? new float[Size(scorer.embeddingOutput)] : null;
        }

        public OrtValue Input { get; }
        public OrtValue[] InputValues { get; }
        public OrtValue[] Outputs { get; }
        public float[][] Scores { get; }
        public float[]? Embedding { get; }

        public void Dispose()
        {
            Input.Dispose();
            foreach (OrtValue v in Outputs) v.Dispose();
        }
    }
}
