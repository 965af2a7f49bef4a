namespace Mtl.ML.Data;

/// <summary>Well-known annotation kinds and helpers to read them.</summary>
public static class AnnotationUtils
{
    /// <summary>Names of the annotation kinds.</summary>
    public static class Kinds
    {
        /// <summary>The value of each key of a key column (vector of the key count).</summary>
        public const string KeyValues = "KeyValues";
        /// <summary>The name of each slot of a vector column (text vector of the vector size).</summary>
        public const string SlotNames = "SlotNames";
        /// <summary>Whether the column was normalized (boolean).</summary>
        public const string IsNormalized = "IsNormalized";
        /// <summary>The kind of score column (text), e.g. "MulticlassClassification".</summary>
        public const string ScoreColumnKind = "ScoreColumnKind";
        /// <summary>What a score column holds (text), e.g. "Score" or "PredictedLabel".</summary>
        public const string ScoreValueKind = "ScoreValueKind";
    }

    /// <summary>Whether the column carries key values (optionally of item type <paramref name="keyValueItemType"/>).</summary>
    public static bool HasKeyValues(this DataViewSchema.Column column, DataViewType? keyValueItemType = null)
    {
        var kv = column.Annotations.Schema.GetColumnOrNull(Kinds.KeyValues);
        if (kv is null || kv.Value.Type is not VectorDataViewType v) return false;
        if (keyValueItemType is not null && v.ItemType != keyValueItemType) return false;
        return column.Type.GetKeyCount() == (ulong)v.Size;
    }

    /// <summary>Reads the key values of a key column.</summary>
    public static void GetKeyValues<TValue>(this DataViewSchema.Column column, ref VBuffer<TValue> keyValues) =>
        column.Annotations.GetValue(Kinds.KeyValues, ref keyValues);

    /// <summary>Whether the column carries slot names matching its vector size.</summary>
    public static bool HasSlotNames(this DataViewSchema.Column column)
    {
        var sn = column.Annotations.Schema.GetColumnOrNull(Kinds.SlotNames);
        return sn is not null && sn.Value.Type is VectorDataViewType v && v.ItemType is TextDataViewType
            && column.Type is VectorDataViewType cv && cv.Size == v.Size;
    }

    /// <summary>Reads the slot names of a vector column.</summary>
    public static void GetSlotNames(this DataViewSchema.Column column, ref VBuffer<ReadOnlyMemory<char>> slotNames) =>
        column.Annotations.GetValue(Kinds.SlotNames, ref slotNames);

    /// <summary>Whether the column has the <see cref="Kinds.IsNormalized"/> annotation set to true.</summary>
    public static bool IsNormalized(this DataViewSchema.Column column)
    {
        var c = column.Annotations.Schema.GetColumnOrNull(Kinds.IsNormalized);
        if (c is null || c.Value.Type is not BooleanDataViewType) return false;
        bool value = false;
        column.Annotations.GetValue(Kinds.IsNormalized, ref value);
        return value;
    }
}
