using ILGPU;
using ILGPU.Runtime;
using Tracer.Compiler;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// The typed half of device memory, one instance per element type, chosen once per buffer (not per element):
/// allocation, host copies and zeroing of a dense buffer. Bools travel as bytes.
/// </summary>
internal abstract class ElementOps
{
    public static ElementOps For(DType dtype) => dtype switch
    {
        DType.Float32 => Typed<float>.Instance,
        DType.Float64 => Typed<double>.Instance,
        DType.Int32 => Typed<int>.Instance,
        _ => BoolOps.Instance,
    };

    /// <summary>A new buffer of <paramref name="length"/> elements and its boxed view (at least one element is allocated).</summary>
    public abstract (MemoryBuffer Buffer, object View) Allocate(Accelerator accelerator, int length);

    /// <summary>The boxed view of the first <paramref name="length"/> elements of <paramref name="view"/>.</summary>
    public abstract object Prefix(object view, int length);

    public abstract void Upload(AcceleratorStream stream, object view, Array data);

    /// <summary>Copies to a new host array of the tensor's dtype; the caller synchronises the stream first.</summary>
    public abstract Array Download(AcceleratorStream stream, object view, int length);

    public abstract void Zero(AcceleratorStream stream, object view);

    /// <summary>Device-to-device copy of <paramref name="length"/> elements.</summary>
    public abstract void Copy(AcceleratorStream stream, object from, object to, int length);

    private class Typed<T> : ElementOps where T : unmanaged
    {
        public static readonly Typed<T> Instance = new();

        public override (MemoryBuffer Buffer, object View) Allocate(Accelerator accelerator, int length)
        {
            var buffer = accelerator.Allocate1D<T>(Math.Max(length, 1));
            ArrayView<T> view = buffer.View;
            return (buffer, view.SubView(0, length));
        }

        public override object Prefix(object view, int length) => ((ArrayView<T>)view).SubView(0, length);

        public override void Upload(AcceleratorStream stream, object view, Array data)
        {
            if (data.Length > 0) ((ArrayView<T>)view).CopyFromCPU(stream, (T[])data);
        }

        public override Array Download(AcceleratorStream stream, object view, int length)
        {
            var host = new T[length];
            if (length > 0) ((ArrayView<T>)view).SubView(0, length).CopyToCPU(stream, host);
            return Convert(host);
        }

        protected virtual Array Convert(T[] host) => host;

        public override void Zero(AcceleratorStream stream, object view)
        {
            var v = (ArrayView<T>)view;
            if (v.Length > 0) v.MemSetToZero(stream);
        }

        public override void Copy(AcceleratorStream stream, object from, object to, int length)
        {
            if (length > 0) ((ArrayView<T>)from).SubView(0, length).CopyTo(stream, ((ArrayView<T>)to).SubView(0, length));
        }
    }

    private sealed class BoolOps : Typed<byte>
    {
        public static new readonly BoolOps Instance = new();

        public override void Upload(AcceleratorStream stream, object view, Array data)
        {
            var bools = (bool[])data;
            var bytes = new byte[bools.Length];
            for (int i = 0; i < bytes.Length; i++) bytes[i] = bools[i] ? (byte)1 : (byte)0;
            base.Upload(stream, view, bytes);
        }

        protected override Array Convert(byte[] host)
        {
            var bools = new bool[host.Length];
            for (int i = 0; i < bools.Length; i++) bools[i] = host[i] != 0;
            return bools;
        }
    }
}
