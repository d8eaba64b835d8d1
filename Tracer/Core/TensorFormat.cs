using System.Globalization;
using System.Text;

namespace Tracer;

/// <summary>Formats tensor values NumPy-style: nested brackets, comma separated, long axes elided.</summary>
internal static class TensorFormat
{
    private const int MaxPerAxis = 8;

    public static string Format(Array data, Shape shape)
    {
        var sb = new StringBuilder();
        Append(sb, data, shape, 0, 0);
        return sb.ToString();
    }

    private static void Append(StringBuilder sb, Array data, Shape shape, int axis, int offset)
    {
        if (axis == shape.Rank)
        {
            sb.Append(Element(data, offset));
            return;
        }
        int n = shape[axis];
        int stride = 1;
        for (int i = axis + 1; i < shape.Rank; i++) stride *= shape[i];
        sb.Append('[');
        for (int i = 0; i < n; i++)
        {
            if (n > MaxPerAxis && i == MaxPerAxis / 2)
            {
                sb.Append("..., ");
                i = n - MaxPerAxis / 2;
            }
            if (i > 0 && !(n > MaxPerAxis && i == n - MaxPerAxis / 2)) sb.Append(", ");
            Append(sb, data, shape, axis + 1, offset + i * stride);
        }
        sb.Append(']');
    }

    private static string Element(Array data, int i) => data switch
    {
        float[] f => f[i].ToString("G7", CultureInfo.InvariantCulture),
        double[] d => d[i].ToString("G10", CultureInfo.InvariantCulture),
        int[] n => n[i].ToString(CultureInfo.InvariantCulture),
        bool[] b => b[i] ? "true" : "false",
        _ => "?",
    };
}
