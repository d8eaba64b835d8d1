namespace Tracer.Compiler;

/// <summary>
/// Emits primitives into the innermost active trace (<see cref="GraphBuilder.Current"/>). Derivative rules, the
/// transforms and the front end all build IR through these helpers. Trivial cases (a reshape to the same shape, a
/// cast to the same dtype...) return their input instead of emitting an equation.
/// </summary>
public static class Ir
{
    /// <summary>The innermost active trace, which the helpers emit into; an error when none is active.</summary>
    public static GraphBuilder B => GraphBuilder.Current
        ?? throw new InvalidOperationException("no trace is active: IR can only be emitted while tracing");

    /// <summary>A scalar literal of <paramref name="dtype"/>.</summary>
    public static Node Lit(double value, DType dtype) => B.Literal(value, dtype);

    /// <summary>A tensor of <paramref name="shape"/> filled with <paramref name="value"/>.</summary>
    public static Node Full(Shape shape, double value, DType dtype) => Broadcast(Lit(value, dtype), shape);

    /// <summary>Zeros of <paramref name="x"/>'s shape and dtype.</summary>
    public static Node ZerosLike(Node x) => Full(x.Shape, 0, x.DType);

    /// <summary>Ones of <paramref name="x"/>'s shape and dtype.</summary>
    public static Node OnesLike(Node x) => Full(x.Shape, 1, x.DType);

    /// <summary>Emits the unary primitive <paramref name="op"/>.</summary>
    public static Node Unary(OpCode op, Node x) => B.Emit(op, Attrs.None, x);

    /// <summary>Emits the binary primitive <paramref name="op"/> (arithmetic or comparison).</summary>
    public static Node Binary(OpCode op, Node a, Node b) => B.Emit(op, Attrs.None, a, b);

    /// <summary>Emits elementwise <c>-x</c>.</summary>
    public static Node Neg(Node x) => Unary(OpCode.Neg, x);

    /// <summary>Emits elementwise <c>|x|</c>.</summary>
    public static Node Abs(Node x) => Unary(OpCode.Abs, x);

    /// <summary>Emits elementwise <c>sign(x)</c>.</summary>
    public static Node Sign(Node x) => Unary(OpCode.Sign, x);

    /// <summary>Emits elementwise <c>exp(x)</c>.</summary>
    public static Node Exp(Node x) => Unary(OpCode.Exp, x);

    /// <summary>Emits elementwise <c>log(x)</c>.</summary>
    public static Node Log(Node x) => Unary(OpCode.Log, x);

    /// <summary>Emits elementwise <c>log(1 + x)</c>.</summary>
    public static Node Log1p(Node x) => Unary(OpCode.Log1p, x);

    /// <summary>Emits elementwise <c>exp(x) - 1</c>.</summary>
    public static Node Expm1(Node x) => Unary(OpCode.Expm1, x);

    /// <summary>Emits elementwise <c>sqrt(x)</c>.</summary>
    public static Node Sqrt(Node x) => Unary(OpCode.Sqrt, x);

    /// <summary>Emits elementwise <c>1 / sqrt(x)</c>.</summary>
    public static Node Rsqrt(Node x) => Unary(OpCode.Rsqrt, x);

    /// <summary>Emits elementwise <c>sin(x)</c>.</summary>
    public static Node Sin(Node x) => Unary(OpCode.Sin, x);

    /// <summary>Emits elementwise <c>cos(x)</c>.</summary>
    public static Node Cos(Node x) => Unary(OpCode.Cos, x);

    /// <summary>Emits elementwise <c>tan(x)</c>.</summary>
    public static Node Tan(Node x) => Unary(OpCode.Tan, x);

    /// <summary>Emits elementwise <c>tanh(x)</c>.</summary>
    public static Node Tanh(Node x) => Unary(OpCode.Tanh, x);

    /// <summary>Emits elementwise <c>1 / (1 + exp(-x))</c>.</summary>
    public static Node Logistic(Node x) => Unary(OpCode.Logistic, x);

