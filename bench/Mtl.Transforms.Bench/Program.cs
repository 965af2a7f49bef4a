using System.Diagnostics;
using System.Globalization;
using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Mtl.Transforms;
using Mtl.Transforms.Corruptions;
using Mtl.Transforms.Image;

// Usage: dotnet run -c Release --project bench/Mtl.Transforms.Bench -- [--images N] [--gallery PATH] [--gallery-mnistc PATH] [--json PATH] [--idx PATH] [--synthetic]
//   per corruption: images/s on one core at 28×28 gray and 32×32 RGB (severities 1–5 in turn);
//   suite: all 19 corruptions × 5 severities over N (default 10,000) 28×28 images on all cores, through the span API;
//   data view: the same suite through ML.NET (a Vector<Single, 1, 28, 28> IDataView read by a cursor, one step per
//   corruption and severity), one cursor at a time.
var culture = CultureInfo.InvariantCulture;
int suiteImages = 10_000;
string? galleryPath = null, mnistcGalleryPath = null, jsonPath = null;
string idxPath = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz";
bool synthetic = false;
for (int i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--images": suiteImages = int.Parse(args[++i], culture); break;
        case "--gallery": galleryPath = args[++i]; break;
        case "--gallery-mnistc": mnistcGalleryPath = args[++i]; break;
        case "--json": jsonPath = args[++i]; break;
        case "--idx": idxPath = args[++i]; break;
        case "--synthetic": synthetic = true; break;
        default: Console.Error.WriteLine($"Unknown argument '{args[i]}'."); return 2;
    }
}

var gray = LoadIdxImages(idxPath, suiteImages, synthetic, out string source);
Console.WriteLine($"Images: {gray.Length} 28×28 gray from {source}; {Environment.ProcessorCount} cores.");
var rgb = gray.Take(512).Select((g, i) => Colourize(g, i)).ToArray();

if (galleryPath is not null)
{
    CorruptionGallery.Save(gray[0], galleryPath, seed: 1);
    Console.WriteLine($"Gallery written to {galleryPath}.");
}
if (mnistcGalleryPath is not null)
{
    CorruptionGallery.Save(gray[0], mnistcGalleryPath, CorruptionRegistry.MnistCAdditions, seed: 1);
    Console.WriteLine($"MNIST-C gallery written to {mnistcGalleryPath}.");
}

var names = CorruptionRegistry.CommonAndExtra;
var perCorruption = new List<object>();
Console.WriteLine();
Console.WriteLine($"{"corruption",-18} {"28x28 gray img/s",17} {"32x32 RGB img/s",16}   (one core, severities 1-5 cycled)");
foreach (var name in names)
{
    double g = Throughput(name, gray), c = Throughput(name, rgb);
    Console.WriteLine($"{name,-18} {g,17:N0} {c,16:N0}");
    perCorruption.Add(new { name, gray28PerSecond = Math.Round(g), rgb32PerSecond = Math.Round(c) });
}

// The whole suite: every image × 19 corruptions × 5 severities, rows in parallel.
var suite = Stopwatch.StartNew();
long done = 0;
Parallel.For(0, gray.Length, () => gray[0].Clone(), (i, _, scratch) =>
{
    var clean = gray[i];
    for (int k = 0; k < names.Count; k++)
    {
        var corruption = CorruptionRegistry.Get(names[k]);
        for (int s = 1; s <= 5; s++)
        {
            scratch.CopyFrom(clean);
            var random = CorruptionRandom.ForRow(7, (ulong)k, i);
            corruption.Apply(scratch, s, CorruptionSettings.Default, ref random);
        }
    }
    Interlocked.Add(ref done, names.Count * 5);
    return scratch;
}, _ => { });
suite.Stop();
Console.WriteLine();
Console.WriteLine($"Whole suite: {gray.Length:N0} images × {names.Count} corruptions × 5 severities = {done:N0} corrupted images in {suite.Elapsed.TotalSeconds:F1} s " +
                  $"({done / suite.Elapsed.TotalSeconds:N0} img/s on {Environment.ProcessorCount} cores).");

// The same suite through ML.NET: one corruption step per (corruption, severity) over an IDataView of the images,
// every corrupted vector read by a cursor (the lazy getter does the work).
var ml = new MLContext(seed: 7);
var view = ml.Data.LoadFromEnumerable(gray.Select(g => new VectorRow { Features = g.Data }));
var dataView = Stopwatch.StartNew();
long read = 0;
foreach (var name in names)
    for (int s = 1; s <= 5; s++)
    {
        var corrupted = ml.Corruptions.Corrupt(name, "Noisy", "Features", severity: s).Fit(view).Transform(view);
        var column = corrupted.Schema["Noisy"];
        using var cursor = corrupted.GetRowCursor([column]);
        var getter = cursor.GetGetter<VBuffer<float>>(column);
        VBuffer<float> value = default;
        while (cursor.MoveNext())
        {
            getter(ref value);
            read++;
        }
    }
