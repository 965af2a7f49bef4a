using Mtl.Trainers;
using Mtl.Trainers.Network;
using static TorchSharp.torch;

namespace Mtl.Analysis.Weights;

/// <summary>A named set of parameters tracked together (the trunk, or one task's head).</summary>
/// <param name="Name">Group name ("trunk", or the task's name).</param>
/// <param name="Parameters">The parameter tensors.</param>
public sealed record ParameterGroup(string Name, IReadOnlyList<Tensor> Parameters)
{
    /// <summary>The name of the trunk's group.</summary>
    public const string TrunkName = "trunk";

    /// <summary>A trained model's trunk, then one group per head named after its task.</summary>
    /// <param name="model">The trained model.</param>
    public static IReadOnlyList<ParameterGroup> Of(MultiHeadNetworkTransformer model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return Of(model.Network, model.Tasks.Select(t => t.Name).ToArray());
    }

    /// <summary>The trunk, then one group per head named after its task.</summary>
    internal static IReadOnlyList<ParameterGroup> Of(MultiTaskNetwork network, IReadOnlyList<string> taskNames)
    {
        ArgumentNullException.ThrowIfNull(network);
        ArgumentNullException.ThrowIfNull(taskNames);
        if (taskNames.Count != network.TaskCount)
            throw new ArgumentException($"The network has {network.TaskCount} heads but {taskNames.Count} task names were given.", nameof(taskNames));
        if (taskNames.Contains(TrunkName))
            throw new ArgumentException($"A task named \"{TrunkName}\" would clash with the trunk's group; rename the task.", nameof(taskNames));
        var groups = new List<ParameterGroup> { new(TrunkName, network.SharedParameters()) };
        groups.AddRange(taskNames.Select((name, i) => new ParameterGroup(name, network.TaskParameters(i))));
        return groups;
    }
}
