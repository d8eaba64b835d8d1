namespace Tracer.Compiler;

/// <summary>
/// Scalar definitions of the special functions and rounding rules of the extra elementwise primitives (erf, erfc,
/// lgamma, polygamma, NumPy mod). One definition, used by the reference implementations and the backends' scalar
/// code, so they cannot drift apart. Written from the textbook formulas (series, continued fraction, Stirling's
/// series with recurrences and reflection) to near double precision, which the float64 finite-difference tests of
/// the derivative rules need.
/// </summary>
public static class SpecialFunctions
{
    private const double TwoOverSqrtPi = 1.1283791670955126;
    private const double OneOverSqrtPi = 0.5641895835477563;
    private const double HalfLog2Pi = 0.91893853320467274;

    /// <summary>Bernoulli numbers B2, B4, ..., B20 (B_2k at index k - 1), for the asymptotic series.</summary>
    private static readonly double[] Bernoulli =
    [
        1.0 / 6, -1.0 / 30, 1.0 / 42, -1.0 / 30, 5.0 / 66, -691.0 / 2730, 7.0 / 6, -3617.0 / 510, 43867.0 / 798,
        -174611.0 / 330,
    ];

    /// <summary>The error function, to about one unit in the last place.</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double a = Math.Abs(x);
        if (a < 3) return ErfSeries(x);
        double r = 1 - ErfcContinuedFraction(a);
        return x < 0 ? -r : r;
    }

    /// <summary>The complementary error function 1 - erf(x), accurate for large x where erf(x) rounds to 1.</summary>
    public static double Erfc(double x)
    {
        if (double.IsNaN(x)) return x;
        if (x < 0) return 2 - Erfc(-x);
        return x < 2 ? 1 - ErfSeries(x) : ErfcContinuedFraction(x);
    }

    /// <summary>
    /// erf(x) = 2/sqrt(pi) exp(-x^2) sum_n 2^n x^(2n+1) / (1*3*...*(2n+1)): every term positive, so no
    /// cancellation; about x^2 + 20 terms. Public for the GPU backend, whose erfc calls it.
    /// </summary>
    /// <param name="x">A non-negative argument (the series is used below 2).</param>
    public static double ErfSeries(double x)
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

    /// <summary>
    /// erfc(x) for x &gt;= 2 from its continued fraction exp(-x^2)/sqrt(pi) / (x + (1/2)/(x + 1/(x + (3/2)/(x + ...)))),
    /// evaluated by the modified Lentz method. Public for the GPU backend, whose erfc calls it.
    /// </summary>
    /// <param name="x">An argument of at least 2.</param>
    public static double ErfcContinuedFraction(double x)
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
    /// log|gamma(x)|: Stirling's series for x &gt;= 10, the recurrence gamma(x) = gamma(x + 1) / x below, and the
    /// reflection gamma(x) gamma(1 - x) = pi / sin(pi x) for x &lt;= 0. Poles (0, -1, -2...) give +inf.
    /// </summary>
    public static double Lgamma(double x)
    {
        if (double.IsNaN(x)) return x;
        if (double.IsInfinity(x)) return double.PositiveInfinity;
        if (x <= 0)
        {
            if (x == Math.Floor(x)) return double.PositiveInfinity;
            double s = Math.Abs(SinPi(x));
            return Math.Log(Math.PI / s) - Lgamma(1 - x);
        }
        // Shift up to x >= 10, collecting the product x (x + 1) ... (fewer than 11 factors below 11) in one log.
        double product = 1;
        while (x < 10)
        {
            product *= x;
            x += 1;
        }
        double logProduct = Math.Log(product);
        double inv = 1 / x, inv2 = inv * inv, series = 0, power = inv;
        for (int k = 1; k <= 8; k++)
        {
            series += Bernoulli[k - 1] / (2 * k * (2 * k - 1)) * power;
            power *= inv2;
        }
        return (x - 0.5) * Math.Log(x) - x + HalfLog2Pi + series - logProduct;
    }

    /// <summary>The digamma function psi(x) = d/dx log gamma(x); NaN at the poles 0, -1, -2...</summary>
    public static double Digamma(double x) => Polygamma(0, x);

    /// <summary>
    /// polygamma(n, x), the n-th derivative of digamma (n = 0 is digamma itself). For x &gt; 0: the recurrence
    /// psi^(n)(x) = psi^(n)(x + 1) - (-1)^n n! / x^(n+1) up to x &gt;= 12 + n, then the asymptotic series
    /// (-1)^(n+1) [(n-1)!/x^n + n!/(2 x^(n+1)) + sum_k B_2k (2k+n-1)! / ((2k)! x^(2k+n))] (for n = 0:
    /// log x - 1/(2x) - sum_k B_2k / (2k x^2k)). For x &lt;= 0 the reflection formula
    /// psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi d^n/dx^n cot(pi x). n must be a non-negative integer (else NaN);
    /// the poles (0, -1, -2...) give NaN.
    /// </summary>
    public static double Polygamma(double n, double x)
    {
        if (double.IsNaN(n) || double.IsNaN(x) || n < 0 || n != Math.Floor(n) || n > 100) return double.NaN;
        int order = (int)n;
        if (double.IsPositiveInfinity(x)) return order == 0 ? double.PositiveInfinity : 0;
        if (x <= 0)
        {
            if (x == Math.Floor(x)) return double.NaN;
            double reflected = Polygamma(n, 1 - x);
            return (order % 2 == 0 ? reflected : -reflected) - Math.PI * CotDerivative(order, x);
        }
        return PolygammaPositive(order, x);
    }

    /// <summary>
    /// polygamma(n, x) for x &gt; 0 and an integer order n &gt;= 0 (no checks): the recurrence and the asymptotic series
    /// of <see cref="Polygamma"/>. Public for the GPU backend, whose reflection for x &lt;= 0 avoids arrays.
    /// </summary>
    /// <param name="order">The derivative order n, 0 to 100.</param>
    /// <param name="x">A positive argument.</param>
    public static double PolygammaPositive(int order, double x)
    {
        double shift = 0;
        double factorial = Factorial(order);
        double threshold = 12 + order;
        while (x < threshold)
        {
            // psi^(n)(x) = psi^(n)(x + 1) - (-1)^n n! / x^(n+1)
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
        // (n-1)!/x^n + n!/(2x^(n+1)) + sum_k B_2k (2k+n-1)!/((2k)! x^(2k+n)), the ratio of factorials updated per k.
        double xn = Math.Pow(x, order);
        double sum = Factorial(order - 1) / xn + factorial / (2 * xn * x);
        double ratio = factorial / 2;      // (2k+n-1)!/(2k)! at k = 1: (n+1)!/2! = n!(n+1)/2
        ratio *= order + 1;
        double power = 1 / (xn * x * x);   // 1 / x^(2k+n) at k = 1
        for (int k = 1; k <= 10; k++)
        {
            sum += Bernoulli[k - 1] * ratio * power;
            // (2k+n+1)!/(2k+2)! = (2k+n-1)!/(2k)! * (2k+n)(2k+n+1) / ((2k+1)(2k+2))
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

    /// <summary>sin(pi x), exact at integers (Math.Sin(Math.PI * x) is not).</summary>
    private static double SinPi(double x)
    {
        double r = x - 2 * Math.Floor(x / 2);   // in [0, 2)
        return r == 1 || r == 0 ? 0 : Math.Sin(Math.PI * r);
    }

    /// <summary>
    /// d^n/dx^n cot(pi x), as a polynomial in c = cot(pi x): P_0 = c and P_{k+1}(c) = -pi (1 + c^2) P_k'(c).
    /// </summary>
    private static double CotDerivative(int n, double x)
    {
        double r = x - Math.Floor(x);
        double c = Math.Cos(Math.PI * r) / Math.Sin(Math.PI * r);
        var p = new double[n + 2];
        p[1] = 1;                                // P_0 = c
        for (int k = 0; k < n; k++)
        {
            var next = new double[n + 2];
            // P' then times -pi (1 + c^2)
            for (int j = 1; j < p.Length; j++)
            {
                if (p[j] == 0) continue;
                double d = j * p[j];             // coefficient of c^(j-1) in P'
                next[j - 1] += -Math.PI * d;
                if (j + 1 < next.Length) next[j + 1] += -Math.PI * d;
            }
            p = next;
        }
        double value = 0;
        for (int j = p.Length - 1; j >= 0; j--) value = value * c + p[j];
        return value;
    }

    /// <summary>
    /// NumPy's float mod: the remainder of floored division, with the sign of <paramref name="b"/> (fmod, then
    /// moved into b's half-line; a zero result takes b's sign). b = 0 gives NaN.
    /// </summary>
    public static double Mod(double a, double b)
    {
        double r = a % b;   // C#'s % is C's fmod: truncated, with the sign of a
        if (r != 0)
        {
            if ((r < 0) != (b < 0)) r += b;
        }
        else
        {
            r = b < 0 ? -0.0 : 0.0;
        }
        return r;
    }

    /// <summary>
    /// NumPy's mod on i32 (floored, the sign of b), with XLA's answers where C# would throw: mod(a, 0) = a and
    /// mod(int.MinValue, -1) = 0.
    /// </summary>
    public static int Mod(int a, int b)
    {
        if (b == 0) return a;
        if (b == -1) return 0;
        int r = a % b;
        return r != 0 && (r < 0) != (b < 0) ? r + b : r;
    }

    /// <summary>Round to nearest, halves to even (IEEE's default; NumPy's and JAX's round).</summary>
    public static double Round(double x) => Math.Round(x, MidpointRounding.ToEven);
}
