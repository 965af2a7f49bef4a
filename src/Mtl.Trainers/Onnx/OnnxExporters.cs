using System.Collections.Concurrent;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Mtl.Trainers.Onnx;

/// <summary>Writes one module's eval-mode forward pass into a graph; returns the output value's name.</summary>
public delegate string OnnxModuleExporter(nn.Module module, OnnxGraphBuilder graph, string input);

/// <summary>
/// The ONNX exporters of TorchSharp layers, one per layer type (Linear, Conv2d, BatchNorm2d, ReLU, LeakyReLU, MaxPool2d,
/// AdaptiveAvgPool2d, Flatten, Dropout, Dropout2d, Identity, Sequential). Modules implementing <see cref="IOnnxExportable"/>
/// export themselves; users add exporters for their own layer types with <see cref="Register{TModule}"/> at start-up.
/// Registration is add-only: a layer type's exporter, once known, never changes, so a model saved early and one saved
/// later in a process get the same graph.
/// </summary>
public static class OnnxExporters
{
    private static readonly ConcurrentDictionary<Type, OnnxModuleExporter> Exporters = new(new Dictionary<Type, OnnxModuleExporter>
    {
        [typeof(Linear)] = (m, g, x) => Linear((Linear)m, g, x),
        [typeof(Conv2d)] = (m, g, x) => Conv2d((Conv2d)m, g, x),
        [typeof(BatchNorm2d)] = (m, g, x) => BatchNorm((BatchNorm2d)m, g, x),
        [typeof(ReLU)] = (_, g, x) => g.Relu(x),
        [typeof(LeakyReLU)] = (m, g, x) => g.LeakyRelu(x, ((LeakyReLU)m).negative_slope),
        [typeof(MaxPool2d)] = (m, g, x) => MaxPool((MaxPool2d)m, g, x),
        [typeof(AdaptiveAvgPool2d)] = (m, g, x) => AdaptiveAveragePool((AdaptiveAvgPool2d)m, g, x),
        [typeof(Flatten)] = (m, g, x) => FlattenLayer((Flatten)m, g, x),
        // Dropout is the identity in eval mode, which is what a saved model runs.
        [typeof(Dropout)] = (_, _, x) => x,
        [typeof(Dropout2d)] = (_, _, x) => x,
        [typeof(Identity)] = (_, _, x) => x,
        [typeof(Sequential)] = (m, g, x) => ((Sequential)m).children().Aggregate(x, (value, child) => Export(child, g, value)),
    });

    /// <summary>Registers the exporter of a layer type that has none yet (add-only).</summary>
    /// <typeparam name="TModule">The layer type.</typeparam>
    /// <param name="exporter">Adds the layer's nodes to the graph for an input name and returns the output name.</param>
    /// <exception cref="InvalidOperationException">The layer type already has an exporter (built-in or registered).</exception>
    public static void Register<TModule>(Func<TModule, OnnxGraphBuilder, string, string> exporter) where TModule : nn.Module
    {
        ArgumentNullException.ThrowIfNull(exporter);
        if (!Exporters.TryAdd(typeof(TModule), (m, g, x) => exporter((TModule)m, g, x)))
            throw new InvalidOperationException($"The layer type '{typeof(TModule).FullName}' already has an ONNX exporter; exporters are never replaced.");
    }

    /// <summary>
    /// Writes <paramref name="module"/> (evaluation mode) into <paramref name="graph"/> reading <paramref name="input"/> and
    /// returns its output's name: an <see cref="IOnnxExportable"/> writes itself, built-in and registered layer types use
    /// their exporters (a custom <see cref="Network.MultiTaskNetwork"/> exports its layers with this).
    /// </summary>
    /// <exception cref="NotSupportedException">No exporter knows the module's type (the message names it and the ways out).</exception>
    public static string Export(nn.Module module, OnnxGraphBuilder graph, string input)
    {
        if (module is IOnnxExportable self) return self.ExportOnnx(graph, input);
        if (Exporters.TryGetValue(module.GetType(), out var exporter)) return exporter(module, graph, input);
        throw new NotSupportedException(
            $"The module type '{module.GetType().FullName}' has no ONNX exporter, so the model cannot be saved as an ML.NET zip. " +
            "Either implement Mtl.Trainers.Onnx.IOnnxExportable on it, register an exporter with OnnxExporters.Register<T>(...), " +
            "build it from exportable layers (nn.Sequential of Linear, Conv2d, ReLU, …), or save the weights with " +
            "MultiHeadNetworkTransformer.SaveTorchSharpWeights(path) instead.");
    }

