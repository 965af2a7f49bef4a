using System.Runtime.InteropServices;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Trainers.Tasks;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Data;

/// <summary>
/// A data view read once into CPU tensors: features (N × shape) and one label tensor per task (class indices as int64,
/// binary/regression targets as float32). Mini-batches are index_select calls on these tensors, so an epoch costs no
/// per-row work and the batch order is set by one seeded permutation (docs/architecture.md, "From rows to a trained network").
/// </summary>
internal sealed class MaterializedData : IDisposable
{
    private MaterializedData(Tensor features, Tensor[] labels, long[] labelledRows, long[] rowShape, float[]? hostFeatures)
    {
        Features = features;
        Labels = labels;
        LabelledRows = labelledRows;
        RowShape = rowShape;
        HostFeatures = hostFeatures;
    }

    /// <summary>All features, shaped (N, …row shape).</summary>
    public Tensor Features { get; }

    /// <summary>
    /// Per task: int64 class indices (multiclass; −1 = not labelled) or float32 targets (binary, regression; NaN = not
    /// labelled); empty when the view has no labels. Regression targets the network learns standardised are in standard units
    /// after <see cref="Standardize"/>.
    /// </summary>
    public Tensor[] Labels { get; }

    /// <summary>Per task: how many rows are labelled for it (all rows for a task without holes).</summary>
    public long[] LabelledRows { get; }

    /// <summary>Whether task <paramref name="task"/> has rows without a label: only such tasks pay for a label mask per batch.</summary>
    public bool HasMissingLabels(int task) => LabelledRows[task] < Count;

    /// <summary>Shape of one row's features (e.g. 1, 28, 28).</summary>
    public long[] RowShape { get; }

    /// <summary>Values per row.</summary>
    public int RowSize => (int)RowShape.Aggregate(1L, (a, b) => a * b);

    /// <summary>The features as one row-major host array (kept only when asked for, e.g. for augmentation).</summary>
    public float[]? HostFeatures { get; }

    /// <summary>Number of rows.</summary>
    public long Count => Features.shape[0];

