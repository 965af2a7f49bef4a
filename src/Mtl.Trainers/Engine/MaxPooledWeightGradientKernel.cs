using System.Buffers;
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Engine;

/// <summary>
/// The kernel behind <see cref="MaxPooledConv2dRule"/>: every target's weight gradient of a stride-1, unpadded
/// convolution from δ at its 2×2 max pool's output, ∂L/∂W[t,o,k] = Σₙ,ₚ s(n,o) · δ[t,o,n,p] · patch(n, i(n,o,p))[k], with
/// i(n,o,p) the position of pooled cell p's maximum in the convolution's output plane and s(n,o) a channel dropout's
/// scale between them (1 without one; a dropped channel, s = 0, is skipped). Neither the zero-filled δ at the
/// convolution's output nor all patches gathered per maximum are formed (libtorch's gather of them alone took longer than
/// the dense product they would save: docs/benchmarks.md): blocks of maxima have their patches copied into a small
/// buffer that stays in cache while every target's sums read it, two targets at a time, with SIMD vectors. Output
/// channels are split between threads, each owning its channels' sums, so the order of the additions — and the
/// result — does not depend on the thread count.
/// </summary>
internal static class MaxPooledWeightGradientKernel
{
    // Maxima (row, pooled cell) per block: their patches are gathered once for all targets and stay in cache.
    private const int PairsPerBlock = 256;

