namespace Tracer.Compiler;

/// <summary>
/// Emits primitives into the innermost active trace (<see cref="GraphBuilder.Current"/>). Derivative rules, the
/// transforms and the front end all build IR through these helpers. Trivial cases (a reshape to the same shape, a
/// cast to the same dtype...) return their input instead of emitting an equation.
/// </summary>
public static class Ir
{
    public static GraphBuilder B => GraphBuilder.Current
        ?? throw new InvalidOperationException("no trace is active: IR can only be emitted while tracing");

    public static Node Lit(double value, DType dtype) => B.Literal(value, dtype);

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/>.</summary>
    public static Node Full(Shape shape, double value, DType dtype) => Broadcast(Lit(value, dtype), shape);

    public static Node ZerosLike(Node x) => Full(x.Shape, 0, x.DType);

    public static Node OnesLike(Node x) => Full(x.Shape, 1, x.DType);

    public static Node Unary(OpCode op, Node x) => B.Emit(op, Attrs.None, x);

    public static Node Binary(OpCode op, Node a, Node b) => B.Emit(op, Attrs.None, a, b);

    public static Node Neg(Node x) => Unary(OpCode.Neg, x);

    public static Node Abs(Node x) => Unary(OpCode.Abs, x);

    public static Node Sign(Node x) => Unary(OpCode.Sign, x);

    public static Node Exp(Node x) => Unary(OpCode.Exp, x);

    public static Node Log(Node x) => Unary(OpCode.Log, x);

    public static Node Log1p(Node x) => Unary(OpCode.Log1p, x);

    public static Node Expm1(Node x) => Unary(OpCode.Expm1, x);

    public static Node Sqrt(Node x) => Unary(OpCode.Sqrt, x);

    public static Node Rsqrt(Node x) => Unary(OpCode.Rsqrt, x);

    public static Node Sin(Node x) => Unary(OpCode.Sin, x);

    public static Node Cos(Node x) => Unary(OpCode.Cos, x);

    public static Node Tan(Node x) => Unary(OpCode.Tan, x);

    public static Node Tanh(Node x) => Unary(OpCode.Tanh, x);

    public static Node Logistic(Node x) => Unary(OpCode.Logistic, x);

    public static Node Add(Node a, Node b) => Binary(OpCode.Add, a, b);

    public static Node Sub(Node a, Node b) => Binary(OpCode.Sub, a, b);

    public static Node Mul(Node a, Node b) => Binary(OpCode.Mul, a, b);

    public static Node Div(Node a, Node b) => Binary(OpCode.Div, a, b);

    public static Node Pow(Node a, Node b) => Binary(OpCode.Pow, a, b);

    public static Node Max(Node a, Node b) => Binary(OpCode.Max, a, b);

    public static Node Min(Node a, Node b) => Binary(OpCode.Min, a, b);

    public static Node Eq(Node a, Node b) => Binary(OpCode.Eq, a, b);

    public static Node Ne(Node a, Node b) => Binary(OpCode.Ne, a, b);

    public static Node Lt(Node a, Node b) => Binary(OpCode.Lt, a, b);

    public static Node Le(Node a, Node b) => Binary(OpCode.Le, a, b);

    public static Node Gt(Node a, Node b) => Binary(OpCode.Gt, a, b);

    public static Node Ge(Node a, Node b) => Binary(OpCode.Ge, a, b);

    /// <summary>Elementwise <paramref name="a"/> where <paramref name="cond"/> is true, else <paramref name="b"/>.</summary>
    public static Node Select(Node cond, Node a, Node b) => B.Emit(OpCode.Select, Attrs.None, cond, a, b);

    public static Node Cast(Node x, DType dtype) =>
        x.DType == dtype ? x : B.Emit(OpCode.Cast, new Attrs { DType = dtype }, x);

    public static Node StopGradient(Node x) => Unary(OpCode.StopGradient, x);

    /// <summary>The identity, opaque to the optimiser (see <see cref="OpCode.OptimizationBarrier"/>).</summary>
    public static Node OptimizationBarrier(Node x) => Unary(OpCode.OptimizationBarrier, x);

    public static Node Reduce(OpCode op, Node x, int[] axes) =>
        axes.Length == 0 ? x : B.Emit(op, new Attrs { Axes = axes }, x);

    public static Node ReduceSum(Node x, params int[] axes) => Reduce(OpCode.ReduceSum, x, axes);

