using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Datasets;

namespace Mtl.Trainers.Bench;

/// <summary>
/// Rows per second of scoring 10,000 Multi-Fashion test rows: the fitted transformer (batched TorchSharp) and the same
/// model saved to an ML.NET zip and reloaded with plain <c>mlContext.Model.Load</c> (OnnxTransformer: one ONNX Runtime
/// call per row), on two upstreams: cached (the passes time the model) and lazy (every read composes the row's image
/// again, as corruptions or image loading would). A pass reads every task's Score and PredictedLabel of every row. Also:
/// the forward's share of the fitted transformer's scoring time, and the single-row latency of a PredictionEngine on
/// each. The network is trained for one short epoch: speed does not depend on the weights.
/// </summary>
internal static class ScoringBenchmark
{
    public static JsonObject Run(MLContext ml, int rows, int passes)
    {
        IDataView train = ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Train, seed: 1).AsDataView(), 2048);
        IDataView lazy = ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1).AsDataView(), rows);
        IDataView test = ml.Data.Cache(lazy);
        string[] tasks = [MultiTaskDatasets.LeftColumnName, MultiTaskDatasets.RightColumnName];
        long count = ReadAll(test, []); // fills the cache
        using MultiHeadNetworkTransformer fitted = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = MultiTaskDatasets.ImageColumnName,
            Tasks = tasks.Select(t => new TaskDefinition(t)).ToList(),
            MaxEpoch = 1,
            BatchSize = 256,
            Seed = 1,
        }).Fit(train);

        float[][] abRows = test.GetColumn<VBuffer<float>>(MultiTaskDatasets.ImageColumnName).Take(512).Select(v => v.DenseValues().ToArray()).ToArray();
        JsonObject forwardAb = ForwardAb(fitted, abRows);

        string folder = Path.Combine(Path.GetTempPath(), $"mtl-scoring-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        ml.TempFilePath = folder; // the reloaded OnnxTransformer leaves its model copy there
        try
        {
            string zip = Path.Combine(folder, "model.zip");
            ml.Model.Save(fitted, train.Schema, zip);
            ITransformer reloaded = SavedModel.Load(ml, zip, out _);
            try
            {
                var result = new JsonObject { ["rows"] = count, ["passes"] = passes, ["scoring_batch_size"] = fitted.ScoringBatchSize };
                Console.WriteLine($"Scoring {count} Multi-Fashion test rows (Score + PredictedLabel of {tasks.Length} tasks), median of {passes} passes");
                Console.WriteLine($"{"model",-46}{"s / pass",10}{"rows/s",12}");
                long forwardBefore = fitted.ForwardTicks;
                var cachedWatch = Stopwatch.StartNew();
                result["fitted_torchsharp"] = Time("cached: fitted transformer (TorchSharp, batched)", () => ReadAll(fitted.Transform(test), tasks), passes);
                double forwardShare = (fitted.ForwardTicks - forwardBefore) / (double)Stopwatch.Frequency / cachedWatch.Elapsed.TotalSeconds;
                result["reloaded_onnx"] = Time("cached: reloaded zip (OnnxTransformer)", () => ReadAll(reloaded.Transform(test), tasks), passes);
                result["lazy_fitted_torchsharp"] = Time("lazy: fitted transformer (TorchSharp, batched)", () => ReadAll(fitted.Transform(lazy), tasks), passes);
                result["lazy_reloaded_onnx"] = Time("lazy: reloaded zip (OnnxTransformer)", () => ReadAll(reloaded.Transform(lazy), tasks), passes);
                double Ratio(string a, string b) => result[a]!["rows_per_second"]!.GetValue<double>() / result[b]!["rows_per_second"]!.GetValue<double>();
                double cachedRatio = Ratio("fitted_torchsharp", "reloaded_onnx"), lazyRatio = Ratio("lazy_fitted_torchsharp", "lazy_reloaded_onnx");
                result["cached_ratio_fitted_over_reloaded"] = cachedRatio;
                result["lazy_ratio_fitted_over_reloaded"] = lazyRatio;
                result["forward_share_of_cached_fitted_scoring"] = forwardShare;
                Console.WriteLine($"fitted / reloaded rows/s: cached {cachedRatio:F2}×, lazy {lazyRatio:F2}× (target ≥ 4×); forward share of cached fitted scoring {forwardShare:P0}");

                float[][] images = test.GetColumn<VBuffer<float>>(MultiTaskDatasets.ImageColumnName).Take(512).Select(v => v.DenseValues().ToArray()).ToArray();
                result["prediction_engine_fitted_us"] = Latency("PredictionEngine, fitted transformer", ml, fitted, images);
                result["prediction_engine_reloaded_us"] = Latency("PredictionEngine, reloaded zip", ml, reloaded, images);
                return result;
            }
            finally
            {
                (reloaded as IDisposable)?.Dispose();
            }
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>
    /// The network's forward alone on one batch of rows, TorchSharp (libtorch, eval, no-grad) against ONNX Runtime on the
    /// batched graph, interleaved round by round in this process so that the machine's load falls on both alike: median
    /// µs per row per batch size, their ratio, and the largest difference between their scores.
    /// </summary>
    private static JsonObject ForwardAb(MultiHeadNetworkTransformer fitted, float[][] rows)
    {
        var result = new JsonObject();
        Console.WriteLine($"forward alone, TorchSharp vs ONNX Runtime (batched graph, {TorchSharp.torch.get_num_threads()} intra-op threads), interleaved rounds:");
        Console.WriteLine($"{"batch",8}{"torch µs/row",14}{"ORT µs/row",12}{"ORT spin µs/row",17}{"1-row ORT µs/row",18}{"torch/ORT",11}{"1-row/ORT",11}{"ORT cpu µs/row",16}{"max |Δ|",11}");
        var rowScorer = fitted.RowScorer!;
        using var rowBuffers = rowScorer.CreateBuffers();
        var exported = Onnx.NetworkOnnxExporter.Export(fitted, batched: true);
        using var ort = new Onnx.OnnxBatchScorer(exported, fitted, TorchSharp.torch.get_num_threads(), allowSpinning: false);
        using var ortSpin = new Onnx.OnnxBatchScorer(exported, fitted, TorchSharp.torch.get_num_threads(), allowSpinning: true);
        foreach (int size in new[] { 32, 64, 128, 256, 512 })
        {
            int rowSize = rows[0].Length;
            using var buffers = ort.CreateBuffers(size);
            using var spinBuffers = ortSpin.CreateBuffers(size);
            for (int r = 0; r < size; r++)
            {
                rows[r % rows.Length].CopyTo(buffers.Features, r * rowSize);
                rows[r % rows.Length].CopyTo(spinBuffers.Features, r * rowSize);
            }
            float[] features = (float[])buffers.Features.Clone();
            var torchBatch = new ScoreBatch();
            var ortBatch = new ScoreBatch();
            var torchUs = new List<double>();
            var ortUs = new List<double>();
            var spinUs = new List<double>();
            var oneRowUs = new List<double>();
            var ortCpuUs = new List<double>();
            var process = System.Diagnostics.Process.GetCurrentProcess();
            var rowBatch = new ScoreBatch();
            int rounds = Math.Max(6, 6 * 512 / size);
            for (int round = -2; round < rounds; round++)
            {
                long t0 = Stopwatch.GetTimestamp();
                fitted.Score(features, size, torchBatch);
                process.Refresh();
                TimeSpan cpu0 = process.TotalProcessorTime;
                long t1 = Stopwatch.GetTimestamp();
                ort.Score(buffers, size, ortBatch);
                long t2 = Stopwatch.GetTimestamp();
                process.Refresh();
                TimeSpan cpu1 = process.TotalProcessorTime;
                ortSpin.Score(spinBuffers, size, new ScoreBatch());
                long t3 = Stopwatch.GetTimestamp();
                for (int r = 0; r < size; r++) rowScorer.Score(features.AsSpan(r * rowSize, rowSize), rowBuffers, rowBatch);
                long t4 = Stopwatch.GetTimestamp();
                if (round < 0) continue; // warm-up
                oneRowUs.Add((t4 - t3) * 1e6 / Stopwatch.Frequency / size);
                ortCpuUs.Add((cpu1 - cpu0).TotalMicroseconds / size);
                torchUs.Add((t1 - t0) * 1e6 / Stopwatch.Frequency / size);
                ortUs.Add((t2 - t1) * 1e6 / Stopwatch.Frequency / size);
                spinUs.Add((t3 - t2) * 1e6 / Stopwatch.Frequency / size);
            }
            double maxDiff = 0;
            for (int t = 0; t < torchBatch.Scores.Length; t++)
                for (int k = 0; k < torchBatch.Scores[t].Length; k++) maxDiff = Math.Max(maxDiff, Math.Abs(torchBatch.Scores[t][k] - ortBatch.Scores[t][k]));
            double torchMedian = Statistics.Median(torchUs), ortMedian = Statistics.Median(ortUs), spinMedian = Statistics.Median(spinUs);
            double oneRowMedian = Statistics.Median(oneRowUs), ortCpuMedian = Statistics.Median(ortCpuUs);
            Console.WriteLine($"{size,8}{torchMedian,14:F2}{ortMedian,12:F2}{spinMedian,17:F2}{oneRowMedian,18:F2}{torchMedian / ortMedian,10:F2}×{oneRowMedian / ortMedian,10:F2}×{ortCpuMedian,16:F2}{maxDiff,11:E1}");
            result[$"batch_{size}"] = new JsonObject
            {
                ["torchsharp_us_per_row"] = torchMedian, ["onnxruntime_us_per_row"] = ortMedian, ["onnxruntime_spinning_us_per_row"] = spinMedian,
                ["one_row_onnxruntime_us_per_row"] = oneRowMedian, ["one_row_over_batched_onnxruntime"] = oneRowMedian / ortMedian, ["onnxruntime_cpu_us_per_row"] = ortCpuMedian,
                ["torchsharp_over_onnxruntime"] = torchMedian / ortMedian, ["max_abs_score_difference"] = maxDiff, ["rounds"] = rounds,
            };
        }
        return result;
    }

    private static JsonObject Time(string name, Func<long> pass, int passes)
    {
        pass(); // warm-up: ONNX Runtime session, TorchSharp allocator
        var seconds = new List<double>();
        long rows = 0;
        for (int i = 0; i < passes; i++)
        {
            var sw = Stopwatch.StartNew();
            rows = pass();
            seconds.Add(sw.Elapsed.TotalSeconds);
        }
        double median = Statistics.Median(seconds);
        Console.WriteLine($"{name,-46}{median,10:F3}{rows / median,12:F0}");
        return new JsonObject { ["seconds_per_pass"] = median, ["rows_per_second"] = rows / median, ["passes_s"] = new JsonArray(seconds.Select(s => (JsonNode)s).ToArray()) };
    }

    /// <summary>Median microseconds of one PredictionEngine.Predict over <paramref name="images"/> (after a warm-up pass).</summary>
    private static double Latency(string name, MLContext ml, ITransformer model, float[][] images)
    {
        using var engine = ml.Model.CreatePredictionEngine<ImageRow, TwoTaskScores>(model);
        var output = new TwoTaskScores();
        var input = new ImageRow();
        var micros = new List<double>();
        for (int pass = 0; pass < 2; pass++)
            foreach (float[] image in images)
            {
                input.Image = image;
                long start = Stopwatch.GetTimestamp();
                engine.Predict(input, ref output);
                if (pass == 1) micros.Add((Stopwatch.GetTimestamp() - start) * 1e6 / Stopwatch.Frequency);
            }
        double median = Statistics.Median(micros);
        Console.WriteLine($"{name,-46}{median,10:F1} µs per row (median of {micros.Count})");
        return median;
    }

    private sealed class ImageRow
    {
        [ColumnName("Image"), VectorType(1, 28, 28)]
        public float[] Image { get; set; } = [];
    }

    private sealed class TwoTaskScores
    {
        [ColumnName("Left.Score")]
        public float[] LeftScore { get; set; } = [];

        [ColumnName("Right.Score")]
        public float[] RightScore { get; set; } = [];
    }

    // Reads every task's Score vector and PredictedLabel key of every row; returns the row count.
    private static long ReadAll(IDataView scored, string[] tasks)
    {
        var columns = tasks.SelectMany(t => new[] { scored.Schema[t + ".Score"], scored.Schema[t + ".PredictedLabel"] }).ToArray();
        using DataViewRowCursor cursor = scored.GetRowCursor(columns);
        var scores = tasks.Select(t => cursor.GetGetter<VBuffer<float>>(scored.Schema[t + ".Score"])).ToArray();
        var labels = tasks.Select(t => cursor.GetGetter<uint>(scored.Schema[t + ".PredictedLabel"])).ToArray();
        VBuffer<float> score = default;
        uint label = 0;
        long n = 0;
        while (cursor.MoveNext())
        {
            foreach (var get in scores) get(ref score);
            foreach (var get in labels) get(ref label);
            n++;
        }
        return n;
    }
}
