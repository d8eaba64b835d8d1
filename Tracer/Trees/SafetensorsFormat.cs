using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Tracer;

/// <summary>One tensor's entry in a safetensors header: where its bytes lie in the data section.</summary>
internal readonly record struct SafetensorsEntry(string Name, DType DType, Shape Shape, long Begin, long End);

/// <summary>
/// The safetensors file format (Hugging Face): an 8-byte little-endian header length N, N bytes of UTF-8 JSON
/// mapping each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c> (plus an optional
/// <c>"__metadata__"</c> object of strings), then the raw little-endian data, offsets relative to its start.
/// Reading validates the header the way the reference implementation does: the entries must tile the data section
/// exactly, without gaps or overlaps, and each must hold as many bytes as its dtype and shape need.
/// </summary>
internal static class SafetensorsFormat
{
    /// <summary>The reference implementation refuses headers above 100 MB; so do we, before allocating.</summary>
    private const long MaxHeaderBytes = 100_000_000;
    private const string MetadataKey = "__metadata__";

    public static string Code(DType dtype) => dtype switch
    {
        DType.Float32 => "F32",
        DType.Float64 => "F64",
        DType.Int32 => "I32",
        DType.Bool => "BOOL",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static int ElementBytes(DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 => 8,
        _ => 1,
    };

    private static DType? FromCode(string code) => code switch
    {
        "F32" => DType.Float32,
        "F64" => DType.Float64,
        "I32" => DType.Int32,
        "BOOL" => DType.Bool,
        _ => null,
    };

    /// <summary>The header bytes for tensors laid out back to back in the given order, padded with spaces to 8 bytes.</summary>
    public static byte[] Header(IReadOnlyList<string> names, IReadOnlyList<Tensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject(MetadataKey);
                foreach (var (key, value) in metadata) json.WriteString(key, value);
                json.WriteEndObject();
            }
            long offset = 0;
            for (int i = 0; i < names.Count; i++)
            {
                var t = tensors[i];
                long bytes = (long)t.Shape.Size * ElementBytes(t.DType);
                json.WriteStartObject(names[i]);
                json.WriteString("dtype", Code(t.DType));
                json.WriteStartArray("shape");
                foreach (int d in t.Shape.Dims) json.WriteNumberValue(d);
                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes;
            }
            json.WriteEndObject();
        }
        // Padding keeps the data section 8-byte aligned, as the reference writer does; JSON ignores the spaces.
        int length = (int)buffer.Length, padded = (length + 7) / 8 * 8;
        for (int i = length; i < padded; i++) buffer.WriteByte((byte)' ');
        return buffer.ToArray();
    }

    /// <summary>Writes a tensor's elements as little-endian bytes.</summary>
    public static void WriteData(Stream stream, Tensor t)
    {
        switch (t.DType)
        {
            case DType.Float32: WriteLittleEndian<float, int>(stream, t.ToFloatArray()); break;
            case DType.Float64: WriteLittleEndian<double, long>(stream, t.ToDoubleArray()); break;
            case DType.Int32: WriteLittleEndian<int, int>(stream, t.ToInt32Array()); break;
            default: stream.Write(MemoryMarshal.AsBytes(t.ToBoolArray().AsSpan())); break;
        }
    }

    private static void WriteLittleEndian<T, TBits>(Stream stream, T[] values)
        where T : unmanaged where TBits : unmanaged
    {
        if (!BitConverter.IsLittleEndian) ReverseBytes<T, TBits>(values);
        stream.Write(MemoryMarshal.AsBytes(values.AsSpan()));
    }

    private static void ReverseBytes<T, TBits>(T[] values) where T : unmanaged where TBits : unmanaged
    {
        if (typeof(TBits) == typeof(int))
        {
            var bits = MemoryMarshal.Cast<T, int>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
        else
        {
            var bits = MemoryMarshal.Cast<T, long>(values.AsSpan());
            BinaryPrimitives.ReverseEndianness(bits, bits);
        }
    }

    /// <summary>Reads and validates the header of <paramref name="file"/>; returns the entries and where the data starts.</summary>
    public static (SafetensorsEntry[] Entries, long DataStart) ReadHeader(FileStream file, string path)
    {
        long fileLength = file.Length;
        if (fileLength < 8)
            throw Bad(path, $"the file has {fileLength} bytes, fewer than the 8-byte header length; it is truncated or not a safetensors file");
        Span<byte> lengthBytes = stackalloc byte[8];
        RandomAccess.Read(file.SafeFileHandle, lengthBytes, 0);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > (ulong)(fileLength - 8))
            throw Bad(path, $"the header length {headerLength} reaches beyond the file's {fileLength} bytes; the file is truncated or not a safetensors file");
        if (headerLength > MaxHeaderBytes)
            throw Bad(path, $"the header is {headerLength} bytes, more than the {MaxHeaderBytes} the format allows");
        var header = new byte[headerLength];
        RandomAccess.Read(file.SafeFileHandle, header, 8);
        long dataStart = 8 + (long)headerLength, dataLength = fileLength - dataStart;
        var entries = ParseHeader(header, path);
        CheckLayout(entries, dataLength, path);
        return (entries, dataStart);
    }

    private static SafetensorsEntry[] ParseHeader(byte[] header, string path)
    {
        if (header.Length == 0 || header[0] != (byte)'{')
            throw Bad(path, "the header does not start with '{': this is not a safetensors file");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException e)
        {
            throw Bad(path, $"the header is not valid JSON ({e.Message})");
        }
        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object) throw Bad(path, "the header is not a JSON object");
            var entries = new List<SafetensorsEntry>();
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in doc.RootElement.EnumerateObject())
            {
                if (!seen.Add(property.Name)) throw Bad(path, $"the header names tensor '{property.Name}' twice");
                if (property.Name == MetadataKey)
                {
                    CheckMetadata(property.Value, path);
                    continue;
                }
                entries.Add(ParseEntry(property.Name, property.Value, path));
            }
            return entries.ToArray();
        }
    }

    private static void CheckMetadata(JsonElement metadata, string path)
    {
        if (metadata.ValueKind != JsonValueKind.Object) throw Bad(path, "\"__metadata__\" is not an object of strings");
        foreach (var item in metadata.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
                throw Bad(path, $"\"__metadata__\" entry '{item.Name}' is not a string");
        }
    }

    private static SafetensorsEntry ParseEntry(string name, JsonElement e, string path)
    {
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dtypeJson) || dtypeJson.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var shapeJson) || shapeJson.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var offsetsJson) || offsetsJson.ValueKind != JsonValueKind.Array
            || offsetsJson.GetArrayLength() != 2)
        {
            throw Bad(path, $"tensor '{name}' needs \"dtype\" (a string), \"shape\" (an array) and \"data_offsets\" ([begin, end])");
        }
        string code = dtypeJson.GetString()!;
        var dtype = FromCode(code) ?? throw Bad(path,
            $"tensor '{name}' has dtype {code}, which Tracer does not hold; supported dtypes are F32, F64, I32 and BOOL");
        var dims = new int[shapeJson.GetArrayLength()];
        int i = 0;
        foreach (var d in shapeJson.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt32(out dims[i]) || dims[i] < 0)
                throw Bad(path, $"tensor '{name}' has a shape entry that is not a non-negative 32-bit integer");
            i++;
        }
        long begin = Offset(offsetsJson[0], name, path), end = Offset(offsetsJson[1], name, path);
        if (end < begin) throw Bad(path, $"tensor '{name}' has data_offsets [{begin}, {end}] that end before they begin");
        var shape = new Shape(dims);
        long size = 1;
        foreach (int d in dims) size *= d;
        long expected = size * ElementBytes(dtype);
        if (end - begin != expected)
        {
            throw Bad(path, $"tensor '{name}' ({code}{shape}) needs {expected} bytes but its data_offsets [{begin}, {end}] " +
                $"span {end - begin}");
        }
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    private static long Offset(JsonElement e, string name, string path) =>
        e.ValueKind == JsonValueKind.Number && e.TryGetInt64(out long v) && v >= 0
            ? v
            : throw Bad(path, $"tensor '{name}' has a data offset that is not a non-negative integer");

    /// <summary>The entries, ordered by offset, must tile the data section exactly (as the reference reader demands).</summary>
    private static void CheckLayout(SafetensorsEntry[] entries, long dataLength, string path)
    {
        var byOffset = (SafetensorsEntry[])entries.Clone();
        Array.Sort(byOffset, (a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expectedBegin = 0;
        string previous = "the start of the data";
        foreach (var e in byOffset)
        {
            if (e.Begin < expectedBegin)
                throw Bad(path, $"tensor '{e.Name}' (bytes {e.Begin}..{e.End}) overlaps {previous}, which ends at {expectedBegin}");
            if (e.Begin > expectedBegin)
                throw Bad(path, $"there are unused bytes {expectedBegin}..{e.Begin} before tensor '{e.Name}'");
            expectedBegin = e.End;
            previous = $"tensor '{e.Name}'";
        }
        if (expectedBegin > dataLength)
            throw Bad(path, $"the tensors need {expectedBegin} bytes of data but the file holds {dataLength} after the header; it is truncated");
        if (expectedBegin < dataLength)
            throw Bad(path, $"the file has {dataLength - expectedBegin} bytes after the last tensor's data; it is not a well-formed safetensors file");
    }

    /// <summary>Reads one entry's data as a host tensor of its dtype and shape.</summary>
    public static Tensor ReadTensor(FileStream file, long dataStart, SafetensorsEntry e, string path)
    {
        int count = e.Shape.Size;
        int[] dims = e.Shape.ToArray();   // FromArray reads an empty shape as 1-D, so scalars go through Scalar
        switch (e.DType)
        {
            case DType.Float32:
            {
                var values = new float[count];
                ReadLittleEndian<float, int>(file, dataStart + e.Begin, values);
                return dims.Length == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, dims);
            }
            case DType.Float64:
            {
                var values = new double[count];
                ReadLittleEndian<double, long>(file, dataStart + e.Begin, values);
                return dims.Length == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, dims);
            }
            case DType.Int32:
            {
                var values = new int[count];
                ReadLittleEndian<int, int>(file, dataStart + e.Begin, values);
                return dims.Length == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, dims);
            }
            default:
            {
                var bytes = new byte[count];
                ReadExactly(file, dataStart + e.Begin, bytes);
                var values = new bool[count];
                for (int i = 0; i < count; i++)
                {
                    if (bytes[i] > 1) throw Bad(path, $"tensor '{e.Name}' (BOOL) holds byte {bytes[i]} at element {i}; booleans are 0 or 1");
                    values[i] = bytes[i] == 1;
                }
                return dims.Length == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, dims);
            }
        }
    }

    private static void ReadLittleEndian<T, TBits>(FileStream file, long offset, T[] values) where T : unmanaged where TBits : unmanaged
    {
        ReadExactly(file, offset, MemoryMarshal.AsBytes(values.AsSpan()));
        if (!BitConverter.IsLittleEndian) ReverseBytes<T, TBits>(values);
    }

    private static void ReadExactly(FileStream file, long offset, Span<byte> destination)
    {
        while (destination.Length > 0)
        {
            int n = RandomAccess.Read(file.SafeFileHandle, destination, offset);
            if (n == 0) throw new EndOfStreamException($"'{file.Name}' ended while reading tensor data; was it changed while loading?");
            destination = destination[n..];
            offset += n;
        }
    }

    private static InvalidDataException Bad(string path, string what) =>
        new($"Tree.Load: '{path}' is not a valid safetensors file: {what}");
}
