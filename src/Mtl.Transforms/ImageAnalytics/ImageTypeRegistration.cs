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
    internal static void Register() =>
        DataViewTypeCodec.RegisterCustomType(CodecName, typeof(ImageDataViewType),
            (writer, type) =>
            {
                var image = (ImageDataViewType)type;
                writer.Write(image.Height);
                writer.Write(image.Width);
            },
            reader => new ImageDataViewType(reader.ReadInt32(), reader.ReadInt32()));
}
