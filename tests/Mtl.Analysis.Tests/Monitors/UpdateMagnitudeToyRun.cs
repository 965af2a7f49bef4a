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

    /// <summary>The toy run's options and the monitors its Fit gets.</summary>
    public sealed record Run(MultiHeadNetworkTrainer.Options Options, ITrainingMonitor[] Monitors)
    {
        public List<TaskDefinition> Tasks => Options.Tasks;
    }

    public static Run Options(OptimizerKind optimizer, double lr, int batch, int epochs, params ITrainingMonitor[] monitors)
    {
        MtlOptimizerOptions o = optimizer == OptimizerKind.Sgd ? new MtlOptimizerOptions.Sgd { Momentum = 0 } : MtlOptimizerOptions.For(optimizer);
        o.LearningRate = lr;
        var options = new MultiHeadNetworkTrainer.Options
        {
            FeatureColumnName = "Features",
            Tasks = new[] { "A", "B" }.Select(n => new TaskDefinition(n, kind: TaskKind.Regression)
            {
                // Raw targets: these runs are about loss scales, which standardisation would take away.
                Loss = TaskLoss.AbsoluteError, HeadHiddenSizes = new[] { 8 }, HeadDropout = 0, StandardizeTarget = false,
            }).ToList(),
            Trunk = TrunkSpec.Mlp(8),
            Optimizer = o,
            BatchSize = batch,
            MaxEpoch = epochs,
            Seed = 3,
        };
        return new Run(options, monitors);
    }

    public static MultiHeadNetworkTransformer Fit(Run run, int rows = 40)
    {
        var ml = new MLContext(3);
        return ml.MultiTask().Trainers.MultiHead(run.Options).Fit(ml.Data.LoadFromEnumerable(Rows(rows, 5)), new TrainingHooks { Monitors = run.Monitors });
    }
}
