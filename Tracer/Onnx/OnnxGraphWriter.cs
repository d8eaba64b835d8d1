using System.Runtime.InteropServices;
using Tracer.Compiler;
using static Tracer.OnnxFields;

namespace Tracer;

/// <summary>
/// Translates an optimised graph into an ONNX GraphProto, one equation at a time: most primitives are one ONNX
/// operator; a few (rsqrt, log1p, expm1, ne, scatter_add) are a short sequence; those without an ONNX equivalent
/// (control flow) are an error that names them. Values are named <c>v{id}</c>; scalar literals and constants
/// become initializers. Control flow becomes ONNX Loop and If nodes with sub-graphs (OnnxControlFlow.cs).
/// </summary>
internal sealed partial class OnnxGraphWriter
{
    private readonly ProtoMessage graph = new();
    private readonly NameSource source;

    /// <summary>Makes value names unique in the whole model: sub-graphs and inlined graphs reuse node ids.</summary>
    private readonly string scope;

    /// <summary>ONNX names of the values of the Tracer graph being written, by node id.</summary>
    private Dictionary<int, string> names = new();

    /// <summary>Prefix of value names; each inlined graph gets its own, since node ids repeat across graphs.</summary>
    private string valuePrefix;

    private OnnxGraphWriter(NameSource source, string scope)
    {
        this.source = source;
        this.scope = scope;
        valuePrefix = scope;
    }

    /// <summary>The counter behind every generated name of one model.</summary>
    private sealed class NameSource
    {
        public int Next;
    }

    /// <summary>The GraphProto of <paramref name="g"/> with the given input and output names.</summary>
    public static ProtoMessage Write(Graph g, string name, IReadOnlyList<string> inputNames, IReadOnlyList<string> outputNames)
    {
        var w = new OnnxGraphWriter(new NameSource(), "");
        w.graph.String(GraphName, name);
        for (int i = 0; i < g.Inputs.Count; i++)
        {
            var input = g.Inputs[i];
            w.names[input.Id] = inputNames[i];
            w.graph.Message(GraphInput, ValueInfo(inputNames[i], input.Type));
        }
        foreach (var eq in g.Equations) w.Emit(eq);
        for (int i = 0; i < g.Outputs.Count; i++)
        {
            // An Identity gives every output its own name, even when it is an input, a constant or another output.
            var o = g.Outputs[i];
            w.Node("Identity", [w.Name(o)], outputNames[i]);
            w.graph.Message(GraphOutput, ValueInfo(outputNames[i], o.Type));
        }
        return w.graph;
    }

    private string Name(Node n) =>
        names.TryGetValue(n.Id, out var name) ? name : throw new InvalidOperationException($"Onnx.Export: value {n} is used before it is defined");

    private string Fresh(string hint) => $"{scope}{hint}_{source.Next++}";

