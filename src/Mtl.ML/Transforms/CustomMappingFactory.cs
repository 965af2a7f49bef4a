namespace Mtl.ML.Transforms;

/// <summary>
/// Marks a <see cref="CustomMappingFactory{TSrc, TDst}"/> with the contract name that a saved custom mapping refers to,
/// so that loading a model finds the mapping again (ML.NET's attribute name).
/// </summary>
[AttributeUsage(AttributeTargets.Class)]
public sealed class CustomMappingFactoryAttributeAttribute(string contractName) : Attribute
{
    /// <summary>The contract name given to <c>CustomMapping</c>.</summary>
    public string ContractName { get; } = contractName;
}

/// <summary>Supplies the mapping action of a saved custom mapping when a model is loaded.</summary>
public abstract class CustomMappingFactory<TSrc, TDst> where TSrc : class, new() where TDst : class, new()
{
    /// <summary>The mapping action (the same one given to <c>CustomMapping</c>).</summary>
    public abstract Action<TSrc, TDst> GetMapping();
}
