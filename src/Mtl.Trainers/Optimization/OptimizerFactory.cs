using Mtl.Torch;
using Mtl.Torch.Modules;
using static Mtl.Torch.torch;

namespace Mtl.Trainers;

/// <summary>Builds the torch optimizer the options ask for.</summary>
internal static class OptimizerFactory
{
    public static optim.Optimizer Create(MultiHeadNetworkTrainer.Options options, IReadOnlyList<Parameter> parameters) => options.Optimizer switch
    {
        OptimizerKind.Sgd => optim.SGD(parameters, options.LearningRate, momentum: options.Momentum, weight_decay: options.WeightDecay, nesterov: options.Nesterov),
        OptimizerKind.SignSgd => optim.SignSGD(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        OptimizerKind.Adam or OptimizerKind.PerTaskAdam => optim.Adam(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        OptimizerKind.AdamW => optim.AdamW(parameters, options.LearningRate, weight_decay: options.WeightDecay),
        _ => throw new ArgumentOutOfRangeException(nameof(options), options.Optimizer, "unknown optimizer"),
    };
}
