namespace Mtl.ML;

/// <summary>A component that can write itself into a model file through a <see cref="ModelSaveContext"/>.</summary>
public interface ICanSaveModel
{
    /// <summary>Writes the component: call <see cref="ModelSaveContext.SetVersionInfo"/> and write the state.</summary>
    void Save(ModelSaveContext ctx);
}

/// <summary>A fitted, immutable transformation of data views. <see cref="Transform"/> is lazy.</summary>
public interface ITransformer : ICanSaveModel
{
    /// <summary>The schema <see cref="Transform"/> would produce for <paramref name="inputSchema"/>; throws on a schema mismatch, naming the column.</summary>
    DataViewSchema GetOutputSchema(DataViewSchema inputSchema);

    /// <summary>Applies the transformation lazily: nothing is computed until the result is read.</summary>
    IDataView Transform(IDataView input);

    /// <summary>Whether each output row depends only on the matching input row (then <see cref="GetRowToRowMapper"/> works).</summary>
    bool IsRowToRowMapper { get; }

    /// <summary>A mapper from single input rows to output rows, for <paramref name="inputSchema"/>.</summary>
    IRowToRowMapper GetRowToRowMapper(DataViewSchema inputSchema);
}

/// <summary>Learns an <typeparamref name="TTransformer"/> from data.</summary>
public interface IEstimator<out TTransformer> where TTransformer : ITransformer
{
    /// <summary>Checks the input schema, then trains and returns the transformer.</summary>
    TTransformer Fit(IDataView input);

    /// <summary>The shape of the output for an input of shape <paramref name="inputSchema"/>; throws on a mismatch, naming the column.</summary>
    SchemaShape GetOutputSchema(SchemaShape inputSchema);
}

/// <summary>Maps one input row to one output row.</summary>
public interface IRowToRowMapper
{
    /// <summary>The schema input rows must have.</summary>
    DataViewSchema InputSchema { get; }

    /// <summary>The schema of the output rows.</summary>
    DataViewSchema OutputSchema { get; }

    /// <summary>The input columns needed to compute <paramref name="dependingColumns"/> of the output.</summary>
    IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns);

    /// <summary>
    /// An output row over <paramref name="input"/> with <paramref name="activeColumns"/> readable. The input must have the
    /// dependencies of those columns active. Values follow the input row as it moves.
    /// </summary>
    DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns);
}

/// <summary>When a transformer of a chain applies (for example, a label-only step is <see cref="Training"/>).</summary>
[Flags]
public enum TransformerScope
{
    /// <summary>Never.</summary>
    None = 0,
    /// <summary>While training.</summary>
    Training = 1 << 0,
    /// <summary>While testing (evaluation with labels).</summary>
    Testing = 1 << 1,
    /// <summary>While scoring new data (prediction engines).</summary>
    Scoring = 1 << 2,
    /// <summary>Training and testing.</summary>
    TrainTest = Training | Testing,
    /// <summary>Always.</summary>
    Everything = Training | Testing | Scoring,
}
