using System.Runtime.CompilerServices;
using ILGPU;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// Tiny static helpers that generated kernels call for memory access. Expression trees cannot take the address an
/// <see cref="ArrayView{T}"/> indexer returns, so loads and stores go through these; ILGPU inlines them. Bool buffers
/// live on the device as bytes (0 or 1), which every backend ILGPU targets can address.
/// </summary>
public static class DeviceIntrinsics
{
    /// <summary>view[index].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Load(ArrayView<float> view, int index) => view[index];

    /// <summary>view[index].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Load(ArrayView<double> view, int index) => view[index];

    /// <summary>view[index].</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Load(ArrayView<int> view, int index) => view[index];

    /// <summary>view[index] != 0 (a bool stored as a byte).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Load(ArrayView<byte> view, int index) => view[index] != 0;

    /// <summary>view[index] = value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ArrayView<float> view, int index, float value) => view[index] = value;

    /// <summary>view[index] = value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ArrayView<double> view, int index, double value) => view[index] = value;

    /// <summary>view[index] = value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ArrayView<int> view, int index, int value) => view[index] = value;

    /// <summary>view[index] = value ? 1 : 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Store(ArrayView<byte> view, int index, bool value) => view[index] = value ? (byte)1 : (byte)0;

    /// <summary>view[index] += value, atomically (scatter-add: several threads may add to one element).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AtomicAdd(ArrayView<float> view, int index, float value) => Atomic.Add(ref view[index], value);

    /// <summary>view[index] += value, atomically.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AtomicAdd(ArrayView<double> view, int index, double value) => Atomic.Add(ref view[index], value);

    /// <summary>view[index] += value, atomically (wrapping, as the CPU's integer addition).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void AtomicAdd(ArrayView<int> view, int index, int value) => Atomic.Add(ref view[index], value);

    /// <summary>
    /// A gather/scatter index checked against its axis. A GPU thread cannot throw, so an index out of range records
    /// <paramref name="code"/> and the index (which the host turns into the CPU's exception after the call) and reads
    /// element 0 instead.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int CheckIndex(int index, int extent, ArrayView<int> errors, int code)
    {
        if ((uint)index < (uint)extent) return index;
        errors[0] = code;
        errors[1] = index;
        return 0;
    }
}
