using Mtl.Torch.Modules;

namespace Mtl.Torch;

public static partial class torch
{
    /// <summary>Neural-network layers, containers, functional ops, initialisers (TorchSharp's <c>torch.nn</c>).</summary>
    public static partial class nn
    {
        /// <summary>Affine layer y = x·Wᵀ + b, initialised as PyTorch does (U(±1/√in) for weight and bias).</summary>
        public static Linear Linear(long inputSize, long outputSize, bool hasBias = true, Device? device = null, ScalarType? dtype = null) =>
            new(inputSize, outputSize, hasBias, device, dtype);

        /// <summary>2-D convolution with a square kernel, initialised as PyTorch does.</summary>
        public static Conv2d Conv2d(long in_channels, long out_channels, long kernelSize, long stride = 1, long padding = 0, long dilation = 1,
            long groups = 1, bool bias = true, Device? device = null, ScalarType? dtype = null) =>
            new(in_channels, out_channels, (kernelSize, kernelSize), (stride, stride), (padding, padding), (dilation, dilation), groups, bias, device, dtype);

        /// <summary>2-D convolution with per-dimension kernel, stride, padding and dilation.</summary>
        public static Conv2d Conv2d(long in_channels, long out_channels, (long, long) kernelSize, (long, long)? stride = null, (long, long)? padding = null,
            (long, long)? dilation = null, long groups = 1, bool bias = true, Device? device = null, ScalarType? dtype = null) =>
            new(in_channels, out_channels, kernelSize, stride ?? (1, 1), padding ?? (0, 0), dilation ?? (1, 1), groups, bias, device, dtype);

        /// <summary>Batch normalisation of (N, C) or (N, C, L) inputs.</summary>
        public static BatchNorm1d BatchNorm1d(long num_features, double eps = 1e-05, double? momentum = 0.1, bool affine = true, bool track_running_stats = true,
            Device? device = null, ScalarType? dtype = null) =>
            new(num_features, eps, momentum, affine, track_running_stats, device, dtype);

        /// <summary>Batch normalisation of (N, C, H, W) inputs.</summary>
        public static BatchNorm2d BatchNorm2d(long num_features, double eps = 1e-05, double? momentum = 0.1, bool affine = true, bool track_running_stats = true,
            Device? device = null, ScalarType? dtype = null) =>
            new(num_features, eps, momentum, affine, track_running_stats, device, dtype);

        /// <summary>Group normalisation.</summary>
        public static GroupNorm GroupNorm(long num_groups, long num_channels, double eps = 1e-05, bool affine = true, Device? device = null, ScalarType? dtype = null) =>
            new(num_groups, num_channels, eps, affine, device, dtype);

        /// <summary>Layer normalisation over the trailing dimensions normalized_shape.</summary>
        public static LayerNorm LayerNorm(long[] normalized_shape, double eps = 1e-05, bool elementwise_affine = true, Device? device = null, ScalarType? dtype = null) =>
            new(normalized_shape, eps, elementwise_affine, device, dtype);

        /// <summary>Layer normalisation over the last dimension.</summary>
        public static LayerNorm LayerNorm(long normalized_shape, double eps = 1e-05, bool elementwise_affine = true, Device? device = null, ScalarType? dtype = null) =>
            new(new[] { normalized_shape }, eps, elementwise_affine, device, dtype);

        /// <summary>Element dropout.</summary>
        public static Dropout Dropout(double p = 0.5) => new(p);

        /// <summary>Channel dropout.</summary>
        public static Dropout2d Dropout2d(double p = 0.5) => new(p);

        /// <summary>2-D max pooling with a square kernel (stride defaults to the kernel size).</summary>
        public static MaxPool2d MaxPool2d(long kernel_size, long? stride = null, long padding = 0, long dilation = 1, bool ceil_mode = false) =>
            new((kernel_size, kernel_size), stride is { } s ? (s, s) : null, (padding, padding), (dilation, dilation), ceil_mode);

        /// <summary>2-D max pooling with per-dimension sizes.</summary>
        public static MaxPool2d MaxPool2d((long, long) kernel_size, (long, long)? stride = null, (long, long)? padding = null, (long, long)? dilation = null, bool ceil_mode = false) =>
            new(kernel_size, stride, padding ?? (0, 0), dilation ?? (1, 1), ceil_mode);

        /// <summary>2-D average pooling with a square kernel (stride defaults to the kernel size).</summary>
        public static AvgPool2d AvgPool2d(long kernel_size, long? stride = null, long padding = 0, bool ceil_mode = false, bool count_include_pad = true) =>
            new((kernel_size, kernel_size), stride is { } s ? (s, s) : null, (padding, padding), ceil_mode, count_include_pad);

