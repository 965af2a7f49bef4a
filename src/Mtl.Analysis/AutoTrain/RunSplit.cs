using Microsoft.ML;
using Mtl.Trainers.Tables;

namespace Mtl.Analysis.AutoTrain;

/// <summary>
/// A run's rows: all of them, the training rows and the test rows. The one split of <see cref="AutoTrainer"/>, which every
/// trial, the baselines and the later evaluation of a finished run (<see cref="RunEvaluation"/>) call, so they all see the
/// same test rows.
/// </summary>
/// <param name="All">Every row of the data (the schema the model is saved with).</param>
/// <param name="Train">The training rows (of which <see cref="TablePipeline.ValidationFraction"/> validate).</param>
/// <param name="Test">The test rows.</param>
public sealed record RunSplit(IDataView All, IDataView Train, IDataView Test)
{
    /// <summary>
    /// The rows of <paramref name="settings"/>: a separate test file, or <see cref="AutoTrainSettings.TestFraction"/> of the
    /// rows held out with <see cref="AutoTrainSettings.Seed"/>. The same rows in every context, whatever its own seed.
    /// </summary>
    /// <param name="ml">The context that loads the rows.</param>
    /// <param name="schema">The data's schema (<c>TableSchema.Infer(settings.DataPath, settings.Read)</c>).</param>
    /// <param name="settings">The run (from its form, its flags, or <c>MtlConfig.Read(path).ToSettings(path)</c>).</param>
    public static RunSplit Of(MLContext ml, TableSchema schema, AutoTrainSettings settings)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(schema);
        ArgumentNullException.ThrowIfNull(settings);
        IDataView all = TablePipeline.Load(ml, schema, settings.DataPath);
        if (settings.TestDataPath is not null) return new RunSplit(all, all, TablePipeline.Load(ml, schema, settings.TestDataPath));
        DataOperationsCatalog.TrainTestData split = ml.Data.TrainTestSplit(all, settings.TestFraction, seed: settings.Seed);
        return new RunSplit(all, split.TrainSet, split.TestSet);
    }
}