    /// <summary>Emits elementwise <c>a + b</c> with broadcasting.</summary>
    public static Node Add(Node a, Node b) => Binary(OpCode.Add, a, b);

    /// <summary>Emits elementwise <c>a - b</c> with broadcasting.</summary>
    public static Node Sub(Node a, Node b) => Binary(OpCode.Sub, a, b);

    /// <summary>Emits elementwise <c>a * b</c> with broadcasting.</summary>
    public static Node Mul(Node a, Node b) => Binary(OpCode.Mul, a, b);

    /// <summary>Emits elementwise <c>a / b</c> with broadcasting.</summary>
    public static Node Div(Node a, Node b) => Binary(OpCode.Div, a, b);

    /// <summary>Emits elementwise <c>a to the power b</c> with broadcasting.</summary>
    public static Node Pow(Node a, Node b) => Binary(OpCode.Pow, a, b);

    /// <summary>Emits elementwise <c>max(a, b)</c> with broadcasting.</summary>
    public static Node Max(Node a, Node b) => Binary(OpCode.Max, a, b);

    /// <summary>Emits elementwise <c>min(a, b)</c> with broadcasting.</summary>
    public static Node Min(Node a, Node b) => Binary(OpCode.Min, a, b);

    /// <summary>Emits elementwise <c>a == b</c> with broadcasting.</summary>
    public static Node Eq(Node a, Node b) => Binary(OpCode.Eq, a, b);

    /// <summary>Emits elementwise <c>a != b</c> with broadcasting.</summary>
    public static Node Ne(Node a, Node b) => Binary(OpCode.Ne, a, b);

    /// <summary>Emits elementwise <c>a &lt; b</c> with broadcasting.</summary>
    public static Node Lt(Node a, Node b) => Binary(OpCode.Lt, a, b);

    /// <summary>Emits elementwise <c>a &lt;= b</c> with broadcasting.</summary>
    public static Node Le(Node a, Node b) => Binary(OpCode.Le, a, b);

    /// <summary>Emits elementwise <c>a &gt; b</c> with broadcasting.</summary>
    public static Node Gt(Node a, Node b) => Binary(OpCode.Gt, a, b);

    /// <summary>Emits elementwise <c>a &gt;= b</c> with broadcasting.</summary>
    public static Node Ge(Node a, Node b) => Binary(OpCode.Ge, a, b);

    // ---- bitwise and logical family (jitergo) ----

    /// <summary>Emits elementwise bitwise (i32) or logical (bool) and, with broadcasting.</summary>
    public static Node BitwiseAnd(Node a, Node b) => Binary(OpCode.BitwiseAnd, a, b);

    /// <summary>Emits elementwise bitwise (i32) or logical (bool) or, with broadcasting.</summary>
    public static Node BitwiseOr(Node a, Node b) => Binary(OpCode.BitwiseOr, a, b);

    /// <summary>Emits elementwise bitwise (i32) or logical (bool) exclusive or, with broadcasting.</summary>
    public static Node BitwiseXor(Node a, Node b) => Binary(OpCode.BitwiseXor, a, b);

    /// <summary>Emits the elementwise bitwise complement (i32) or logical negation (bool).</summary>
    public static Node BitwiseNot(Node x) => Unary(OpCode.BitwiseNot, x);

    /// <summary>Emits the elementwise i32 left shift (amounts outside [0, 32) give 0).</summary>
    public static Node ShiftLeft(Node a, Node b) => Binary(OpCode.ShiftLeft, a, b);

    /// <summary>Emits the elementwise i32 zero-filling right shift (amounts outside [0, 32) give 0).</summary>
    public static Node ShiftRightLogical(Node a, Node b) => Binary(OpCode.ShiftRightLogical, a, b);

    // ---- end bitwise and logical family ----

    /// <summary>Elementwise <paramref name="a"/> where <paramref name="cond"/> is true, else <paramref name="b"/>.</summary>
    public static Node Select(Node cond, Node a, Node b) => B.Emit(OpCode.Select, Attrs.None, cond, a, b);

