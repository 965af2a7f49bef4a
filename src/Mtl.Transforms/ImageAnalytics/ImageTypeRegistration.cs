using System.Runtime.CompilerServices;
using Mtl.ML.Data;

namespace Mtl.Transforms.Image;

/// <summary>Registers <see cref="ImageDataViewType"/> with the model-schema codec so models with image input columns can be saved and loaded.</summary>
internal static class ImageTypeRegistration
{
    private const string CodecName = "Mtl.Transforms.Image";

    // A library module initializer is deliberate here: Mtl.ML's catalog runs it when it scans this assembly, so the
    // codec is registered before a saved input schema naming the type is read, even if no image code ran yet.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register()
    {
        DataViewTypeCodec.RegisterCustomType(CodecName, typeof(ImageDataViewType),
            (writer, type) =>
            {
                var image = (ImageDataViewType)type;
                writer.Write(image.Height);
                writer.Write(image.Width);
            },
            reader => new ImageDataViewType(reader.ReadInt32(), reader.ReadInt32()));
        // MLImage members of user classes become image columns (sized by [ImageType] when present), as in ML.NET.
        SchemaDefinition.RegisterColumnTypeResolver((member, type) =>
            type != typeof(MLImage) ? null
            : member.GetCustomAttributes(typeof(ImageTypeAttribute), inherit: true).FirstOrDefault() is ImageTypeAttribute a
                ? new ImageDataViewType(a.Height, a.Width)
                : new ImageDataViewType());
    }
}

/// <summary>Declares the size of an <see cref="MLImage"/> member mapped to an image column (ML.NET's <c>ImageTypeAttribute</c>).</summary>
[AttributeUsage(AttributeTargets.Field | AttributeTargets.Property)]
public sealed class ImageTypeAttribute : Attribute
{
    /// <summary>Images of the given size.</summary>
    public ImageTypeAttribute(int height, int width)
    {
        if (height <= 0 || width <= 0) throw new ArgumentOutOfRangeException(nameof(height), $"[ImageType({height}, {width})]: both sides must be positive.");
        Height = height;
        Width = width;
    }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Columns.</summary>
    public int Width { get; }
}
