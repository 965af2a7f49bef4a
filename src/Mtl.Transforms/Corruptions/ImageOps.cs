using System.Buffers;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Mtl.Transforms.Corruptions;

/// <summary>How samples outside the image are read.</summary>
public enum Border
{
    /// <summary>Repeat the edge pixel (scipy 'nearest', OpenCV REPLICATE).</summary>
    Nearest,
    /// <summary>Mirror including the edge pixel: d c b a | a b c d (scipy 'reflect').</summary>
    Reflect,
    /// <summary>Mirror without repeating the edge pixel: d c b | a b c d (OpenCV's default, REFLECT_101).</summary>
    Reflect101,
    /// <summary>Zero outside the image (scikit-image warp default).</summary>
    Zero,
}

/// <summary>
/// Image kernels shared by the corruptions: separable convolution, 2-D convolution, bilinear
/// warps, area resampling and the plasma fractal. All work on single planes (H×W spans) and use
/// pooled scratch memory, so a corruption call allocates nothing per pixel.
/// </summary>
public static class ImageOps
{
    /// <summary>dst[i] += k · src[i] over equal-length spans (SIMD).</summary>
    /// <param name="destination">Accumulator.</param>
    /// <param name="source">Values to add.</param>
    /// <param name="k">Factor.</param>
    public static void MultiplyAdd(Span<float> destination, ReadOnlySpan<float> source, float k)
    {
        if (source.Length != destination.Length) throw new ArgumentException("Spans must have equal length.", nameof(source));
        int i = 0;
        if (Vector.IsHardwareAccelerated && destination.Length >= Vector<float>.Count)
        {
            var kv = new Vector<float>(k);
            var d = MemoryMarshal.Cast<float, Vector<float>>(destination);
            var s = MemoryMarshal.Cast<float, Vector<float>>(source);
            for (int v = 0; v < d.Length; v++) d[v] += kv * s[v];
            i = d.Length * Vector<float>.Count;
        }
        for (; i < destination.Length; i++) destination[i] += k * source[i];
    }

    /// <summary>Maps an index outside [0, n) back inside by the border rule; −1 means "zero" (only for <see cref="Border.Zero"/>).</summary>
    /// <param name="i">Index, any integer.</param>
    /// <param name="n">Length, at least 1.</param>
    /// <param name="border">Border rule.</param>
    public static int BorderIndex(int i, int n, Border border)
    {
        if ((uint)i < (uint)n) return i;
        switch (border)
        {
            case Border.Nearest:
                return i < 0 ? 0 : n - 1;
            case Border.Reflect:
                {
                    int period = 2 * n;
                    int m = ((i % period) + period) % period;
                    return m < n ? m : period - 1 - m;
                }
            case Border.Reflect101:
                {
                    if (n == 1) return 0;
                    int period = 2 * n - 2;
                    int m = ((i % period) + period) % period;
                    return m < n ? m : period - m;
                }
            case Border.Zero:
                return -1;
            default:
                throw new ArgumentOutOfRangeException(nameof(border), border, "Unknown border rule.");
        }
    }

    /// <summary>
    /// Normalized 1-D Gaussian kernel of standard deviation <paramref name="sigma"/>, radius
    /// ⌊truncate·σ + 0.5⌋ (scipy's rule). σ ≤ 0 gives the identity kernel [1].
    /// </summary>
    /// <param name="sigma">Standard deviation in pixels.</param>
    /// <param name="truncate">Radius in standard deviations.</param>
    public static float[] GaussianKernel(double sigma, double truncate = 4.0)
    {
        if (!(sigma > 0)) return [1f];
        int radius = Math.Max(1, (int)(truncate * sigma + 0.5));
        var k = new float[2 * radius + 1];
        double sum = 0;
        for (int i = -radius; i <= radius; i++)
        {
            double v = Math.Exp(-0.5 * i * i / (sigma * sigma));
            k[i + radius] = (float)v;
            sum += v;
        }
        for (int i = 0; i < k.Length; i++) k[i] = (float)(k[i] / sum);
        return k;
    }