    /// <summary>Converts to <paramref name="dtype"/>; returns <paramref name="x"/> when it already has it.</summary>
    public static Node Cast(Node x, DType dtype) =>
        x.DType == dtype ? x : B.Emit(OpCode.Cast, new Attrs { DType = dtype }, x);

    /// <summary>The identity with a zero derivative.</summary>
    public static Node StopGradient(Node x) => Unary(OpCode.StopGradient, x);

    /// <summary>The identity, opaque to the optimiser (see <see cref="OpCode.OptimizationBarrier"/>).</summary>
    public static Node OptimizationBarrier(Node x) => Unary(OpCode.OptimizationBarrier, x);

    // ---- more elementwise (ops-elem family) ----

    /// <summary>Emits elementwise <c>erf(x)</c>.</summary>
    public static Node Erf(Node x) => Unary(OpCode.Erf, x);

    /// <summary>Emits elementwise <c>floor(x)</c>.</summary>
    public static Node Floor(Node x) => Unary(OpCode.Floor, x);

    /// <summary>Emits elementwise <c>cosh(x)</c>.</summary>
    public static Node Cosh(Node x) => Unary(OpCode.Cosh, x);

    /// <summary>Emits elementwise <c>sinh(x)</c>.</summary>
    public static Node Sinh(Node x) => Unary(OpCode.Sinh, x);

    /// <summary>Emits elementwise NumPy <c>mod(a, b)</c> (the sign of b) with broadcasting.</summary>
    public static Node Mod(Node a, Node b) => Binary(OpCode.Mod, a, b);

    /// <summary>Emits elementwise <c>atan2(y, x)</c> with broadcasting.</summary>
    public static Node Atan2(Node y, Node x) => Binary(OpCode.Atan2, y, x);

    /// <summary>Emits elementwise <c>polygamma(n, x)</c> with broadcasting; <paramref name="n"/> holds integer values.</summary>
    public static Node Polygamma(Node n, Node x) => Binary(OpCode.Polygamma, n, x);

    /// <summary>Emits the reduction <paramref name="op"/> over <paramref name="axes"/>; no axes returns the input.</summary>
    public static Node Reduce(OpCode op, Node x, int[] axes) =>
        axes.Length == 0 ? x : B.Emit(op, new Attrs { Axes = axes }, x);

    /// <summary>Sum over <paramref name="axes"/> (the axes are removed).</summary>
    public static Node ReduceSum(Node x, params int[] axes) => Reduce(OpCode.ReduceSum, x, axes);

    /// <summary>Maximum over <paramref name="axes"/> (the axes are removed).</summary>
    public static Node ReduceMax(Node x, params int[] axes) => Reduce(OpCode.ReduceMax, x, axes);

    /// <summary>Minimum over <paramref name="axes"/> (the axes are removed).</summary>
    public static Node ReduceMin(Node x, params int[] axes) => Reduce(OpCode.ReduceMin, x, axes);

    /// <summary>Product over <paramref name="axes"/> (the axes are removed).</summary>
    public static Node ReduceProd(Node x, params int[] axes) => Reduce(OpCode.ReduceProd, x, axes);

    /// <summary>The elements of <paramref name="x"/> in row-major order with <paramref name="shape"/>.</summary>
    public static Node Reshape(Node x, Shape shape) =>
        x.Shape == shape ? x : B.Emit(OpCode.Reshape, new Attrs { Shape = shape }, x);

    /// <summary>Permutes the axes: output axis i is input axis <c>perm[i]</c>.</summary>
    public static Node Transpose(Node x, params int[] perm)
    {
        bool identity = true;
        for (int i = 0; i < perm.Length; i++) identity &= perm[i] == i;
        return identity && perm.Length == x.Shape.Rank ? x : B.Emit(OpCode.Transpose, new Attrs { Perm = perm }, x);
    }

    /// <summary>NumPy-style broadcast to <paramref name="shape"/>.</summary>
    public static Node Broadcast(Node x, Shape shape) =>
        x.Shape == shape ? x : B.Emit(OpCode.Broadcast, new Attrs { Shape = shape }, x);

