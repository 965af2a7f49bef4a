namespace Mtl.Analysis.Comparison;

/// <summary>Where a point lies relative to a front's attainment surface.</summary>
public enum FrontPosition
{
    /// <summary>Beyond the surface by more than the tolerance: the front does not attain it (it would extend the front).</summary>
    Beyond,
    /// <summary>Within the tolerance of the surface.</summary>
    On,
    /// <summary>Inside the attained region by more than the tolerance: some front point is better on every objective by more than the tolerance.</summary>
    Inside,
}

/// <summary>A point's placement against a front.</summary>
/// <param name="Label">The point's label.</param>
/// <param name="Margin">
/// Signed distance to the front's attainment surface in normalised units (see <see cref="FrontClassifier"/>): positive
/// inside the attained region, negative beyond it, 0 on it.
/// </param>
/// <param name="Position">The classification of <see cref="Margin"/> against the tolerance.</param>
public sealed record FrontPlacement(string Label, double Margin, FrontPosition Position);
