using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Datasets;

namespace Mtl.Trainers.Bench;

/// <summary>
/// Rows per second of scoring 10,000 Multi-Fashion test rows: the fitted transformer (batched TorchSharp) and the same
/// model saved to an ML.NET zip and reloaded with plain <c>mlContext.Model.Load</c> (OnnxTransformer: one ONNX Runtime
/// call per row). A pass reads every task's Score and PredictedLabel of every row; the input is cached first, so the
/// passes time the model, not the composition of the images. The network is trained for one short epoch: speed does not
/// depend on the weights.
/// </summary>
internal static class ScoringBenchmark
{
    public static JsonObject Run(MLContext ml, int rows, int passes)
    {
        IDataView train = ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Train, seed: 1).AsDataView(), 2048);
        IDataView test = ml.Data.Cache(ml.Data.TakeRows(MultiTaskDatasets.CreateMultiFashion(DatasetSplit.Test, seed: 1).AsDataView(), rows));
        string[] tasks = [MultiTaskDatasets.LeftColumnName, MultiTaskDatasets.RightColumnName];
        long count = ReadAll(test, []); // fills the cache
        using MultiHeadNetworkTransformer fitted = ml.MultiTask().Trainers.MultiHead(new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = MultiTaskDatasets.ImageColumnName,
            Tasks = tasks.Select(t => new TaskDefinition(t)).ToList(),
            MaxEpoch = 1,
            Seed = 1,
        }).Fit(train);

        string folder = Path.Combine(Path.GetTempPath(), $"mtl-scoring-bench-{Environment.ProcessId}");
        Directory.CreateDirectory(folder);
        ml.TempFilePath = folder; // the reloaded OnnxTransformer leaves its model copy there
        try
        {
            string zip = Path.Combine(folder, "model.zip");
            ml.Model.Save(fitted, train.Schema, zip);
            ITransformer reloaded = ml.Model.Load(zip, out _);
            try
            {
                var result = new JsonObject { ["rows"] = count, ["passes"] = passes, ["scoring_batch_size"] = fitted.ScoringBatchSize };
                Console.WriteLine($"Scoring {count} Multi-Fashion test rows (Score + PredictedLabel of {tasks.Length} tasks), median of {passes} passes");
                Console.WriteLine($"{"model",-46}{"s / pass",10}{"rows/s",12}");
                result["fitted_torchsharp"] = Time("fitted transformer (TorchSharp, batched)", () => ReadAll(fitted.Transform(test), tasks), passes);
                result["reloaded_onnx"] = Time("reloaded zip (OnnxTransformer, ONNX Runtime)", () => ReadAll(reloaded.Transform(test), tasks), passes);
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