    /// <summary>The box from <paramref name="starts"/> (inclusive) to <paramref name="ends"/> (exclusive).</summary>
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

    /// <summary>Concatenates <paramref name="xs"/> along <paramref name="axis"/>.</summary>
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

    // ---- scans and sorting (ops-shape family) ----

    /// <summary>Inclusive prefix sum of <paramref name="x"/> along <paramref name="axis"/>, from the end when <paramref name="reverse"/>.</summary>
    public static Node CumSum(Node x, int axis, bool reverse = false) =>
        B.Emit(OpCode.CumSum, new Attrs { Axis = axis, Reverse = reverse }, x);

    /// <summary>The i32 indices that stably sort <paramref name="x"/> along <paramref name="axis"/>.</summary>
    public static Node ArgSort(Node x, int axis, bool descending = false) =>
        B.Emit(OpCode.ArgSort, new Attrs { Axis = axis, Reverse = descending }, x);

    /// <summary>Batched matrix product of operands of rank 2 or more, batch axes broadcast.</summary>
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
        // compile-scale: sum(-x) is emitted as -sum(x), the form the optimiser gives it anyway, so that a gradient
        // graph needs no rewriting replay (the negation of the whole cotangent is then dead, and dropped).
        if (x.Op == OpCode.Neg) return Neg(SumToShape(x.InputArray[0], target));
        int lead = x.Shape.Rank - target.Rank;
        var axes = new List<int>();
        for (int i = 0; i < x.Shape.Rank; i++)
        {
            if (i < lead || (target[i - lead] == 1 && x.Shape[i] != 1)) axes.Add(i);
        }
        return Reshape(ReduceSum(x, axes.ToArray()), target);
    }

    // conv family: the three convolution primitives; attrs carries strides, padding, dilation and groups.
    /// <summary>Convolution of x [N, C, S...] with w [O, C/groups, K...] (geometry from <paramref name="conv"/>).</summary>
    public static Node Conv(Node x, Node w, Attrs conv) => B.Emit(OpCode.Conv, ConvAttrs(conv, null), x, w);

    /// <summary>The adjoint of conv in its input: y [N, O, P...] with w to x's shape <paramref name="inputShape"/>.</summary>
    public static Node ConvTranspose(Node y, Node w, Attrs conv, Shape inputShape) =>
        B.Emit(OpCode.ConvTranspose, ConvAttrs(conv, inputShape), y, w);

    /// <summary>The adjoint of conv in its weight: x with y [N, O, P...] to w's shape <paramref name="weightShape"/>.</summary>
    public static Node ConvWeightGrad(Node x, Node y, Attrs conv, Shape weightShape) =>
        B.Emit(OpCode.ConvWeightGrad, ConvAttrs(conv, weightShape), x, y);

    /// <summary>max_pool_pick: per window of x (geometry from <paramref name="pool"/>), t at x's first maximum.</summary>
    public static Node MaxPoolPick(Node x, Node t, Attrs pool) => B.Emit(OpCode.MaxPoolPick, PoolAttrs(pool), x, t);

    /// <summary>max_pool_scatter: x-shaped, each window's g added at x's first maximum (the adjoint of max_pool_pick in t).</summary>
    public static Node MaxPoolScatter(Node x, Node g, Attrs pool) => B.Emit(OpCode.MaxPoolScatter, PoolAttrs(pool), x, g);

    /// <summary>Only the pooling geometry of <paramref name="pool"/>: window (<see cref="Attrs.Shape"/>), strides, padding.</summary>
    public static Attrs PoolAttrs(Attrs pool) => new() { Shape = pool.Shape, Strides = pool.Strides, Padding = pool.Padding };

    /// <summary>Only the convolution geometry of <paramref name="conv"/>, with <paramref name="shape"/> as the target shape.</summary>
    public static Attrs ConvAttrs(Attrs conv, Shape? shape) => new()
    {
        Strides = conv.Strides, Padding = conv.Padding, Dilation = conv.Dilation, Groups = conv.Groups, Shape = shape,
    };
}