dataView.Stop();
Console.WriteLine($"Through an ML.NET IDataView: {read:N0} corrupted images in {dataView.Elapsed.TotalSeconds:F1} s " +
                  $"({read / dataView.Elapsed.TotalSeconds:N0} img/s, one cursor).");

if (jsonPath is not null)
{
    var report = new
    {
        source, cores = Environment.ProcessorCount, perCorruption,
        suite = new
        {
            images = gray.Length, corruptions = names.Count, severities = 5, seconds = Math.Round(suite.Elapsed.TotalSeconds, 2),
            imagesPerSecond = Math.Round(done / suite.Elapsed.TotalSeconds),
        },
        dataViewSuite = new
        {
            images = gray.Length, corruptions = names.Count, severities = 5, seconds = Math.Round(dataView.Elapsed.TotalSeconds, 2),
            imagesPerSecond = Math.Round(read / dataView.Elapsed.TotalSeconds), cursors = 1,
        },
    };
    File.WriteAllText(jsonPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }));
}
return 0;

// Images per second for one corruption on one thread, cycling severities 1–5, for at least 0.4 s.
static double Throughput(string name, PlanarImage[] images)
{
    var corruption = CorruptionRegistry.Get(name);
    var scratch = images[0].Clone();
    for (int i = 0; i < 20; i++) Run(i); // warm-up (JIT, pools)
    var watch = Stopwatch.StartNew();
    int count = 0;
    while (watch.Elapsed.TotalSeconds < 0.4 || count < 200) Run(count++);
    return count / watch.Elapsed.TotalSeconds;

    void Run(int i)
    {
        scratch.CopyFrom(images[i % images.Length]);
        var random = CorruptionRandom.ForRow(1, 2, i);
        corruption.Apply(scratch, 1 + i % 5, CorruptionSettings.Default, ref random);
    }
}

// Reads up to `count` images of an IDX3 file (optionally gzip-compressed); synthetic images only when asked for.
static PlanarImage[] LoadIdxImages(string path, int count, bool synthetic, out string source)
{
    if (synthetic)
    {
        source = "synthetic images (--synthetic)";
        return Enumerable.Range(0, count).Select(Synthetic).ToArray();
    }
    if (!File.Exists(path))
        throw new FileNotFoundException($"Fashion-MNIST test images not found at {path}. Install Debian's dataset-fashion-mnist " +
                                        "(scripts/bootstrap.sh does), pass --idx PATH to another IDX3 file, or --synthetic for generated images.", path);
    using Stream file = File.OpenRead(path);
    using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
    var header = new byte[16];
    stream.ReadExactly(header);
    int magic = ReadBigEndian(header, 0), n = ReadBigEndian(header, 4), rows = ReadBigEndian(header, 8), cols = ReadBigEndian(header, 12);
    if (magic != 0x00000803) throw new InvalidDataException($"{path}: magic 0x{magic:X8} is not an IDX3 image file (0x00000803).");
    var result = new PlanarImage[Math.Min(count, n)];
    var pixels = new byte[rows * cols];
    for (int i = 0; i < result.Length; i++)
    {
        stream.ReadExactly(pixels);
        result[i] = new PlanarImage(1, rows, cols, pixels.Select(b => b / 255f).ToArray());
    }
    // Repeat the file's images when more are asked for than it holds.
    if (result.Length < count) result = Enumerable.Range(0, count).Select(i => result[i % result.Length]).ToArray();
    source = path;
    return result;
}

static int ReadBigEndian(byte[] b, int o) => (b[o] << 24) | (b[o + 1] << 16) | (b[o + 2] << 8) | b[o + 3];

static PlanarImage Synthetic(int index)
{
    var image = new PlanarImage(1, 28, 28);
    for (int y = 0; y < 28; y++)
        for (int x = 0; x < 28; x++)
        {
            double dx = (x - 13.5) / (7 + index % 5), dy = (y - 13.5) / (10 - index % 3);
            image[0, y, x] = dx * dx + dy * dy < 1 ? 0.8f : 0f;
        }
    return image;
}

// A 32×32 RGB image from a 28×28 gray one: box-resampled, tinted per channel.
static PlanarImage Colourize(PlanarImage gray, int index)
{
    var resized = new PlanarImage(1, 32, 32);
    ImageOps.ResampleBox(gray.Data, 28, 28, resized.Data, 32, 32);
    var rgb = new PlanarImage(3, 32, 32);
    for (int c = 0; c < 3; c++)
    {
        float tint = 0.5f + 0.25f * ((c + index) % 3);
        for (int i = 0; i < 32 * 32; i++) rgb.Data[c * 1024 + i] = resized.Data[i] * tint;
    }
    return rgb;
}

internal sealed class VectorRow
{
    [VectorType(1, 28, 28)]
    public float[] Features = [];
}
