namespace Mtl.ML;

/// <summary>
/// Builds the exceptions thrown on schema problems. Like ML.NET they are <see cref="ArgumentOutOfRangeException"/>s,
/// and the message always names the column, what was expected and what was found.
/// </summary>
public static class SchemaExceptions
{
    /// <summary>A column that is needed does not exist.</summary>
    public static ArgumentOutOfRangeException ColumnNotFound(string paramName, string columnRole, string columnName, IEnumerable<string>? available = null)
    {
        string list = available is null ? "" : $" Available columns: {string.Join(", ", available)}.";
        return new ArgumentOutOfRangeException(paramName,
            $"{columnRole} column '{columnName}' not found.{list} Check the column name or add a step that produces it.");
    }

    /// <summary>A column exists but has the wrong type.</summary>
    public static ArgumentOutOfRangeException Mismatch(string paramName, string columnRole, string columnName, string expectedType, string actualType) =>
        new(paramName, $"Schema mismatch for {columnRole.ToLowerInvariant()} column '{columnName}': expected {expectedType}, got {actualType}.");

    /// <summary>Finds a visible column by name or throws <see cref="ColumnNotFound"/>.</summary>
    public static DataViewSchema.Column FindColumn(DataViewSchema schema, string columnName, string columnRole = "Input", string paramName = "inputSchema") =>
        schema.GetColumnOrNull(columnName)
        ?? throw ColumnNotFound(paramName, columnRole, columnName, schema.Where(c => !c.IsHidden).Select(c => c.Name));

    /// <summary>Finds a column shape by name or throws <see cref="ColumnNotFound"/>.</summary>
    public static SchemaShape.Column FindColumn(SchemaShape shape, string columnName, string columnRole = "Input", string paramName = "inputSchema") =>
        shape.TryFindColumn(columnName, out var c) ? c : throw ColumnNotFound(paramName, columnRole, columnName, shape.Select(x => x.Name));
}
