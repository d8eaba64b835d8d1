using Tracer.Compiler;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// GPU forms of the special functions whose shared definitions (<c>SpecialFunctions</c>, which the CPU backend and
/// the interpreter call) ILGPU cannot compile for a GPU. The generated kernels call these instead
/// (<see cref="DeviceFunctions"/> substitutes them). They call the shared series themselves
/// (<c>SpecialFunctions.ErfSeries</c>, <c>ErfcContinuedFraction</c>, <c>PolygammaPositive</c>); only the control flow
/// around them differs:
/// <list type="bullet">
/// <item>erfc: the shared form recurses for negative x (<c>2 - erfc(-x)</c>), and ILGPU 1.5.3's PTX backend fails
/// with an internal compiler error on that once inlined into the series and continued fraction; here the sign is
/// handled without the call, with the same arithmetic, so values are identical.</item>
/// <item>polygamma: the shared reflection for x &lt;= 0 builds the derivative polynomials of cot in arrays, and GPU
/// code cannot allocate. Here the cot term comes from the reflection formula itself at the fractional part r of x
/// (cot(pi x) has period 1): pi d^n/dx^n cot(pi x) = (-1)^n psi^(n)(1 - r) - psi^(n)(r), so every value is three
/// evaluations at positive arguments with scalar locals only. Positive arguments compute exactly as the shared form.</item>
/// </list>
/// The f32 overloads compute in double and round once, as the CPU backend does.
/// </summary>
public static class DeviceMath
{
    /// <summary>The complementary error function: the series below 2, the continued fraction above, 2 - erfc(|x|) for x &lt; 0.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        double r = a < 2 ? 1 - SpecialFunctions.ErfSeries(a) : SpecialFunctions.ErfcContinuedFraction(a);
        return x < 0 ? 2 - r : r;
    }

    /// <inheritdoc cref="Erfc(double)"/>
    public static float Erfc(float x) => (float)Erfc((double)x);

    /// <summary>
    /// polygamma(n, x) (n = 0: digamma). n must be a non-negative integer up to 100 (else NaN); the poles
    /// (0, -1, -2...) give NaN. For x &lt;= 0: psi^(n)(x) = (-1)^n [psi^(n)(1 - x) - psi^(n)(1 - r)] + psi^(n)(r)
    /// with r = x - floor(x), the reflection formula with its cot term written through the same reflection at r.
    /// </summary>
    public static double Polygamma(double n, double x)
    {
        if (double.IsNaN(n) || double.IsNaN(x) || n < 0 || n != Math.Floor(n) || n > 100) return double.NaN;
        int order = (int)n;
        if (double.IsPositiveInfinity(x)) return order == 0 ? double.PositiveInfinity : 0;
        if (x > 0) return SpecialFunctions.PolygammaPositive(order, x);
        if (x == Math.Floor(x)) return double.NaN;   // also -inf
        double r = x - Math.Floor(x);
        double reflected = SpecialFunctions.PolygammaPositive(order, 1 - x) - SpecialFunctions.PolygammaPositive(order, 1 - r);
        return (order % 2 == 0 ? reflected : -reflected) + SpecialFunctions.PolygammaPositive(order, r);
    }

    /// <inheritdoc cref="Polygamma(double, double)"/>
    public static float Polygamma(float n, float x) => (float)Polygamma((double)n, (double)x);
}
