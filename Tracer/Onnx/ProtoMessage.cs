using Google.Protobuf;

namespace Tracer;

/// <summary>
/// One protobuf message being written with Google.Protobuf's <see cref="CodedOutputStream"/>. ONNX needs only a
/// handful of messages (model, graph, node, attribute, tensor, value info), so they are written field by field
/// here rather than from code generated out of onnx.proto: the field numbers used are listed in
/// <see cref="OnnxFields"/>, taken from the schema. A nested message is written to its own buffer first, because
/// its length precedes it on the wire.
/// </summary>
internal sealed class ProtoMessage
{
    private readonly MemoryStream buffer = new();
    private readonly CodedOutputStream output;

    public ProtoMessage() => output = new CodedOutputStream(buffer, leaveOpen: true);

    public ProtoMessage String(int field, string value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteString(value);
        return this;
    }

    public ProtoMessage Int64(int field, long value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt64(value);
        return this;
    }

    public ProtoMessage Int32(int field, int value)
    {
        output.WriteTag(field, WireFormat.WireType.Varint);
        output.WriteInt32(value);
        return this;
    }

    public ProtoMessage Float(int field, float value)
    {
        output.WriteTag(field, WireFormat.WireType.Fixed32);
        output.WriteFloat(value);
        return this;
    }

    /// <summary>A repeated int64 field, unpacked (onnx.proto is proto2, where repeated scalars are not packed).</summary>
    public ProtoMessage Int64s(int field, ReadOnlySpan<long> values)
    {
        foreach (long v in values) Int64(field, v);
        return this;
    }

    public ProtoMessage Bytes(int field, ReadOnlySpan<byte> value)
    {
        output.WriteTag(field, WireFormat.WireType.LengthDelimited);
        output.WriteLength(value.Length);
        output.Flush();
        buffer.Write(value);
        return this;
    }

    public ProtoMessage Message(int field, ProtoMessage child)
    {
        child.output.Flush();
        return Bytes(field, child.buffer.GetBuffer().AsSpan(0, (int)child.buffer.Length));
    }

    public byte[] ToArray()
    {
        output.Flush();
        return buffer.ToArray();
    }
}

/// <summary>Field numbers and enum values of onnx.proto (ONNX IR version 8) that the exporter writes.</summary>
internal static class OnnxFields
{
    // ModelProto
    public const int ModelIrVersion = 1, ModelProducerName = 2, ModelProducerVersion = 3, ModelDocString = 6, ModelGraph = 7, ModelOpsetImport = 8;

    // OperatorSetIdProto
    public const int OpsetDomain = 1, OpsetVersion = 2;

    // GraphProto
    public const int GraphNode = 1, GraphName = 2, GraphInitializer = 5, GraphInput = 11, GraphOutput = 12;

    // NodeProto
    public const int NodeInput = 1, NodeOutput = 2, NodeName = 3, NodeOpType = 4, NodeAttribute = 5;

    // AttributeProto and its AttributeType enum
    public const int AttrName = 1, AttrF = 2, AttrI = 3, AttrS = 4, AttrG = 6, AttrInts = 8, AttrType = 20;
    public const int AttrTypeFloat = 1, AttrTypeInt = 2, AttrTypeString = 3, AttrTypeGraph = 5, AttrTypeInts = 7;

    // TensorProto and its DataType enum
    public const int TensorDims = 1, TensorDataType = 2, TensorName = 8, TensorRawData = 9;
    public const int DataFloat = 1, DataInt32 = 6, DataInt64 = 7, DataBool = 9, DataDouble = 11;

    // ValueInfoProto, TypeProto, TypeProto.Tensor, TensorShapeProto, TensorShapeProto.Dimension
    public const int ValueInfoName = 1, ValueInfoType = 2;
    public const int TypeTensor = 1, TensorTypeElemType = 1, TensorTypeShape = 2;
    public const int ShapeDim = 1, DimValue = 1;
}
