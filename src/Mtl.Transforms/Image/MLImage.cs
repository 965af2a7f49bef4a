using System.Runtime.InteropServices;

namespace Mtl.Transforms.Image;

/// <summary>Pixel layouts an <see cref="MLImage"/> can hold (8 bits per channel, interleaved).</summary>
public enum MLPixelFormat
{
    /// <summary>One gray byte per pixel.</summary>
    Gray8 = 1,
    /// <summary>Red, green, blue.</summary>
    Rgb24 = 3,
    /// <summary>Red, green, blue, alpha.</summary>
    Rgba32 = 4,
}

/// <summary>
/// An in-memory 8-bit image (ML.NET's <c>MLImage</c> shape): width, height, pixel format and
/// interleaved row-major pixels. Decoding and encoding go through Debian's libstb.
/// </summary>
public sealed class MLImage : IDisposable
{
    private byte[] _pixels;

    /// <summary>Wraps interleaved pixels (copied).</summary>
    /// <param name="width">Columns, at least 1.</param>
    /// <param name="height">Rows, at least 1.</param>
    /// <param name="format">Pixel format.</param>
    /// <param name="pixels">width·height·channels bytes, row-major, interleaved.</param>
    public MLImage(int width, int height, MLPixelFormat format, ReadOnlySpan<byte> pixels)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width}×{height} must be at least 1×1.");
        if (!Enum.IsDefined(format)) throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown pixel format.");
        int expected = checked(width * height * (int)format);
        if (pixels.Length != expected)
            throw new ArgumentException($"A {width}×{height} {format} image needs {expected} bytes, got {pixels.Length}.", nameof(pixels));
        Width = width;
        Height = height;
        PixelFormat = format;
        _pixels = pixels.ToArray();
    }

    /// <summary>Columns.</summary>
    public int Width { get; }

    /// <summary>Rows.</summary>
    public int Height { get; }

    /// <summary>Pixel layout.</summary>
    public MLPixelFormat PixelFormat { get; }

    /// <summary>Bytes per pixel (1, 3 or 4).</summary>
    public int BitsPerPixel => 8 * (int)PixelFormat;

    /// <summary>Channels per pixel (1, 3 or 4).</summary>
    public int Channels => (int)PixelFormat;

    /// <summary>Source tag for error messages (the file it came from, if any).</summary>
    public string? Tag { get; set; }

    /// <summary>The interleaved pixels (read-only view).</summary>
    public ReadOnlySpan<byte> Pixels
    {
        get
        {
            ObjectDisposedException.ThrowIf(_pixels.Length == 0 && Width > 0, this);
            return _pixels;
        }
    }

    /// <summary>Decodes a PNG, JPEG or BMP file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">The file is not a decodable image.</exception>
    public static MLImage CreateFromFile(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Image file '{path}' does not exist.", path);
        var image = Decode(File.ReadAllBytes(path), path);
        image.Tag = path;
        return image;
    }

    /// <summary>Decodes a PNG, JPEG or BMP image from a stream.</summary>
    /// <param name="stream">Readable stream positioned at the image.</param>
    public static MLImage CreateFromStream(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Decode(buffer.ToArray(), "stream");
    }

    /// <summary>Creates an image from interleaved pixels (copied).</summary>
    /// <param name="width">Columns.</param>
    /// <param name="height">Rows.</param>
    /// <param name="format">Pixel format.</param>
    /// <param name="pixels">Interleaved pixels.</param>
    public static MLImage CreateFromPixels(int width, int height, MLPixelFormat format, ReadOnlySpan<byte> pixels)
        => new(width, height, format, pixels);

    /// <summary>
    /// Decodes encoded bytes (PNG, JPEG, BMP, and the other formats stb_image reads) keeping the
    /// file's channel count (gray+alpha becomes RGBA).
    /// </summary>
    /// <param name="encoded">The encoded file contents.</param>
    /// <param name="source">Where the bytes came from, for the error message.</param>
    /// <param name="format">Convert to this format while decoding (stb's own conversion); null keeps the file's.</param>
    /// <exception cref="InvalidDataException">The bytes are not a decodable image.</exception>
    public static unsafe MLImage Decode(ReadOnlySpan<byte> encoded, string source, MLPixelFormat? format = null)
    {
        if (encoded.Length == 0)
            throw new InvalidDataException($"Cannot decode image '{source}': the file is empty. Expected a PNG, JPEG or BMP file.");
        int w, h, comp;
        byte* data;
        fixed (byte* p = encoded)
        {
            data = StbNative.LoadFromMemory(p, encoded.Length, out w, out h, out comp, format is null ? 0 : (int)format.Value);
        }
        if (data != null && format is not null) comp = (int)format.Value;
        if (data == null)
            throw new InvalidDataException($"Cannot decode image '{source}': {StbNative.LastFailure()}. Expected a PNG, JPEG or BMP file.");
        try
        {
            // Gray+alpha is widened to RGBA so every format maps onto one of ours.
            if (comp == 2)
            {
                var rgba = new byte[w * h * 4];
                for (int i = 0; i < w * h; i++)
                {
                    byte g = data[2 * i];
                    rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = g;
                    rgba[4 * i + 3] = data[2 * i + 1];
                }
                return new MLImage(w, h, MLPixelFormat.Rgba32, rgba);
            }
            var layout = comp switch { 1 => MLPixelFormat.Gray8, 3 => MLPixelFormat.Rgb24, 4 => MLPixelFormat.Rgba32, _ => throw new InvalidDataException($"Image '{source}' has an unsupported channel count {comp}.") };
            return new MLImage(w, h, layout, new ReadOnlySpan<byte>(data, w * h * comp));
        }
        finally
        {
            StbNative.ImageFree(data);
        }
    }

    /// <summary>Encodes as PNG bytes.</summary>
    public byte[] EncodePng() => Encode(quality: null);

    /// <summary>Encodes as baseline JPEG bytes (alpha dropped by the encoder).</summary>
    /// <param name="quality">1 (smallest) … 100 (best).</param>
    public byte[] EncodeJpeg(int quality)
    {
        if (quality < 1 || quality > 100) throw new ArgumentOutOfRangeException(nameof(quality), quality, "JPEG quality is 1–100.");
        return Encode(quality);
    }

    private unsafe byte[] Encode(int? quality)
    {
        using var stream = new MemoryStream();
        var handle = GCHandle.Alloc(stream);
        try
        {
            int ok;
            fixed (byte* p = Pixels)
            {
                ok = quality is int q
                    ? StbNative.WriteJpgToFunc(&StbNative.AppendToStream, (void*)GCHandle.ToIntPtr(handle), Width, Height, Channels, p, q)
                    : StbNative.WritePngToFunc(&StbNative.AppendToStream, (void*)GCHandle.ToIntPtr(handle), Width, Height, Channels, p, Width * Channels);
            }
            if (ok == 0) throw new InvalidOperationException($"libstb failed to encode a {Width}×{Height} {PixelFormat} image as {(quality is null ? "PNG" : "JPEG")}.");
        }
        finally
        {
            handle.Free();
        }
        return stream.ToArray();
    }

    /// <summary>Writes the image as a PNG file (atomically: temp file, then rename).</summary>
    /// <param name="path">Destination path (its folder must exist).</param>
    public void SavePng(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var bytes = EncodePng();
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp-" + Environment.ProcessId;
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, full, overwrite: true);
    }

    /// <summary>Resizes to exactly <paramref name="width"/>×<paramref name="height"/> with stb_image_resize (Mitchell/Catmull-Rom filters, alpha kept as a channel).</summary>
    /// <param name="width">New columns.</param>
    /// <param name="height">New rows.</param>
    public unsafe MLImage Resize(int width, int height)
    {
        if (width < 1 || height < 1) throw new ArgumentOutOfRangeException(nameof(width), $"Target size {width}×{height} must be at least 1×1.");
        if (width == Width && height == Height) return Clone();
        var output = new byte[checked(width * height * Channels)];
        int ok;
        fixed (byte* src = Pixels)
        fixed (byte* dst = output)
        {
            ok = StbNative.ResizeUInt8(src, Width, Height, Width * Channels, dst, width, height, width * Channels, Channels);
        }
        if (ok == 0) throw new InvalidOperationException($"libstb failed to resize {Width}×{Height} to {width}×{height}.");
        return new MLImage(width, height, PixelFormat, output) { Tag = Tag };
    }

    /// <summary>Crops a rectangle (must lie inside the image).</summary>
    /// <param name="x">Left column.</param>
    /// <param name="y">Top row.</param>
    /// <param name="width">Columns.</param>
    /// <param name="height">Rows.</param>
    public MLImage Crop(int x, int y, int width, int height)
    {
        if (x < 0 || y < 0 || width < 1 || height < 1 || x + width > Width || y + height > Height)
            throw new ArgumentOutOfRangeException(nameof(x), $"Crop ({x}, {y}, {width}×{height}) is outside the {Width}×{Height} image.");
        int c = Channels;
        var output = new byte[width * height * c];
        for (int row = 0; row < height; row++)
            Pixels.Slice(((y + row) * Width + x) * c, width * c).CopyTo(output.AsSpan(row * width * c));
        return new MLImage(width, height, PixelFormat, output) { Tag = Tag };
    }

    /// <summary>Places the image at (x, y) on a black canvas of the given size (alpha opaque).</summary>
    /// <param name="width">Canvas columns.</param>
    /// <param name="height">Canvas rows.</param>
    /// <param name="x">Left column of the image on the canvas.</param>
    /// <param name="y">Top row of the image on the canvas.</param>
    public MLImage Pad(int width, int height, int x, int y)
    {
        if (x < 0 || y < 0 || x + Width > width || y + Height > height)
            throw new ArgumentOutOfRangeException(nameof(x), $"A {Width}×{Height} image at ({x}, {y}) does not fit a {width}×{height} canvas.");
        int c = Channels;
        var output = new byte[width * height * c];
        if (PixelFormat == MLPixelFormat.Rgba32)
            for (int i = 3; i < output.Length; i += 4) output[i] = 255;
        for (int row = 0; row < Height; row++)
            Pixels.Slice(row * Width * c, Width * c).CopyTo(output.AsSpan(((y + row) * width + x) * c));
        return new MLImage(width, height, PixelFormat, output) { Tag = Tag };
    }

    /// <summary>Converts to another pixel format (gray uses BT.601 luma; alpha of a new RGBA is opaque).</summary>
    /// <param name="format">Target format.</param>
    public MLImage ConvertTo(MLPixelFormat format)
    {
        if (format == PixelFormat) return Clone();
        int n = Width * Height, cin = Channels, cout = (int)format;
        var src = Pixels;
        var output = new byte[n * cout];
        for (int i = 0; i < n; i++)
        {
            byte r = src[i * cin], g = cin >= 3 ? src[i * cin + 1] : r, b = cin >= 3 ? src[i * cin + 2] : r;
            if (format == MLPixelFormat.Gray8)
            {
                output[i] = (byte)Math.Clamp((int)Math.Round(0.299 * r + 0.587 * g + 0.114 * b), 0, 255);
                continue;
            }
            output[i * cout] = r;
            output[i * cout + 1] = g;
            output[i * cout + 2] = b;
            if (cout == 4) output[i * cout + 3] = cin == 4 ? src[i * cin + 3] : (byte)255;
        }
        return new MLImage(Width, Height, format, output) { Tag = Tag };
    }

    /// <summary>A deep copy.</summary>
    public MLImage Clone() => new(Width, Height, PixelFormat, Pixels) { Tag = Tag };

    /// <summary>Releases the pixel buffer.</summary>
    public void Dispose() => _pixels = [];

    /// <inheritdoc />
    public override string ToString() => $"MLImage {Width}×{Height} {PixelFormat}";
}