    private static string Linear(Linear layer, OnnxGraphBuilder g, string x)
    {
        var inputs = new List<string> { x, g.Initializer("linear_w", layer.weight) };
        if (layer.bias is { } b) inputs.Add(g.Initializer("linear_b", b));
        return g.Node("Gemm", inputs.ToArray(), ("transB", 1L));
    }

    private static string Conv2d(Conv2d conv, OnnxGraphBuilder g, string x)
    {
        if (conv.padding_mode != PaddingModes.Zeros)
            throw new NotSupportedException($"Conv2d with padding mode {conv.padding_mode} has no ONNX exporter (only zero padding).");
        if (conv.padding is not { } padding)
            throw new NotSupportedException("Conv2d with 'same'/'valid' padding types has no ONNX exporter; give explicit padding sizes.");
        var inputs = new List<string> { x, g.Initializer("conv_w", conv.weight!) };
        if (conv.bias is { } b) inputs.Add(g.Initializer("conv_b", b));
        return g.Node("Conv", inputs.ToArray(),
            ("kernel_shape", conv.kernel_size), ("strides", conv.stride), ("dilations", conv.dilation), ("group", conv.groups),
            ("pads", new[] { padding[0], padding[1], padding[0], padding[1] }));
    }

    private static string BatchNorm(BatchNorm2d bn, OnnxGraphBuilder g, string x)
    {
        if (bn.running_mean is not { } mean || bn.running_var is not { } variance)
            throw new NotSupportedException("BatchNorm2d without running statistics (track_running_stats = false) has no ONNX exporter.");
        long c = bn.num_features;
        string scale = bn.weight is { } w ? g.Initializer("bn_scale", w) : g.Initializer("bn_scale", ones(c));
        string bias = bn.bias is { } b ? g.Initializer("bn_bias", b) : g.Initializer("bn_bias", zeros(c));
        return g.Node("BatchNormalization", new[] { x, scale, bias, g.Initializer("bn_mean", mean), g.Initializer("bn_var", variance) },
            ("epsilon", bn.eps));
    }

    private static string MaxPool(MaxPool2d pool, OnnxGraphBuilder g, string x)
    {
        long[] padding = pool.padding;
        return g.Node("MaxPool", new[] { x }, ("kernel_shape", pool.kernel_size), ("strides", pool.stride ?? pool.kernel_size),
            ("pads", new[] { padding[0], padding[1], padding[0], padding[1] }), ("dilations", pool.dilation), ("ceil_mode", pool.ceil_mode ? 1L : 0L));
    }

    private static string AdaptiveAveragePool(AdaptiveAvgPool2d pool, OnnxGraphBuilder g, string x)
    {
        if (!pool.output_size.All(s => s == 1))
            throw new NotSupportedException($"AdaptiveAvgPool2d to ({string.Join(", ", pool.output_size)}) has no ONNX exporter; only the global pool to (1, 1) has.");
        return g.Node("GlobalAveragePool", new[] { x });
    }

    private static string FlattenLayer(Flatten flatten, OnnxGraphBuilder g, string x)
    {
        if (flatten.start_dim != 1 || flatten.end_dim != -1)
            throw new NotSupportedException($"Flatten({flatten.start_dim}, {flatten.end_dim}) has no ONNX exporter; only Flatten(1, -1) has.");
        return g.Flatten(x);
    }
}
