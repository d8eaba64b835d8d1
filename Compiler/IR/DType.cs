namespace Tracer;

/// <summary>Element type of a tensor. Printed as f32, f64, i32 and bool.</summary>
public enum DType
{
    /// <summary>32-bit IEEE float, printed f32.</summary>
    Float32,
    /// <summary>64-bit IEEE float, printed f64.</summary>
    Float64,
    /// <summary>32-bit signed integer, printed i32.</summary>
    Int32,
    /// <summary>Boolean, printed bool.</summary>
    Bool,
}

/// <summary>Names, promotion and host arrays of element types.</summary>
public static class DTypeExtensions
{
    /// <summary>The short name used in printed graphs and error messages: f32, f64, i32, bool.</summary>
    public static string ShortName(this DType dtype) => dtype switch
    {
        DType.Float32 => "f32",
        DType.Float64 => "f64",
        DType.Int32 => "i32",
        DType.Bool => "bool",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Whether values of this type can be differentiated (f32 and f64).</summary>
    public static bool IsFloat(this DType dtype) => dtype is DType.Float32 or DType.Float64;

    /// <summary>Promotion order bool &lt; i32 &lt; f32 &lt; f64 (JAX's lattice restricted to our four types).</summary>
    public static DType Promote(DType a, DType b) => Rank(a) >= Rank(b) ? a : b;

    private static int Rank(DType d) => d switch
    {
        DType.Bool => 0,
        DType.Int32 => 1,
        DType.Float32 => 2,
        _ => 3,
    };

    /// <summary>A new zeroed host array of this element type.</summary>
    public static Array NewArray(this DType dtype, int length) => dtype switch
    {
        DType.Float32 => new float[length],
        DType.Float64 => new double[length],
        DType.Int32 => new int[length],
        DType.Bool => new bool[length],
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>The element type of a host array, or an error naming the CLR type.</summary>
    public static DType OfArray(Array data) => data switch
    {
        float[] => DType.Float32,
        double[] => DType.Float64,
        int[] => DType.Int32,
        bool[] => DType.Bool,
        _ => throw new ArgumentException($"unsupported element type {data.GetType().GetElementType()}; use float, double, int or bool"),
    };
}
