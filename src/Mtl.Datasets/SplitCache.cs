using System.Runtime.CompilerServices;

namespace Mtl.Datasets;

/// <summary>
/// Remembers the splits cut from a loaded source so that loading the same split again (e.g. once per
/// experiment run) reuses the copy instead of making a new one. Entries live as long as their source.
/// </summary>
internal static class SplitCache
{
    private static readonly ConditionalWeakTable<LabeledImageSet, LabeledImageSet?[]> s_splits = new();

    public static LabeledImageSet GetOrCreate(LabeledImageSet source, DatasetSplit split, Func<LabeledImageSet> create)
    {
        var slots = s_splits.GetValue(source, _ => new LabeledImageSet?[Enum.GetValues<DatasetSplit>().Length]);
        lock (slots)
            return slots[(int)split] ??= create();
    }
}