    private void Emit(Node eq)
    {
        string output = $"{valuePrefix}v{eq.Id}";
        var args = new string[eq.Inputs.Count];
        for (int i = 0; i < args.Length; i++) args[i] = Name(eq.Inputs[i]);
        names[eq.Id] = output;
        switch (eq.Op)
        {
            case OpCode.Literal: Initializer(output, eq.Type, ScalarData(eq.Attrs.Value, eq.DType)); break;
            case OpCode.Constant: Initializer(output, eq.Type, eq.Attrs.Data!); break;
            case OpCode.Neg: Node("Neg", args, output); break;
            case OpCode.Abs: Node("Abs", args, output); break;
            case OpCode.Sign: Node("Sign", args, output); break;
            case OpCode.Exp: Node("Exp", args, output); break;
            case OpCode.Log: Node("Log", args, output); break;
            case OpCode.Log1p: Node("Log", [Node("Add", [args[0], Scalar(1, eq.DType)])], output); break;
            case OpCode.Expm1: Node("Sub", [Node("Exp", args), Scalar(1, eq.DType)], output); break;
            case OpCode.Sqrt: Node("Sqrt", args, output); break;
            case OpCode.Rsqrt: Node("Reciprocal", [Node("Sqrt", args)], output); break;
            case OpCode.Sin: Node("Sin", args, output); break;
            case OpCode.Cos: Node("Cos", args, output); break;
            // ONNX Runtime has Tan for f32 only; sin/cos computes the f64 one.
            case OpCode.Tan when eq.DType == DType.Float64: Node("Div", [Node("Sin", args), Node("Cos", args)], output); break;
            case OpCode.Tan: Node("Tan", args, output); break;
            case OpCode.Tanh: Node("Tanh", args, output); break;
            case OpCode.Logistic: Node("Sigmoid", args, output); break;
            case OpCode.Add: Node("Add", args, output); break;
            case OpCode.Sub: Node("Sub", args, output); break;
            case OpCode.Mul: Node("Mul", args, output); break;
            case OpCode.Div: Node("Div", args, output); break;
            case OpCode.Pow: Node("Pow", args, output); break;
            case OpCode.Max: Node("Max", args, output); break;
            case OpCode.Min: Node("Min", args, output); break;
            case OpCode.Eq: Node("Equal", args, output); break;
            case OpCode.Ne: Node("Not", [Node("Equal", args)], output); break;
            case OpCode.Lt: Node("Less", args, output); break;
            case OpCode.Le: Node("LessOrEqual", args, output); break;
            case OpCode.Gt: Node("Greater", args, output); break;
            case OpCode.Ge: Node("GreaterOrEqual", args, output); break;
            case OpCode.Select: Node("Where", args, output); break;
            case OpCode.Cast: Node("Cast", args, output, Attr.Int("to", ElementType(eq.Attrs.DType))); break;
            case OpCode.StopGradient or OpCode.OptimizationBarrier: Node("Identity", args, output); break;
            case OpCode.ReduceSum: Reduce("ReduceSum", eq, args[0], output); break;
            case OpCode.ReduceMax: Reduce("ReduceMax", eq, args[0], output); break;
            case OpCode.ReduceMin: Reduce("ReduceMin", eq, args[0], output); break;
            case OpCode.ReduceProd: Reduce("ReduceProd", eq, args[0], output); break;
            case OpCode.Reshape: Node("Reshape", [args[0], Int64s(eq.Shape)], output, Attr.Int("allowzero", 1)); break;
            case OpCode.Transpose: Node("Transpose", args, output, Attr.Ints("perm", eq.Attrs.Perm!)); break;
            case OpCode.Broadcast: Node("Expand", [args[0], Int64s(eq.Shape)], output); break;
            case OpCode.Slice: Slice(eq, args[0], output); break;
            case OpCode.Pad: Pad(eq, args[0], output); break;
            case OpCode.Concat: Node("Concat", args, output, Attr.Int("axis", eq.Attrs.Axis)); break;
            case OpCode.Gather when eq.Attrs.BatchDims == 0: Node("Gather", args, output, Attr.Int("axis", eq.Attrs.Axis)); break;
            case OpCode.ScatterAdd when eq.Attrs.BatchDims == 0: ScatterAdd(eq, args[0], args[1], output); break;
            // ops-shape family: batch_dims gathers of the take-along-last-axis form (Sort, TopK) and their transposes
            case OpCode.Gather or OpCode.ScatterAdd: TakeAlongLastAxis(eq, args, output); break;
            case OpCode.MatMul: Node("MatMul", args, output); break;
            case OpCode.Scan or OpCode.While or OpCode.Switch: ControlFlow(eq, args); break;
            // more elementwise (ops-elem family); atan2, lgamma and polygamma have no ONNX operator (default case)
            case OpCode.Asin: Node("Asin", args, output); break;
            case OpCode.Acos: Node("Acos", args, output); break;
            case OpCode.Atan: Node("Atan", args, output); break;
            case OpCode.Sinh: Node("Sinh", args, output); break;
            case OpCode.Cosh: Node("Cosh", args, output); break;
            case OpCode.Asinh: Node("Asinh", args, output); break;
            case OpCode.Acosh: Node("Acosh", args, output); break;
            case OpCode.Atanh: Node("Atanh", args, output); break;
            case OpCode.Erf: Node("Erf", args, output); break;
            case OpCode.Erfc: Node("Sub", [Scalar(1, eq.DType), Node("Erf", args)], output); break;
            case OpCode.Floor: Node("Floor", args, output); break;
            case OpCode.Ceil: Node("Ceil", args, output); break;
            case OpCode.Round: Node("Round", args, output); break;   // ONNX Round is half to even too
            // trunc(x) = sign(x) floor(|x|)
            case OpCode.Trunc: Node("Mul", [Node("Sign", args), Node("Floor", [Node("Abs", args)])], output); break;
            // ONNX Mod with fmod = 0 is floored (the sign of the divisor) for integers only; floats spell it out.
            case OpCode.Mod when eq.DType == DType.Int32: Node("Mod", args, output); break;
            case OpCode.Mod:
                Node("Sub", [args[0], Node("Mul", [Node("Floor", [Node("Div", args)]), args[1]])], output);
                break;
            // bitwise and logical family (jitergo): bool uses ONNX's logical ops, i32 the opset-18 bitwise ones; ONNX's
            // BitShift is unsigned-only, so the i32 shifts are not written (the default case names them)
            case OpCode.BitwiseAnd: Node(eq.DType == DType.Bool ? "And" : "BitwiseAnd", args, output); break;
            case OpCode.BitwiseOr: Node(eq.DType == DType.Bool ? "Or" : "BitwiseOr", args, output); break;
            case OpCode.BitwiseXor: Node(eq.DType == DType.Bool ? "Xor" : "BitwiseXor", args, output); break;
            case OpCode.BitwiseNot: Node(eq.DType == DType.Bool ? "Not" : "BitwiseNot", args, output); break;
            // conv family: ONNX Conv/ConvTranspose share PyTorch's layouts; pads are [begins..., ends...].
            case OpCode.Conv: Node("Conv", args, output, ConvOnnxAttrs(eq, false)); break;
            case OpCode.ConvTranspose: Node("ConvTranspose", args, output, ConvOnnxAttrs(eq, true)); break;
            case OpCode.ConvWeightGrad:
                throw new NotSupportedException(
                    $"Onnx.Export: primitive 'conv_weight_grad' ({eq.Type}) is the weight gradient of a convolution and has no ONNX " +
                    "equivalent; export the forward model, not its gradient");
            // max pooling (conv helper): pick(x, x) is ONNX MaxPool, over [N, C, spatial...] (other leading axes are
            // folded into C); pick of another tensor and scatter only arise in derivatives.
            case OpCode.MaxPoolPick when ReferenceEquals(eq.Inputs[0], eq.Inputs[1]): MaxPool(eq, args[0], output); break;
            case OpCode.MaxPoolPick or OpCode.MaxPoolScatter:
                throw new NotSupportedException(
                    $"Onnx.Export: primitive '{eq.Op.Name()}' ({eq.Type}) routes values through a max pooling's window maxima, " +
                    "which only a pooling's derivative does, and has no ONNX equivalent; export the forward model, not its gradient");
            // ops-shape family: ONNX CumSum takes its axis as a scalar input; argsort is TopK over the whole axis,
            // whose ties go to the lower index (the stable order), with its int64 indices cast to i32.
            case OpCode.CumSum:
                Node("CumSum", [args[0], Int64Scalar(eq.Attrs.Axis)], output, Attr.Int("reverse", eq.Attrs.Reverse ? 1 : 0));
                break;
            case OpCode.ArgSort:
            {
                string values = Fresh("topk_values"), indices = Fresh("topk_indices");
                Node("TopK", [args[0], Int64s([eq.Shape[eq.Attrs.Axis]])], [values, indices],
                    Attr.Int("axis", eq.Attrs.Axis), Attr.Int("largest", eq.Attrs.Reverse ? 1 : 0), Attr.Int("sorted", 1));
                Node("Cast", [indices], output, Attr.Int("to", DataInt32));
                break;
            }
            default:
                throw new NotSupportedException(
                    $"Onnx.Export: primitive '{eq.Op.Name()}' ({eq.Type}) has no ONNX equivalent that the exporter writes; " +
                    "export a function without it, or compute that part outside the exported model");
        }
    }

