namespace Mtl.Trainers.Onnx;

/// <summary>The ONNX element types our graphs use (values as in onnx.proto's TensorProto.DataType).</summary>
public enum OnnxElementType
{
    /// <summary>float32.</summary>
    Float = 1,
    /// <summary>uint32.</summary>
    UInt32 = 12,
    /// <summary>int64.</summary>
    Int64 = 7,
    /// <summary>UTF-8 string.</summary>
    String = 8,
    /// <summary>Boolean.</summary>
    Bool = 9,
}
