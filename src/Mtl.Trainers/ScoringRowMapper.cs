using Microsoft.ML;
using Microsoft.ML.Data;

namespace Mtl.Trainers;

/// <summary>
/// The row-to-row mapper of a <see cref="MultiHeadNetworkTransformer"/> (what PredictionEngine uses): scores the input
/// row on demand, one row per call (ONNX Runtime on the saved graph, see <see cref="MultiHeadNetworkTransformer.RowScorer"/>),
/// and reuses the scores while the row's features stay the same.
/// </summary>
internal sealed class ScoringRowMapper : IRowToRowMapper
{
    private readonly MultiHeadNetworkTransformer parent;

    public ScoringRowMapper(MultiHeadNetworkTransformer parent, DataViewSchema inputSchema, DataViewSchema outputSchema)
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
        new MappedRow(parent, input, OutputSchema, ActiveColumns.Flags(OutputSchema, activeColumns));

    private sealed class MappedRow : DataViewRow
    {
        private readonly MultiHeadNetworkTransformer parent;
        private readonly DataViewRow input;
        private readonly bool[] active;
        private readonly ScoreBatch current = new();
        private readonly ValueGetter<VBuffer<float>>? features;
        private float[]? scoredFeatures;
        private float[]? scratch;
        private Onnx.OnnxRowScorer.RowBuffers? onnx;
        private bool onnxChecked;

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
            ActiveColumns.Check(Schema, column, active);
            int inputCount = input.Schema.Count;
            if (column.Index < inputCount) return input.GetGetter<TValue>(input.Schema[column.Index]);
            return ActiveColumns.Cast<TValue>(parent.Outputs[column.Index - inputCount].MakeGetter(Current), column);
        }

        private ScoreBatch Current()
        {
            // PredictionEngine reuses one row whose position does not change between Predict calls, so the scores are keyed
            // by the feature values: all output getters of one prediction share one network run.
            VBuffer<float> row = default;
            features!(ref row);
            if (row.Length != parent.RowSize)
                throw new InvalidDataException($"'{parent.FeatureColumnName}' has {row.Length} values; the model expects {parent.RowSize}.");
            // Two buffers swap roles, so that reading the row for every output getter allocates nothing.
            scratch ??= new float[parent.RowSize];
            row.CopyTo(scratch);
            if (scoredFeatures is not null && scratch.AsSpan().SequenceEqual(scoredFeatures)) return current;
            if (!onnxChecked)
            {
                onnx = parent.RowScorer?.CreateBuffers();
                onnxChecked = true;
            }
            if (onnx is not null)
            {
                parent.RowScorer!.Score(scratch, onnx, current);
            }
            else
            {
                parent.Score(scratch, 1, current);
            }
            current.Index = 0;
            (scoredFeatures, scratch) = (scratch, scoredFeatures);
            return current;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing) onnx?.Dispose();
            base.Dispose(disposing);
        }
    }
}
