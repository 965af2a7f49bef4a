using Google.Protobuf;
using Onnx;
using TorchSharp;
using static TorchSharp.torch;

namespace Mtl.Trainers.Onnx;

/// <summary>
/// Builds one ONNX graph (opset <see cref="OpsetVersion"/>) over OnnxSharp's protobuf classes: inputs, initializers taken
/// from TorchSharp tensors, nodes with unique value names, and declared outputs. Layer exporters call its operator helpers.
/// A graph scores either ONE row (what a saved zip holds: the row's own input shape, outputs as per-row vectors) or, built
/// <see cref="Batched"/>, a batch of rows: the row input and every output then carry a leading batch dimension of any size
/// (<see cref="BatchDimension"/>), so the same exporters write both.
/// </summary>
public sealed class OnnxGraphBuilder
{
    /// <summary>The name of the batch dimension of a <see cref="Batched"/> graph's input and outputs.</summary>
    public const string BatchDimension = "N";

    /// <summary>The default-domain opset the graph targets.</summary>
    public const long OpsetVersion = 17;

    private readonly GraphProto graph = new();
    private readonly Dictionary<string, int> counters = new(StringComparer.Ordinal);
    private bool usesMlDomain;

    /// <summary>Creates an empty one-row graph.</summary>
    public OnnxGraphBuilder(string name) => graph.Name = name;

    /// <summary>Creates an empty graph, batched (a leading batch dimension on the row input and the outputs) or one-row.</summary>
    internal OnnxGraphBuilder(string name, bool batched)
        : this(name) => Batched = batched;

    /// <summary>
    /// Whether the graph scores a batch of rows: <see cref="RowInput"/> and <see cref="Output"/> then add the batch dimension
    /// to the shapes they are given, and <see cref="Flatten1D"/> flattens each row instead of the whole value.
    /// </summary>
    public bool Batched { get; }

    /// <summary>A fresh value name from a hint.</summary>
    public string Fresh(string hint)
    {
        counters.TryGetValue(hint, out int n);
        counters[hint] = n + 1;
        return n == 0 ? hint : $"{hint}_{n}";
    }

    /// <summary>Declares a graph input with a fixed shape.</summary>
    public string Input(string name, OnnxElementType type, params long[] shape)
    {
        graph.Input.Add(ValueInfo(name, type, shape));
        return name;
    }

    /// <summary>
    /// Declares the input <paramref name="name"/> holding rows of shape <paramref name="rowShape"/> and returns a value of
    /// shape (rows × <paramref name="rowShape"/>) for the network: one row reshaped to a batch of one, or in a
    /// <see cref="Batched"/> graph the input itself, declared with the batch dimension first.
    /// </summary>
    public string RowInput(string name, OnnxElementType type, long[] rowShape)
    {
        if (Batched)
        {
            graph.Input.Add(ValueInfo(name, type, rowShape, batched: true));
            return name;
        }
        return Reshape(Input(name, type, rowShape), rowShape.Prepend(1L).ToArray());
    }

    /// <summary>
    /// Declares <paramref name="value"/> as a graph output named <paramref name="name"/> with a fixed per-row shape (in a
    /// <see cref="Batched"/> graph preceded by the batch dimension).
    /// </summary>
    public string Output(string value, string name, OnnxElementType type, params long[] shape)
    {
        AddNode("Identity", new[] { value }, new[] { name });
        graph.Output.Add(ValueInfo(name, type, shape, Batched));
        return name;
    }