    /// <summary>conv family: strides, symmetric pads, dilations, group (and the output's spatial shape for a transpose).</summary>
    private static Attr[] ConvOnnxAttrs(Node eq, bool transpose)
    {
        var a = eq.Attrs;
        var pads = new int[2 * a.Padding!.Length];
        for (int i = 0; i < a.Padding.Length; i++) pads[i] = pads[i + a.Padding.Length] = a.Padding[i];
        Attr[] common = [Attr.Ints("strides", a.Strides!), Attr.Ints("pads", pads), Attr.Ints("dilations", a.Dilation!), Attr.Int("group", a.Groups)];
        return transpose ? [.. common, Attr.Ints("output_shape", eq.Shape.ToArray()[2..])] : common;
    }

    /// <summary>max pooling: ONNX MaxPool on [N, C, spatial...]; other leading axes are reshaped to [1, their product].</summary>
    private void MaxPool(Node eq, string x, string output)
    {
        var a = eq.Attrs;
        int sp = a.Shape!.Value.Rank, lead = eq.Inputs[0].Shape.Rank - sp;
        var pads = new int[2 * sp];
        for (int i = 0; i < sp; i++) pads[i] = pads[i + sp] = a.Padding![i];
        Attr[] attrs = [Attr.Ints("kernel_shape", a.Shape.Value.ToArray()), Attr.Ints("strides", a.Strides!), Attr.Ints("pads", pads)];
        if (lead == 2)
        {
            Node("MaxPool", [x], output, attrs);
            return;
        }
        var dims = eq.Inputs[0].Shape.ToArray();
        int planes = 1;
        for (int i = 0; i < lead; i++) planes *= dims[i];
        var folded = Node("Reshape", [x, Int64s((int[])[1, planes, .. dims[lead..]])], Attr.Int("allowzero", 1));
        Node("Reshape", [Node("MaxPool", [folded], attrs), Int64s(eq.Shape)], output, Attr.Int("allowzero", 1));
    }

