using TorchSharp;
using static TorchSharp.torch;
using TorchSharp.Modules;

namespace Mtl.Trainers.Methods;

/// <summary>Helpers for the per-task learnable vectors of loss weightings (UW, IMTL-L, GradNorm).</summary>
internal static class LearnableVector
{
    /// <summary>
    /// A float32 CPU parameter of length n filled with <paramref name="value"/>. It lives as long as the method, so it is
    /// kept out of any dispose scope open when the method is initialised.
    /// </summary>
    public static Parameter Create(int n, double value)
    {
        using var data = torch.full([n], value, ScalarType.Float32);
        var parameter = new Parameter(data);
        parameter.DetachFromDisposeScope();
        return parameter;
    }

    /// <summary>The parameter as a differentiable tensor with the dtype and device of <paramref name="like"/>.</summary>
    public static Tensor Like(Parameter parameter, Tensor like)
    {
        if (parameter.dtype == like.dtype && parameter.device_type == like.device_type)
            return parameter.alias();
        using var typed = parameter.to_type(like.dtype);
        return typed.to(like.device);
    }

    /// <summary>Current values as doubles (empty before initialisation).</summary>
    public static double[] Values(Parameter? parameter)
    {
        if (parameter is null)
            return [];
        using var detached = parameter.detach();
        using var values = detached.to_type(ScalarType.Float64);
        return values.data<double>().ToArray();
    }
}
