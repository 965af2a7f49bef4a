namespace Mtl.Trainers.Onnx;

/// <summary>A module that writes its own forward pass (eval mode) into an ONNX graph; our trunks and heads implement it.</summary>
public interface IOnnxExportable
{
    /// <summary>Adds the module's nodes reading <paramref name="input"/>; returns the name of its output value.</summary>
    string ExportOnnx(OnnxGraphBuilder graph, string input);
}
