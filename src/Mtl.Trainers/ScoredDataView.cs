using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Trainers;

/// <summary>
/// The lazy scored view of a <see cref="MultiHeadNetworkTransformer"/>: input columns pass through, the added columns are
/// computed <see cref="MultiHeadNetworkTransformer.ScoringBatchSize"/> rows at a time (ONNX Runtime on the batched graph on the CPU,
/// TorchSharp on a GPU or for a network without an ONNX export: <see cref="NetworkScorer"/>). A cursor that serves any added
/// column reads its input once: it pulls a batch of rows from one input cursor, keeps each row's active input values
/// (and row id), scores the batch in one forward, then serves the rows from what it kept. A lazy upstream (composed
/// images, corruptions, image loading) is therefore computed once per row, whatever order the input gives.
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
        return anyOutput ? new BatchCursor(parent, Schema, cursor, active, inputCount) : new PassThroughCursor(Schema, cursor, active);
    }

    public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
        new[] { GetRowCursor(columnsNeeded, rand) };

    /// <summary>Only input columns are needed: the input's own cursor, nothing kept, nothing scored.</summary>
    private sealed class PassThroughCursor(DataViewSchema schema, DataViewRowCursor input, bool[] active) : DataViewRowCursor
    {
        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override DataViewSchema Schema => schema;
        public override bool MoveNext() => input.MoveNext();
        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            // Only input columns can be active here (an active output column makes a BatchCursor).
            ActiveColumns.Check(Schema, column, active);
            return input.GetGetter<TValue>(input.Schema[column.Index]);
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) input.Dispose();
            base.Dispose(disposing);
        }
    }

    /// <summary>Reads a batch of input rows ahead through its one input cursor, scores them together, serves them one by one.</summary>
    private sealed class BatchCursor : DataViewRowCursor
    {
        private readonly MultiHeadNetworkTransformer parent;
        private readonly DataViewRowCursor input;
        private readonly bool[] active;
        private readonly int inputCount;
        private readonly Delegate?[] outputGetters;
        private readonly RowCache?[] inputCaches;
        private readonly ScoreBatch current = new();
        private readonly VectorCache<float> features;
        private readonly ValueGetter<DataViewRowId> inputIds;
        private readonly ScoringBatch batch;
        private readonly DataViewRowId[] batchIds;
        private int batchCount;
        private int slot = -1;
        private long position = -1;
        private bool exhausted;

        public BatchCursor(MultiHeadNetworkTransformer parent, DataViewSchema schema, DataViewRowCursor input, bool[] active, int inputCount)
        {
            this.parent = parent;
            Schema = schema;
            this.input = input;
            this.active = active;
            this.inputCount = inputCount;
            int size = parent.ScoringBatchSize;
            batchIds = new DataViewRowId[size];
            // The feature column is kept like any other, and scored from what was kept: the upstream computes it once per row.
            DataViewSchema.Column featureColumn = input.Schema[parent.FeatureColumnName];
            features = new VectorCache<float>(input, featureColumn, size, () => slot);
            inputIds = input.GetIdGetter();
            inputCaches = new RowCache?[inputCount];
            for (int c = 0; c < inputCount; c++)
                if (active[c]) inputCaches[c] = c == featureColumn.Index ? features : RowCache.For(input, input.Schema[c], size, () => slot);
            if (!active[featureColumn.Index]) inputCaches[featureColumn.Index] = features;
            outputGetters = new Delegate?[active.Length - inputCount];
            for (int j = 0; j < outputGetters.Length; j++)
                if (active[inputCount + j]) outputGetters[j] = parent.Outputs[j].MakeGetter(Current);
            // Last: the batch's tensors are rented, and given back in Dispose.
            batch = parent.CreateScoringBatch();
        }

        public override long Position => position;
        public override long Batch => input.Batch;
        public override DataViewSchema Schema { get; }
        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];

        public override bool MoveNext()
        {
            if (slot + 1 < batchCount)
            {
                slot++;
                position++;
                return true;
            }
            if (exhausted || !ReadAndScoreBatch())
            {
                exhausted = true;
                slot = batchCount; // off the rows: getters refuse
                return false;
            }
            slot = 0;
            position++;
            return true;
        }

        public override ValueGetter<DataViewRowId> GetIdGetter() => (ref DataViewRowId value) =>
        {
            OnRow();
            value = batchIds[slot];
        };

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            ActiveColumns.Check(Schema, column, active);
            Delegate getter = column.Index < inputCount ? inputCaches[column.Index]!.Getter : outputGetters[column.Index - inputCount]!;
            return ActiveColumns.Cast<TValue>(getter, column);
        }

        private void OnRow()
        {
            if (slot < 0 || slot >= batchCount) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first (and only while it returns true).");
        }

        private ScoreBatch Current()
        {
            OnRow();
            current.Index = slot;
            return current;
        }

        /// <summary>Reads up to a batch of rows from the input (keeping their active values), scores them; false when the input is done.</summary>
        private bool ReadAndScoreBatch()
        {
            int size = batch.Capacity, rowSize = parent.RowSize, n = 0;
            float[] batchFeatures = batch.Features;
            while (n < size && input.MoveNext())
            {
                foreach (RowCache? cache in inputCaches) cache?.Keep(n);
                VBuffer<float> row = features.Kept(n);
                if (row.Length != rowSize)
                    throw new InvalidDataException($"Row {input.Position} of '{parent.FeatureColumnName}' has {row.Length} values; the model expects {rowSize}.");
                row.CopyTo(batchFeatures.AsSpan(n * rowSize, rowSize));
                inputIds(ref batchIds[n]);
                n++;
            }
            batchCount = n;
            if (n == 0) return false;
            batch.Score(n, current);
            return true;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
                batch.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    /// <summary>
    /// One input column's values for the rows of a batch. Vectors are kept in a buffer per row and copied out to the
    /// caller's buffer, and text is copied when kept, so neither the caller nor the upstream's reuse of its own buffers can
    /// change a kept value. Other values (numbers, keys, Boolean, objects such as MLImage) are kept as they come.
    /// </summary>
    private abstract class RowCache
    {
        public abstract Delegate Getter { get; }

        public abstract void Keep(int slot);

        public static RowCache For(DataViewRowCursor input, DataViewSchema.Column column, int size, Func<int> slot)
        {
            Type type = column.Type is VectorDataViewType vector
                ? typeof(VectorCache<>).MakeGenericType(vector.ItemType.RawType)
                : column.Type.RawType == typeof(ReadOnlyMemory<char>) ? typeof(TextCache) : typeof(ValueCache<>).MakeGenericType(column.Type.RawType);
            return (RowCache)Activator.CreateInstance(type, input, column, size, slot)!;
        }
    }

    private sealed class ValueCache<T>(DataViewRowCursor input, DataViewSchema.Column column, int size, Func<int> slot) : RowCache
    {
        private readonly ValueGetter<T> source = input.GetGetter<T>(column);
        private readonly T[] values = new T[size];

        public override Delegate Getter => (ValueGetter<T>)((ref T value) => value = values[slot()]);

        public override void Keep(int at) => source(ref values[at]);
    }

    private sealed class TextCache(DataViewRowCursor input, DataViewSchema.Column column, int size, Func<int> slot) : RowCache
    {
        private readonly ValueGetter<ReadOnlyMemory<char>> source = input.GetGetter<ReadOnlyMemory<char>>(column);
        private readonly ReadOnlyMemory<char>[] values = new ReadOnlyMemory<char>[size];
        private ReadOnlyMemory<char> scratch;

        public override Delegate Getter => (ValueGetter<ReadOnlyMemory<char>>)((ref ReadOnlyMemory<char> value) => value = values[slot()]);

        public override void Keep(int at)
        {
            source(ref scratch);
            values[at] = scratch.Length == 0 ? ReadOnlyMemory<char>.Empty : scratch.ToArray();
        }
    }

    private sealed class VectorCache<T>(DataViewRowCursor input, DataViewSchema.Column column, int size, Func<int> slot) : RowCache
    {
        private readonly ValueGetter<VBuffer<T>> source = input.GetGetter<VBuffer<T>>(column);
        private readonly VBuffer<T>[] values = new VBuffer<T>[size];

        public override Delegate Getter => (ValueGetter<VBuffer<T>>)((ref VBuffer<T> value) => values[slot()].CopyTo(ref value));

        public override void Keep(int at) => source(ref values[at]);

        /// <summary>The value kept in <paramref name="at"/> (shared, not copied: for the cursor's own reading).</summary>
        public VBuffer<T> Kept(int at) => values[at];
    }
}
