using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.Trainers;

public sealed partial class MultiHeadNetworkTransformer
{
    /// <summary>Scores of the current row: the batch they belong to and the row's index in it.</summary>
    private sealed class CurrentScores
    {
        public float[][] Scores = Array.Empty<float[]>();
        public float[]? Embedding;
        public int Index;
    }

    /// <summary>Getters of the output columns, reading from a provider that makes sure the current row is scored.</summary>
    private Delegate MakeOutputGetter(int outputIndex, Func<CurrentScores> current)
    {
        int taskIndex = outputIndex / 2;
        if (taskIndex >= Tasks.Count)
        {
            int size = Network.RepresentationSize;
            return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
            {
                CurrentScores c = current();
                v = new VBuffer<float>(size, c.Embedding.AsSpan(c.Index * size, size).ToArray());
            });
        }
        TaskDefinition t = Tasks[taskIndex];
        bool score = outputIndex % 2 == 0;
        switch (t.Kind)
        {
            case TaskKind.Multiclass:
                int k = t.ClassCount;
                if (score)
                    return (ValueGetter<VBuffer<float>>)((ref VBuffer<float> v) =>
                    {
                        CurrentScores c = current();
                        v = new VBuffer<float>(k, c.Scores[taskIndex].AsSpan(c.Index * k, k).ToArray());
                    });
                return (ValueGetter<uint>)((ref uint v) =>
                {
                    CurrentScores c = current();
                    ReadOnlySpan<float> row = c.Scores[taskIndex].AsSpan(c.Index * k, k);
                    int best = 0;
                    for (int j = 1; j < k; j++) if (row[j] > row[best]) best = j;
                    v = (uint)best + 1;
                });
            case TaskKind.Binary:
                if (score) return (ValueGetter<float>)((ref float v) => { CurrentScores c = current(); v = c.Scores[taskIndex][c.Index]; });
                return (ValueGetter<bool>)((ref bool v) => { CurrentScores c = current(); v = c.Scores[taskIndex][c.Index] > 0.5f; });
            default:
                return (ValueGetter<float>)((ref float v) => { CurrentScores c = current(); v = c.Scores[taskIndex][c.Index]; });
        }
    }

    /// <summary>The lazy scored view: input columns pass through, output columns are computed a batch at a time.</summary>
    private sealed class ScoredDataView : IDataView
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
            bool[] active = CursorChecks.ActiveFlags(Schema, columnsNeeded);
            int inputCount = input.Schema.Count;
            bool anyOutput = active.Skip(inputCount).Any(a => a);
            var inputNeeded = input.Schema.Where(c => active[c.Index]).ToList();
            DataViewSchema.Column features = input.Schema[parent.FeatureColumnName];
            if (anyOutput && !inputNeeded.Contains(features)) inputNeeded.Add(features);
            DataViewRowCursor cursor = input.GetRowCursor(inputNeeded, rand);
            // Without shuffling, a second cursor over the features reads ahead one batch at a time (same order);
            // a shuffled cursor is scored one row at a time from its own features.
            DataViewRowCursor? ahead = anyOutput && rand is null ? input.GetRowCursor(new[] { features }) : null;
            return new Cursor(parent, this, cursor, ahead, active, inputCount);
        }

        public DataViewRowCursor[] GetRowCursorSet(IEnumerable<DataViewSchema.Column> columnsNeeded, int n, Random? rand = null) =>
            new[] { GetRowCursor(columnsNeeded, rand) };
    }

    private sealed class Cursor : DataViewRowCursor
    {
        private readonly MultiHeadNetworkTransformer parent;
        private readonly ScoredDataView view;
        private readonly DataViewRowCursor input;
        private readonly DataViewRowCursor? ahead;
        private readonly bool[] active;
        private readonly int inputCount;
        private readonly Delegate?[] outputGetters;
        private readonly CurrentScores current = new();
        private readonly ValueGetter<VBuffer<float>>? aheadFeatures;
        private readonly ValueGetter<VBuffer<float>>? ownFeatures;
        private readonly ValueGetter<DataViewRowId>? inputIds;
        private DataViewRowId[] batchIds = Array.Empty<DataViewRowId>();
        private long batchStart;
        private int batchCount;
        private long scoredPosition = -1;

        public Cursor(MultiHeadNetworkTransformer parent, ScoredDataView view, DataViewRowCursor input, DataViewRowCursor? ahead, bool[] active, int inputCount)
        {
            this.parent = parent;
            this.view = view;
            this.input = input;
            this.ahead = ahead;
            this.active = active;
            this.inputCount = inputCount;
            outputGetters = new Delegate?[active.Length - inputCount];
            for (int j = 0; j < outputGetters.Length; j++)
                if (active[inputCount + j]) outputGetters[j] = parent.MakeOutputGetter(j, Current);
            if (outputGetters.Any(g => g is not null))
            {
                DataViewSchema.Column features = input.Schema[parent.FeatureColumnName];
                if (ahead is not null)
                {
                    aheadFeatures = ahead.GetGetter<VBuffer<float>>(features);
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
        public override DataViewSchema Schema => view.Schema;
        public override bool MoveNext() => input.MoveNext();
        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CursorChecks.CheckColumn(Schema, column);
            if (!active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' is not active in this cursor; ask for it in columnsNeeded.");
            if (column.Index < inputCount) return input.GetGetter<TValue>(input.Schema[column.Index]);
            return CursorChecks.CastGetter<TValue>(outputGetters[column.Index - inputCount], column);
        }

        private CurrentScores Current()
        {
            long position = input.Position;
            if (position < 0) throw new InvalidOperationException("The cursor is not on a row; call MoveNext first.");
            if (ahead is null)
            {
                if (scoredPosition != position) ScoreOwnRow(position);
                return current;
            }
            if (position >= batchStart + batchCount) ScoreNextBatch(position);
            current.Index = (int)(position - batchStart);
            DataViewRowId id = default;
            inputIds!(ref id);
            if (!id.Equals(batchIds[current.Index]))
                throw new InvalidOperationException("The input data view returned rows in different orders to two cursors; it cannot be scored in batches. Cache it first (mlContext.Data.Cache).");
            return current;
        }

        private void ScoreOwnRow(long position)
        {
            VBuffer<float> row = default;
            ownFeatures!(ref row);
            float[] features = row.DenseValues().ToArray();
            CheckRow(features.Length, position);
            (current.Scores, current.Embedding) = parent.Score(features, 1);
            current.Index = 0;
            scoredPosition = position;
        }

        private void ScoreNextBatch(long position)
        {
            int size = parent.ScoringBatchSize, rowSize = parent.scorer.RowSize;
            var features = new float[size * rowSize];
            var ids = new DataViewRowId[size];
            var idGetter = ahead!.GetIdGetter();
            int n = 0;
            VBuffer<float> row = default;
            while (n < size && ahead.Position < position + size - 1 && ahead.MoveNext())
            {
                if (ahead.Position < position) continue;
                aheadFeatures!(ref row);
                CheckRow(row.Length, ahead.Position);
                row.CopyTo(features.AsSpan(n * rowSize, rowSize));
                idGetter(ref ids[n]);
                n++;
            }
            if (n == 0) throw new InvalidOperationException($"The input data view has fewer rows for a second cursor than for the first (row {position}).");
            (current.Scores, current.Embedding) = parent.Score(features, n);
            batchStart = position;
            batchCount = n;
            batchIds = ids;
        }

        private void CheckRow(int length, long position)
        {
            if (length != parent.scorer.RowSize)
                throw new InvalidDataException($"Row {position} of '{parent.FeatureColumnName}' has {length} values; the model expects {parent.scorer.RowSize}.");
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                input.Dispose();
                ahead?.Dispose();
            }
        }
    }

    /// <summary>Row-to-row mapper (PredictionEngine): scores the input row on demand, one row per network call.</summary>
    private sealed class RowMapper : IRowToRowMapper
    {
        private readonly MultiHeadNetworkTransformer parent;

        public RowMapper(MultiHeadNetworkTransformer parent, DataViewSchema inputSchema, DataViewSchema outputSchema)
        {
            this.parent = parent;
            InputSchema = inputSchema;
            OutputSchema = outputSchema;
        }

        public DataViewSchema InputSchema { get; }
        public DataViewSchema OutputSchema { get; }

        public IEnumerable<DataViewSchema.Column> GetDependencies(IEnumerable<DataViewSchema.Column> dependingColumns)
        {
            var needed = dependingColumns.ToList();
            var result = needed.Where(c => c.Index < InputSchema.Count).Select(c => InputSchema[c.Index]).ToList();
            if (needed.Any(c => c.Index >= InputSchema.Count)) result.Add(InputSchema[parent.FeatureColumnName]);
            return result.Distinct();
        }

        public DataViewRow GetRow(DataViewRow input, IEnumerable<DataViewSchema.Column> activeColumns) =>
            new MappedRow(parent, input, OutputSchema, CursorChecks.ActiveFlags(OutputSchema, activeColumns));
    }

    private sealed class MappedRow : DataViewRow
    {
        private readonly MultiHeadNetworkTransformer parent;
        private readonly DataViewRow input;
        private readonly bool[] active;
        private readonly CurrentScores current = new();
        private readonly ValueGetter<VBuffer<float>>? features;
        private float[]? scoredFeatures;

        public MappedRow(MultiHeadNetworkTransformer parent, DataViewRow input, DataViewSchema schema, bool[] active)
        {
            this.parent = parent;
            this.input = input;
            this.active = active;
            Schema = schema;
            if (active.Skip(input.Schema.Count).Any(a => a)) features = input.GetGetter<VBuffer<float>>(input.Schema[parent.FeatureColumnName]);
        }

        public override long Position => input.Position;
        public override long Batch => input.Batch;
        public override DataViewSchema Schema { get; }
        public override bool IsColumnActive(DataViewSchema.Column column) => active[column.Index];
        public override ValueGetter<DataViewRowId> GetIdGetter() => input.GetIdGetter();

        public override ValueGetter<TValue> GetGetter<TValue>(DataViewSchema.Column column)
        {
            CursorChecks.CheckColumn(Schema, column);
            if (!active[column.Index]) throw new InvalidOperationException($"Column '{column.Name}' is not active.");
            int inputCount = input.Schema.Count;
            if (column.Index < inputCount) return input.GetGetter<TValue>(input.Schema[column.Index]);
            return CursorChecks.CastGetter<TValue>(parent.MakeOutputGetter(column.Index - inputCount, Current), column);
        }

        private CurrentScores Current()
        {
            // PredictionEngine reuses one row object whose position does not change between Predict calls, so the scores are
            // keyed by the feature values: each output getter of one prediction reuses one network run.
            VBuffer<float> row = default;
            features!(ref row);
            if (row.Length != parent.scorer.RowSize)
                throw new InvalidDataException($"'{parent.FeatureColumnName}' has {row.Length} values; the model expects {parent.scorer.RowSize}.");
            float[] values = row.DenseValues().ToArray();
            if (scoredFeatures is not null && values.AsSpan().SequenceEqual(scoredFeatures)) return current;
            (current.Scores, current.Embedding) = parent.Score(values, 1);
            current.Index = 0;
            scoredFeatures = values;
            return current;
        }
    }
}
