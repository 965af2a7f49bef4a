using System.Globalization;

namespace Mtl.Analysis.Studies;

/// <summary>One test condition of the transfer study: a corruption at a severity (1 … 5).</summary>
/// <param name="Corruption">A registered corruption name, e.g. <c>gaussian_noise</c>.</param>
/// <param name="Severity">The severity.</param>
public readonly record struct TransferCondition(string Corruption, int Severity)
{
    /// <summary>"gaussian_noise:3".</summary>
    public override string ToString() => $"{Corruption}:{Severity.ToString(CultureInfo.InvariantCulture)}";
}
