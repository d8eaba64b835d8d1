namespace Tracer.Runtime.Cpu;

/// <summary>
/// Scalar helpers that generated kernels call for the shifts: XLA gives 0 for a shift amount outside [0, 32),
/// where C#'s operators use the amount modulo 32.
/// </summary>
public static class BitwiseMath
{
    /// <summary><paramref name="a"/> shifted left by <paramref name="b"/> bits; 0 when <paramref name="b"/> is outside [0, 32).</summary>
    public static int ShiftLeft(int a, int b) => (uint)b < 32 ? a << b : 0;

    /// <summary><paramref name="a"/> shifted right by <paramref name="b"/> bits, filling with zeros; 0 when <paramref name="b"/> is outside [0, 32).</summary>
    public static int ShiftRightLogical(int a, int b) => (uint)b < 32 ? a >>> b : 0;
}
