using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Trainers;

/// <summary>
/// The lazy scored view of a <see cref="MultiHeadNetworkTransformer"/>: input columns pass through, the added columns are
/// computed <see cref="MultiHeadNetworkTransformer.ScoringBatchSize"/> rows at a time. An unshuffled cursor reads the
/// features a batch ahead through a second cursor in the same order (row ids are checked); a shuffled cursor scores row
/// by row from its own features.
/// </summary>
internal sealed class ScoredDataView : IDataView
{
    private readonly MultiHeadNetworkTransformer parent;
    private readonly IDataView input;

    public ScoredDataView(MultiHeadNetworkTransformer parent, IDataView input, DataViewSchema schema)
    {
        this.parent = parent;
        this.input = input;
        Schema = schema;
    }

    public DataViewSchema Schema { get; }
    public bool CanShuffle => input.CanShuffle;
    public long? GetRowCount() => input.GetRowCount();

    public DataViewRowCursor GetRowCursor(IEnumerable<DataViewSchema.Column> columnsNeeded, Random? rand = null)
    {
        bool[] active = ActiveColumns.Flags(Schema, columnsNeeded);
        int inputCount = input.Schema.Count;
        bool anyOutput = active.Skip(inputCount).Any(a => a);
        var inputNeeded = input.Schema.Where(c => active[c.Index]).ToList();
        DataViewSchema.Column features = input.Schema[parent.FeatureColumnName];
        if (anyOutput && !inputNeeded.Contains(features)) inputNeeded.Add(features);
        DataViewRowCursor cursor = input.GetRowCursor(inputNeeded, rand);
        DataViewRowCursor? ahead = anyOutput && rand is null ? input.GetRowCursor(new[] { features }) : null;
        return new Cursor(parent, Schema, cursor, ahead, active, inputCount);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly MultiHeadNetworkTransformer parent;
        private readonly DataViewRowCursor input;
        private readonly DataViewRowCursor? ahead;
        private readonly bool[] active;
        private readonly int inputCount;
        private readonly Delegate?[] outputGetters;
        private readonly ScoreBatch current = new();
        private readonly ValueGetter<VBuffer<float>>? aheadFeatures;
        private readonly ValueGetter<VBuffer<float>>? ownFeatures;
        private readonly ValueGetter<DataViewRowId>? inputIds;
        private readonly ValueGetter<DataViewRowId>? aheadIds;
        private float[] batchFeatures = Array.Empty<float>();
        private DataViewRowId[] batchIds = Array.Empty<DataViewRowId>();
        private long batchStart;
        private int batchCount;
        private long scoredPosition = -1;

        public Cursor(MultiHeadNetworkTransformer parent, DataViewSchema schema, DataViewRowCursor input, DataViewRowCursor? ahead, bool[] active, int inputCount)
        {
            this.parent = parent;
            Schema = schema;
            this.input = input;
            this.ahead = ahead;
            this.active = active;
            this.inputCount = inputCount;
            outputGetters = new Delegate?[active.Length - inputCount];
            for (int j = 0; j < outputGetters.Length; j++)
                if (active[inputCount + j]) outputGetters[j] = parent.Outputs[j].MakeGetter(Current);
            if (outputGetters.Any(g => g is not null))
            {
                DataViewSchema.Column features = input.Schema[parent.FeatureColumnName];
                if (ahead is not null)
                {
                    aheadFeatures = ahead.GetGetter<VBuffer<float>>(features);
                    aheadIds = ahead.GetIdGetter();
                    inputIds = input.GetIdGetter();
                }
                else
                {
                    ownFeatures = input.GetGetter<VBuffer<float>>(features);
                }
            }
        }

        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override DataViewSchema Schema { get; }
        public override bool MoveNext() => input.MoveNext();
        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            ActiveColumns.Check(Schema, column, active);
            if (column.Index < inputCount) return input.GetGetter<TValue>(input.Schema[column.Index]);
            return ActiveColumns.Cast<TValue>(outputGetters[column.Index - inputCount]!, column);
        }

        private ScoreBatch Current()
        {
            long position = input.Position;
            if (position < 0) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
            if (ahead is null)
            {
                if (scoredPosition != position) ScoreOwnRow(position);
                return current;
            }
            if (position >= batchStart + batchCount || position < batchStart) ScoreNextBatch(position);
            current.Index = (int)(position - batchStart);
            DataViewRowId id = default;
            inputIds!(ref id);
            if (!id.Equals(batchIds[current.Index]))
                throw new InvalidOperationException("The input data view returned rows in different orders to two cursors, so it cannot be scored in batches. Cache it first (mlContext.Data.Cache).");
            return current;
        }

        private void ScoreOwnRow(long position)
        {
            VBuffer<float> row = default;
            ownFeatures!(ref row);
            CheckRow(row.Length, position);
            float[] features = new float[parent.RowSize];
            row.CopyTo(features);
            parent.Score(features, 1, current);
            current.Index = 0;
            scoredPosition = position;
        }

        private void ScoreNextBatch(long position)
        {
            int size = parent.ScoringBatchSize, rowSize = parent.RowSize;
            if (batchFeatures.Length != size * rowSize)
            {
                batchFeatures = new float[size * rowSize];
                batchIds = new DataViewRowId[size];
            }
            int n = 0;
            VBuffer<float> row = default;
            // The reading cursor only moves forward: skip to this row, then read up to a batch.
            while (ahead!.Position < position && ahead.MoveNext()) { }
            while (n < size && ahead.Position >= position)
            {
                aheadFeatures!(ref row);
                CheckRow(row.Length, ahead.Position);
                row.CopyTo(batchFeatures.AsSpan(n * rowSize, rowSize));
                aheadIds!(ref batchIds[n]);
                n++;
                if (n < size && !ahead.MoveNext()) break;
            }
            if (n == 0) throw new InvalidOperationException($"The input data view has fewer rows for a second cursor than for the first (row {position}).");
            parent.Score(batchFeatures, n, current);
            batchStart = position;
            batchCount = n;
        }

        private void CheckRow(int length, long position)
        {
            if (length != parent.RowSize)
                throw new InvalidDataException($"Row {position} of '{parent.FeatureColumnName}' has {length} values; the model expects {parent.RowSize}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
                ahead?.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
