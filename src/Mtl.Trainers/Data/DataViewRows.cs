using Microsoft.ML;

namespace Mtl.Trainers.Data;

/// <summary>Row counts of data views, one implementation for the trainer, the evaluation and the run orchestrator.</summary>
internal static class DataViewRows
{
    /// <summary>
    /// The view's row count: what it knows (<see cref="IDataView.GetRowCount"/>), else counted with a cursor on no column,
    /// so that nothing upstream is computed but the row filters (a split, missing-label filters).
    /// </summary>
    public static long Count(IDataView data)
    {
        if (data.GetRowCount() is { } known) return known;
        long count = 0;
        using DataViewRowCursor cursor = data.GetRowCursor([]);
        while (cursor.MoveNext()) count++;
        return count;
    }
}
