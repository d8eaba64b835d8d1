using Tracer.Compiler;

namespace Tracer.Rules;

/// <summary>
/// Reference implementations of the convolution family: one plain loop nest over (example, group, output channel,
/// input channel, kernel tap, output position) in double, the three primitives differing only in which of the
/// three arrays is written. The index relation comes from <see cref="ConvGeometry.SourceTable"/>.
/// </summary>
internal static class ConvReference
{
    public static double[] Run(OpCode op, ConvGeometry g, double[] a, double[] b)
    {
        var src = g.SourceTable();
        int n = g.Batch, groups = g.Groups, cg = g.GroupInChannels, og = g.GroupOutChannels;
        int taps = g.KernelSize, outs = g.OutputSize, ins = g.InputSize;
        // x [N, C, S], w [O, Cg, K], y [N, O, P]; which two are given depends on the op.
        double[] x, w, y;
        switch (op)
        {
            case OpCode.Conv:
                (x, w, y) = (a, b, new double[n * g.OutChannels * outs]);
                break;
            case OpCode.ConvTranspose:
                (x, w, y) = (new double[n * g.InChannels * ins], b, a);
                break;
            case OpCode.ConvWeightGrad:
                (x, w, y) = (a, new double[g.OutChannels * cg * taps], b);
                break;
            default:
                throw new ArgumentException($"{op.Name()} is not a convolution");
        }
        for (int e = 0; e < n; e++)
        {
            for (int grp = 0; grp < groups; grp++)
            {
                for (int o = 0; o < og; o++)
                {
                    int oc = grp * og + o;
                    int yAt = (e * g.OutChannels + oc) * outs;
                    for (int c = 0; c < cg; c++)
                    {
                        int xAt = (e * g.InChannels + grp * cg + c) * ins;
                        int wAt = (oc * cg + c) * taps;
                        for (int t = 0; t < taps; t++)
                        {
                            for (int p = 0; p < outs; p++)
                            {
                                int s = src[t * outs + p];
                                if (s < 0) continue;
                                switch (op)
                                {
                                    case OpCode.Conv: y[yAt + p] += w[wAt + t] * x[xAt + s]; break;
                                    case OpCode.ConvTranspose: x[xAt + s] += w[wAt + t] * y[yAt + p]; break;
                                    default: w[wAt + t] += x[xAt + s] * y[yAt + p]; break;
                                }
                            }
                        }
                    }
                }
            }
        }
        return op switch { OpCode.Conv => y, OpCode.ConvTranspose => x, _ => w };
    }
}
