using Microsoft.ML;

namespace Mtl.Trainers.Tests.Support;

/// <summary>Saves a fitted model as an ML.NET zip in memory and loads it back, as a consuming app would read the file.</summary>
public static class ZipRoundTrip
{
    /// <summary>The reloaded model (dispose it); <paramref name="ml"/>'s TempFilePath must point at a folder the test owns.</summary>
    public static ITransformer SaveAndLoad(MLContext ml, ITransformer model, DataViewSchema inputSchema)
    {
        using var stream = new MemoryStream();
        ml.Model.Save(model, inputSchema, stream);
        stream.Position = 0;
        return SavedModel.Load(ml, stream, out _);
    }
}
