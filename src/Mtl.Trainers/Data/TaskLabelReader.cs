using Mtl.ML;
using Mtl.ML.Data;

namespace Mtl.Trainers.Data;

/// <summary>
/// Reads one task's label column into a flat array, checking its type against the task kind:
/// multiclass = Key&lt;UInt32&gt; (1-based; 0 = missing is an error) → class index; binary = Boolean → 0/1;
/// regression = Single (or Double) → value (NaN is an error).
/// </summary>
internal sealed class TaskLabelReader
{
    private readonly TaskDefinition task;
    private readonly DataViewSchema.Column column;
    private readonly ValueGetter<uint>? keyGetter;
    private readonly ValueGetter<bool>? boolGetter;
    private readonly ValueGetter<float>? floatGetter;
    private readonly ValueGetter<double>? doubleGetter;

    public TaskLabelReader(TaskDefinition task, DataViewSchema.Column column, DataViewRow row)
    {
        this.task = task;
        this.column = column;
        switch (task.Kind)
        {
            case TaskKind.Multiclass: keyGetter = row.GetGetter<uint>(column); break;
            case TaskKind.Binary: boolGetter = row.GetGetter<bool>(column); break;
            case TaskKind.Regression when column.Type == NumberDataViewType.Double: doubleGetter = row.GetGetter<double>(column); break;
            default: floatGetter = row.GetGetter<float>(column); break;
        }
    }

    /// <summary>Checks that a column's type fits the task's kind; returns null if fine, else the reason.</summary>
    public static string? Mismatch(TaskDefinition task, DataViewType type) => task.Kind switch
    {
        TaskKind.Multiclass when type is KeyDataViewType { RawType: var r } && r == typeof(uint) => null,
        TaskKind.Multiclass => $"a multiclass task needs a Key<UInt32> label column (use mlContext.Transforms.Conversion.MapValueToKey), but it is {type}",
        TaskKind.Binary when type == BooleanDataViewType.Instance => null,
        TaskKind.Binary => $"a binary task needs a Boolean label column, but it is {type}",
        TaskKind.Regression when type == NumberDataViewType.Single || type == NumberDataViewType.Double => null,
        TaskKind.Regression => $"a regression task needs a Single or Double label column, but it is {type}",
        _ => $"unknown task kind {task.Kind}",
    };

    /// <summary>Reads the current row's label as a float (class index for multiclass).</summary>
    public float Read(long rowPosition)
    {
        if (keyGetter is not null)
        {
            uint key = 0;
            keyGetter(ref key);
            if (key == 0)
                throw new InvalidDataException($"Task '{task.Name}': row {rowPosition} has a missing label (key 0) in column '{column.Name}'. Filter such rows out before training.");
            if (task.ClassCount > 0 && key > task.ClassCount)
                throw new InvalidDataException($"Task '{task.Name}': row {rowPosition} has label key {key} but the task has {task.ClassCount} classes (column '{column.Name}').");
            return key - 1;
        }
        if (boolGetter is not null)
        {
            bool b = false;
            boolGetter(ref b);
            return b ? 1f : 0f;
        }
        float value;
        if (doubleGetter is not null)
        {
            double d = 0;
            doubleGetter(ref d);
            value = (float)d;
        }
        else
        {
            value = 0;
            floatGetter!(ref value);
        }
        if (!float.IsFinite(value))
            throw new InvalidDataException($"Task '{task.Name}': row {rowPosition} has a non-finite label {value} in column '{column.Name}'.");
        return value;
    }
}
