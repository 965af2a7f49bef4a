using Mtl.Trainers.Engine;
using Mtl.Trainers.IO;
using System.Text.Json;
using Microsoft.ML;
using Mtl.Trainers;
using Mtl.Trainers.Data;
using Mtl.Trainers.Monitoring;
using Mtl.Trainers.Network;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Analysis.Sweeps;

/// <summary>
/// Scores the test set after every epoch (dropout off, no gradients, the random generator untouched, so the run trains
/// exactly as an unmonitored one) and keeps one <see cref="EpochRecord"/> per epoch. The records are also written to a
/// file beside the run's checkpoints, so a resumed run still reports the test figures of the epochs before the resume.
/// </summary>
public sealed class TestSetMonitor : ITrainingMonitor, IDisposable
{
    private const int ScoringBatch = 512;
    private readonly IDataView test;
    private readonly string featureColumn;
    private readonly string? recordFile;
    private readonly List<EpochRecord> records = new();
    private MultiTaskNetwork? network;
    private IReadOnlyList<TaskDefinition> tasks = [];
    private MaterializedData? data;

    /// <summary>Creates the monitor.</summary>
    /// <param name="test">The test rows (same schema as the training data).</param>
    /// <param name="featureColumn">The feature column.</param>
    /// <param name="recordFile">Where the records persist across a resume (null = memory only).</param>
    public TestSetMonitor(IDataView test, string featureColumn, string? recordFile)
    {
        this.test = test ?? throw new ArgumentNullException(nameof(test));
        this.featureColumn = featureColumn;
        this.recordFile = recordFile;
    }

    /// <inheritdoc />
    public int Interval => int.MaxValue;

    /// <summary>One record per epoch trained so far (those before a resume included), in epoch order.</summary>
    public IReadOnlyList<EpochRecord> Records => records;

    /// <inheritdoc />
    public void OnTrainingStart(MonitorStartContext context)
    {
        network = context.Network;
        tasks = context.Tasks;
        data?.Dispose();
        data = MaterializedData.Read(test, featureColumn, tasks, withLabels: true, "Test data");
        // The heads of standardised regression targets answer in standard units: the test targets go into the same units.
        for (int t = 0; t < tasks.Count; t++)
        {
            (double shift, double scale) = network.TargetUnits(t);
            data.Standardize(t, shift, scale);
        }
        records.Clear();
        if (recordFile is not null && File.Exists(recordFile))
        {
            EpochRecord[] earlier = ReadRecords(recordFile);
            // Epochs from FirstEpoch on are trained again (the checkpoint predates them): their old records are stale.
            records.AddRange(earlier.Where(r => r.Epoch < context.FirstEpoch));
        }
        if (records.Count != context.FirstEpoch - 1)
            throw new InvalidDataException(
                $"The run resumes at epoch {context.FirstEpoch} but '{recordFile}' holds test figures for {records.Count} earlier epochs; " +
                "delete the run's checkpoint folder to train it from the start.");
    }

    // The checkpoint's hashes do not cover this file: a damaged one must be a clear error, not a stack trace.
    private static EpochRecord[] ReadRecords(string path)
    {
        try
        {
            EpochRecord[] records = JsonSerializer.Deserialize<EpochRecord[]>(File.ReadAllText(path), RunConfig.Json) ?? [];
            if (records.Any(r => r is null || r.Train is null || r.Validation is null || r.Test is null))
                throw new JsonException("a record is incomplete");
            return records;
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"'{path}' is damaged ({e.Message}); it holds the test figures of the run's earlier epochs. Delete the folder " +
                $"'{Path.GetDirectoryName(path)}' to train that run again from the start, then rerun the sweep.", e);
        }
    }

    /// <inheritdoc />
    public void OnEpochEnd(EpochReport epoch)
    {
        if (network is null || data is null) throw new InvalidOperationException("OnEpochEnd before OnTrainingStart.");
        SplitFigures testFigures = Score(network, data);
        var train = new SplitFigures(epoch.Tasks.Select(t => t.TrainLoss).ToArray(), epoch.Tasks.Select(t => t.TrainMetric).ToArray());
        var validation = new SplitFigures(epoch.Tasks.Select(t => t.ValidationLoss).ToArray(), epoch.Tasks.Select(t => t.ValidationMetric).ToArray());
        records.Add(new EpochRecord(epoch.Epoch, epoch.LearningRate, epoch.Seconds, train, validation, testFigures,
            // The sweeps' datasets are classification only: their config ranking keeps the mean validation accuracy (scale-free
            // there, and what the committed results hold); the trainer selects epochs by its own score, EpochReport.SelectionScore.
            epoch.Tasks.Average(t => t.ValidationMetric),
            epoch.MethodWeights?.ToArray()));
        if (recordFile is not null) SafeFiles.WriteAllText(recordFile, JsonSerializer.Serialize(records, RunConfig.Json));
    }

    // Over each task's labelled rows; RMSE in the label's unit, losses in the units the network learns (as the epoch report).
    private SplitFigures Score(MultiTaskNetwork model, MaterializedData rows)
    {
        (double[] loss, double[] metric, _) = NetworkEvaluation.Run(model, tasks, rows, ScoringBatch, model.parameters().First().device);
        return new SplitFigures(loss, metric);
    }

    /// <summary>Releases the materialised test rows.</summary>
    public void Dispose()
    {
        data?.Dispose();
        data = null;
    }
}
