using Mtl.Datasets.Idx;

namespace Mtl.Datasets;

/// <summary>
/// Fashion-MNIST (Xiao, Rasul, Vollgraf 2017): 70,000 grayscale 28×28 images of 10 clothing classes,
/// read from the four IDX files of the Debian package <c>dataset-fashion-mnist</c>
/// (<c>/usr/share/datasets/fashion-mnist</c>) or any folder holding them (gzip or raw).
/// </summary>
/// <remarks>
/// Splits: <see cref="DatasetSplit.Train"/> = the first 50,000 images of the training file,
/// <see cref="DatasetSplit.Validation"/> = its last 10,000, <see cref="DatasetSplit.Test"/> = the
/// 10,000 images of the t10k file — the protocol the Multi-MNIST studies use for MNIST.
/// Decoded files are cached per path for the life of the process (reloaded when the file changes),
/// and each split is cut once, so repeated loads are cheap.
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where the Debian package <c>dataset-fashion-mnist</c> installs the files.</summary>
    public const string DefaultDirectory = "/usr/share/datasets/fashion-mnist";

    /// <summary>Environment variable that, when set, overrides <see cref="DefaultDirectory"/>.</summary>
    public const string DirectoryEnvironmentVariable = "MTL_FASHION_MNIST_DIR";

    /// <summary>Number of training-file images that form the training split; the rest is validation.</summary>
    public const int TrainSplitCount = IdxImageFolder.TrainSplitCount;

    /// <summary>Image side length in pixels.</summary>
    public const int ImageSize = IdxImageFolder.ImageSize;

    /// <summary>Per-pixel mean of the 60,000 training images scaled to [0, 1].</summary>
    public const float PixelMean = 0.2860f;

    /// <summary>Per-pixel standard deviation of the 60,000 training images scaled to [0, 1].</summary>
    public const float PixelStd = 0.3530f;

    /// <summary>The ten class names, indexed by label (the dataset's official names).</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    private static readonly IdxImageFolder s_folder = new("Fashion-MNIST", ClassNames, _ =>
        $"It is provided by the Debian package 'dataset-fashion-mnist' (installed to {DefaultDirectory}): 'sudo apt-get install dataset-fashion-mnist' " +
        "(in a clone, scripts/bootstrap.sh does it); " +
        $"or pass a folder holding the four IDX files, or set {DirectoryEnvironmentVariable}.");

    /// <summary>
    /// The folder used when none is given: <see cref="DirectoryEnvironmentVariable"/> if set, else <see cref="DefaultDirectory"/>.
    /// </summary>
    public static string ResolveDirectory(string? directory = null)
    {
        if (!string.IsNullOrEmpty(directory))
            return directory;
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryEnvironmentVariable);
        return string.IsNullOrEmpty(fromEnvironment) ? DefaultDirectory : fromEnvironment;
    }

    /// <summary>Loads one split (see the remarks on <see cref="FashionMnist"/> for how splits are defined).</summary>
    /// <param name="split">Which split.</param>
    /// <param name="directory">Folder with the IDX files; null = <see cref="ResolveDirectory"/>.</param>
    /// <exception cref="FileNotFoundException">A file is missing (the message says how to install it).</exception>
    /// <exception cref="InvalidDataException">A file is damaged (wrong magic number, truncated, counts differ, label out of range).</exception>
    public static LabeledImageSet Load(DatasetSplit split, string? directory = null) => s_folder.Load(split, ResolveDirectory(directory));

    /// <summary>Throws what <see cref="Load"/> would when a file of <paramref name="split"/> is missing; reads nothing.</summary>
    internal static void CheckFilesExist(DatasetSplit split, string? directory = null) => s_folder.CheckFilesExist(split, ResolveDirectory(directory));

    /// <summary>Loads the whole training file (60,000 images in the official release).</summary>
    /// <param name="directory">Folder with the IDX files; null = <see cref="ResolveDirectory"/>.</param>
    public static LabeledImageSet LoadTrainingFile(string? directory = null) => s_folder.LoadTrainingFile(ResolveDirectory(directory));

    /// <summary>Loads the whole test file (10,000 images).</summary>
    /// <param name="directory">Folder with the IDX files; null = <see cref="ResolveDirectory"/>.</param>
    public static LabeledImageSet LoadTestFile(string? directory = null) => s_folder.LoadTestFile(ResolveDirectory(directory));
}
