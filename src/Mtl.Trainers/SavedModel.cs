using Microsoft.ML;
using Microsoft.ML.OnnxRuntime;

namespace Mtl.Trainers;

/// <summary>
/// Loads a saved model zip as <c>mlContext.Model.Load</c> does, working around a clash in ML.NET's loading of ONNX models.
/// </summary>
/// <remarks>
/// A loading OnnxTransformer copies its ONNX bytes to a file named by <see cref="Path.GetRandomFileName"/>, whose
/// three-letter extension is <c>ort</c> once in 32,768 loads; ONNX Runtime then reads the file as its own ORT format and
/// fails with "ORT model verification failed" (dotnet/machinelearning#7339). The next load draws another name, so that
/// one failure is retried; any other error is thrown as it came.
/// </remarks>
public static class SavedModel
{
    internal const int Attempts = 4;

    /// <summary>Loads the model zip at <paramref name="path"/>; see the remarks on <see cref="SavedModel"/>.</summary>
    /// <param name="ml">The context that loads (its <see cref="MLContext.TempFilePath"/> receives the ONNX copy).</param>
    /// <param name="path">The zip written by <c>mlContext.Model.Save</c>.</param>
    /// <param name="inputSchema">The input schema saved with the model.</param>
    public static ITransformer Load(MLContext ml, string path, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentException.ThrowIfNullOrEmpty(path);
        DataViewSchema? schema = null;
        ITransformer model = Retrying(() => ml.Model.Load(path, out schema));
        inputSchema = schema!;
        return model;
    }

    /// <summary>Loads a model zip from a seekable <paramref name="stream"/>, read from its current position.</summary>
    /// <param name="ml">The context that loads.</param>
    /// <param name="stream">The zip's bytes; it must be seekable so that a retried load reads them again.</param>
    /// <param name="inputSchema">The input schema saved with the model.</param>
    public static ITransformer Load(MLContext ml, Stream stream, out DataViewSchema inputSchema)
    {
        ArgumentNullException.ThrowIfNull(ml);
        ArgumentNullException.ThrowIfNull(stream);
        if (!stream.CanSeek)
            throw new ArgumentException("SavedModel.Load needs a seekable stream (a retried load reads the zip again); copy it into a MemoryStream first.", nameof(stream));
        long start = stream.Position;
        DataViewSchema? schema = null;
        ITransformer model = Retrying(() =>
        {
            stream.Position = start;
            return ml.Model.Load(stream, out schema);
        });
        inputSchema = schema!;
        return model;
    }

    /// <summary>Runs <paramref name="load"/>, again (at most <see cref="Attempts"/> times in all) while it fails by the name clash alone.</summary>
    internal static T Retrying<T>(Func<T> load)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                return load();
            }
            catch (Exception e) when (attempt < Attempts && IsOrtNameClash(e))
            {
                // The temporary copy was named *.ort: load again under another random name.
            }
        }
    }

    /// <summary>Whether <paramref name="e"/> (or an exception inside it) is ONNX Runtime refusing a file it took for an ORT-format model.</summary>
    internal static bool IsOrtNameClash(Exception e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            if (inner is OnnxRuntimeException && inner.Message.Contains("ORT model verification failed", StringComparison.Ordinal))
                return true;
        return false;
    }
}