    /// <summary>Reductions take their axes as an input (opset 18) and drop the reduced axes; bool goes through i32.</summary>
    private void Reduce(string op, Node eq, string x, string output)
    {
        var axes = Int64s(eq.Attrs.Axes!);
        if (eq.DType != DType.Bool)
        {
            Node(op, [x, axes], output, Attr.Int("keepdims", 0));
            return;
        }
        var asInt = Node("Cast", [x], Attr.Int("to", DataInt32));
        Node("Cast", [Node(op, [asInt, axes], Attr.Int("keepdims", 0))], output, Attr.Int("to", DataBool));
    }

    private void Slice(Node eq, string x, string output)
    {
        int rank = eq.Attrs.Starts!.Length;
        var axes = new long[rank];
        for (int i = 0; i < rank; i++) axes[i] = i;
        Node("Slice", [x, Int64s(eq.Attrs.Starts), Int64s(eq.Attrs.Ends!), Int64s(axes)], output);
    }

    /// <summary>Zero padding: ONNX takes all the "before" amounts, then all the "after" ones.</summary>
    private void Pad(Node eq, string x, string output)
    {
        var low = eq.Attrs.Starts!;
        var high = eq.Attrs.Ends!;
        var pads = new long[low.Length + high.Length];
        for (int i = 0; i < low.Length; i++)
        {
            pads[i] = low[i];
            pads[low.Length + i] = high[i];
        }
        Node("Pad", [x, Int64s(pads), Scalar(0, eq.DType)], output);
    }

