using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Datasets;

namespace Mtl.Trainers.Bench;

/// <summary>
/// Rows per second of scoring 10,000 Multi-Fashion test rows: the fitted transformer (batched: ONNX Runtime on the batched
/// graph on the CPU) and the same model saved to an ML.NET zip and reloaded with plain <c>mlContext.Model.Load</c>
/// (OnnxTransformer: one ONNX Runtime call per row), their passes interleaved, on two upstreams: cached (the passes time
/// the model) and lazy (every read composes the row's image again, as corruptions or image loading would). A pass reads every task's Score and PredictedLabel of every row. Also:
/// the forward's share of the fitted transformer's scoring time, and the single-row latency of a PredictionEngine on
/// each. First, the network's forward alone per batch size: TorchSharp vs ONNX Runtime vs the one-row graph, interleaved.
/// The network is trained for one short epoch: speed does not depend on the weights.
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
                float[][] abRows = test.GetColumn<VBuffer<float>>(MultiTaskDatasets.ImageColumnName).Take(512).Select(v => v.DenseValues().ToArray()).ToArray();
                JsonObject forwardAb = ForwardAb(ml, fitted, reloaded, test, tasks, abRows);
                forwardAb["onnxruntime_node_profile"] = OrtNodeProfile(fitted, abRows);
                string engine = fitted.BatchScoringEngine;
                var result = new JsonObject { ["rows"] = count, ["passes"] = passes, ["scoring_batch_size"] = fitted.ScoringBatchSize, ["fitted_batch_engine"] = engine, ["forward_ab"] = forwardAb };
                Console.WriteLine($"Scoring {count} Multi-Fashion test rows (Score + PredictedLabel of {tasks.Length} tasks), median of {passes} passes, fitted and zip passes interleaved");
                Console.WriteLine($"{"model",-50}{"s / pass",10}{"rows/s",12}{"cpu µs/row",14}");
                (result["fitted"], result["reloaded_onnx"], double cachedRatio, double forwardShare) = Interleaved("cached", engine, fitted,
                    () => ReadAll(fitted.Transform(test), tasks), () => ReadAll(reloaded.Transform(test), tasks), passes);
                (result["lazy_fitted"], result["lazy_reloaded_onnx"], double lazyRatio, double lazyForwardShare) = Interleaved("lazy", engine, fitted,
                    () => ReadAll(fitted.Transform(lazy), tasks), () => ReadAll(reloaded.Transform(lazy), tasks), passes);
                result["cached_ratio_fitted_over_reloaded"] = cachedRatio;
                result["lazy_ratio_fitted_over_reloaded"] = lazyRatio;
                result["forward_share_of_cached_fitted_scoring"] = forwardShare;
                result["forward_share_of_lazy_fitted_scoring"] = lazyForwardShare;
                Console.WriteLine($"fitted / reloaded rows/s (median of the passes' ratios): cached {cachedRatio:F2}×, lazy {lazyRatio:F2}× (target ≥ 4×); " +
                                  $"forward share of fitted scoring: cached {forwardShare:P0}, lazy {lazyForwardShare:P0}");

                result["prediction_engine_fitted_us"] = Latency("PredictionEngine, fitted transformer", ml, fitted, abRows);
                result["prediction_engine_reloaded_us"] = Latency("PredictionEngine, reloaded zip", ml, reloaded, abRows);
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
    /// µs per row per batch size, their ratio, and the largest difference between their scores. In the same rounds, whole
    /// passes over a cached view of that many rows: the fitted transformer (one batch) and the reloaded zip, and their ratio.
    /// </summary>
    private static JsonObject ForwardAb(MLContext ml, MultiHeadNetworkTransformer fitted, ITransformer reloaded, IDataView test, string[] tasks, float[][] rows)
    {
        var result = new JsonObject();
        Console.WriteLine($"forward alone per batch, interleaved rounds: TorchSharp; ONNX Runtime (batched graph) in calls of {Onnx.OnnxBatchScorer.DefaultRowsPerRun} rows, one call at a time on {TorchSharp.torch.get_num_threads()} intra-op threads (the scorer's way) and {TorchSharp.torch.get_num_threads()} calls at once on one thread each; the one-row graph row by row (the zip's engine):");
        Console.WriteLine($"{"batch",8}{"torch µs/row",14}{"ORT µs/row",12}{"ORT side by side µs/row",25}{"1-row ORT µs/row",18}{"torch/ORT",11}{"1-row/ORT",11}{"ORT cpu µs/row",16}{"max |Δ|",11}{"fitted pass",13}{"zip pass",10}{"zip/fitted",12}{"ORT fresh",11}");
        var rowScorer = fitted.RowScorer!;
        using var rowBuffers = rowScorer.CreateBuffers();
        var exported = Onnx.NetworkOnnxExporter.Export(fitted, batched: true);
        int threads = TorchSharp.torch.get_num_threads();
        using var ort = new Onnx.OnnxBatchScorer(exported, fitted, threads);
        // Side by side: the batch split into one part per thread, each part's calls run on one intra-op thread, the parts at once.
        using var ortOneThread = new Onnx.OnnxBatchScorer(exported, fitted, threads: 1);
        foreach (int size in new[] { 32, 64, 128, 256, 512 })
        {
            int rowSize = rows[0].Length;
            using var buffers = ort.CreateBuffers(size);
            int part = size / threads;
            Onnx.OnnxBatchScorer.Buffers[] parts = Enumerable.Range(0, threads).Select(_ => ortOneThread.CreateBuffers(part)).ToArray();
            for (int r = 0; r < size; r++) rows[r % rows.Length].CopyTo(buffers.Features, r * rowSize);
            for (int k = 0; k < threads; k++) Array.Copy(buffers.Features, k * part * rowSize, parts[k].Features, 0, part * rowSize);
            float[] features = (float[])buffers.Features.Clone();
            var torchBatch = new ScoreBatch();
            var ortBatch = new ScoreBatch();
            var torchUs = new List<double>();
            var ortUs = new List<double>();
            var sideBySideUs = new List<double>();
            var oneRowUs = new List<double>();
            var ortCpuUs = new List<double>();
            var process = System.Diagnostics.Process.GetCurrentProcess();
            var rowBatch = new ScoreBatch();
            IDataView view = ml.Data.Cache(ml.Data.TakeRows(test, size));
            ReadAll(view, []);
            var fittedPassUs = new List<double>();
            var zipPassUs = new List<double>();
            var freshUs = new List<double>();
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
                Parallel.For(0, threads, k => ortOneThread.Score(parts[k], part, new ScoreBatch()));
                long t3 = Stopwatch.GetTimestamp();
                for (int r = 0; r < size; r++) rowScorer.Score(features.AsSpan(r * rowSize, rowSize), rowBuffers, rowBatch);
                long t4 = Stopwatch.GetTimestamp();
                ReadAll(fitted.Transform(view), tasks);
                long t5 = Stopwatch.GetTimestamp();
                using (var fresh = ort.CreateBuffers(size))
                {
                    features.CopyTo(fresh.Features, 0);
                    ort.Score(fresh, size, new ScoreBatch());
                }
                long t5b = Stopwatch.GetTimestamp();
                ReadAll(reloaded.Transform(view), tasks);
                long t6 = Stopwatch.GetTimestamp();
                if (round < 0) continue; // warm-up
                fittedPassUs.Add((t5 - t4) * 1e6 / Stopwatch.Frequency / size);
                freshUs.Add((t5b - t5) * 1e6 / Stopwatch.Frequency / size);
                zipPassUs.Add((t6 - t5b) * 1e6 / Stopwatch.Frequency / size);
                oneRowUs.Add((t4 - t3) * 1e6 / Stopwatch.Frequency / size);
                ortCpuUs.Add((cpu1 - cpu0).TotalMicroseconds / size);
                torchUs.Add((t1 - t0) * 1e6 / Stopwatch.Frequency / size);
                ortUs.Add((t2 - t1) * 1e6 / Stopwatch.Frequency / size);
                sideBySideUs.Add((t3 - t2) * 1e6 / Stopwatch.Frequency / size);
            }
            double maxDiff = 0;
            for (int t = 0; t < torchBatch.Scores.Length; t++)
                for (int k = 0; k < torchBatch.Scores[t].Length; k++) maxDiff = Math.Max(maxDiff, Math.Abs(torchBatch.Scores[t][k] - ortBatch.Scores[t][k]));
            double torchMedian = Statistics.Median(torchUs), ortMedian = Statistics.Median(ortUs), sideBySideMedian = Statistics.Median(sideBySideUs);
            double oneRowMedian = Statistics.Median(oneRowUs), ortCpuMedian = Statistics.Median(ortCpuUs);
            double fittedPassMedian = Statistics.Median(fittedPassUs), zipPassMedian = Statistics.Median(zipPassUs);
            Console.WriteLine($"{size,8}{torchMedian,14:F2}{ortMedian,12:F2}{sideBySideMedian,25:F2}{oneRowMedian,18:F2}{torchMedian / ortMedian,10:F2}×{oneRowMedian / ortMedian,10:F2}×{ortCpuMedian,16:F2}{maxDiff,11:E1}{fittedPassMedian,13:F2}{zipPassMedian,10:F2}{zipPassMedian / fittedPassMedian,11:F2}×{Statistics.Median(freshUs),11:F2}");
            result[$"batch_{size}"] = new JsonObject
            {
                ["torchsharp_us_per_row"] = torchMedian, ["onnxruntime_us_per_row"] = ortMedian, ["onnxruntime_calls_side_by_side_us_per_row"] = sideBySideMedian,
                ["one_row_onnxruntime_us_per_row"] = oneRowMedian, ["one_row_over_batched_onnxruntime"] = oneRowMedian / ortMedian, ["onnxruntime_cpu_us_per_row"] = ortCpuMedian,
                ["fitted_pass_us_per_row"] = fittedPassMedian, ["reloaded_zip_pass_us_per_row"] = zipPassMedian, ["zip_over_fitted_pass"] = zipPassMedian / fittedPassMedian,
                ["torchsharp_over_onnxruntime"] = torchMedian / ortMedian, ["max_abs_score_difference"] = maxDiff, ["rounds"] = rounds,
            };
            foreach (Onnx.OnnxBatchScorer.Buffers b in parts) b.Dispose();
        }
        return result;
    }

    /// <summary>
    /// Where ONNX Runtime's time goes on a batched forward: its own per-node profile of 45 calls of
    /// <see cref="Onnx.OnnxBatchScorer.DefaultRowsPerRun"/> rows, kernel times summed by operator type, as shares of the
    /// nodes' total.
    /// </summary>
    private static JsonObject OrtNodeProfile(MultiHeadNetworkTransformer fitted, float[][] rows)
    {
        string prefix = Path.Combine(Path.GetTempPath(), $"mtl-ort-profile-{Environment.ProcessId}");
        int size = Onnx.OnnxBatchScorer.DefaultRowsPerRun, rowSize = rows[0].Length;
        string file;
        using (var scorer = new Onnx.OnnxBatchScorer(Onnx.NetworkOnnxExporter.Export(fitted, batched: true), fitted, TorchSharp.torch.get_num_threads(), profilePrefix: prefix))
        using (var buffers = scorer.CreateBuffers(size))
        {
            for (int r = 0; r < size; r++) rows[r % rows.Length].CopyTo(buffers.Features, r * rowSize);
            var batch = new ScoreBatch();
            for (int i = 0; i < 45; i++) scorer.Score(buffers, size, batch);
            file = scorer.EndProfiling();
        }
        var byOp = new Dictionary<string, double>();
        try
        {
            JsonArray events = JsonNode.Parse(File.ReadAllText(file))!.AsArray();
            foreach (JsonNode? e in events)
            {
                if (e?["cat"]?.GetValue<string>() != "Node" || e["name"]?.GetValue<string>().EndsWith("_kernel_time") != true) continue;
                string op = e["args"]?["op_name"]?.GetValue<string>() ?? "?";
                byOp[op] = byOp.GetValueOrDefault(op) + e["dur"]!.GetValue<double>();
            }
        }
        finally
        {
            File.Delete(file);
        }
        double total = byOp.Values.Sum();
        Console.WriteLine($"ONNX Runtime per-node profile, {size}-row calls: " + string.Join(", ", byOp.OrderByDescending(p => p.Value).Select(p => $"{p.Key} {p.Value / total:P0}")));
        var result = new JsonObject { ["rows_per_call"] = size, ["calls"] = 45 };
        foreach ((string op, double us) in byOp.OrderByDescending(p => p.Value)) result[op] = us / total;
        return result;
    }

    /// <summary>
    /// Passes of the fitted transformer and of the reloaded zip on one upstream, interleaved (after a warm-up pass of each:
    /// ONNX Runtime sessions, allocators), the order alternating pass by pass, so that the machine's load falls on both
    /// alike. Returns each one's figures, the median of the per-pass-pair ratios, and the forward's share of the fitted passes.
    /// </summary>
    private static (JsonObject Fitted, JsonObject Reloaded, double Ratio, double ForwardShare) Interleaved(string upstream, string engine,
        MultiHeadNetworkTransformer fitted, Func<long> fittedPass, Func<long> reloadedPass, int passes)
    {
        fittedPass();
        reloadedPass();
        var fittedSeconds = new List<double>();
        var reloadedSeconds = new List<double>();
        var ratios = new List<double>();
        // Process CPU time per pass too: on a loaded machine it is closer to what the pass would take alone than wall time.
        var cpuSeconds = new Dictionary<Func<long>, List<double>> { [fittedPass] = [], [reloadedPass] = [] };
        var process = Process.GetCurrentProcess();
        long rows = 0, forwardTicks = 0;
        double Timed(Func<long> pass)
        {
            process.Refresh();
            TimeSpan cpu = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            rows = pass();
            double seconds = sw.Elapsed.TotalSeconds;
            process.Refresh();
            cpuSeconds[pass].Add((process.TotalProcessorTime - cpu).TotalSeconds);
            return seconds;
        }
        double FittedTimed()
        {
            long before = fitted.ForwardTicks;
            double seconds = Timed(fittedPass);
            forwardTicks += fitted.ForwardTicks - before;
            return seconds;
        }
        for (int i = 0; i < passes; i++)
        {
            double a, b;
            if (i % 2 == 0)
            {
                a = FittedTimed();
                b = Timed(reloadedPass);
            }
            else
            {
                b = Timed(reloadedPass);
                a = FittedTimed();
            }
            fittedSeconds.Add(a);
            reloadedSeconds.Add(b);
            ratios.Add(b / a);
        }
        JsonObject Figures(string name, List<double> seconds, List<double> cpu)
        {
            double median = Statistics.Median(seconds), cpuMedian = Statistics.Median(cpu);
            Console.WriteLine($"{name,-50}{median,10:F3}{rows / median,12:F0}{cpuMedian * 1e6 / rows,14:F1}");
            return new JsonObject
            {
                ["seconds_per_pass"] = median, ["rows_per_second"] = rows / median, ["passes_s"] = new JsonArray(seconds.Select(s => (JsonNode)s).ToArray()),
                ["process_cpu_us_per_row"] = cpuMedian * 1e6 / rows,
            };
        }
        JsonObject f = Figures($"{upstream}: fitted transformer ({engine}, batched)", fittedSeconds, cpuSeconds[fittedPass]);
        JsonObject r = Figures($"{upstream}: reloaded zip (OnnxTransformer)", reloadedSeconds, cpuSeconds[reloadedPass]);
        return (f, r, Statistics.Median(ratios), forwardTicks / (double)Stopwatch.Frequency / fittedSeconds.Sum());
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
