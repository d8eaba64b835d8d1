namespace Tracer.Runtime.Cuda;

/// <summary>
/// GPU forms of the special functions whose shared definitions (<c>SpecialFunctions</c>, which the CPU backend and
/// the interpreter call) ILGPU cannot compile for a GPU. The generated kernels call these instead
/// (<see cref="DeviceFunctions"/> substitutes them); the formulas are the same, only the control flow differs:
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
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double OneOverSqrtPi = 0.5641895835477563;

    /// <summary>Bernoulli numbers B2, B4, ..., B20 (B_2k at index k - 1); ILGPU inlines the table as constants.</summary>
    private static readonly double[] Bernoulli =
    [
        1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6, -3617.0 / 510, 43867.0 / 798,
        -174611.0 / 330,
    ];

    /// <summary>The complementary error function: the series below 2, the continued fraction above, 2 - erfc(|x|) for x &lt; 0.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        double r = a < 2 ? 1 - ErfSeries(a) : ErfcContinuedFraction(a);
        return x < 0 ? 2 - r : r;
    }

    /// <inheritdoc cref="Erfc(double)"/>
    public static float Erfc(float x) => (float)Erfc((double)x);

    /// <summary>erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)), all terms positive.</summary>
    private static double ErfSeries(double x)
    {
        double x2 = x * x, term = x, sum = x;
        for (int n = 1; n < 200; n++)
        {
            term *= 2 * x2 / (2 * n + 1);
            sum += term;
            if (Math.Abs(term) <= 1e-17 * Math.Abs(sum)) break;
        }
        return TwoOverSqrtPi * Math.Exp(-x2) * sum;
    }

    /// <summary>erfc(x) for x &gt;= 2 from its continued fraction, by the modified Lentz method.</summary>
    private static double ErfcContinuedFraction(double x)
    {
        if (double.IsPositiveInfinity(x)) return 0;
        const double tiny = 1e-300;
        double f = x, c = x, d = 0;
        for (int k = 1; k < 500; k++)
        {
            double a = 0.5 * k;
            d = x + a * d;
            d = d == 0 ? tiny : d;
            c = x + a / c;
            c = c == 0 ? tiny : c;
            d = 1 / d;
            double delta = c * d;
            f *= delta;
            if (Math.Abs(delta - 1) < 1e-16) break;
        }
        return OneOverSqrtPi * Math.Exp(-x * x) / f;
    }

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
        if (x > 0) return PolygammaPositive(order, x);
        if (x == Math.Floor(x)) return double.NaN;   // also -inf
        double r = x - Math.Floor(x);
        double reflected = PolygammaPositive(order, 1 - x) - PolygammaPositive(order, 1 - r);
        return (order % 2 == 0 ? reflected : -reflected) + PolygammaPositive(order, r);
    }

    /// <inheritdoc cref="Polygamma(double, double)"/>
    public static float Polygamma(float n, float x) => (float)Polygamma((double)n, (double)x);

    /// <summary>
    /// polygamma(n, x) for x &gt; 0: the recurrence psi^(n)(x) = psi^(n)(x + 1) - (-1)^n n! / x^(n+1) up to
    /// x &gt;= 12 + n, then the asymptotic series (Bernoulli numbers), as the shared definition computes it.
    /// </summary>
    private static double PolygammaPositive(int order, double x)
    {
        double shift = 0;
        double factorial = Factorial(order);
        double threshold = 12 + order;
        while (x < threshold)
        {
            double t = factorial / Math.Pow(x, order + 1);
            shift -= order % 2 == 0 ? t : -t;
            x += 1;
        }
        double inv = 1 / x, inv2 = inv * inv;
        if (order == 0)
        {
            double s = 0, p = inv2;
            for (int k = 1; k <= 10; k++)
            {
                s += Bernoulli[k - 1] / (2 * k) * p;
                p *= inv2;
            }
            return Math.Log(x) - 0.5 * inv - s + shift;
        }
        double xn = Math.Pow(x, order);
        double sum = Factorial(order - 1) / xn + factorial / (2 * xn * x);
        double ratio = factorial / 2;      // (2k+n-1)!/(2k)! at k = 1
        ratio *= order + 1;
        double power = 1 / (xn * x * x);   // 1 / x^(2k+n) at k = 1
        for (int k = 1; k <= 10; k++)
        {
            sum += Bernoulli[k - 1] * ratio * power;
            ratio *= (2.0 * k + order) * (2.0 * k + order + 1) / ((2.0 * k + 1) * (2.0 * k + 2));
            power *= inv2;
        }
        return (order % 2 == 1 ? sum : -sum) + shift;
    }

    private static double Factorial(int n)
    {
        double f = 1;
        for (int i = 2; i <= n; i++) f *= i;
        return f;
    }
}
