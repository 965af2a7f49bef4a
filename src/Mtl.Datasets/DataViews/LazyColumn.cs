using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms.Image;

namespace Mtl.Datasets.DataViews;

/// <summary>
/// One column of a <see cref="LazyDataView"/>: its schema entry and how to compute its value for a row
/// index. Values are computed only when a getter is called, so inactive columns cost nothing.
/// </summary>
internal abstract class LazyColumn(string name, DataViewType type, DataViewSchema.Annotations? annotations)
{
    public string Name { get; } = name;

    public DataViewType Type { get; } = type;

    public DataViewSchema.Annotations? Annotations { get; } = annotations;

    /// <summary>A getter reading the row that <paramref name="currentRow"/> returns when called.</summary>
    public abstract Delegate CreateGetter(Func<long> currentRow);

    /// <summary>A 1-based key column (0 = missing) whose values come from 0-based labels, with its class names as key values.</summary>
    public static LazyColumn Key(string name, IReadOnlyList<string> classNames, Func<long, int> zeroBasedLabel) =>
        new KeyColumn(name, classNames, zeroBasedLabel);

    /// <summary>A Single column.</summary>
    public static LazyColumn Single(string name, Func<long, float> value) => new SingleColumn(name, value);

    /// <summary>A dense Single vector column of the given shape, written in place by <paramref name="write"/>.</summary>
    public static LazyColumn Vector(string name, int[] dimensions, Action<long, Span<float>> write) =>
        new VectorColumn(name, dimensions, write);

    /// <summary>
    /// An <see cref="MLImage"/> column (ImageAnalytics' <see cref="ImageDataViewType"/>) of 8-bit grayscale images,
    /// stored as Bgra32 with R = G = B = the byte and A = 255; <paramref name="write"/> fills height × width bytes.
    /// </summary>
    /// <remarks>Each getter call creates a new image, which the caller owns (and disposes).</remarks>
    public static LazyColumn Image(string name, int height, int width, Action<long, Span<byte>> write) =>
        new ImageColumn(name, height, width, write);

    /// <summary>The annotation kind holding a key column's value names.</summary>
    private const string KeyValuesKind = "KeyValues";

    private sealed class KeyColumn(string name, IReadOnlyList<string> classNames, Func<long, int> zeroBasedLabel)
        : LazyColumn(name, new KeyDataViewType(typeof(uint), classNames.Count), KeyValuesOf(classNames))
    {
        public override Delegate CreateGetter(Func<long> currentRow) =>
            (ValueGetter<uint>)((ref uint value) => value = (uint)zeroBasedLabel(currentRow()) + 1);

        private static DataViewSchema.Annotations KeyValuesOf(IReadOnlyList<string> classNames)
        {
            var names = classNames.Select(n => n.AsMemory()).ToArray();
            // ML.NET's AddKeyValues helper is internal; "KeyValues" (a text vector, one name per key) is the
            // public annotation kind that MapKeyToValue and the evaluators read.
            var builder = new DataViewSchema.Annotations.Builder();
            builder.Add(KeyValuesKind, new VectorDataViewType(TextDataViewType.Instance, names.Length),
                (ref VBuffer<ReadOnlyMemory<char>> value) =>
                {
                    var editor = VBufferEditor.Create(ref value, names.Length);
                    names.CopyTo(editor.Values);
                    value = editor.Commit();
                });
            return builder.ToAnnotations();
        }
    }

    private sealed class SingleColumn(string name, Func<long, float> value)
        : LazyColumn(name, NumberDataViewType.Single, null)
    {
        public override Delegate CreateGetter(Func<long> currentRow) =>
            (ValueGetter<float>)((ref float v) => v = value(currentRow()));
    }

    private sealed class VectorColumn(string name, int[] dimensions, Action<long, Span<float>> write)
        : LazyColumn(name, new VectorDataViewType(NumberDataViewType.Single, dimensions), null)
    {
        private readonly int _size = dimensions.Aggregate(1, (a, b) => a * b);

        public override Delegate CreateGetter(Func<long> currentRow) =>
            (ValueGetter<VBuffer<float>>)((ref VBuffer<float> value) =>
            {
                var editor = VBufferEditor.Create(ref value, _size);
                write(currentRow(), editor.Values);
                value = editor.Commit();
            });
    }

    private sealed class ImageColumn(string name, int height, int width, Action<long, Span<byte>> write)
        : LazyColumn(name, new ImageDataViewType(height, width), null)
    {
        public override Delegate CreateGetter(Func<long> currentRow) =>
            (ValueGetter<MLImage>)((ref MLImage value) =>
            {
                var gray = new byte[height * width];
                write(currentRow(), gray);
                var bgra = new byte[gray.Length * 4];
                for (int i = 0; i < gray.Length; i++)
                {
                    bgra[4 * i] = bgra[4 * i + 1] = bgra[4 * i + 2] = gray[i];
                    bgra[4 * i + 3] = 255;
                }
                value = MLImage.CreateFromPixels(width, height, MLPixelFormat.Bgra32, bgra);
            });
    }
}
