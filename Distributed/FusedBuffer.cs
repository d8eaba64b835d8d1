using System.Runtime.InteropServices;

namespace Tracer.Distributed;

/// <summary>
/// The tensor leaves of a tree copied into contiguous host buffers, so that one collective moves the whole tree:
/// one message per call instead of one per leaf (latency is paid once; MPI pipelines one long buffer well).
/// All-reduce keeps one buffer per float dtype (f32 leaves, then f64 leaves: at most two messages, no precision
/// lost to conversion); broadcast moves every leaf's raw bytes in a single byte buffer.
/// </summary>
internal static class FusedBuffer
{
    /// <summary>Offsets of each leaf in its dtype's buffer, and the buffers' lengths.</summary>
    public readonly record struct Layout(int[] Offsets, int FloatCount, int DoubleCount);

    public static Layout PlanReduce(Tensor[] leaves, string operation)
    {
        var offsets = new int[leaves.Length];
        int floats = 0, doubles = 0;
        for (int i = 0; i < leaves.Length; i++)
        {
            var leaf = leaves[i];
            CheckConcrete(leaf, i, operation);
            int size = leaf.Shape.Size;
            switch (leaf.DType)
            {
                case DType.Float32: offsets[i] = floats; floats = checked(floats + size); break;
                case DType.Float64: offsets[i] = doubles; doubles = checked(doubles + size); break;
                default:
                    throw new ArgumentException(
                        $"Communicator.{operation}: leaf {i} is {leaf.DType}{leaf.Shape}; only f32 and f64 leaves can be reduced. " +
                        "Keep integer or bool data out of the tree you reduce (or Cast it to a float dtype).");
            }
        }
        return new Layout(offsets, floats, doubles);
    }

    /// <summary>Copies the leaves into <paramref name="floats"/>/<paramref name="doubles"/>, multiplied by <paramref name="scale"/> unless it is 1.</summary>
    public static void Pack(Tensor[] leaves, Layout layout, float[] floats, double[] doubles, double scale)
    {
        for (int i = 0; i < leaves.Length; i++)
        {
            var leaf = leaves[i];
            if (leaf.DType == DType.Float32)
            {
                var target = floats.AsSpan(layout.Offsets[i], leaf.Shape.Size);
                leaf.ToFloatArray().CopyTo(target);
                if (scale != 1) Scale(target, (float)scale);
            }
            else
            {
                var target = doubles.AsSpan(layout.Offsets[i], leaf.Shape.Size);
                leaf.ToDoubleArray().CopyTo(target);
                if (scale != 1) Scale(target, scale);
            }
        }
    }

    /// <summary>New leaves of the old leaves' shapes, dtypes and devices, read from the (reduced) buffers.</summary>
    public static Tensor[] Unpack(Tensor[] leaves, Layout layout, float[] floats, double[] doubles, double scale)
    {
        var result = new Tensor[leaves.Length];
        for (int i = 0; i < leaves.Length; i++)
        {
            var leaf = leaves[i];
            int size = leaf.Shape.Size;
            if (leaf.DType == DType.Float32)
            {
                var values = floats.AsSpan(layout.Offsets[i], size).ToArray();
                if (scale != 1) Scale(values, (float)scale);
                result[i] = OnDeviceOf(leaf, Make(values, leaf.Shape));
            }
            else
            {
                var values = doubles.AsSpan(layout.Offsets[i], size).ToArray();
                if (scale != 1) Scale(values, scale);
                result[i] = OnDeviceOf(leaf, Make(values, leaf.Shape));
            }
        }
        return result;
    }

    /// <summary>The byte length of every leaf's raw data (bool as one byte), for a broadcast.</summary>
    public static int ByteCount(Tensor[] leaves, string operation)
    {
        int bytes = 0;
        for (int i = 0; i < leaves.Length; i++)
        {
            CheckConcrete(leaves[i], i, operation);
            bytes = checked(bytes + leaves[i].Shape.Size * ElementBytes(leaves[i].DType));
        }
        return bytes;
    }

    public static void PackBytes(Tensor[] leaves, Span<byte> buffer)
    {
        int at = 0;
        foreach (var leaf in leaves)
        {
            ReadOnlySpan<byte> raw = leaf.DType switch
            {
                DType.Float32 => MemoryMarshal.AsBytes<float>(leaf.ToFloatArray()),
                DType.Float64 => MemoryMarshal.AsBytes<double>(leaf.ToDoubleArray()),
                DType.Int32 => MemoryMarshal.AsBytes<int>(leaf.ToInt32Array()),
                _ => MemoryMarshal.AsBytes<bool>(leaf.ToBoolArray()),
            };
            raw.CopyTo(buffer[at..]);
            at += raw.Length;
        }
    }

    public static Tensor[] UnpackBytes(Tensor[] leaves, ReadOnlySpan<byte> buffer)
    {
        var result = new Tensor[leaves.Length];
        int at = 0;
        for (int i = 0; i < leaves.Length; i++)
        {
            var leaf = leaves[i];
            int bytes = leaf.Shape.Size * ElementBytes(leaf.DType);
            var raw = buffer.Slice(at, bytes);
            at += bytes;
            result[i] = OnDeviceOf(leaf, leaf.DType switch
            {
                DType.Float32 => Make(MemoryMarshal.Cast<byte, float>(raw).ToArray(), leaf.Shape),
                DType.Float64 => Make(MemoryMarshal.Cast<byte, double>(raw).ToArray(), leaf.Shape),
                DType.Int32 => Make(MemoryMarshal.Cast<byte, int>(raw).ToArray(), leaf.Shape),
                _ => Make(MemoryMarshal.Cast<byte, bool>(raw).ToArray(), leaf.Shape),
            });
        }
        return result;
    }

    /// <summary>MPI moves host memory: a result goes back to the device its input leaf lived on.</summary>
    private static Tensor OnDeviceOf(Tensor leaf, Tensor host) => leaf.Device.Equals(Device.Cpu) ? host : host.To(leaf.Device);

    private static int ElementBytes(DType dtype) => dtype switch
    {
        DType.Float32 or DType.Int32 => 4,
        DType.Float64 => 8,
        _ => 1,
    };

    private static void CheckConcrete(Tensor leaf, int index, string operation)
    {
        if (leaf.IsSymbolic)
            throw new InvalidOperationException(
                $"Communicator.{operation}: leaf {index} is a symbolic tensor; collectives move data between processes and cannot " +
                "run inside a traced function (Jit.Compile, Jit.Grad...). Call them between compiled steps, on concrete tensors.");
    }

    private static void Scale(Span<float> values, float scale)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= scale;
    }

    private static void Scale(Span<double> values, double scale)
    {
        for (int i = 0; i < values.Length; i++) values[i] *= scale;
    }

    // Tensor.FromArray with no dims makes a 1-D tensor, so a scalar leaf (a loss value) needs its own path.
    private static Tensor Make(float[] values, Shape shape) => shape.Rank == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, Dims(shape));
    private static Tensor Make(double[] values, Shape shape) => shape.Rank == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, Dims(shape));
    private static Tensor Make(int[] values, Shape shape) => shape.Rank == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, Dims(shape));
    private static Tensor Make(bool[] values, Shape shape) => shape.Rank == 0 ? Tensor.Scalar(values[0]) : Tensor.FromArray(values, Dims(shape));

    private static int[] Dims(Shape shape)
    {
        var dims = new int[shape.Rank];
        for (int i = 0; i < dims.Length; i++) dims[i] = shape[i];
        return dims;
    }
}
