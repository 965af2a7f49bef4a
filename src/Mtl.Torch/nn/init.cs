using Mtl.Torch.Native;
using static Mtl.Torch.Native.NativeMethods;

namespace Mtl.Torch;

public static partial class torch
{
    public static partial class nn
    {
        /// <summary>Nonlinearities known to <see cref="init.calculate_gain"/> (TorchSharp's names).</summary>
        public enum NonlinearityType
        {
            /// <summary>Identity (gain 1).</summary>
            Linear,
            /// <summary>1-D convolution (gain 1).</summary>
            Conv1D,
            /// <summary>2-D convolution (gain 1).</summary>
            Conv2D,
            /// <summary>3-D convolution (gain 1).</summary>
            Conv3D,
            /// <summary>1-D transposed convolution (gain 1).</summary>
            ConvTranspose1D,
            /// <summary>2-D transposed convolution (gain 1).</summary>
            ConvTranspose2D,
            /// <summary>3-D transposed convolution (gain 1).</summary>
            ConvTranspose3D,
            /// <summary>Sigmoid (gain 1).</summary>
            Sigmoid,
            /// <summary>tanh (gain 5/3).</summary>
            Tanh,
            /// <summary>ReLU (gain √2).</summary>
            ReLU,
            /// <summary>Leaky ReLU (gain √(2/(1+slope²))).</summary>
            LeakyReLU,
        }

        /// <summary>Whether Kaiming initialisation preserves the variance of the forward (fan-in) or backward (fan-out) pass.</summary>
        public enum FanInOut
        {
            /// <summary>Number of inputs per output unit.</summary>
            FanIn,
            /// <summary>Number of outputs per input unit.</summary>
            FanOut,
        }

        /// <summary>In-place parameter initialisers (TorchSharp's <c>torch.nn.init</c>); they run without recording gradients.</summary>
        public static class init
        {
            private static int Code(NonlinearityType n) => n switch
            {
                NonlinearityType.Linear or NonlinearityType.Conv1D or NonlinearityType.Conv2D or NonlinearityType.Conv3D
                    or NonlinearityType.ConvTranspose1D or NonlinearityType.ConvTranspose2D or NonlinearityType.ConvTranspose3D => 0,
                NonlinearityType.ReLU => 1,
                NonlinearityType.LeakyReLU => 2,
                NonlinearityType.Tanh => 3,
                NonlinearityType.Sigmoid => 4,
                _ => throw new ArgumentOutOfRangeException(nameof(n), n, "unknown nonlinearity"),
            };

            /// <summary>The recommended gain for a nonlinearity; param is leaky ReLU's negative slope (default 0.01).</summary>
            public static double calculate_gain(NonlinearityType nonlinearity, double? param = null)
            {
                double gain = mt_init_calculate_gain(Code(nonlinearity), param ?? 0.01);
                Check.NoError();
                return gain;
            }

            private static Tensor Run(Tensor tensor, int status)
            {
                Check.Status(status);
                return tensor;
            }

            /// <summary>U(−b, b) with b = gain·√(3/fan), gain from the nonlinearity (a = leaky ReLU slope).</summary>
            public static Tensor kaiming_uniform_(Tensor tensor, double a = 0, FanInOut mode = FanInOut.FanIn, NonlinearityType nonlinearity = NonlinearityType.LeakyReLU) =>
                Run(tensor, mt_init_kaiming_uniform_(tensor.Handle, a, (int)mode, Code(nonlinearity)));

            /// <summary>N(0, σ²) with σ = gain/√fan.</summary>
            public static Tensor kaiming_normal_(Tensor tensor, double a = 0, FanInOut mode = FanInOut.FanIn, NonlinearityType nonlinearity = NonlinearityType.LeakyReLU) =>
                Run(tensor, mt_init_kaiming_normal_(tensor.Handle, a, (int)mode, Code(nonlinearity)));