    /// <summary>A float32 initializer holding a copy of a TorchSharp tensor's values.</summary>
    public string Initializer(string hint, Tensor value)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor t = value.detach().cpu().to_type(ScalarType.Float32).contiguous();
        var proto = new TensorProto { Name = Fresh(hint), DataType = (int)OnnxElementType.Float };
        proto.Dims.AddRange(t.shape);
        proto.FloatData.AddRange(t.data<float>().ToArray());
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>A float32 scalar constant.</summary>
    public string ConstantFloat(float value)
    {
        var proto = new TensorProto { Name = Fresh("const_f"), DataType = (int)OnnxElementType.Float };
        proto.FloatData.Add(value);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>An int64 constant vector (or scalar when <paramref name="scalar"/>).</summary>
    public string ConstantInt64(long[] values, bool scalar = false)
    {
        var proto = new TensorProto { Name = Fresh("const_i"), DataType = (int)OnnxElementType.Int64 };
        if (!scalar) proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        graph.Initializer.Add(proto);
        return proto.Name;
    }

    /// <summary>Adds a node with one output; attributes are (name, long | float | long[] | float[] | string).</summary>
    public string Node(string op, string[] inputs, params (string name, object value)[] attributes)
    {
        string output = Fresh(op.ToLowerInvariant());
        AddNode(op, inputs, new[] { output }, attributes);
        return output;
    }

    private void AddNode(string op, string[] inputs, string[] outputs, params (string name, object value)[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = Fresh("node_" + op) };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        foreach ((string name, object value) in attributes) node.Attribute.Add(Attribute(name, value));
        graph.Node.Add(node);
    }

    private static AttributeProto Attribute(string name, object value)
    {
        var a = new AttributeProto { Name = name };
        switch (value)
        {
            case long i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case int i: a.Type = AttributeProto.Types.AttributeType.Int; a.I = i; break;
            case float f: a.Type = AttributeProto.Types.AttributeType.Float; a.F = f; break;
            case double d: a.Type = AttributeProto.Types.AttributeType.Float; a.F = (float)d; break;
            case long[] ints: a.Type = AttributeProto.Types.AttributeType.Ints; a.Ints.AddRange(ints); break;
            case string s: a.Type = AttributeProto.Types.AttributeType.String; a.S = ByteString.CopyFromUtf8(s); break;
            default: throw new ArgumentException($"ONNX attribute '{name}': unsupported value type {value.GetType().Name}.", nameof(value));
        }
        return a;
    }

    private static ValueInfoProto ValueInfo(string name, OnnxElementType type, long[] shape, bool batched = false)
    {
        var tensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = new TensorShapeProto() };
        if (batched) tensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = BatchDimension });
        foreach (long d in shape) tensorType.Shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = d });
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = tensorType } };
    }

    /// <summary>ReLU.</summary>
    public string Relu(string x) => Node("Relu", new[] { x });

    /// <summary>Leaky ReLU.</summary>
    public string LeakyRelu(string x, double slope) => Node("LeakyRelu", new[] { x }, ("alpha", slope));

    /// <summary>Sigmoid.</summary>
    public string Sigmoid(string x) => Node("Sigmoid", new[] { x });

    /// <summary>Softmax over axis 1.</summary>
    public string Softmax(string x) => Node("Softmax", new[] { x }, ("axis", 1L));

    /// <summary>Index of the largest value along axis 1 (int64, axis removed); the first one on ties, as torch.argmax.</summary>
    public string ArgMax(string x) => Node("ArgMax", new[] { x }, ("axis", 1L), ("keepdims", 0L), ("select_last_index", 0L));

    /// <summary>Element-wise sum (broadcasting).</summary>
    public string Add(string a, string b) => Node("Add", new[] { a, b });

    /// <summary>Element type conversion.</summary>
    public string Cast(string x, OnnxElementType to) => Node("Cast", new[] { x }, ("to", (long)to));

    /// <summary>Flattens all but the first axis.</summary>
    public string Flatten(string x, long axis = 1) => Node("Flatten", new[] { x }, ("axis", axis));

    /// <summary>Reshapes to a fixed shape (−1 = inferred).</summary>
    public string Reshape(string x, params long[] shape) => Node("Reshape", new[] { x, ConstantInt64(shape) });

    /// <summary>
    /// One row's values as one vector: the whole value reshaped to one dimension in a one-row graph, each row flattened
    /// (rows × values) in a <see cref="Batched"/> graph. Task outputs use it, so both graphs share their nodes.
    /// </summary>
    public string Flatten1D(string x) => Batched ? Flatten(x) : Reshape(x, -1);

    /// <summary>
    /// Names the slots of the output column <paramref name="column"/> the way ML.NET's OnnxTransformer reads them: a node
    /// named <c>mlnet.{column}.SlotNames</c> whose <c>keys_strings</c> attribute lists the names (an ai.onnx.ml LabelEncoder
    /// on a constant, whose output nothing uses).
    /// </summary>
    public void SlotNames(string column, IReadOnlyList<string> names)
    {
        string input = $"mlnet.{column}.unusedInput";
        var constant = new TensorProto { Name = input, DataType = (int)OnnxElementType.String };
        constant.Dims.Add(1);
        constant.StringData.Add(ByteString.CopyFromUtf8(names.Count > 0 ? names[0] : ""));
        graph.Initializer.Add(constant);
        var node = new NodeProto { OpType = "LabelEncoder", Domain = "ai.onnx.ml", Name = $"mlnet.{column}.SlotNames" };
        node.Input.Add(input);
        node.Output.Add($"mlnet.{column}.unusedOutput");
        var keys = new AttributeProto { Name = "keys_strings", Type = AttributeProto.Types.AttributeType.Strings };
        foreach (string n in names) keys.Strings.Add(ByteString.CopyFromUtf8(n));
        var values = new AttributeProto { Name = "values_int64s", Type = AttributeProto.Types.AttributeType.Ints };
        values.Ints.AddRange(Enumerable.Range(0, names.Count).Select(i => (long)i));
        node.Attribute.Add(keys);
        node.Attribute.Add(values);
        graph.Node.Add(node);
        usesMlDomain = true;
    }

    /// <summary>The finished model (IR version 8; the default-domain opset, and ai.onnx.ml 2 when slot names were added).</summary>
    public ModelProto Build(string producer)
    {
        var model = new ModelProto { IrVersion = 8, ProducerName = producer, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = OpsetVersion });
        if (usesMlDomain) model.OpsetImport.Add(new OperatorSetIdProto { Domain = "ai.onnx.ml", Version = 2 });
        return model;
    }
}
