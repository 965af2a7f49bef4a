using Microsoft.ML.Data;
using Microsoft.ML;

namespace Mtl.Transforms.DataView;

/// <summary>
/// The lazy output of a corruption step: the input view with the corrupted columns added. Nothing is
/// computed until a cursor's getter for an output column is called; shuffling and parallel cursors
/// are the input's (a row's pixels depend on its id only, so they come out the same either way).
/// </summary>
internal sealed class CorruptedDataView : IDataView
{
    private readonly IDataView _input;
    private readonly CorruptionBinding _binding;

    public CorruptedDataView(CorruptionBinding binding, IDataView input)
    {
        _binding = binding;
        _input = input;
    }

    public bool CanShuffle => _input.CanShuffle;
    public DataViewSchema Schema => _binding.OutputSchema;
    public long? GetRowCount() => _input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        return new CorruptedCursor(_binding, _input.GetRowCursor(_binding.Dependencies(needed), rand), needed);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null)
    {
        var needed = columnsNeeded.ToArray();
        return _input.GetRowCursorSet(_binding.Dependencies(needed), n, rand)
            .Select(c => (DataViewRowCursor)new CorruptedCursor(_binding, c, needed)).ToArray();
    }
}

/// <summary>The row-to-row mapper of a corruption step (prediction engines and chains use it).</summary>
internal sealed class CorruptionRowMapper : IRowToRowMapper
{
    private readonly CorruptionBinding _binding;

    public CorruptionRowMapper(CorruptionBinding binding) => _binding = binding;

    public DataViewSchema InputSchema => _binding.InputSchema;
    public DataViewSchema OutputSchema => _binding.OutputSchema;

    public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns) => _binding.Dependencies(dependingColumns);

    public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (input.Schema != _binding.InputSchema)
            throw new ArgumentException("The row's schema is not the schema this corruption mapper was made for.", nameof(input));
        return new CorruptedRow(_binding, input, activeColumns);
    }
}