            /// <summary>U(−b, b) with b = gain·√(6/(fan_in + fan_out)).</summary>
            public static Tensor xavier_uniform_(Tensor tensor, double gain = 1.0) => Run(tensor, mt_init_xavier_uniform_(tensor.Handle, gain));

            /// <summary>N(0, σ²) with σ = gain·√(2/(fan_in + fan_out)).</summary>
            public static Tensor xavier_normal_(Tensor tensor, double gain = 1.0) => Run(tensor, mt_init_xavier_normal_(tensor.Handle, gain));

            /// <summary>N(mean, std²).</summary>
            public static Tensor normal_(Tensor tensor, double mean = 0, double std = 1) => Run(tensor, mt_init_normal_(tensor.Handle, mean, std));

            /// <summary>U(low, high).</summary>
            public static Tensor uniform_(Tensor tensor, double low = 0, double high = 1) => Run(tensor, mt_init_uniform_(tensor.Handle, low, high));

            /// <summary>Fills with a value.</summary>
            public static Tensor constant_(Tensor tensor, double val) => Run(tensor, mt_init_constant_(tensor.Handle, val));

            /// <summary>Fills with zeros.</summary>
            public static Tensor zeros_(Tensor tensor) => Run(tensor, mt_init_zeros_(tensor.Handle));

            /// <summary>Fills with ones.</summary>
            public static Tensor ones_(Tensor tensor) => Run(tensor, mt_init_ones_(tensor.Handle));

            /// <summary>Fan-in and fan-out of a weight: (in·receptive field, out·receptive field) for shape (out, in, k…).</summary>
            public static (long fanIn, long fanOut) CalculateFanInAndFanOut(Tensor tensor)
            {
                long[] shape = tensor.shape;
                if (shape.Length < 2)
                    throw new ArgumentException($"Fan in and fan out need a tensor with at least 2 dimensions, got shape [{string.Join(", ", shape)}].", nameof(tensor));
                long receptive = 1;
                for (int i = 2; i < shape.Length; i++) receptive *= shape[i];
                return (shape[1] * receptive, shape[0] * receptive);
            }
        }

        /// <summary>Utilities (TorchSharp's <c>torch.nn.utils</c>).</summary>
        public static class utils
        {
            /// <summary>
            /// Scales the gradients of <paramref name="parameters"/> in place so that their joint norm is at most
            /// <paramref name="max_norm"/> (PyTorch's rule: factor max_norm/(total + 1e-6) when below 1). Parameters without a
            /// gradient are skipped. Returns the total norm before clipping (infinity norm for norm_type = ∞).
            /// </summary>
            public static double clip_grad_norm_(IEnumerable<Tensor> parameters, double max_norm, double norm_type = 2.0)
            {
                ArgumentNullException.ThrowIfNull(parameters);
                if (!(norm_type > 0)) throw new ArgumentOutOfRangeException(nameof(norm_type), norm_type, "norm_type must be positive (or infinity).");
                var grads = new List<Tensor>();
                try
                {
                    foreach (Tensor p in parameters)
                        if (p.grad is { } g) grads.Add(g);
                    if (grads.Count == 0) return 0.0;
                    double total;
                    using (no_grad())
                    {
                        if (double.IsPositiveInfinity(norm_type))
                        {
                            total = 0;
                            foreach (Tensor g in grads)
                            {
                                using Tensor a = g.abs();
                                using Tensor m = a.max();
                                total = Math.Max(total, m.item<double>());
                            }
                        }
                        else
                        {
                            double sum = 0;
                            foreach (Tensor g in grads)
                            {
                                using Tensor n = g.norm(norm_type);
                                sum += Math.Pow(n.item<double>(), norm_type);
                            }
                            total = Math.Pow(sum, 1.0 / norm_type);
                        }
                        double coefficient = max_norm / (total + 1e-6);
                        if (coefficient < 1)
                            foreach (Tensor g in grads) g.mul_(coefficient);
                    }
                    return total;
                }
                finally
                {
                    foreach (Tensor g in grads) g.Dispose();
                }
            }
        }
    }
}
