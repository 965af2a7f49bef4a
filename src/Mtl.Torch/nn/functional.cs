using static Mtl.Torch.Native.NativeMethods;

namespace Mtl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>How a loss reduces its per-element values (TorchSharp's <c>torch.nn.Reduction</c>).</summary>
        public enum Reduction
        {
            /// <summary>No reduction: one loss value per element (or per sample).</summary>
            None = 0,
            /// <summary>The (weighted) mean.</summary>
            Mean = 1,
            /// <summary>The sum.</summary>
            Sum = 2,
        }

        /// <summary>Padding modes of <see cref="functional.pad"/>.</summary>
        public enum PaddingModes
        {
            /// <summary>Pads with zeros.</summary>
            Zeros,
            /// <summary>Mirrors the input without repeating the edge.</summary>
            Reflect,
            /// <summary>Repeats the edge value.</summary>
            Replicate,
            /// <summary>Wraps around.</summary>
            Circular,
            /// <summary>Pads with a constant value.</summary>
            Constant,
        }

        /// <summary>Interpolation modes of <see cref="functional.interpolate"/> (4-D inputs).</summary>
        public enum InterpolationMode
        {
            /// <summary>Nearest neighbour.</summary>
            Nearest,
            /// <summary>Bilinear.</summary>
            Bilinear,
            /// <summary>Bicubic.</summary>
            Bicubic,
            /// <summary>Area averaging (adaptive average pooling).</summary>
            Area,
        }

        /// <summary>Sampling modes of <see cref="functional.grid_sample"/>.</summary>
        public enum GridSampleMode
        {
            /// <summary>Nearest neighbour.</summary>
            Nearest,
            /// <summary>Bilinear.</summary>
            Bilinear,
            /// <summary>Bicubic.</summary>
            Bicubic,
        }

        /// <summary>How <see cref="functional.grid_sample"/> treats locations outside the input.</summary>
        public enum GridSamplePaddingMode
        {
            /// <summary>Zero outside.</summary>
            Zeros,
            /// <summary>The nearest border value.</summary>
            Border,
            /// <summary>Reflected back inside.</summary>
            Reflection,
        }

        /// <summary>Stateless network functions (TorchSharp's <c>torch.nn.functional</c>).</summary>
        public static class functional
        {
            private static IntPtr OrNull(Tensor? t) => t?.Handle ?? IntPtr.Zero;

            private static long[] Pair(long value) => new[] { value, value };

            private static long[] Pair((long, long) value) => new[] { value.Item1, value.Item2 };

            private static long[] Pair(long[]? values, long fallback, string parameter)
            {
                if (values is null) return Pair(fallback);
                return values.Length switch
                {
                    1 => Pair(values[0]),
                    2 => values,
                    _ => throw new ArgumentException($"{parameter} needs 1 or 2 values for a 2-D operation, got {values.Length}.", parameter),
                };
            }

            private static void CheckProbability(double p, string what)
            {
                if (!(p >= 0 && p <= 1)) throw new ArgumentOutOfRangeException(nameof(p), p, $"{what} probability must be in [0, 1].");
            }

            // ---------------- activations ----------------

            /// <summary>max(x, 0).</summary>
            public static Tensor relu(Tensor x) => x.relu();

            /// <summary>x for x ≥ 0, negative_slope·x otherwise.</summary>
            public static Tensor leaky_relu(Tensor x, double negative_slope = 0.01) => Tensor.Wrap(mt_leaky_relu(x.Handle, negative_slope));

            /// <summary>Gaussian error linear unit x·Φ(x); approximate "tanh" uses the tanh formula.</summary>
            public static Tensor gelu(Tensor x, string approximate = "none") => approximate switch
            {
                "none" => Tensor.Wrap(mt_gelu(x.Handle, 0)),
                "tanh" => Tensor.Wrap(mt_gelu(x.Handle, 1)),
                _ => throw new ArgumentException($"gelu's approximate must be \"none\" or \"tanh\", got \"{approximate}\".", nameof(approximate)),
            };

            /// <summary>Exponential linear unit.</summary>
            public static Tensor elu(Tensor x, double alpha = 1.0) => Tensor.Wrap(mt_elu(x.Handle, alpha));

            /// <summary>(1/β)·log(1 + exp(β·x)), linear above the threshold.</summary>
            public static Tensor softplus(Tensor x, double beta = 1, double threshold = 20) => Tensor.Wrap(mt_softplus(x.Handle, beta, threshold));

            /// <summary>Logistic sigmoid.</summary>
            public static Tensor sigmoid(Tensor x) => x.sigmoid();

            /// <summary>Hyperbolic tangent.</summary>
            public static Tensor tanh(Tensor x) => x.tanh();

            /// <summary>Softmax along a dimension (computed in <paramref name="dtype"/> when given).</summary>
            public static Tensor softmax(Tensor input, long dim, ScalarType? dtype = null)
            {
                if (dtype is null || dtype == input.dtype) return Tensor.Wrap(mt_softmax(input.Handle, dim));
                using Tensor converted = input.to_type(dtype.Value);
                return Tensor.Wrap(mt_softmax(converted.Handle, dim));
            }

            /// <summary>Log of the softmax along a dimension, computed stably.</summary>
            public static Tensor log_softmax(Tensor input, long dim, ScalarType? dtype = null)
            {
                if (dtype is null || dtype == input.dtype) return Tensor.Wrap(mt_log_softmax(input.Handle, dim));
                using Tensor converted = input.to_type(dtype.Value);
                return Tensor.Wrap(mt_log_softmax(converted.Handle, dim));
            }

            /// <summary>x divided by its p-norm along dim (norms below eps are replaced by eps).</summary>
            public static Tensor normalize(Tensor input, double p = 2.0, long dim = 1, double eps = 1e-12)
            {
                using Tensor norm = input.norm(p, new[] { dim }, keepdim: true);
                using Tensor safe = norm.clamp_min(eps);
                return input / safe;
            }

            /// <summary>Cosine of the angle between x1 and x2 along dim: ⟨x1, x2⟩ / (max(‖x1‖, eps)·max(‖x2‖, eps)).</summary>
            public static Tensor cosine_similarity(Tensor x1, Tensor x2, long dim = 1, double eps = 1e-8)
            {
                using Tensor product = x1 * x2;
                using Tensor dot = product.sum(dim);
                using Tensor n1 = x1.norm(2, new[] { dim });
                using Tensor n2 = x2.norm(2, new[] { dim });
                using Tensor s1 = n1.clamp_min(eps);
                using Tensor s2 = n2.clamp_min(eps);
                using Tensor denominator = s1 * s2;
                return dot / denominator;
            }

            // ---------------- dropout ----------------

            /// <summary>Zeroes each element with probability p and scales the rest by 1/(1−p) when training; identity otherwise.</summary>
            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true)
            {
                CheckProbability(p, "dropout");
                return Tensor.Wrap(mt_dropout(input.Handle, p, training ? 1 : 0));
            }

            /// <summary>Zeroes whole channels (dim 1 of an N×C×H×W input) with probability p when training.</summary>
            public static Tensor dropout2d(Tensor input, double p = 0.5, bool training = true)
            {
                CheckProbability(p, "dropout2d");
                long dims = input.Dimensions;
                if (dims != 3 && dims != 4)
                    throw new ArgumentException($"dropout2d expects a 3-D (C, H, W) or 4-D (N, C, H, W) input, got {dims} dimensions.", nameof(input));
                return Tensor.Wrap(mt_dropout2d(input.Handle, p, training ? 1 : 0));
            }

            // ---------------- linear and convolution ----------------

            /// <summary>x·Wᵀ + b with W of shape (out, in).</summary>
            public static Tensor linear(Tensor input, Tensor weights, Tensor? bias = null) =>
                Tensor.Wrap(mt_linear(input.Handle, weights.Handle, OrNull(bias)));

            /// <summary>2-D convolution with given weights (out, in/groups, kH, kW); strides/padding/dilation as 1 or 2 values.</summary>
            public static unsafe Tensor conv2d(Tensor input, Tensor weight, Tensor? bias = null, long[]? strides = null, long[]? padding = null,
                long[]? dilation = null, long groups = 1)
            {
                long[] s = Pair(strides, 1, nameof(strides)), p = Pair(padding, 0, nameof(padding)), d = Pair(dilation, 1, nameof(dilation));
                if (groups < 1) throw new ArgumentOutOfRangeException(nameof(groups), groups, "groups must be at least 1.");
                fixed (long* ps = s) fixed (long* pp = p) fixed (long* pd = d)
                    return Tensor.Wrap(mt_conv2d(input.Handle, weight.Handle, OrNull(bias), ps, pp, pd, groups));
            }

            // ---------------- pooling ----------------

            /// <summary>2-D max pooling (stride defaults to the kernel size).</summary>
            public static unsafe Tensor max_pool2d(Tensor input, long[] kernel_size, long[]? strides = null, long[]? padding = null,
                long[]? dilation = null, bool ceil_mode = false)
            {
                long[] k = Pair(kernel_size, 0, nameof(kernel_size));
                long[] s = strides is null ? k : Pair(strides, 0, nameof(strides));
                long[] p = Pair(padding, 0, nameof(padding)), d = Pair(dilation, 1, nameof(dilation));
                fixed (long* pk = k) fixed (long* ps = s) fixed (long* pp = p) fixed (long* pd = d)
                    return Tensor.Wrap(mt_max_pool2d(input.Handle, pk, ps, pp, pd, ceil_mode ? 1 : 0));
            }

            /// <summary>2-D max pooling with a square kernel.</summary>
            public static Tensor max_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
                max_pool2d(input, Pair(kernel_size), Pair(stride ?? kernel_size), Pair(padding), Pair(dilation), ceil_mode);

            /// <summary>2-D average pooling (stride defaults to the kernel size).</summary>
            public static unsafe Tensor avg_pool2d(Tensor input, long[] kernel_size, long[]? strides = null, long[]? padding = null,
                bool ceil_mode = false, bool count_include_pad = true)
            {
                long[] k = Pair(kernel_size, 0, nameof(kernel_size));
                long[] s = strides is null ? k : Pair(strides, 0, nameof(strides));
                long[] p = Pair(padding, 0, nameof(padding));
                fixed (long* pk = k) fixed (long* ps = s) fixed (long* pp = p)
                    return Tensor.Wrap(mt_avg_pool2d(input.Handle, pk, ps, pp, ceil_mode ? 1 : 0, count_include_pad ? 1 : 0));
            }

            /// <summary>2-D average pooling with a square kernel.</summary>
            public static Tensor avg_pool2d(Tensor input, long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true) =>
                avg_pool2d(input, Pair(kernel_size), Pair(stride ?? kernel_size), Pair(padding), ceil_mode, count_include_pad);

            /// <summary>Average pooling to a fixed output size (H, W).</summary>
            public static unsafe Tensor adaptive_avg_pool2d(Tensor input, long[] output_size)
            {
                long[] o = Pair(output_size, 0, nameof(output_size));
                fixed (long* po = o) return Tensor.Wrap(mt_adaptive_avg_pool2d(input.Handle, po));
            }

            /// <summary>Average pooling to a square output size.</summary>
            public static Tensor adaptive_avg_pool2d(Tensor input, long output_size) => adaptive_avg_pool2d(input, Pair(output_size));

            // ---------------- normalisation ----------------

            /// <summary>
            /// Batch normalisation over dim 1. In training the batch statistics are used and the running statistics (when
            /// given) are updated with <paramref name="momentum"/>; otherwise the running statistics are used.
            /// </summary>
            public static Tensor batch_norm(Tensor input, Tensor? running_mean, Tensor? running_var, Tensor? weight = null, Tensor? bias = null,
                bool training = false, double momentum = 0.1, double eps = 1e-5)
            {
                if (!training && (running_mean is null || running_var is null))
                    throw new ArgumentException("batch_norm in evaluation mode needs running_mean and running_var.");
                return Tensor.Wrap(mt_batch_norm(input.Handle, OrNull(weight), OrNull(bias), OrNull(running_mean), OrNull(running_var), training ? 1 : 0, momentum, eps));
            }

            /// <summary>Group normalisation: channels split into groups normalised per sample.</summary>
            public static Tensor group_norm(Tensor input, long num_groups, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5) =>
                Tensor.Wrap(mt_group_norm(input.Handle, num_groups, OrNull(weight), OrNull(bias), eps));

            /// <summary>Layer normalisation over the trailing dimensions given by normalized_shape.</summary>
            public static unsafe Tensor layer_norm(Tensor input, long[] normalized_shape, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5)
            {
                fixed (long* p = normalized_shape) return Tensor.Wrap(mt_layer_norm(input.Handle, p, normalized_shape.Length, OrNull(weight), OrNull(bias), eps));
            }

            // ---------------- losses ----------------

            /// <summary>
            /// Cross entropy between logits (N, C, …) and class indices (N, …) or class probabilities (same shape as the
            /// input). Optional class weights, an ignored target index, and label smoothing ε (targets become (1−ε)·onehot + ε/C).
            /// </summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100,
                Reduction reduction = Reduction.Mean, double label_smoothing = 0.0)
            {
                if (!(label_smoothing >= 0 && label_smoothing <= 1))
                    throw new ArgumentOutOfRangeException(nameof(label_smoothing), label_smoothing, "label_smoothing must be in [0, 1].");
                return Tensor.Wrap(mt_cross_entropy(input.Handle, target.Handle, OrNull(weight), (int)reduction, ignore_index, label_smoothing));
            }

            /// <summary>Negative log-likelihood of log-probabilities (N, C, …) at class indices (N, …).</summary>
            public static Tensor nll_loss(Tensor input, Tensor target, Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean) =>
                Tensor.Wrap(mt_nll_loss(input.Handle, target.Handle, OrNull(weight), (int)reduction, ignore_index));

            /// <summary>Squared error.</summary>
            public static Tensor mse_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Tensor.Wrap(mt_mse_loss(input.Handle, target.Handle, (int)reduction));

            /// <summary>Absolute error.</summary>
            public static Tensor l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean) =>
                Tensor.Wrap(mt_l1_loss(input.Handle, target.Handle, (int)reduction));

            /// <summary>Huber-style loss: ½d²/β for |d| &lt; β, |d| − ½β otherwise.</summary>
            public static Tensor smooth_l1_loss(Tensor input, Tensor target, Reduction reduction = Reduction.Mean, double beta = 1.0)
            {
                if (beta < 0) throw new ArgumentOutOfRangeException(nameof(beta), beta, "beta must be non-negative.");
                return Tensor.Wrap(mt_smooth_l1_loss(input.Handle, target.Handle, (int)reduction, beta));
            }

            /// <summary>Binary cross entropy on logits (numerically stable sigmoid + BCE); pos_weights weights the positive term per class.</summary>
            public static Tensor binary_cross_entropy_with_logits(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean,
                Tensor? pos_weights = null) =>
                Tensor.Wrap(mt_bce_with_logits(input.Handle, target.Handle, OrNull(weight), OrNull(pos_weights), (int)reduction));

            /// <summary>Binary cross entropy on probabilities in [0, 1].</summary>
            public static Tensor binary_cross_entropy(Tensor input, Tensor target, Tensor? weight = null, Reduction reduction = Reduction.Mean) =>
                Tensor.Wrap(mt_binary_cross_entropy(input.Handle, target.Handle, OrNull(weight), (int)reduction));

            // ---------------- resampling ----------------

            /// <summary>
            /// Pads the last dimensions: pad = (left, right[, top, bottom[, front, back]]) starting from the last dimension.
            /// Reflect/replicate/circular modes pad 3-D/4-D/5-D inputs by 1–3 trailing dimensions.
            /// </summary>
            public static unsafe Tensor pad(Tensor input, long[] pad, PaddingModes mode = PaddingModes.Constant, double value = 0)
            {
                ArgumentNullException.ThrowIfNull(pad);
                if (pad.Length == 0 || pad.Length % 2 != 0)
                    throw new ArgumentException($"pad needs an even, non-zero number of values (left, right, …), got {pad.Length}.", nameof(pad));
                int code = mode switch
                {
                    PaddingModes.Constant or PaddingModes.Zeros => 0,
                    PaddingModes.Reflect => 1,
                    PaddingModes.Replicate => 2,
                    PaddingModes.Circular => 3,
                    _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown padding mode"),
                };
                fixed (long* p = pad) return Tensor.Wrap(mt_pad(input.Handle, p, pad.Length, code, mode == PaddingModes.Zeros ? 0 : value));
            }

            /// <summary>
            /// Resizes a 4-D (N, C, H, W) input to <paramref name="size"/> or by <paramref name="scale_factor"/> (exactly one;
            /// one value applies to both H and W). align_corners is meaningful for bilinear/bicubic only (default false).
            /// </summary>
            public static unsafe Tensor interpolate(Tensor x, long[]? size = null, double[]? scale_factor = null, InterpolationMode mode = InterpolationMode.Nearest,
                bool? align_corners = null, bool recompute_scale_factor = false)
            {
                if ((size is null) == (scale_factor is null))
                    throw new ArgumentException("interpolate needs exactly one of size and scale_factor.");
                if (align_corners is not null && mode is InterpolationMode.Nearest or InterpolationMode.Area)
                    throw new ArgumentException($"align_corners applies only to Bilinear and Bicubic interpolation, not {mode}.", nameof(align_corners));
                if (x.Dimensions != 4)
                    throw new ArgumentException($"interpolate expects a 4-D (N, C, H, W) input, got {x.Dimensions} dimensions.", nameof(x));
                long[]? outSize = size is null ? null : Pair(size, 0, nameof(size));
                double[]? scales = null;
                if (scale_factor is not null)
                {
                    scales = scale_factor.Length switch
                    {
                        1 => new[] { scale_factor[0], scale_factor[0] },
                        2 => scale_factor,
                        _ => throw new ArgumentException($"scale_factor needs 1 or 2 values, got {scale_factor.Length}.", nameof(scale_factor)),
                    };
                    if (scales.Any(s => !(s > 0))) throw new ArgumentOutOfRangeException(nameof(scale_factor), "scale factors must be positive.");
                    if (recompute_scale_factor || mode == InterpolationMode.Area)
                    {
                        long[] shape = x.shape;
                        outSize = new[] { (long)Math.Floor(shape[2] * scales[0]), (long)Math.Floor(shape[3] * scales[1]) };
                        scales = null;
                    }
                }
                int code = mode switch
                {
                    InterpolationMode.Nearest => 0,
                    InterpolationMode.Bilinear => 1,
                    InterpolationMode.Bicubic => 2,
                    InterpolationMode.Area => 3,
                    _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown interpolation mode"),
                };
                long[] sizeArg = outSize ?? Array.Empty<long>();
                double[] scaleArg = scales ?? Array.Empty<double>();
                fixed (long* ps = sizeArg) fixed (double* pf = scaleArg)
                    return Tensor.Wrap(mt_interpolate(x.Handle, ps, sizeArg.Length, pf, scaleArg.Length, code, align_corners == true ? 1 : 0));
            }

            /// <summary>Samples input (N, C, H, W) at grid locations (N, H', W', 2) given in [−1, 1] (x, y) coordinates.</summary>
            public static Tensor grid_sample(Tensor input, Tensor grid, GridSampleMode mode = GridSampleMode.Bilinear,
                GridSamplePaddingMode padding_mode = GridSamplePaddingMode.Zeros, bool? align_corners = null)
            {
                int m = mode switch
                {
                    GridSampleMode.Bilinear => 0,
                    GridSampleMode.Nearest => 1,
                    GridSampleMode.Bicubic => 2,
                    _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, "unknown grid sample mode"),
                };
                return Tensor.Wrap(mt_grid_sample(input.Handle, grid.Handle, m, (int)padding_mode, align_corners == true ? 1 : 0));
            }

            /// <summary>The sampling grid (N, H, W, 2) of affine transforms theta (N, 2, 3) for an output of size (N, C, H, W).</summary>
            public static unsafe Tensor affine_grid(Tensor theta, long[] size, bool align_corners = false)
            {
                ArgumentNullException.ThrowIfNull(size);
                fixed (long* p = size) return Tensor.Wrap(mt_affine_grid(theta.Handle, p, size.Length, align_corners ? 1 : 0));
            }

            /// <summary>Extracts sliding blocks: (N, C, H, W) → (N, C·kH·kW, L).</summary>
            public static Tensor unfold(Tensor input, long kernel_size, long dilation = 1, long padding = 0, long stride = 1) =>
                unfold(input, (kernel_size, kernel_size), (dilation, dilation), (padding, padding), (stride, stride));

            /// <summary>Extracts sliding blocks with per-dimension sizes.</summary>
            public static unsafe Tensor unfold(Tensor input, (long, long) kernel_size, (long, long)? dilation = null, (long, long)? padding = null, (long, long)? stride = null)
            {
                long[] k = Pair(kernel_size), d = Pair(dilation ?? (1, 1)), p = Pair(padding ?? (0, 0)), s = Pair(stride ?? (1, 1));
                fixed (long* pk = k) fixed (long* pd = d) fixed (long* pp = p) fixed (long* ps = s)
                    return Tensor.Wrap(mt_unfold(input.Handle, pk, pd, pp, ps));
            }

            /// <summary>Sums sliding blocks back into an image: the adjoint of <see cref="unfold(Tensor, long, long, long, long)"/>.</summary>
            public static Tensor fold(Tensor input, long output_size, long kernel_size, long dilation = 1, long padding = 0, long stride = 1) =>
                fold(input, (output_size, output_size), (kernel_size, kernel_size), (dilation, dilation), (padding, padding), (stride, stride));

            /// <summary>Sums sliding blocks back into an image, with per-dimension sizes.</summary>
            public static unsafe Tensor fold(Tensor input, (long, long) output_size, (long, long) kernel_size, (long, long)? dilation = null,
                (long, long)? padding = null, (long, long)? stride = null)
            {
                long[] o = Pair(output_size), k = Pair(kernel_size), d = Pair(dilation ?? (1, 1)), p = Pair(padding ?? (0, 0)), s = Pair(stride ?? (1, 1));
                fixed (long* po = o) fixed (long* pk = k) fixed (long* pd = d) fixed (long* pp = p) fixed (long* ps = s)
                    return Tensor.Wrap(mt_fold(input.Handle, po, pk, pd, pp, ps));
            }
        }
    }
}
