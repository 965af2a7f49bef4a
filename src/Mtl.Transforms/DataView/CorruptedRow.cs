using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Transforms.DataView;

/// <summary>
/// What a corrupted row and a corrupted cursor share: passed-through columns delegate to the input
/// row, output columns get a getter that corrupts the input value when it is called (lazy).
/// </summary>
internal sealed class CorruptedColumns
{
    private readonly CorruptionBinding _binding;
    private readonly DataViewRow _input;
    private readonly bool[] _active;
    private readonly Delegate?[] _getters;

    public CorruptedColumns(CorruptionBinding binding, DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        _binding = binding;
        _input = input;
        _active = new bool[binding.OutputSchema.Count];
        foreach (var c in activeColumns)
        {
            binding.CheckColumn(c);
            _active[c.Index] = true;
        }
        _getters = new Delegate?[binding.Columns.Length];
    }

    public bool IsColumnActive(DataViewSchema.Column column)
    {
        _binding.CheckColumn(column);
        return _binding.OutputColumn(column.Index) is null ? _input.IsColumnActive(_binding.InputSchema[column.Index]) : _active[column.Index];
    }

    public ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
    {
        _binding.CheckColumn(column);
        var corrupted = _binding.OutputColumn(column.Index);
        if (corrupted is null) return _input.GetGetter<TValue>(_binding.InputSchema[column.Index]);
        if (!_active[column.Index])
            throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor; request it in the columns needed.");
        var getter = _getters[corrupted.PairIndex] ??= corrupted.MakeGetter(_input, _binding.Transformer);
        return getter as ValueGetter<TValue>
            ?? throw new InvalidOperationException($"Column '{column.Name}' holds {column.Type}; it cannot be read as {typeof(TValue).Name}.");
    }
}

/// <summary>A row of a corruption step's output over one input row (the row-to-row mapper's rows).</summary>
internal sealed class CorruptedRow : DataViewRow
{
    private readonly DataViewRow _input;
    private readonly CorruptedColumns _columns;

    public CorruptedRow(CorruptionBinding binding, DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        _input = input;
        Schema = binding.OutputSchema;
        _columns = new CorruptedColumns(binding, input, activeColumns);
    }

    public override DataViewSchema Schema { get; }
    public override long Position => _input.Position;
    public override long Batch => _input.Batch;
    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => _columns.IsColumnActive(column);
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _columns.GetGetter<TValue>(column);
}

/// <summary>A cursor over a corruption step's output: moves the input cursor, corrupts on demand.</summary>
internal sealed class CorruptedCursor : DataViewRowCursor
{
    private readonly DataViewRowCursor _input;
    private readonly CorruptedColumns _columns;

    public CorruptedCursor(CorruptionBinding binding, DataViewRowCursor input, IEnumerable<DataViewSchema.Column> activeColumns)
    {
        _input = input;
        Schema = binding.OutputSchema;
        _columns = new CorruptedColumns(binding, input, activeColumns);
    }

    public override DataViewSchema Schema { get; }
    public override long Position => _input.Position;
    public override long Batch => _input.Batch;
    public override ValueGetter<DataViewRowId> GetIdGetter() => _input.GetIdGetter();
    public override bool IsColumnActive(DataViewSchema.Column column) => _columns.IsColumnActive(column);
    public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column) => _columns.GetGetter<TValue>(column);
    public override bool MoveNext() => _input.MoveNext();

    protected override void Dispose(bool disposing)
    {
        if (disposing) _input.Dispose();
        base.Dispose(disposing);
    }
}
