using Mtl.ML;
using Mtl.ML.Data;
using Mtl.Torch;
using static Mtl.Torch.torch;

namespace Mtl.Trainers.Data;

/// <summary>
/// A data view read once into CPU tensors: features (N × shape) and one label tensor per task (class indices as int64,
/// binary/regression targets as float32). Mini-batches are index_select calls on these tensors, so an epoch costs no
/// per-row work and the batch order is set by one seeded permutation.
/// </summary>
public sealed class MaterializedData : IDisposable
{
    private MaterializedData(Tensor features, Tensor[] labels, long[] rowShape)
    {
        Features = features;
        Labels = labels;
        RowShape = rowShape;
    }

    /// <summary>All features, shaped (N, …row shape).</summary>
    public Tensor Features { get; }

    /// <summary>Per task: int64 class indices (multiclass) or float32 targets (binary, regression); empty when the view has no labels.</summary>
    public Tensor[] Labels { get; }

    /// <summary>Shape of one row's features (e.g. 1, 28, 28).</summary>
    public long[] RowShape { get; }

    /// <summary>Number of rows.</summary>
    public long Count => Features.shape[0];

    /// <summary>Reads the feature column and (when <paramref name="withLabels"/>) each task's label column.</summary>
    public static MaterializedData Read(IDataView data, string featureColumnName, IReadOnlyList<TaskDefinition> tasks, bool withLabels, string what)
    {
        DataViewSchema.Column featureColumn = FindFeatureColumn(data.Schema, featureColumnName, what);
        long[] rowShape = RowShapeOf((VectorDataViewType)featureColumn.Type);
        int rowSize = ((VectorDataViewType)featureColumn.Type).Size;
        var labelColumns = new List<DataViewSchema.Column>();
        if (withLabels)
        {
            foreach (TaskDefinition t in tasks)
            {
                DataViewSchema.Column c = data.Schema.GetColumnOrNull(t.LabelColumnName)
                    ?? throw new ArgumentOutOfRangeException(nameof(data), $"{what}: label column '{t.LabelColumnName}' of task '{t.Name}' was not found. Columns: {string.Join(", ", data.Schema.Where(x => !x.IsHidden).Select(x => x.Name))}.");
                if (TaskLabelReader.Mismatch(t, c.Type) is { } why)
                    throw new ArgumentOutOfRangeException(nameof(data), $"{what}: label column '{c.Name}' of task '{t.Name}': {why}.");
                labelColumns.Add(c);
            }
        }

        long? known = data.GetRowCount();
        var features = new List<float>(known is { } k ? checked((int)Math.Min(k * rowSize, int.MaxValue)) : 1 << 16);
        var labels = labelColumns.Select(_ => new List<float>()).ToArray();
        using (DataViewRowCursor cursor = data.GetRowCursor(labelColumns.Prepend(featureColumn)))
        {
            ValueGetter<VBuffer<float>> getFeatures = cursor.GetGetter<VBuffer<float>>(featureColumn);
            var readers = tasks.Take(labelColumns.Count).Select((t, i) => new TaskLabelReader(t, labelColumns[i], cursor)).ToArray();
            VBuffer<float> buffer = default;
            while (cursor.MoveNext())
            {
                getFeatures(ref buffer);
                if (buffer.Length != rowSize)
                    throw new InvalidDataException($"{what}: row {cursor.Position} of '{featureColumn.Name}' has {buffer.Length} values, the column type says {rowSize}.");
                foreach (float v in buffer.DenseValues())
                {
                    if (!float.IsFinite(v))
                        throw new InvalidDataException($"{what}: row {cursor.Position} of '{featureColumn.Name}' contains a non-finite value ({v}).");
                    features.Add(v);
                }
                for (int i = 0; i < readers.Length; i++) labels[i].Add(readers[i].Read(cursor.Position));
            }
        }
        long n = features.Count / rowSize;
        if (n == 0) throw new InvalidDataException($"{what}: the data view has no rows.");
        Tensor x = tensor<float>(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(features), rowShape.Prepend(n).ToArray()).DetachFromDisposeScope();
        var y = new Tensor[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            using Tensor raw = tensor(labels[i].ToArray());
            y[i] = (tasks[i].Kind == TaskKind.Multiclass ? raw.to_type(ScalarType.Int64) : raw.alias()).DetachFromDisposeScope();
        }
        return new MaterializedData(x, y, rowShape);
    }

    /// <summary>Finds and checks the feature column: a known-size vector of Single.</summary>
    public static DataViewSchema.Column FindFeatureColumn(DataViewSchema schema, string name, string what)
    {
        DataViewSchema.Column c = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"{what}: feature column '{name}' was not found. Columns: {string.Join(", ", schema.Where(x => !x.IsHidden).Select(x => x.Name))}.");
        if (c.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true } || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema), $"{what}: feature column '{name}' must be a known-size vector of Single (e.g. Vector<Single, 1, 28, 28>), but it is {c.Type}.");
        return c;
    }

    /// <summary>The per-row tensor shape of a vector column (its dimensions, or its size when 1-D).</summary>
    public static long[] RowShapeOf(VectorDataViewType type) =>
        type.Dimensions.Length > 1 ? type.Dimensions.Select(d => (long)d).ToArray() : new long[] { type.Size };

    /// <summary>Releases the tensors.</summary>
    public void Dispose()
    {
        Features.Dispose();
        foreach (Tensor t in Labels) t.Dispose();
    }
}
