namespace Mtl.Datasets;

/// <summary>Which part of a data set to load.</summary>
public enum DatasetSplit
{
    /// <summary>The training part.</summary>
    Train,

    /// <summary>The validation part (held out of the original training data).</summary>
    Validation,

    /// <summary>The test part.</summary>
    Test,
}
