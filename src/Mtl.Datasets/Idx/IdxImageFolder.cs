namespace Mtl.Datasets.Idx;

/// <summary>
/// The MNIST-family folder layout shared by MNIST and Fashion-MNIST: <c>train-images-idx3-ubyte</c>,
/// <c>train-labels-idx1-ubyte</c>, <c>t10k-images-idx3-ubyte</c>, <c>t10k-labels-idx1-ubyte</c>, each
/// gzip-compressed (<c>.gz</c>, preferred) or raw; the standard 50k / 10k / 10k split; decoded files
/// cached per path while the file is unchanged.
/// </summary>
internal sealed class IdxImageFolder(string datasetName, IReadOnlyList<string> classNames, Func<string, string> missingFileHelp)
{
    /// <summary>Number of training-file images that form the training split; the rest is validation.</summary>
    public const int TrainSplitCount = 50_000;

    public const int ImageSize = 28;

    private const string TrainImages = "train-images-idx3-ubyte";
    private const string TrainLabels = "train-labels-idx1-ubyte";
    private const string TestImages = "t10k-images-idx3-ubyte";
    private const string TestLabels = "t10k-labels-idx1-ubyte";

    private static readonly Dictionary<string, (DateTime Written, long Length, LabeledImageSet Set)> s_cache = new();
    private static readonly Lock s_cacheLock = new();

    /// <summary>Whether <paramref name="directory"/> holds the training image file (gz or raw).</summary>
    public static bool HasTrainingFiles(string directory) => FindFileOrNull(directory, TrainImages) is not null;

    public LabeledImageSet LoadTrainingFile(string directory) => LoadPair(directory, TrainImages, TrainLabels);

    public LabeledImageSet LoadTestFile(string directory) => LoadPair(directory, TestImages, TestLabels);

    /// <summary>Train = first 50,000 of the training file, validation = the rest, test = the t10k file.</summary>
    public LabeledImageSet Load(DatasetSplit split, string directory)
    {
        switch (split)
        {
            case DatasetSplit.Test:
                return LoadTestFile(directory);
            case DatasetSplit.Train:
            case DatasetSplit.Validation:
                var all = LoadTrainingFile(directory);
                if (all.Count <= TrainSplitCount)
                    throw new InvalidDataException(
                        $"{datasetName}: the training file {all.Source} holds {all.Count} images; the train/validation split needs more than {TrainSplitCount}.");
                return SplitCache.GetOrCreate(all, split, () => split == DatasetSplit.Train
                    ? all.Slice(0, TrainSplitCount, "train split")
                    : all.Slice(TrainSplitCount, all.Count - TrainSplitCount, "validation split"));
            default:
                throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split.");
        }
    }

    /// <summary>Throws what <see cref="Load"/> would for a missing file of <paramref name="split"/>, reading nothing.</summary>
    public void CheckFilesExist(DatasetSplit split, string directory)
    {
        var (images, labels) = split switch
        {
            DatasetSplit.Test => (TestImages, TestLabels),
            DatasetSplit.Train or DatasetSplit.Validation => (TrainImages, TrainLabels),
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split."),
        };
        FindFile(directory, images);
        FindFile(directory, labels);
    }

    private LabeledImageSet LoadPair(string directory, string imagesName, string labelsName)
    {
        string imagesPath = FindFile(directory, imagesName);
        string labelsPath = FindFile(directory, labelsName);
        var key = Path.GetFullPath(imagesPath) + "|" + Path.GetFullPath(labelsPath);
        var imagesInfo = new FileInfo(imagesPath);
        lock (s_cacheLock)
        {
            if (s_cache.TryGetValue(key, out var hit) && hit.Written == imagesInfo.LastWriteTimeUtc && hit.Length == imagesInfo.Length
                && hit.Set.ClassNames.SequenceEqual(classNames))
                return hit.Set;
        }

        var images = IdxReader.ReadImages(imagesPath);
        var labels = IdxReader.ReadLabels(labelsPath, classNames.Count);
        int count = images.Dimensions[0], rows = images.Dimensions[1], columns = images.Dimensions[2];
        if (rows != ImageSize || columns != ImageSize)
            throw new InvalidDataException($"IDX file '{imagesPath}' holds {rows}x{columns} images; {datasetName} images are {ImageSize}x{ImageSize}.");
        if (count != labels.Length)
            throw new InvalidDataException(
                $"{datasetName}: '{imagesPath}' holds {count} images but '{labelsPath}' holds {labels.Length} labels; the counts must match. " +
                "Are the two files from the same release?");
        var set = new LabeledImageSet(rows, columns, images.Data, labels, classNames, imagesPath);
        lock (s_cacheLock)
            s_cache[key] = (imagesInfo.LastWriteTimeUtc, imagesInfo.Length, set);
        return set;
    }

    private string FindFile(string directory, string name) =>
        FindFileOrNull(directory, name) ?? throw new FileNotFoundException(
            $"{datasetName} file '{name}.gz' (or uncompressed '{name}') was not found in '{directory}'. {missingFileHelp(directory)}",
            Path.Combine(directory, name + ".gz"));

    private static string? FindFileOrNull(string directory, string name)
    {
        foreach (var candidate in new[] { name + ".gz", name })
        {
            var path = Path.Combine(directory, candidate);
            if (File.Exists(path))
                return path;
        }
        return null;
    }
}