    /// <summary>
    /// scatter_add (the transpose of gather): the indices are flattened to one axis, broadcast to the updates'
    /// shape and added into zeros with ScatterElements(reduction = add).
    /// </summary>
    private void ScatterAdd(Node eq, string updates, string indices, string output)
    {
        int axis = eq.Attrs.Axis;
        var target = eq.Shape;
        var idx = eq.Inputs[1].Shape;
        int k = idx.Size;
        var flatUpdates = new long[target.Rank];
        var indexShape = new long[target.Rank];
        for (int i = 0; i < target.Rank; i++)
        {
            flatUpdates[i] = i == axis ? k : target[i];
            indexShape[i] = i == axis ? k : 1;
        }
        var u = Node("Reshape", [updates, Int64s(flatUpdates)]);
        var i64 = Node("Cast", [Node("Reshape", [indices, Int64s(indexShape)])], Attr.Int("to", DataInt64));
        var expanded = Node("Expand", [i64, Int64s(flatUpdates)]);
        var zeros = Node("Expand", [Scalar(0, eq.DType), Int64s(target)]);
        Node("ScatterElements", [zeros, expanded, u], output, Attr.Int("axis", axis), Attr.String("reduction", "add"));
    }

    /// <summary>
    /// gather / scatter_add with batch_dims = axis = the last axis of the operand (target) and indices of the same
    /// rank: NumPy's take_along_axis and its transpose, which are ONNX GatherElements and ScatterElements(add).
    /// Other batch_dims forms (what vmap makes of a gather) have no single ONNX node: a clear error.
    /// </summary>
    private void TakeAlongLastAxis(Node eq, string[] args, string output)
    {
        int axis = eq.Attrs.Axis, rank = eq.Shape.Rank;
        var indices = eq.Inputs[1].Shape;
        if (eq.Attrs.BatchDims != axis || axis != rank - 1 || indices.Rank != rank)
            throw new NotSupportedException(
                $"Onnx.Export: {eq.Op.Name()} with batch_dims {eq.Attrs.BatchDims} on axis {axis} ({eq.Inputs[0].Type} with indices {indices}) " +
                "has no ONNX equivalent that the exporter writes (only the take-along-the-last-axis form of Sort and TopK); " +
                "export the function without Jit.Vmap around the gather");
        var i64 = Node("Cast", [args[1]], Attr.Int("to", DataInt64));
        if (eq.Op == OpCode.Gather)
        {
            Node("GatherElements", [args[0], i64], output, Attr.Int("axis", axis));
            return;
        }
        var zeros = Node("Expand", [Scalar(0, eq.DType), Int64s(eq.Shape)]);
        Node("ScatterElements", [zeros, i64, args[0]], output, Attr.Int("axis", axis), Attr.String("reduction", "add"));
    }

    // ---- nodes and initializers -----------------------------------------------------------------------------

    /// <summary>A node with a fresh output name, which it returns.</summary>
    private string Node(string op, string[] inputs, params Attr[] attrs)
    {
        string output = Fresh(op.ToLowerInvariant());
        Node(op, inputs, output, attrs);
        return output;
    }

    private void Node(string op, string[] inputs, string output, params Attr[] attrs) => Node(op, inputs, [output], attrs);

    private void Node(string op, string[] inputs, string[] outputs, params Attr[] attrs)
    {
        var node = new ProtoMessage();
        foreach (var input in inputs) node.String(NodeInput, input);
        foreach (var output in outputs) node.String(NodeOutput, output);
        node.String(NodeName, outputs[0]).String(NodeOpType, op);
        foreach (var a in attrs) node.Message(NodeAttribute, a.ToProto());
        graph.Message(GraphNode, node);
    }

    private string Int64s(Shape shape) => Int64s(Array.ConvertAll(shape.ToArray(), d => (long)d));

    private string Int64s(int[] values) => Int64s(Array.ConvertAll(values, d => (long)d));

    /// <summary>A 1-D int64 initializer (shapes, axes, pads).</summary>
    private string Int64s(long[] values)
    {
        string name = Fresh("i64");
        var tensor = new ProtoMessage().Int64(TensorDims, values.Length).Int32(TensorDataType, DataInt64).String(TensorName, name);
        tensor.Bytes(TensorRawData, LittleEndian(MemoryMarshal.AsBytes(values.AsSpan()), 8));
        graph.Message(GraphInitializer, tensor);
        return name;
    }