        /// <summary>2-D average pooling with per-dimension sizes.</summary>
        public static AvgPool2d AvgPool2d((long, long) kernel_size, (long, long)? stride = null, (long, long)? padding = null, bool ceil_mode = false, bool count_include_pad = true) =>
            new(kernel_size, stride, padding ?? (0, 0), ceil_mode, count_include_pad);

        /// <summary>Average pooling to a square output size.</summary>
        public static AdaptiveAvgPool2d AdaptiveAvgPool2d(long output_size) => new((output_size, output_size));

        /// <summary>Average pooling to an output size (H, W).</summary>
        public static AdaptiveAvgPool2d AdaptiveAvgPool2d((long, long) output_size) => new(output_size);

        /// <summary>Flattens dims start_dim..end_dim (by default all but the batch dimension).</summary>
        public static Flatten Flatten(long start_dim = 1, long end_dim = -1) => new(start_dim, end_dim);

        /// <summary>Identity.</summary>
        public static Identity Identity() => new();

        /// <summary>max(x, 0).</summary>
        public static ReLU ReLU() => new();

        /// <summary>Leaky ReLU.</summary>
        public static LeakyReLU LeakyReLU(double negative_slope = 0.01) => new(negative_slope);

        /// <summary>GELU ("none" = exact, "tanh" = approximation).</summary>
        public static GELU GELU(string approximate = "none") => new(approximate);

        /// <summary>Logistic sigmoid.</summary>
        public static Sigmoid Sigmoid() => new();

        /// <summary>tanh.</summary>
        public static Tanh Tanh() => new();

        /// <summary>Softmax along a dimension.</summary>
        public static Softmax Softmax(long dim) => new(dim);

        /// <summary>Log-softmax along a dimension.</summary>
        public static LogSoftmax LogSoftmax(long dim) => new(dim);

        /// <summary>Cross-entropy loss module (see <see cref="functional.cross_entropy"/>).</summary>
        public static CrossEntropyLoss CrossEntropyLoss(Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean, double label_smoothing = 0.0) =>
            new(weight, ignore_index, reduction, label_smoothing);

        /// <summary>Negative log-likelihood loss module.</summary>
        public static NLLLoss NLLLoss(Tensor? weight = null, long ignore_index = -100, Reduction reduction = Reduction.Mean) => new(weight, ignore_index, reduction);

        /// <summary>Squared-error loss module.</summary>
        public static MSELoss MSELoss(Reduction reduction = Reduction.Mean) => new(reduction);

        /// <summary>Absolute-error loss module.</summary>
        public static L1Loss L1Loss(Reduction reduction = Reduction.Mean) => new(reduction);

        /// <summary>Smooth L1 loss module.</summary>
        public static SmoothL1Loss SmoothL1Loss(Reduction reduction = Reduction.Mean, double beta = 1.0) => new(reduction, beta);

        /// <summary>Binary cross entropy on logits.</summary>
        public static BCEWithLogitsLoss BCEWithLogitsLoss(Tensor? weight = null, Reduction reduction = Reduction.Mean, Tensor? pos_weights = null) =>
            new(weight, reduction, pos_weights);

        /// <summary>Binary cross entropy on probabilities.</summary>
        public static BCELoss BCELoss(Tensor? weight = null, Reduction reduction = Reduction.Mean) => new(weight, reduction);

        /// <summary>Wraps a tensor's data as a trainable parameter (shares its storage).</summary>
        public static Parameter Parameter(Tensor data, bool requires_grad = true) => new(data, requires_grad);

        /// <summary>An empty Sequential (add modules with append).</summary>
        public static Sequential Sequential() => new(Array.Empty<(string, Module<Tensor, Tensor>)>());

        /// <summary>Modules run in order, named "0", "1", ….</summary>
        public static Sequential Sequential(params Module<Tensor, Tensor>[] modules) =>
            new(modules.Select((m, i) => (i.ToString(System.Globalization.CultureInfo.InvariantCulture), m)));

        /// <summary>Named modules run in order.</summary>
        public static Sequential Sequential(params (string name, Module<Tensor, Tensor> module)[] modules) => new(modules);

        /// <summary>Named modules run in order.</summary>
        public static Sequential Sequential(IEnumerable<(string name, Module<Tensor, Tensor> module)> modules) => new(modules);

        /// <summary>A list of modules named "0", "1", ….</summary>
        public static ModuleList<T> ModuleList<T>(params T[] modules) where T : Module => new(modules);

        /// <summary>Modules addressed by name.</summary>
        public static ModuleDict<T> ModuleDict<T>(params (string name, T module)[] modules) where T : Module => new(modules);
    }
}