    /// <summary>Convolves a plane with the same odd-length kernel along rows and then columns (in place).</summary>
    /// <param name="plane">H×W values.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="kernel">Odd-length, centred kernel.</param>
    /// <param name="border">Border rule.</param>
    public static void ConvolveSeparable(Span<float> plane, int height, int width, ReadOnlySpan<float> kernel, Border border)
    {
        if (kernel.Length == 1 && kernel[0] == 1f) return;
        if ((kernel.Length & 1) == 0) throw new ArgumentException("Convolution kernels must have odd length.", nameof(kernel));
        float[] rented = ArrayPool<float>.Shared.Rent(height * width);
        try
        {
            Span<float> tmp = rented.AsSpan(0, height * width);
            ConvolveRows(plane, tmp, height, width, kernel, border);
            ConvolveColumns(tmp, plane, height, width, kernel, border);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Gaussian blur of every channel of an image (in place).</summary>
    /// <param name="image">The image.</param>
    /// <param name="sigma">Standard deviation in pixels; ≤ 0 does nothing.</param>
    /// <param name="border">Border rule.</param>
    /// <param name="truncate">Kernel radius in standard deviations.</param>
    public static void GaussianBlur(PlanarImage image, double sigma, Border border = Border.Nearest, double truncate = 4.0)
    {
        if (!(sigma > 0)) return;
        var kernel = GaussianKernel(sigma, truncate);
        for (int c = 0; c < image.Channels; c++)
            ConvolveSeparable(image.Plane(c), image.Height, image.Width, kernel, border);
    }

    private static void ConvolveRows(ReadOnlySpan<float> src, Span<float> dst, int height, int width, ReadOnlySpan<float> kernel, Border border)
    {
        int r = kernel.Length / 2;
        int padded = width + 2 * r;
        float[] rented = ArrayPool<float>.Shared.Rent(padded);
        int[] index = ArrayPool<int>.Shared.Rent(padded);
        try
        {
            for (int i = 0; i < padded; i++) index[i] = BorderIndex(i - r, width, border);
            for (int y = 0; y < height; y++)
            {
                var row = src.Slice(y * width, width);
                for (int i = 0; i < padded; i++) rented[i] = index[i] < 0 ? 0f : row[index[i]];
                var outRow = dst.Slice(y * width, width);
                outRow.Clear();
                for (int t = 0; t < kernel.Length; t++) MultiplyAdd(outRow, rented.AsSpan(t, width), kernel[t]);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
            ArrayPool<int>.Shared.Return(index);
        }
    }

    private static void ConvolveColumns(ReadOnlySpan<float> src, Span<float> dst, int height, int width, ReadOnlySpan<float> kernel, Border border)
    {
        int r = kernel.Length / 2;
        for (int y = 0; y < height; y++)
        {
            var outRow = dst.Slice(y * width, width);
            outRow.Clear();
            for (int t = 0; t < kernel.Length; t++)
            {
                int sy = BorderIndex(y + t - r, height, border);
                if (sy < 0) continue;
                MultiplyAdd(outRow, src.Slice(sy * width, width), kernel[t]);
            }
        }
    }

    /// <summary>Full 2-D correlation of a plane with a square odd-sized kernel (in place).</summary>
    /// <param name="plane">H×W values.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="kernel">k×k values, row-major.</param>
    /// <param name="size">k (odd).</param>
    /// <param name="border">Border rule.</param>
    public static void Convolve2D(Span<float> plane, int height, int width, ReadOnlySpan<float> kernel, int size, Border border)
    {
        if ((size & 1) == 0 || kernel.Length != size * size) throw new ArgumentException("2-D kernels must be k×k with odd k.", nameof(kernel));
        int r = size / 2;
        float[] rented = ArrayPool<float>.Shared.Rent(height * width);
        try
        {
            var src = rented.AsSpan(0, height * width);
            plane.CopyTo(src);
            for (int y = 0; y < height; y++)
            {
                var outRow = plane.Slice(y * width, width);
                outRow.Clear();
                for (int ky = 0; ky < size; ky++)
                {
                    int sy = BorderIndex(y + ky - r, height, border);
                    if (sy < 0) continue;
                    var inRow = src.Slice(sy * width, width);
                    for (int kx = 0; kx < size; kx++)
                    {
                        float k = kernel[ky * size + kx];
                        if (k == 0f) continue;
                        int dx = kx - r;
                        // Interior columns read inRow[x + dx] contiguously; the few edge columns go through the border rule.
                        int from = Math.Clamp(-dx, 0, width), to = Math.Clamp(width - dx, from, width);
                        if (to > from) MultiplyAdd(outRow[from..to], inRow[(from + dx)..(to + dx)], k);
                        for (int x = 0; x < width; x++)
                        {
                            if (x >= from && x < to) { x = to - 1; continue; }
                            int sx = BorderIndex(x + dx, width, border);
                            if (sx >= 0) outRow[x] += k * inRow[sx];
                        }
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>Bilinear sample of a plane at a fractional position.</summary>
    /// <param name="plane">H×W values.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="y">Row coordinate.</param>
    /// <param name="x">Column coordinate.</param>
    /// <param name="border">Border rule.</param>
    public static float Bilinear(ReadOnlySpan<float> plane, int height, int width, double y, double x, Border border)
    {
        double fy = Math.Floor(y), fx = Math.Floor(x);
        int y0 = (int)fy, x0 = (int)fx;
        float wy = (float)(y - fy), wx = (float)(x - fx);
        if (y0 >= 0 && x0 >= 0 && y0 + 1 < height && x0 + 1 < width)
        {
            int i = y0 * width + x0;
            float top = plane[i] + wx * (plane[i + 1] - plane[i]);
            float bottom = plane[i + width] + wx * (plane[i + width + 1] - plane[i + width]);
            return top + wy * (bottom - top);
        }
        float a = At(plane, height, width, y0, x0, border), b = At(plane, height, width, y0, x0 + 1, border);
        float c = At(plane, height, width, y0 + 1, x0, border), d = At(plane, height, width, y0 + 1, x0 + 1, border);
        float t = a + wx * (b - a), u = c + wx * (d - c);
        return t + wy * (u - t);
    }

    private static float At(ReadOnlySpan<float> plane, int height, int width, int y, int x, Border border)
    {
        int sy = BorderIndex(y, height, border), sx = BorderIndex(x, width, border);
        return sy < 0 || sx < 0 ? 0f : plane[sy * width + sx];
    }

    /// <summary>
    /// Affine warp of every channel with an inverse map: output pixel (x, y) reads the input at
    /// (a·x + b·y + c, d·x + e·y + f), bilinear.
    /// </summary>
    /// <param name="image">The image (changed in place).</param>
    /// <param name="inverse">Row-major 2×3 matrix [a b c; d e f] from output to input (x = column, y = row).</param>
    /// <param name="border">Border rule.</param>
    public static void WarpAffine(PlanarImage image, ReadOnlySpan<double> inverse, Border border)
    {
        if (inverse.Length != 6) throw new ArgumentException("An affine map has 6 coefficients.", nameof(inverse));
        int h = image.Height, w = image.Width, n = h * w;
        float[] rented = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var src = rented.AsSpan(0, n);
            for (int ch = 0; ch < image.Channels; ch++)
            {
                var plane = image.Plane(ch);
                plane.CopyTo(src);
                for (int y = 0; y < h; y++)
                    for (int x = 0; x < w; x++)
                    {
                        double sx = inverse[0] * x + inverse[1] * y + inverse[2];
                        double sy = inverse[3] * x + inverse[4] * y + inverse[5];
                        plane[y * w + x] = Bilinear(src, h, w, sy, sx, border);
                    }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Inverse map of a linear map about the image centre: output (x, y) reads the input at
    /// centre + A·((x, y) − centre), with A = [a00 a01; a10 a11] (x = column, y = row).
    /// </summary>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="a00">A[0,0].</param>
    /// <param name="a01">A[0,1].</param>
    /// <param name="a10">A[1,0].</param>
    /// <param name="a11">A[1,1].</param>
    public static double[] AboutCentre(int height, int width, double a00, double a01, double a10, double a11)
    {
        double cx = (width - 1) / 2.0, cy = (height - 1) / 2.0;
        return [a00, a01, cx - a00 * cx - a01 * cy, a10, a11, cy - a10 * cx - a11 * cy];
    }

    /// <summary>
    /// The generators' <c>clipped_zoom</c> on one plane: crop <c>ceil(H / z)</c> rows starting at
    /// <c>(H − ceil(H / z)) // 2</c> (columns alike), zoom the crop by z with linear interpolation on a
    /// corner-aligned grid (<c>scipy.ndimage.zoom(order=1)</c>: the zoomed size is round(crop · z), and
    /// output sample o reads the crop at o · (crop − 1) / (zoomed − 1)), then cut <c>(zoomed − H) // 2</c>
    /// from the top-left. This is not a zoom about the exact centre: for odd leftovers the crop and the cut
    /// both lean to the top-left.
    /// </summary>
    /// <param name="input">H×W source.</param>
    /// <param name="output">H×W destination.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="factor">Zoom factor, at least 1.</param>
    public static void ClippedZoom(ReadOnlySpan<float> input, Span<float> output, int height, int width, double factor)
    {
        if (!(factor >= 1)) throw new ArgumentOutOfRangeException(nameof(factor), factor, "Clipped zoom magnifies: the factor must be at least 1.");
        var rows = ClippedZoomAxis(height, factor);
        var columns = ClippedZoomAxis(width, factor);
        Span<float> row = width <= 512 ? stackalloc float[width] : new float[width];
        for (int y = 0; y < height; y++)
        {
            // Separable: blend the two source rows first, then sample the blended row.
            var (y0, y1, fy) = rows[y];
            input.Slice(y0 * width, width).CopyTo(row);
            MultiplyAdd(row, input.Slice(y0 * width, width), -fy);
            MultiplyAdd(row, input.Slice(y1 * width, width), fy);
            var outRow = output.Slice(y * width, width);
            for (int x = 0; x < width; x++)
            {
                var (x0, x1, fx) = columns[x];
                outRow[x] = row[x0] + fx * (row[x1] - row[x0]);
            }
        }
    }

    /// <summary>
    /// The source taps of <see cref="ClippedZoom"/> along one axis of length <paramref name="size"/>:
    /// for each output index, the two source indices (in the whole plane) and the weight of the second.
    /// </summary>
    /// <param name="size">Axis length.</param>
    /// <param name="factor">Zoom factor, at least 1.</param>
    public static (int First, int Second, float Weight)[] ClippedZoomAxis(int size, double factor)
    {
        int crop = (int)Math.Ceiling(size / factor);
        int start = (size - crop) / 2;
        // scipy's output shape uses Python's round (ties to even).
        int zoomed = (int)Math.Round(crop * factor, MidpointRounding.ToEven);
        int cut = (zoomed - size) / 2;
        double step = zoomed > 1 ? (crop - 1) / (double)(zoomed - 1) : 0;
        var taps = new (int, int, float)[size];
        for (int o = 0; o < size; o++)
        {
            double s = (o + cut) * step, f = Math.Floor(s);
            int i0 = Math.Min((int)f, crop - 1), i1 = Math.Min(i0 + 1, crop - 1);
            taps[o] = (start + i0, start + i1, (float)(s - f));
        }
        return taps;
    }

    /// <summary>
    /// Box-filter resampling weights from <paramref name="from"/> samples to <paramref name="to"/>,
    /// as PIL's BOX filter computes them: output sample i averages, with equal weights, the input
    /// samples whose centres fall in its footprint [c − r, c + r), c = (i + ½)·from/to,
    /// r = ½·max(from/to, 1). Down-scaling averages blocks; up-scaling picks the nearest sample.
    /// Returned as (first input index, weights) per output sample.
    /// </summary>
    /// <param name="from">Input length.</param>
    /// <param name="to">Output length.</param>
    public static (int First, float[] Weights)[] BoxWeights(int from, int to)
    {
        var result = new (int, float[])[to];
        double scale = (double)from / to, support = 0.5 * Math.Max(scale, 1);
        for (int i = 0; i < to; i++)
        {
            double centre = (i + 0.5) * scale;
            // Input j is inside when centre − support ≤ j + ½ < centre + support.
            int first = Math.Max(0, (int)Math.Ceiling(centre - support - 0.5));
            int last = Math.Min(from - 1, (int)Math.Ceiling(centre + support - 0.5) - 1);
            if (last < first) last = first = Math.Clamp((int)Math.Floor(centre), 0, from - 1);
            var w = new float[last - first + 1];
            Array.Fill(w, 1f / w.Length);
            result[i] = (first, w);
        }
        return result;
    }

    /// <summary>Box-resamples a plane from h×w to newH×newW (separable).</summary>
    /// <param name="input">h×w values.</param>
    /// <param name="h">Input rows.</param>
    /// <param name="w">Input columns.</param>
    /// <param name="output">newH×newW values.</param>
    /// <param name="newH">Output rows.</param>
    /// <param name="newW">Output columns.</param>
    public static void ResampleBox(ReadOnlySpan<float> input, int h, int w, Span<float> output, int newH, int newW)
    {
        var wx = BoxWeights(w, newW);
        var wy = BoxWeights(h, newH);
        float[] rented = ArrayPool<float>.Shared.Rent(h * newW);
        try
        {
            var tmp = rented.AsSpan(0, h * newW);
            for (int y = 0; y < h; y++)
                for (int x = 0; x < newW; x++)
                {
                    var (first, weights) = wx[x];
                    float s = 0;
                    for (int j = 0; j < weights.Length; j++) s += weights[j] * input[y * w + first + j];
                    tmp[y * newW + x] = s;
                }
            for (int y = 0; y < newH; y++)
            {
                var (first, weights) = wy[y];
                var outRow = output.Slice(y * newW, newW);
                outRow.Clear();
                for (int j = 0; j < weights.Length; j++)
                {
                    float k = weights[j];
                    var inRow = tmp.Slice((first + j) * newW, newW);
                    for (int x = 0; x < newW; x++) outRow[x] += k * inRow[x];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Diamond-square plasma fractal on a toroidal n×n grid (n a power of two), normalized to
    /// [0, 1]. Level k adds uniform noise of half-width wₖ², wₖ = 100 / decayᵏ (the amplitude
    /// rule of the ImageNet-C generator), so a larger decay gives a smoother map.
    /// </summary>
    /// <param name="size">Power of two, at least 2.</param>
    /// <param name="decay">Wibble decay per level (&gt; 0).</param>
    /// <param name="random">Random source.</param>
    /// <param name="output">n×n destination.</param>
    public static void Plasma(int size, double decay, ref CorruptionRandom random, Span<float> output)
    {
        if (size < 2 || (size & (size - 1)) != 0) throw new ArgumentOutOfRangeException(nameof(size), size, "Plasma map size must be a power of two ≥ 2.");
        if (!(decay > 0)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "Plasma decay must be positive.");
        int n = size, mask = n - 1;
        var map = output.Slice(0, n * n);
        map[0] = 0f;
        double wibble = 100;
        for (int step = n; step >= 2; step /= 2)
        {
            int half = step / 2;
            double amp = wibble * wibble;
            // Squares: centre of each cell = mean of its four corners + noise.
            for (int y = 0; y < n; y += step)
                for (int x = 0; x < n; x += step)
                {
                    double s = map[y * n + x] + map[y * n + ((x + step) & mask)]
                             + map[((y + step) & mask) * n + x] + map[((y + step) & mask) * n + ((x + step) & mask)];
                    map[(y + half) * n + x + half] = (float)(s / 4 + random.Uniform(-amp, amp));
                }
            // Diamonds: edge midpoints = mean of the two corners and the two adjacent centres + noise.
            for (int y = 0; y < n; y += step)
                for (int x = 0; x < n; x += step)
                {
                    double top = map[y * n + x] + map[y * n + ((x + step) & mask)]
                               + map[(y + half) * n + x + half] + map[((y - half) & mask) * n + x + half];
                    map[y * n + x + half] = (float)(top / 4 + random.Uniform(-amp, amp));
                    double left = map[y * n + x] + map[((y + step) & mask) * n + x]
                                + map[(y + half) * n + x + half] + map[(y + half) * n + ((x - half) & mask)];
                    map[(y + half) * n + x] = (float)(left / 4 + random.Uniform(-amp, amp));
                }
            wibble /= decay;
        }
        float min = float.MaxValue, max = float.MinValue;
        foreach (float v in map) { if (v < min) min = v; if (v > max) max = v; }
        float range = max - min;
        for (int i = 0; i < map.Length; i++) map[i] = range > 0 ? (map[i] - min) / range : 0f;
    }

    /// <summary>Smallest power of two ≥ <paramref name="value"/> (at least 2).</summary>
    /// <param name="value">Positive size.</param>
    public static int NextPowerOfTwo(int value)
    {
        int n = 2;
        while (n < value) n *= 2;
        return n;
    }

    /// <summary>
    /// Motion blur along a direction with a one-sided Gaussian-weighted line kernel of
    /// 2·radius + 1 taps (the kernel <c>imagecorruptions</c> uses instead of ImageMagick's):
    /// output(p) = Σᵢ kᵢ · input(p + round(i·direction)), edges repeated.
    /// </summary>
    /// <param name="plane">H×W values (changed in place).</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="radius">Kernel radius in pixels (≥ 0).</param>
    /// <param name="sigma">Gaussian σ of the tap weights (&gt; 0).</param>
    /// <param name="angleDegrees">Direction of the streak, degrees.</param>
    public static void MotionBlur(Span<float> plane, int height, int width, int radius, double sigma, double angleDegrees)
    {
        int taps = 2 * Math.Max(0, radius) + 1;
        double a = angleDegrees * Math.PI / 180;
        double sin = Math.Sin(a), cos = Math.Cos(a);
        Span<float> weights = taps <= 256 ? stackalloc float[taps] : new float[taps];
        Span<int> offX = taps <= 256 ? stackalloc int[taps] : new int[taps];
        Span<int> offY = taps <= 256 ? stackalloc int[taps] : new int[taps];
        double sum = 0;
        int used = 0;
        for (int i = 0; i < taps; i++)
        {
            int dy = (int)Math.Ceiling(i * sin - 0.5), dx = (int)Math.Ceiling(i * cos - 0.5);
            if (Math.Abs(dy) >= height || Math.Abs(dx) >= width) break;
            double wgt = sigma > 0 ? Math.Exp(-0.5 * i * i / (sigma * sigma)) : (i == 0 ? 1 : 0);
            weights[used] = (float)wgt;
            offX[used] = dx;
            offY[used] = dy;
            sum += wgt;
            used++;
        }
        for (int i = 0; i < used; i++) weights[i] = (float)(weights[i] / sum);
        int n = height * width;
        float[] rented = ArrayPool<float>.Shared.Rent(n);
        try
        {
            var src = rented.AsSpan(0, n);
            plane.CopyTo(src);
            plane.Clear();
            for (int t = 0; t < used; t++)
            {
                float k = weights[t];
                if (k == 0f) continue;
                int dx = offX[t], dy = offY[t];
                int from = Math.Clamp(-dx, 0, width), to = Math.Clamp(width - dx, from, width);
                for (int y = 0; y < height; y++)
                {
                    int sy = Math.Clamp(y + dy, 0, height - 1);
                    var inRow = src.Slice(sy * width, width);
                    var outRow = plane.Slice(y * width, width);
                    if (to > from) MultiplyAdd(outRow[from..to], inRow[(from + dx)..(to + dx)], k);
                    for (int x = 0; x < from; x++) outRow[x] += k * inRow[Math.Clamp(x + dx, 0, width - 1)];
                    for (int x = to; x < width; x++) outRow[x] += k * inRow[Math.Clamp(x + dx, 0, width - 1)];
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(rented);
        }
    }

    /// <summary>
    /// Exact squared Euclidean distance from every pixel to the nearest feature pixel
    /// (Felzenszwalb &amp; Huttenlocher's lower envelope of parabolas, one pass per axis).
    /// Without any feature pixel every distance is <see cref="float.PositiveInfinity"/>.
    /// </summary>
    /// <param name="isFeature">H×W: true where the distance is 0.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    /// <param name="squaredDistance">H×W destination.</param>
    public static void SquaredDistanceTransform(ReadOnlySpan<bool> isFeature, int height, int width, Span<float> squaredDistance)
    {
        int n = Math.Max(height, width);
        float[] f = ArrayPool<float>.Shared.Rent(n), d = ArrayPool<float>.Shared.Rent(n), z = ArrayPool<float>.Shared.Rent(n + 1);
        int[] v = ArrayPool<int>.Shared.Rent(n);
        try
        {
            for (int i = 0; i < height * width; i++) squaredDistance[i] = isFeature[i] ? 0f : float.PositiveInfinity;
            for (int x = 0; x < width; x++)
            {
                for (int y = 0; y < height; y++) f[y] = squaredDistance[y * width + x];
                Envelope(f, d, v, z, height);
                for (int y = 0; y < height; y++) squaredDistance[y * width + x] = d[y];
            }
            for (int y = 0; y < height; y++)
            {
                squaredDistance.Slice(y * width, width).CopyTo(f);
                Envelope(f, d, v, z, width);
                d.AsSpan(0, width).CopyTo(squaredDistance.Slice(y * width, width));
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(f);
            ArrayPool<float>.Shared.Return(d);
            ArrayPool<float>.Shared.Return(z);
            ArrayPool<int>.Shared.Return(v);
        }
    }

    private static void Envelope(float[] f, float[] d, int[] v, float[] z, int n)
    {
        // Parabolas y = f(q) + (p − q)² for the finite samples; their lower envelope gives d(p).
        int k = -1;
        for (int q = 0; q < n; q++)
        {
            if (float.IsPositiveInfinity(f[q])) continue;
            while (k >= 0)
            {
                float s = ((f[q] + q * q) - (f[v[k]] + v[k] * v[k])) / (2f * (q - v[k]));
                if (s > z[k]) break;
                k--;
            }
            k++;
            v[k] = q;
            z[k] = k == 0 ? float.NegativeInfinity : ((f[q] + q * q) - (f[v[k - 1]] + v[k - 1] * v[k - 1])) / (2f * (q - v[k - 1]));
            z[k + 1] = float.PositiveInfinity;
        }
        if (k < 0)
        {
            Array.Fill(d, float.PositiveInfinity, 0, n);
            return;
        }
        int j = 0;
        for (int p = 0; p < n; p++)
        {
            while (z[j + 1] < p) j++;
            float dp = p - v[j];
            d[p] = dp * dp + f[v[j]];
        }
    }

    /// <summary>
    /// Histogram equalization of 8-bit levels (OpenCV's <c>equalizeHist</c> rule): the lowest level
    /// present maps to 0, and level i to 255·(count of levels in (lowest, i]) / (count above lowest).
    /// </summary>
    /// <param name="levels">Values 0–255 (changed in place).</param>
    public static void EqualizeHistogram(Span<byte> levels)
    {
        Span<int> histogram = stackalloc int[256];
        foreach (byte b in levels) histogram[b]++;
        int lowest = 0;
        while (lowest < 255 && histogram[lowest] == 0) lowest++;
        int above = levels.Length - histogram[lowest];
        Span<byte> map = stackalloc byte[256];
        if (above == 0)
        {
            // A single level: OpenCV leaves it as it is.
            return;
        }
        int sum = 0;
        for (int i = lowest + 1; i < 256; i++)
        {
            sum += histogram[i];
            map[i] = (byte)Math.Clamp((int)Math.Round(sum * 255.0 / above), 0, 255);
        }
        for (int i = 0; i < levels.Length; i++) levels[i] = map[levels[i]];
    }

    /// <summary>3×3 mean filter of a plane (OpenCV <c>blur</c> with REFLECT_101 borders), in place.</summary>
    /// <param name="plane">H×W values.</param>
    /// <param name="height">Rows.</param>
    /// <param name="width">Columns.</param>
    public static void BoxBlur3(Span<float> plane, int height, int width) =>
        ConvolveSeparable(plane, height, width, [1f / 3, 1f / 3, 1f / 3], Border.Reflect101);

    /// <summary>ITU-R BT.601 luma of an RGB image, or the plane itself for gray, into <paramref name="output"/>.</summary>
    /// <param name="image">Gray or RGB image.</param>
    /// <param name="output">H×W destination.</param>
    public static void Luma(PlanarImage image, Span<float> output)
    {
        if (image.Channels == 1)
        {
            image.Plane(0).CopyTo(output);
            return;
        }
        var r = image.Plane(0); var g = image.Plane(1); var b = image.Plane(2);
        for (int i = 0; i < output.Length; i++) output[i] = 0.299f * r[i] + 0.587f * g[i] + 0.114f * b[i];
    }
}
