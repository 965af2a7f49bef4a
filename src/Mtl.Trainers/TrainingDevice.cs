using Microsoft.ML;
using Microsoft.ML.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers;

/// <summary>The device chosen from <see cref="MLContext.GpuDeviceId"/> and <see cref="MLContext.FallbackToCpu"/>, as ML.NET's GPU components choose it.</summary>
internal static class TrainingDevice
{
    /// <summary>CPU unless a GPU is asked for; a missing GPU is an error, or a logged warning when falling back is allowed.</summary>
    public static Device Resolve(MLContext context, IChannel channel)
    {
        Runtime.TorchNative.EnsureLoaded();
        if (context.GpuDeviceId is not { } id) return CPU;
        if (id < 0)
            throw new ArgumentOutOfRangeException(nameof(context), id, "MLContext.GpuDeviceId must be a GPU index ≥ 0, or null for the CPU.");
        bool available = cuda.is_available();
        if (available && id < cuda.device_count()) return new Device(DeviceType.CUDA, id);
        string why = available
            ? $"CUDA sees only {cuda.device_count()} GPU(s)"
            : "the loaded libtorch has no CUDA support or sees no GPU (this build references TorchSharp-cpu)";
        if (!context.FallbackToCpu)
            throw new NotSupportedException(
                $"MLContext.GpuDeviceId is {id}, but {why}. Reference a TorchSharp CUDA package (e.g. TorchSharp-cuda-linux) instead of " +
                "TorchSharp-cpu and run where an NVIDIA GPU is visible, or set MLContext.FallbackToCpu = true to train on the CPU.");
        channel.Warning(MessageSensitivity.None, $"MLContext.GpuDeviceId is {id}, but {why}; FallbackToCpu is set, so the multi-head network runs on the CPU.");
        return CPU;
    }
}
