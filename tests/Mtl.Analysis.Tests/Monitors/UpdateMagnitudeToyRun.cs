using Microsoft.ML;
using Mtl.Analysis.Studies;
using Mtl.Trainers;
using Mtl.Trainers.Monitoring;
using Mtl.Trainers.Network;

namespace Mtl.Analysis.Tests.Monitors;

/// <summary>A seconds-long two-task regression trained through the real estimator, for the monitor tests.</summary>
internal static class UpdateMagnitudeToyRun
{
    public static LossScaleToyRow[] Rows(int count, int seed)
    {
        var random = new Random(seed);
        return Enumerable.Range(0, count).Select(_ =>
        {
            float x = (float)(random.NextDouble() * 2 - 1);
            return new LossScaleToyRow { Features = new[] { x }, A = 2 * x, B = -0.5f * x };
        }).ToArray();
    }

    public static MultiHeadNetworkTrainer.Options Options(OptimizerKind optimizer, double lr, int batch, int epochs, params ITrainingMonitor[] monitors)
    {
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = "Features",
            Tasks = new[] { "A", "B" }.Select(n => new TaskDefinition(n, kind: TaskKind.Regression)
            {
                // Raw targets: these runs are about loss scales, which standardisation would take away.
                Loss = TaskLoss.AbsoluteError, HeadHiddenSizes = new[] { 8 }, HeadDropout = 0, StandardizeTarget = false,
            }).ToList(),
            Trunk = TrunkSpec.Mlp(8),
            Optimizer = optimizer,
            LearningRate = lr,
            Momentum = 0,
            BatchSize = batch,
            MaxEpoch = epochs,
            Seed = 3,
        };
        options.Monitors.AddRange(monitors);
        return options;
    }

    public static MultiHeadNetworkTransformer Fit(MultiHeadNetworkTrainer.Options options, int rows = 40)
    {
        var ml = new MLContext(3);
        return ml.MultiTask().Trainers.MultiHead(options).Fit(ml.Data.LoadFromEnumerable(Rows(rows, 5)));
    }
}
