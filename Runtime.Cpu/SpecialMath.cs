using Tracer.Compiler;

namespace Tracer.Runtime.Cpu;

/// <summary>
/// Scalar forms of the extra elementwise primitives (erf, erfc, lgamma, polygamma, NumPy mod, round half to even)
/// that generated kernels call where Math/MathF have no exact equivalent. The f32 overloads compute in double and
/// round once, exactly as the reference implementation does, so scalar kernels and the interpreter agree.
/// </summary>
public static class SpecialMath
{
    /// <summary>The error function.</summary>
    public static double Erf(double x) => SpecialFunctions.Erf(x);

    /// <inheritdoc cref="Erf(double)"/>
    public static float Erf(float x) => (float)SpecialFunctions.Erf(x);

    /// <summary>The complementary error function.</summary>
    public static double Erfc(double x) => SpecialFunctions.Erfc(x);

    /// <inheritdoc cref="Erfc(double)"/>
    public static float Erfc(float x) => (float)SpecialFunctions.Erfc(x);

    /// <summary>log |gamma(x)|.</summary>
    public static double Lgamma(double x) => SpecialFunctions.Lgamma(x);

    /// <inheritdoc cref="Lgamma(double)"/>
    public static float Lgamma(float x) => (float)SpecialFunctions.Lgamma(x);

    /// <summary>polygamma(n, x).</summary>
    public static double Polygamma(double n, double x) => SpecialFunctions.Polygamma(n, x);

    /// <inheritdoc cref="Polygamma(double, double)"/>
    public static float Polygamma(float n, float x) => (float)SpecialFunctions.Polygamma(n, x);

    /// <summary>NumPy mod (the sign of b).</summary>
    public static double Mod(double a, double b) => SpecialFunctions.Mod(a, b);

    /// <inheritdoc cref="Mod(double, double)"/>
    public static float Mod(float a, float b) => (float)SpecialFunctions.Mod(a, b);

    /// <inheritdoc cref="SpecialFunctions.Mod(int, int)"/>
    public static int Mod(int a, int b) => SpecialFunctions.Mod(a, b);

    /// <summary>atan2(y, x), in double for f32 too (as the reference).</summary>
    public static float Atan2(float y, float x) => (float)Math.Atan2(y, x);

    /// <inheritdoc cref="Atan2(float, float)"/>
    public static double Atan2(double y, double x) => Math.Atan2(y, x);
}