    public static Node ReduceMax(Node x, params int[] axes) => Reduce(OpCode.ReduceMax, x, axes);

    public static Node ReduceMin(Node x, params int[] axes) => Reduce(OpCode.ReduceMin, x, axes);

    public static Node ReduceProd(Node x, params int[] axes) => Reduce(OpCode.ReduceProd, x, axes);

    public static Node Reshape(Node x, Shape shape) =>
        x.Shape == shape ? x : B.Emit(OpCode.Reshape, new Attrs { Shape = shape }, x);

    public static Node Transpose(Node x, params int[] perm)
    {
        bool identity = true;
        for (int i = 0; i < perm.Length; i++) identity &= perm[i] == i;
        return identity && perm.Length == x.Shape.Rank ? x : B.Emit(OpCode.Transpose, new Attrs { Perm = perm }, x);
    }

    /// <summary>NumPy-style broadcast to <paramref name="shape"/>.</summary>
    public static Node Broadcast(Node x, Shape shape) =>
        x.Shape == shape ? x : B.Emit(OpCode.Broadcast, new Attrs { Shape = shape }, x);

    public static Node Slice(Node x, int[] starts, int[] ends)
    {
        bool whole = starts.Length == x.Shape.Rank && ends.Length == x.Shape.Rank;
        for (int i = 0; whole && i < starts.Length; i++) whole = starts[i] == 0 && ends[i] == x.Shape[i];
        return whole ? x : B.Emit(OpCode.Slice, new Attrs { Starts = starts, Ends = ends }, x);
    }

    /// <summary>Zero padding: <paramref name="low"/>[i] elements before and <paramref name="high"/>[i] after axis i.</summary>
    public static Node Pad(Node x, int[] low, int[] high)
    {
        bool none = low.Length == x.Shape.Rank && high.Length == x.Shape.Rank;
        for (int i = 0; none && i < low.Length; i++) none = low[i] == 0 && high[i] == 0;
        return none ? x : B.Emit(OpCode.Pad, new Attrs { Starts = low, Ends = high }, x);
    }

    public static Node Concat(int axis, params Node[] xs) =>
        xs.Length == 1 ? xs[0] : B.Emit(OpCode.Concat, new Attrs { Axis = axis }, xs);

    /// <summary>
    /// Take along <paramref name="axis"/>: out = x.shape[:axis] ++ indices.shape[batchDims:] ++ x.shape[axis+1:];
    /// the first <paramref name="batchDims"/> axes are shared by x and the indices (see <see cref="Attrs.BatchDims"/>).
    /// </summary>
    public static Node Gather(Node x, Node indices, int axis, int batchDims = 0) =>
        B.Emit(OpCode.Gather, new Attrs { Axis = axis, BatchDims = batchDims }, x, indices);

    /// <summary>The transpose of <see cref="Gather"/>: adds <paramref name="updates"/> into zeros of <paramref name="shape"/>.</summary>
    public static Node ScatterAdd(Node updates, Node indices, int axis, Shape shape, int batchDims = 0) =>
        B.Emit(OpCode.ScatterAdd, new Attrs { Axis = axis, Shape = shape, BatchDims = batchDims }, updates, indices);

    public static Node MatMul(Node a, Node b) => B.Emit(OpCode.MatMul, Attrs.None, a, b);

    /// <summary>Swaps the last two axes (rank >= 2).</summary>
    public static Node TransposeLast2(Node x)
    {
        int r = x.Shape.Rank;
        var perm = new int[r];
        for (int i = 0; i < r; i++) perm[i] = i;
        (perm[r - 2], perm[r - 1]) = (perm[r - 1], perm[r - 2]);
        return Transpose(x, perm);
    }

    /// <summary>
    /// Un-broadcasting, the one helper every rule uses: sums a cotangent of a broadcast result back to the shape of
    /// the operand that was broadcast (leading axes and axes of size 1).
    /// </summary>
    public static Node SumToShape(Node x, Shape target)
    {
        if (x.Shape == target) return x;
        int lead = x.Shape.Rank - target.Rank;
        var axes = new List<int>();
        for (int i = 0; i < x.Shape.Rank; i++)
        {
            if (i < lead || (target[i - lead] == 1 && x.Shape[i] != 1)) axes.Add(i);
        }
        return Reshape(ReduceSum(x, axes.ToArray()), target);
    }
}
