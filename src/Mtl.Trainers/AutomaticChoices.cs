using Microsoft.ML.Runtime;
using Mtl.Trainers.Network;

namespace Mtl.Trainers;

/// <summary>
/// Fills the options left to the data (null <c>Trunk</c>, <c>BatchSize</c>, <c>MaxEpoch</c>, <c>EarlyStopping</c>) so that
/// the defaults work on a 300-row table as well as on 60k images, and logs every choice on the trainer's channel.
/// Options set explicitly are never changed.
/// </summary>
internal static class AutomaticChoices
{
    /// <summary>Optimizer steps an automatic epoch count aims for: enough to fit a small table, a few epochs of a large one.</summary>
    internal const int TargetSteps = 1000;
    internal const int MinEpochs = 10, MaxEpochs = 200;
    internal const int MinBatch = 16, MaxBatch = 256, BatchesPerEpoch = 16;
    internal const int MinPatience = 10;

    /// <summary>Optimizer steps an automatic patience waits for: a small table's short epochs are noisy on few validation rows.</summary>
    internal const int PatienceSteps = 250;

    /// <summary>A copy of <paramref name="options"/> with the trunk and dropout resolved from the feature shape.</summary>
    public static MultiHeadNetworkTrainer.Options Resolve(MultiHeadNetworkTrainer.Options options, IReadOnlyList<int> featureShape, IChannel channel)
    {
        MultiHeadNetworkTrainer.Options run = options.ShallowCopy();
        if (run.Trunk is null)
        {
            run.Trunk = TrunkSpec.For(featureShape.Select(d => (long)d).ToArray());
            channel.Info(MessageSensitivity.None, $"Options.Trunk is automatic: {run.Trunk.Describe()} for features shaped ({string.Join(", ", featureShape)}).");
            // Head dropout 0.5 (MultiLeNet's setting) starves a small table's heads; vectors get none unless asked for.
            if (featureShape.Count != 3 && run.Dropout is null)
            {
                run.Dropout = 0;
                channel.Info(MessageSensitivity.None, "Options.Dropout is automatic: 0 in the trunk and heads for vector features.");
            }
        }
        return run;
    }

    /// <summary>Sets an automatic batch size, epoch count and early stopping on <paramref name="run"/> from the training row count.</summary>
    public static void ResolveLoop(MultiHeadNetworkTrainer.Options run, long rows, IChannel channel)
    {
        if (run.BatchSize is null)
        {
            run.BatchSize = BatchSize(rows);
            channel.Info(MessageSensitivity.None, $"Options.BatchSize is automatic: {run.BatchSize} for {rows} training rows.");
        }
        if (run.MaxEpoch is null)
        {
            run.MaxEpoch = Epochs(rows, run.BatchSize.Value);
            channel.Info(MessageSensitivity.None, $"Options.MaxEpoch is automatic: {run.MaxEpoch} epochs ({(rows + run.BatchSize.Value - 1) / run.BatchSize.Value} steps each).");
        }
        if (run.EarlyStopping is null && run.ValidationSet is not null)
        {
            int patience = Patience(rows, run.BatchSize!.Value);
            run.EarlyStopping = new EarlyStoppingOptions { Patience = patience, KeepBestWeights = true };
            channel.Info(MessageSensitivity.None, $"Options.EarlyStopping is automatic: patience {patience} epochs on the validation set, best weights kept.");
        }
    }

    /// <summary>Epochs without a better selection score before stopping: about <see cref="PatienceSteps"/> steps, at least <see cref="MinPatience"/> epochs.</summary>
    internal static int Patience(long rows, int batchSize)
    {
        long stepsPerEpoch = Math.Max(1, (rows + batchSize - 1) / batchSize);
        return (int)Math.Max(MinPatience, (PatienceSteps + stepsPerEpoch - 1) / stepsPerEpoch);
    }

    /// <summary>rows / 16, clamped to [16, 256]: about 16 steps per epoch on small tables, 256 (the benchmarks' size) on large ones.</summary>
    internal static int BatchSize(long rows) => (int)Math.Clamp(rows / BatchesPerEpoch, MinBatch, MaxBatch);

    /// <summary>Enough epochs for about <see cref="TargetSteps"/> optimizer steps, clamped to [10, 200].</summary>
    internal static int Epochs(long rows, int batchSize)
    {
        long stepsPerEpoch = Math.Max(1, (rows + batchSize - 1) / batchSize);
        return (int)Math.Clamp((TargetSteps + stepsPerEpoch - 1) / stepsPerEpoch, MinEpochs, MaxEpochs);
    }
}
