namespace Tracer.Compiler;

/// <summary>
/// The scalar semantics of primitives that <see cref="Math"/> lacks or gets wrong for them. One definition, used by
/// the reference implementations and by the backends' generated code, so they cannot drift apart.
/// </summary>
public static class ScalarFunctions
{
    /// <summary>-1, 0 or 1; keeps -0 and NaN (Math.Sign throws on NaN).</summary>
    public static double Sign(double x) => x > 0 ? 1 : x < 0 ? -1 : x;

    /// <summary>log(1 + x) without cancellation for small x (Goldberg's trick: the rounding of 1 + x cancels).</summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    /// <summary>exp(x) - 1 without cancellation for small x (Kahan's trick).</summary>
    public static double Expm1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        if (um1 == -1) return -1;
        return double.IsInfinity(u) ? u : um1 * x / Math.Log(u);
    }

    /// <summary>The logistic sigmoid 1 / (1 + exp(-x)), without overflow for large |x|.</summary>
    public static double Logistic(double x) => 1 / (1 + Math.Exp(-x));
}