    /// <summary>Reads the feature column and (when <paramref name="withLabels"/>) each task's label column through one cursor.</summary>
    public static MaterializedData Read(IDataView data, string featureColumnName, IReadOnlyList<TaskDefinition> tasks, bool withLabels, string what, bool keepHostFeatures = false)
    {
        DataViewSchema.Column featureColumn = FindFeatureColumn(data.Schema, featureColumnName, what);
        var vectorType = (VectorDataViewType)featureColumn.Type;
        long[] rowShape = RowShapeOf(vectorType);
        int rowSize = vectorType.Size;
        var labelColumns = new List<DataViewSchema.Column>();
        if (withLabels)
            foreach (TaskDefinition t in tasks) labelColumns.Add(FindLabelColumn(data.Schema, t, what));

        // The row count first (a cursor with no active column: no feature is computed), then every row straight into one
        // tensor of that size: the data is held once. Growing a list instead held up to three times the features at its
        // peak (old and new buffer, then the copy out), which a million-row table cannot afford.
        long rows = DataViewRows.Count(data);
        long[] shape = rowShape.Prepend(rows).ToArray();
        float[]? host = keepHostFeatures ? new float[checked(rows * rowSize)] : null;
        Tensor? x = host is null ? empty(shape, ScalarType.Float32).DetachFromDisposeScope() : null;
        var labels = labelColumns.Select(_ => new float[rows]).ToArray();
        long n = 0;
        try
        {
            var target = x?.data<float>();
            float[] row = host is null ? new float[rowSize] : [];
            using DataViewRowCursor cursor = data.GetRowCursor(labelColumns.Prepend(featureColumn));
            ValueGetter<VBuffer<float>> getFeatures = cursor.GetGetter<VBuffer<float>>(featureColumn);
            LabelReader[] readers = labelColumns.Select((c, i) => tasks[i].Handler().CreateLabelReader(tasks[i], cursor, c)).ToArray();
            VBuffer<float> buffer = default;
            while (cursor.MoveNext())
            {
                if (n == rows)
                    throw new InvalidOperationException($"{what}: the data view gave more rows than the {rows} it counted; a data view must give the same rows on every cursor.");
                getFeatures(ref buffer);
                if (buffer.Length != rowSize)
                    throw new InvalidDataException($"{what}: row {cursor.Position} of '{featureColumn.Name}' has {buffer.Length} values, the column type says {rowSize}.");
                Span<float> values = host is null ? row : host.AsSpan(checked((int)(n * rowSize)), rowSize);
                buffer.CopyTo(values);
                foreach (float v in values)
                    if (!float.IsFinite(v))
                        throw new InvalidDataException($"{what}: row {cursor.Position} of '{featureColumn.Name}' contains a non-finite value ({v}). Clean or impute the features first.");
                target?.CopyFrom(row, 0, n * rowSize);
                for (int i = 0; i < readers.Length; i++) labels[i][n] = readers[i](cursor.Position);
                n++;
            }
            if (n == 0) throw new InvalidDataException($"{what}: the data view has no rows.");
            if (n != rows)
                throw new InvalidOperationException($"{what}: the data view gave {n} rows where it counted {rows}; a data view must give the same rows on every cursor.");
        }
        catch
        {
            x?.Dispose();
            throw;
        }
        x ??= tensor(host!, shape).DetachFromDisposeScope();
        var y = new Tensor[labels.Length];
        var labelled = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            float[] values = labels[i];
            labelled[i] = values.Count(v => !float.IsNaN(v));
            if (labelled[i] == 0)
                throw new InvalidDataException($"{what}: task '{tasks[i].Name}' has no labelled row (every value of label column '{labelColumns[i].Name}' is missing: key 0 or NaN). Label some rows or remove the task.");
            float missing = (float)tasks[i].Handler().MissingTarget;
            if (missing is not float.NaN && labelled[i] < values.Length)
                for (int r = 0; r < values.Length; r++)
                    if (float.IsNaN(values[r])) values[r] = missing;
            using Tensor raw = tensor(values);
            y[i] = raw.to_type(tasks[i].Handler().TargetType).DetachFromDisposeScope();
        }
        return new MaterializedData(x, y, labelled, rowShape, host);
    }

    /// <summary>Mean and standard deviation (population) of a float target over its labelled rows, in float64.</summary>
    public (double Mean, double Std) TargetStatistics(int task)
    {
        using var scope = NewDisposeScope();
        Tensor values = Labels[task].to_type(ScalarType.Float64);
        if (HasMissingLabels(task)) values = values.masked_select(values.isnan().logical_not());
        double mean = values.mean().item<double>();
        double std = Math.Sqrt(values.sub(mean).square().mean().item<double>());
        return (mean, std);
    }

    /// <summary>Puts a float target into standard units in place: (y − shift) / scale (NaN, a missing label, stays NaN).</summary>
    public void Standardize(int task, double shift, double scale)
    {
        if (shift == 0 && scale == 1) return;
        using var noGrad = no_grad();
        Labels[task].sub_(shift).div_(scale);
    }

    /// <summary>Finds and checks the feature column: a known-size vector of Single.</summary>
    public static DataViewSchema.Column FindFeatureColumn(DataViewSchema schema, string name, string what)
    {
        DataViewSchema.Column c = schema.GetColumnOrNull(name)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"{what}: feature column '{name}' was not found. Columns: {ColumnList(schema)}.");
        if (c.Type is not VectorDataViewType { ItemType: var item, IsKnownSize: true } || item != NumberDataViewType.Single)
            throw new ArgumentOutOfRangeException(nameof(schema), $"{what}: feature column '{name}' must be a known-size vector of Single (e.g. Vector<Single, 1, 28, 28>), but it is {c.Type}.");
        return c;
    }

    /// <summary>Finds a task's label column and checks its type against the task's kind.</summary>
    public static DataViewSchema.Column FindLabelColumn(DataViewSchema schema, TaskDefinition task, string what)
    {
        DataViewSchema.Column c = schema.GetColumnOrNull(task.LabelColumnName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema), $"{what}: label column '{task.LabelColumnName}' of task '{task.Name}' was not found. Columns: {ColumnList(schema)}.");
        if (task.Handler().LabelMismatch(c.Type) is { } why)
            throw new ArgumentOutOfRangeException(nameof(schema), $"{what}: label column '{c.Name}' of task '{task.Name}': {why}.");
        return c;
    }

    private static string ColumnList(DataViewSchema schema) => string.Join(", ", schema.Where(x => !x.IsHidden).Select(x => x.Name));

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
