using Microsoft.ML;
using Mtl.Datasets;

namespace Mtl.Analysis.Sweeps;

/// <summary>The splits of one run's dataset, cut to the run's row counts.</summary>
/// <param name="Train">Training rows.</param>
/// <param name="Validation">Validation rows (model selection, early stopping).</param>
/// <param name="Test">Test rows (scored every epoch; reported at the selected epoch).</param>
/// <param name="Tasks">Task (label) column names, in head order.</param>
/// <param name="FeatureColumn">The image column.</param>
public sealed record SweepData(IDataView Train, IDataView Validation, IDataView Test, IReadOnlyList<string> Tasks, string FeatureColumn);

/// <summary>The datasets a sweep can name (<see cref="RunConfig.Dataset"/>), built with the run's seed as the partner draw.</summary>
public static class SweepDataset
{
    /// <summary>The dataset names (<see cref="MultiTaskDatasets.Names"/>).</summary>
    public static IReadOnlyList<string> Names => MultiTaskDatasets.Names;

    /// <summary>The task (label) columns of every sweep dataset, in head order: one fixed weight per task.</summary>
    public static IReadOnlyList<string> Tasks { get; } = [MultiTaskDatasets.LeftColumnName, MultiTaskDatasets.RightColumnName];

    /// <summary>Builds (lazily) the run's three splits, each cut to its first N rows when the config asks for it.</summary>
    /// <exception cref="ArgumentException">Unknown dataset name.</exception>
    public static SweepData Load(MLContext ml, RunConfig config)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(config);
        if (!Names.Contains(config.Dataset))
            throw new ArgumentException($"Unknown dataset '{config.Dataset}' in run {config.Id}; use one of {string.Join(", ", Names)}.");
        MultiImageSet create(DatasetSplit split) => MultiTaskDatasets.Create(config.Dataset, split, config.Seed.GetValueOrDefault());
        IDataView Cut(DatasetSplit split, int rows)
        {
            IDataView view = create(split).AsDataView();
            return rows > 0 ? ml.Data.TakeRows(view, rows) : view;
        }
        return new SweepData(Cut(DatasetSplit.Train, config.TrainRows), Cut(DatasetSplit.Validation, config.ValidationRows),
            Cut(DatasetSplit.Test, config.TestRows), Tasks, MultiTaskDatasets.ImageColumnName);
    }
}
