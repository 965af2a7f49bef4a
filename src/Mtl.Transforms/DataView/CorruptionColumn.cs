using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Transforms.Corruptions;
using Microsoft.ML.Transforms.Image;
using Mtl.Transforms.Image;

namespace Mtl.Transforms.DataView;

/// <summary>
/// One (output, input) pair of a corruption step resolved against an input schema: which kind of
/// column it reads (images or pixel vectors), the image shape of a vector column, and the getter
/// that corrupts a row's value when it is called.
/// </summary>
internal sealed class CorruptionColumn
{
    /// <summary>What the step accepts, for error messages.</summary>
    public const string Expected = "Image (MLImage), Vector<Single, C, H, W> (planar, C = 1 or 3) or Vector<Single, H, W> (gray)";

    private CorruptionColumn(int pairIndex, string outputName, DataViewSchema.Column input, (int Channels, int Height, int Width)? vectorShape)
    {
        PairIndex = pairIndex;
        OutputName = outputName;
        Input = input;
        VectorShape = vectorShape;
    }

    public int PairIndex { get; }
    public string OutputName { get; }
    public DataViewSchema.Column Input { get; }
    public (int Channels, int Height, int Width)? VectorShape { get; }
    public bool IsImage => VectorShape is null;

    /// <summary>Resolves a pair; a missing column or an unsupported type is an <see cref="ArgumentOutOfRangeException"/> naming the column.</summary>
    public static CorruptionColumn Resolve(DataViewSchema schema, int pairIndex, string outputName, string inputName)
    {
        var column = schema.GetColumnOrNull(inputName)
            ?? throw new ArgumentOutOfRangeException(nameof(schema),
                $"Corruption step: input column '{inputName}' (for output '{outputName}') is not in the data. Columns present: {string.Join(", ", schema.Where(c => !c.IsHidden).Select(c => c.Name))}.");
        if (column.Type is ImageDataViewType) return new CorruptionColumn(pairIndex, outputName, column, null);
        if (TryGetImageShape(column.Type, out var shape)) return new CorruptionColumn(pairIndex, outputName, column, shape);
        throw new ArgumentOutOfRangeException(nameof(schema),
            $"Corruption step: input column '{inputName}' has type {column.Type}; expected {Expected}. Declare pixel vectors with their dimensions, e.g. [VectorType(1, 28, 28)].");
    }

    /// <summary>Channels, height and width of a supported vector type; false when not supported.</summary>
    public static bool TryGetImageShape(DataViewType type, out (int Channels, int Height, int Width) shape)
    {
        shape = default;
        if (type is not VectorDataViewType v || v.ItemType != NumberDataViewType.Single || !v.IsKnownSize) return false;
        var d = v.Dimensions;
        if (d.Length == 3 && (d[0] == 1 || d[0] == 3) && d[1] > 0 && d[2] > 0) { shape = (d[0], d[1], d[2]); return true; }
        if (d.Length == 2 && d[0] > 0 && d[1] > 0) { shape = (1, d[0], d[1]); return true; }
        return false;
    }

    /// <summary>The getter of the corrupted value for <paramref name="input"/>'s current row.</summary>
    public Delegate MakeGetter(DataViewRow input, CorruptionTransformer transformer)
    {
        var idGetter = input.GetIdGetter();
        return IsImage ? MakeImageGetter(input, transformer, idGetter) : MakeVectorGetter(input, transformer, idGetter);
    }

    private ValueGetter<MLImage> MakeImageGetter(DataViewRow input, CorruptionTransformer transformer, ValueGetter<DataViewRowId> idGetter)
    {
        var source = input.GetGetter<MLImage>(Input);
        MLImage image = null!;
        MLImage? made = null;
        DataViewRowId id = default;
        return (ref MLImage dst) =>
        {
            // A consumer that reuses its buffer hands back the image we made last time: free its native pixels now.
            if (dst is not null && ReferenceEquals(dst, made)) dst.Dispose();
            source(ref image);
            idGetter(ref id);
            if (image is null)
                throw new InvalidOperationException($"Corruption step: row {input.Position} of column '{Input.Name}' holds no image.");
            var planar = image.ToPlanar();
            var random = transformer.RandomFor(PairIndex, id);
            transformer.Sampler.Apply(planar, ref random);
            dst = made = planar.ToMLImage(alphaFrom: image);
            dst.Tag = image.Tag;
        };
    }

    private ValueGetter<VBuffer<float>> MakeVectorGetter(DataViewRow input, CorruptionTransformer transformer, ValueGetter<DataViewRowId> idGetter)
    {
        var (channels, height, width) = VectorShape!.Value;
        var source = input.GetGetter<VBuffer<float>>(Input);
        VBuffer<float> vector = default;
        DataViewRowId id = default;
        var scratch = new PlanarImage(channels, height, width);
        float scale = transformer.PixelScale, offset = transformer.PixelOffset, inverse = 1f / transformer.PixelScale;
        return (ref VBuffer<float> dst) =>
        {
            source(ref vector);
            idGetter(ref id);
            var d = scratch.Data;
            if (vector.Length != d.Length)
                throw new InvalidOperationException($"Corruption step: row {input.Position} of column '{Input.Name}' has {vector.Length} values; its type says {d.Length}.");
            vector.CopyTo(d);
            for (int i = 0; i < d.Length; i++) d[i] = d[i] * scale + offset;
            var random = transformer.RandomFor(PairIndex, id);
            transformer.Sampler.Apply(scratch, ref random);
            var editor = VBufferEditor.Create(ref dst, d.Length);
            for (int i = 0; i < d.Length; i++) editor.Values[i] = (d[i] - offset) * inverse;
            dst = editor.Commit();
        };
    }
}