    /// <summary>The m targets' weight gradients, m × (O·C·kh·kw) in the weight's own order.</summary>
    /// <param name="input">The layer's input a: N×C×H×W, float32, on the CPU.</param>
    /// <param name="index">Each pooled cell's maximum as a flattened position in the convolution's output plane: N×O×h×w, int64.</param>
    /// <param name="deltas">The m targets' δ at the pool's output, laid out m×O×N×h×w (float32).</param>
    /// <param name="channelScale">The dropout's scale per row and output channel (N×O elements, float32), or null.</param>
    /// <param name="kernelHeight">The convolution's kernel height.</param>
    /// <param name="kernelWidth">The convolution's kernel width.</param>
    /// <param name="threads">The most threads to use.</param>
    public static Tensor Compute(Tensor input, Tensor index, Tensor deltas, Tensor? channelScale, long kernelHeight, long kernelWidth, int threads)
    {
        if (input.dtype != ScalarType.Float32 || deltas.dtype != ScalarType.Float32 || index.dtype != ScalarType.Int64
            || channelScale is { dtype: not ScalarType.Float32 } || new[] { input, index, deltas, channelScale }.Any(t => t is { device_type: not DeviceType.CPU }))
            throw new ArgumentException("The max-pooled weight-gradient kernel takes float32 input, δ and scales and an int64 index on the CPU.");
        using var scope = NewDisposeScope();
        Tensor a = input.contiguous(), at = index.contiguous(), d = deltas.contiguous();
        Tensor? scales = channelScale?.contiguous();
        long rows = a.shape[0], channels = a.shape[1], height = a.shape[2], width = a.shape[3];
        long outChannels = at.shape[1], cells = at.shape[2] * at.shape[3], targets = d.shape[0];
        if (at.shape[0] != rows || d.dim() != 5 || d.shape[1] != outChannels || d.shape[2] != rows || d.shape[3] * d.shape[4] != cells
            || (scales is not null && scales.numel() != rows * outChannels))
            throw new ArgumentException(
                $"Shapes do not agree: input [{string.Join(", ", a.shape)}], index [{string.Join(", ", at.shape)}], δ [{string.Join(", ", d.shape)}]"
                + (scales is null ? "." : $", scales [{string.Join(", ", scales.shape)}]."));
        var s = new Shape(rows, channels, height, width, kernelHeight, kernelWidth, outChannels, cells, targets);
        if (kernelHeight < 1 || kernelWidth < 1 || kernelHeight > height || kernelWidth > width)
            throw new ArgumentException($"A {kernelHeight}×{kernelWidth} kernel does not fit the {height}×{width} input.");
        // The maxima are read as addresses: every one must lie in the convolution's output plane.
        if (at.numel() > 0 && (at.min().item<long>() < 0 || at.max().item<long>() >= s.Positions))
            throw new ArgumentException($"The maxima's positions must lie in the {s.Positions}-cell output plane; got {at.min().item<long>()} to {at.max().item<long>()}.");
        // Where each output position's patch starts in an image, and each kernel row (channel, row) in a patch: the same
        // for every output channel, and no divisions in the loops.
        var corners = new long[s.Positions];
        for (long position = 0; position < corners.Length; position++)
            corners[position] = position / s.PlaneWidth * width + position % s.PlaneWidth;
        var lineStarts = new long[channels * kernelHeight];
        for (long line = 0; line < lineStarts.Length; line++)
            lineStarts[line] = (line / kernelHeight * height + line % kernelHeight) * width;
        Tensor result = empty(targets, outChannels, s.Window);
        unsafe
        {
            // No scales: an empty span, pinned as a null pointer.
            fixed (byte* inputBytes = a.bytes, indexBytes = at.bytes, deltaBytes = d.bytes, resultBytes = result.bytes,
                   scaleBytes = scales is null ? Span<byte>.Empty : scales.bytes)
            {
                nint source = (nint)inputBytes, maxima = (nint)indexBytes, gradients = (nint)deltaBytes, output = (nint)resultBytes;
                nint scaling = (nint)scaleBytes;
                Parallel.For(0, (int)outChannels, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, threads) },
                    o => OutputChannel(o, s, corners, lineStarts, (float*)source, (long*)maxima, (float*)gradients, (float*)scaling, (float*)output));
            }
        }
        return result.reshape(targets, -1).MoveToOuterDisposeScope();
    }

    private readonly record struct Shape(long Rows, long Channels, long Height, long Width, long KernelHeight, long KernelWidth,
        long OutChannels, long Cells, long Targets)
    {
        public long PlaneWidth => Width - KernelWidth + 1;

        public long Positions => (Height - KernelHeight + 1) * PlaneWidth;

        public int Window => checked((int)(Channels * KernelHeight * KernelWidth));
    }

    // scales: N×O, or null for none; corners and lineStarts as Compute works them out.
    private static unsafe void OutputChannel(int o, Shape s, long[] corners, long[] lineStarts, float* input, long* index, float* deltas,
        float* scales, float* result)
    {
        // Sums four vectors at a time; a patch's lanes past the window are zeros.
        int lanes = Vector<float>.Count, width = 4 * lanes, window = s.Window, padded = (window + width - 1) / width * width;
        long pairs = s.Rows * s.Cells, lines = lineStarts.Length, targetStride = s.OutChannels * pairs;
        // Scratch from the shared pool (a step would otherwise allocate megabytes of large arrays for the collector),
        // cleared where a zero is read: the sums, the patches' tail lanes, the zero δ row.
        int sumsLength = (int)(s.Targets * padded), patchesLength = PairsPerBlock * padded;
        // With scales, the block's δ per target are copied (scaled) into rows of their own, since dropped channels leave
        // gaps; without, the block's pairs are consecutive and each target's δ are read in place. One more zero row lets
        // an odd last target pair with nothing.
        int deltasLength = (int)((scales is null ? 1 : s.Targets + 1) * PairsPerBlock);
        float[] sums = ArrayPool<float>.Shared.Rent(sumsLength), patches = ArrayPool<float>.Shared.Rent(patchesLength);
        float[] blockDeltas = ArrayPool<float>.Shared.Rent(deltasLength), discard = ArrayPool<float>.Shared.Rent(padded);
        Array.Clear(sums, 0, sumsLength);
        Array.Clear(patches, 0, patchesLength);
        Array.Clear(blockDeltas, 0, deltasLength);
        var deltaStarts = new nint[s.Targets + 1];
        try
        {
            fixed (float* sumRows = sums, patchRows = patches, deltaRows = blockDeltas, discardRow = discard)
            fixed (long* corner = corners, lineStart = lineStarts)
            fixed (nint* targetDeltas = deltaStarts)
            {
                for (long t = 0; t <= s.Targets; t++)
                    targetDeltas[t] = (nint)(scales is null ? (t == s.Targets ? deltaRows : null) : deltaRows + t * PairsPerBlock);
                int count = 0;
                long first = 0; // the pair index of the block's first pair (without scales: its pairs are consecutive)
                for (long n = 0; n < s.Rows; n++)
                {
                    float scale = scales is null ? 1f : scales[n * s.OutChannels + o];
                    if (scale == 0) continue; // a dropped channel: every target's δ is zero there
                    long* maxima = index + (n * s.OutChannels + o) * s.Cells;
                    float* image = input + n * s.Channels * s.Height * s.Width;
                    float* rowDeltas = deltas + (long)o * pairs + n * s.Cells;
                    for (long p = 0; p < s.Cells; p++)
                    {
                        float* patch = patchRows + (long)count * padded, from = image + corner[maxima[p]];
                        // Kernel row by kernel row, in the weight's (channel, row, column) order.
                        for (long line = 0; line < lines; line++, patch += s.KernelWidth)
                            CopyLine(from + lineStart[line], patch, (int)s.KernelWidth);
                        if (scales is not null)
                            for (long t = 0; t < s.Targets; t++)
                                deltaRows[t * PairsPerBlock + count] = rowDeltas[t * targetStride + p] * scale;
                        if (++count == PairsPerBlock)
                        {
                            if (scales is null) PointInPlace(targetDeltas, deltas, s, o, first);
                            AddBlock(s, padded, count, patchRows, targetDeltas, sumRows, discardRow);
                            first += count;
                            count = 0;
                        }
                    }
                }
                if (count > 0)
                {
                    if (scales is null) PointInPlace(targetDeltas, deltas, s, o, first);
                    AddBlock(s, padded, count, patchRows, targetDeltas, sumRows, discardRow);
                }
                for (long t = 0; t < s.Targets; t++)
                    new ReadOnlySpan<float>(sumRows + t * padded, window).CopyTo(new Span<float>(result + (t * s.OutChannels + o) * window, window));
            }
        }
        finally
        {
            foreach (float[] rented in new[] { sums, patches, blockDeltas, discard }) ArrayPool<float>.Shared.Return(rented);
        }
    }

    // Each target's δ for output channel o from pair firstPair on, in place (m×O×N×h×w: consecutive pairs are contiguous).
    private static unsafe void PointInPlace(nint* targetDeltas, float* deltas, Shape s, int o, long firstPair)
    {
        for (long t = 0; t < s.Targets; t++)
            targetDeltas[t] = (nint)(deltas + (t * s.OutChannels + o) * s.Rows * s.Cells + firstPair);
    }

    // Every target's sums += the block's δ (targetDeltas[t]) times its patches; targets two at a time, an odd last one
    // paired with the zero row (targetDeltas[m]) into a sums row nobody reads.
    private static unsafe void AddBlock(Shape s, int padded, int count, float* patches, nint* targetDeltas, float* sums, float* discard)
    {
        for (long t = 0; t < s.Targets; t += 2)
        {
            bool two = t + 1 < s.Targets;
            AddTwoTargets(patches, padded, count, (float*)targetDeltas[t], (float*)targetDeltas[two ? t + 1 : s.Targets],
                sums + t * padded, two ? sums + (t + 1) * padded : discard);
        }
    }

    // A kernel row's values: four at a time, then one by one.
    private static unsafe void CopyLine(float* from, float* to, int count)
    {
        int j = 0;
        for (; j + 4 <= count; j += 4)
            System.Runtime.Intrinsics.Vector128.Store(System.Runtime.Intrinsics.Vector128.Load(from + j), to + j);
        for (; j < count; j++) to[j] = from[j];
    }

    // sums += Σ_q δ[q] · patch q for two targets, four vectors of the patch at a time (eight independent sums hide the
    // multiply-add latency that four would wait on).
    private static unsafe void AddTwoTargets(float* patches, int padded, int count, float* delta, float* delta2, float* sums, float* sums2)
    {
        int lanes = Vector<float>.Count;
        for (int v = 0; v < padded; v += 4 * lanes)
        {
            float* sum = sums + v, sum2 = sums2 + v;
            Vector<float> a0 = Vector.Load(sum), a1 = Vector.Load(sum + lanes), a2 = Vector.Load(sum + 2 * lanes), a3 = Vector.Load(sum + 3 * lanes);
            Vector<float> b0 = Vector.Load(sum2), b1 = Vector.Load(sum2 + lanes), b2 = Vector.Load(sum2 + 2 * lanes), b3 = Vector.Load(sum2 + 3 * lanes);
            for (int q = 0; q < count; q++)
            {
                float* row = patches + (long)q * padded + v;
                Vector<float> r0 = Vector.Load(row), r1 = Vector.Load(row + lanes), r2 = Vector.Load(row + 2 * lanes), r3 = Vector.Load(row + 3 * lanes);
                var d = new Vector<float>(delta[q]);
                a0 = Vector.FusedMultiplyAdd(d, r0, a0);
                a1 = Vector.FusedMultiplyAdd(d, r1, a1);
                a2 = Vector.FusedMultiplyAdd(d, r2, a2);
                a3 = Vector.FusedMultiplyAdd(d, r3, a3);
                var d2 = new Vector<float>(delta2[q]);
                b0 = Vector.FusedMultiplyAdd(d2, r0, b0);
                b1 = Vector.FusedMultiplyAdd(d2, r1, b1);
                b2 = Vector.FusedMultiplyAdd(d2, r2, b2);
                b3 = Vector.FusedMultiplyAdd(d2, r3, b3);
            }
            Vector.Store(a0, sum);
            Vector.Store(a1, sum + lanes);
            Vector.Store(a2, sum + 2 * lanes);
            Vector.Store(a3, sum + 3 * lanes);
            Vector.Store(b0, sum2);
            Vector.Store(b1, sum2 + lanes);
            Vector.Store(b2, sum2 + 2 * lanes);
            Vector.Store(b3, sum2 + 3 * lanes);
        }
    }
}
