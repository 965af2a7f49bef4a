using Microsoft.ML.OnnxRuntime;
using Mtl.Trainers.Tasks;

namespace Mtl.Trainers.Onnx;

/// <summary>
/// Scores ONE row with ONNX Runtime on the very graph the saved zip holds (<see cref="NetworkOnnxExporter"/>): the
/// PredictionEngine path of a fitted transformer. A one-row forward through TorchSharp pays libtorch's per-operation
/// overhead dozens of times (≈ 5× ONNX Runtime's latency on MultiLeNet); batched scoring stays on TorchSharp.
/// Each caller (a PredictionEngine's row) owns <see cref="RowBuffers"/>: the input and output tensors are bound to
/// arrays once, so a prediction allocates nothing.
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
    private readonly int embeddingOutput = -1;

    private OnnxRowScorer(ExportedNetwork exported, MultiHeadNetworkTransformer model)
    {
        // One row is too little work to split: one intra-op thread measured as fast as two, and engines on many threads do not oversubscribe.
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        session = new InferenceSession(exported.Model, options);
        inputNames = [model.FeatureColumnName];
        inputShape = model.RowShape;
        outputNames = [.. exported.OutputNames];
        outputShapes = outputNames.Select(n => session.OutputMetadata[n].Dimensions.Select(d => (long)d).ToArray()).ToArray();
        taskScoreOutputs = new int[model.Tasks.Count][];
        for (int i = 0; i < model.Tasks.Count; i++)
        {
            int count = model.Tasks[i].Handler().OnnxScoreOutputCount;
            taskScoreOutputs[i] = exported.TaskOutputs[i].Take(count).Select(n => Array.IndexOf(outputNames, n)).ToArray();
        }
        if (model.OutputEmbedding) embeddingOutput = outputNames.Length - 1;
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

    /// <summary>Input and output arrays for one caller, bound to ONNX Runtime tensors once.</summary>
    public RowBuffers CreateBuffers() => new(this);

    /// <summary>Scores the row in <see cref="RowBuffers.Features"/> into <paramref name="into"/> (whose arrays are the buffers').</summary>
    public void Score(RowBuffers buffers, ScoreBatch into)
    {
        // InferenceSession.Run is safe to call from several threads (prediction engines of one transformer share it).
        session.Run(runOptions, inputNames, buffers.InputValues, outputNames, buffers.OutputValues);
        for (int i = 0; i < taskScoreOutputs.Length; i++)
        {
            int[] parts = taskScoreOutputs[i];
            if (parts.Length == 1) continue; // the output array is the score array itself
            int offset = 0;
            foreach (int p in parts)
            {
                buffers.Outputs[p].CopyTo(buffers.Scores[i], offset);
                offset += buffers.Outputs[p].Length;
            }
        }
        into.Scores = buffers.Scores;
        into.Embedding = embeddingOutput >= 0 ? buffers.Outputs[embeddingOutput] : null;
        into.Index = 0;
    }

    /// <summary>Releases the session.</summary>
    public void Dispose()
    {
        session.Dispose();
        runOptions.Dispose();
    }

    /// <summary>One caller's arrays: the features to score, the graph's outputs and each task's score values.</summary>
    internal sealed class RowBuffers : IDisposable
    {
        public RowBuffers(OnnxRowScorer scorer)
        {
            Features = new float[scorer.inputShape.Aggregate(1L, (a, b) => a * b)];
            InputValues = [OrtValue.CreateTensorValueFromMemory(Features, scorer.inputShape)];
            Outputs = scorer.outputShapes.Select(s => new float[s.Aggregate(1L, (a, b) => a * b)]).ToArray();
            OutputValues = Outputs.Select((o, k) => OrtValue.CreateTensorValueFromMemory(o, scorer.outputShapes[k])).ToArray();
            Scores = scorer.taskScoreOutputs.Select(parts => parts.Length == 1 ? Outputs[parts[0]] : new float[parts.Sum(p => Outputs[p].Length)]).ToArray();
        }

        /// <summary>The row to score: copy the features here before <see cref="Score"/>.</summary>
        public float[] Features { get; }

        public OrtValue[] InputValues { get; }
        public float[][] Outputs { get; }
        public OrtValue[] OutputValues { get; }
        public float[][] Scores { get; }

        public void Dispose()
        {
            foreach (OrtValue v in InputValues.Concat(OutputValues)) v.Dispose();
        }
    }
}