    private string Scalar(double value, DType dtype)
    {
        string name = Fresh("c");
        Initializer(name, new TensorType(Shape.Scalar, dtype), ScalarData(value, dtype));
        return name;
    }

    private static Array ScalarData(double value, DType dtype) => dtype switch
    {
        DType.Float32 => new[] { (float)value },
        DType.Float64 => new[] { value },
        DType.Int32 => new[] { (int)value },
        _ => new[] { value != 0 },
    };

    private void Initializer(string name, TensorType type, Array data)
    {
        var tensor = new ProtoMessage();
        foreach (int d in type.Shape.Dims) tensor.Int64(TensorDims, d);
        tensor.Int32(TensorDataType, ElementType(type.DType)).String(TensorName, name);
        ReadOnlySpan<byte> raw = data switch
        {
            float[] f => LittleEndian(MemoryMarshal.AsBytes(f.AsSpan()), 4),
            double[] d => LittleEndian(MemoryMarshal.AsBytes(d.AsSpan()), 8),
            int[] i => LittleEndian(MemoryMarshal.AsBytes(i.AsSpan()), 4),
            bool[] b => MemoryMarshal.AsBytes(b.AsSpan()),
            _ => throw new NotSupportedException($"Onnx.Export: constant of element type {data.GetType().GetElementType()}"),
        };
        tensor.Bytes(TensorRawData, raw);
        graph.Message(GraphInitializer, tensor);
    }

    /// <summary>ONNX raw data is little-endian; on a big-endian host each element's bytes are reversed in a copy.</summary>
    private static ReadOnlySpan<byte> LittleEndian(ReadOnlySpan<byte> bytes, int elementSize)
    {
        if (BitConverter.IsLittleEndian) return bytes;
        var copy = bytes.ToArray();
        for (int i = 0; i < copy.Length; i += elementSize) Array.Reverse(copy, i, elementSize);
        return copy;
    }

    public static int ElementType(DType dtype) => dtype switch
    {
        DType.Float32 => DataFloat,
        DType.Float64 => DataDouble,
        DType.Int32 => DataInt32,
        DType.Bool => DataBool,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>A typed value; <paramref name="elementType"/> overrides the dtype (for ONNX-only types such as int64).</summary>
    public static ProtoMessage ValueInfo(string name, TensorType type, int? elementType = null)
    {
        var shape = new ProtoMessage();
        foreach (int d in type.Shape.Dims) shape.Message(ShapeDim, new ProtoMessage().Int64(DimValue, d));
        var tensorType = new ProtoMessage().Int32(TensorTypeElemType, elementType ?? ElementType(type.DType)).Message(TensorTypeShape, shape);
        return new ProtoMessage().String(ValueInfoName, name).Message(ValueInfoType, new ProtoMessage().Message(TypeTensor, tensorType));
    }

    /// <summary>One attribute of a node: an int, a list of ints or a string.</summary>
    private readonly record struct Attr(string Name, int Type, long I, long[]? Values, string? S, ProtoMessage? G = null)
    {
        public static Attr Int(string name, long value) => new(name, AttrTypeInt, value, null, null);

        public static Attr Ints(string name, int[] values) => new(name, AttrTypeInts, 0, Array.ConvertAll(values, v => (long)v), null);

        public static Attr String(string name, string value) => new(name, AttrTypeString, 0, null, value);

        public static Attr Graph(string name, ProtoMessage graph) => new(name, AttrTypeGraph, 0, null, null, graph);

        public ProtoMessage ToProto()
        {
            var a = new ProtoMessage().String(AttrName, Name).Int32(AttrType, Type);
            if (Type == AttrTypeInt) a.Int64(AttrI, I);
            else if (Type == AttrTypeInts) a.Int64s(AttrInts, Values!);
            else if (Type == AttrTypeGraph) a.Message(AttrG, G!);
            else a.Bytes(AttrS, System.Text.Encoding.UTF8.GetBytes(S!));
            return a;
        }
    }
}
