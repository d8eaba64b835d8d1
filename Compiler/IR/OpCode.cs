namespace Tracer.Compiler;

/// <summary>
/// The closed set of primitives. Everything users write lowers to these; composites (Softmax, Mean, Softplus...)
/// are built from them in the front end and need no rules of their own.
/// </summary>
public enum OpCode
{
    // Leaves
    /// <summary>A parameter of the graph (<see cref="Attrs.Index"/> is its position).</summary>
    Input,
    /// <summary>A scalar constant written into the graph (<see cref="Attrs.Value"/> of <see cref="Attrs.DType"/>).</summary>
    Literal,
    /// <summary>A tensor constant: host data captured from a concrete tensor (<see cref="Attrs.Data"/>).</summary>
    Constant,

    // Unary elementwise (float unless noted)
    /// <summary>Elementwise negation.</summary>
    Neg,
    /// <summary>Elementwise absolute value.</summary>
    Abs,
    /// <summary>Elementwise sign: -1, 0 or 1.</summary>
    Sign,
    /// <summary>Elementwise e to the power x.</summary>
    Exp,
    /// <summary>Elementwise natural logarithm.</summary>
    Log,
    /// <summary>Elementwise log(1 + x), accurate for small x.</summary>
    Log1p,
    /// <summary>Elementwise exp(x) - 1, accurate for small x.</summary>
    Expm1,
    /// <summary>Elementwise square root.</summary>
    Sqrt,
    /// <summary>Elementwise reciprocal square root, 1 / sqrt(x).</summary>
    Rsqrt,
    /// <summary>Elementwise sine.</summary>
    Sin,
    /// <summary>Elementwise cosine.</summary>
    Cos,
    /// <summary>Elementwise tangent.</summary>
    Tan,
    /// <summary>Elementwise hyperbolic tangent.</summary>
    Tanh,
    /// <summary>Elementwise logistic sigmoid, 1 / (1 + exp(-x)).</summary>
    Logistic,

    // Binary elementwise with NumPy broadcasting; both operands have the same dtype
    /// <summary>Elementwise sum.</summary>
    Add,
    /// <summary>Elementwise difference.</summary>
    Sub,
    /// <summary>Elementwise product.</summary>
    Mul,
    /// <summary>Elementwise quotient.</summary>
    Div,
    /// <summary>Elementwise power, a to the b.</summary>
    Pow,
    /// <summary>Elementwise maximum of two operands.</summary>
    Max,
    /// <summary>Elementwise minimum of two operands.</summary>
    Min,

    // Comparisons with broadcasting -> bool
    /// <summary>Elementwise a == b (bool).</summary>
    Eq,
    /// <summary>Elementwise a != b (bool).</summary>
    Ne,
    /// <summary>Elementwise a &lt; b (bool).</summary>
    Lt,
    /// <summary>Elementwise a &lt;= b (bool).</summary>
    Le,
    /// <summary>Elementwise a &gt; b (bool).</summary>
    Gt,
    /// <summary>Elementwise a &gt;= b (bool).</summary>
    Ge,

    // select(c, a, b): a where c else b, broadcasting all three
    /// <summary>Elementwise choice: a where the condition is true, else b.</summary>
    Select,
    /// <summary>Conversion to <see cref="Attrs.DType"/>.</summary>
    Cast,
    /// <summary>The identity, with a zero derivative.</summary>
    StopGradient,

    // Reductions over Attrs.Axes (no kept dimensions)
    /// <summary>Sum over <see cref="Attrs.Axes"/>.</summary>
    ReduceSum,
    /// <summary>Maximum over <see cref="Attrs.Axes"/>.</summary>
    ReduceMax,
    /// <summary>Minimum over <see cref="Attrs.Axes"/>.</summary>
    ReduceMin,
    /// <summary>Product over <see cref="Attrs.Axes"/>.</summary>
    ReduceProd,

    // Shape and data movement
    /// <summary>The same elements in row-major order with shape <see cref="Attrs.Shape"/>.</summary>
    Reshape,
    /// <summary>Axes permuted by <see cref="Attrs.Perm"/>.</summary>
    Transpose,
    /// <summary>NumPy-style broadcast to <see cref="Attrs.Shape"/>.</summary>
    Broadcast,
    /// <summary>The box from <see cref="Attrs.Starts"/> (inclusive) to <see cref="Attrs.Ends"/> (exclusive).</summary>
    Slice,
    /// <summary>Zero padding: <see cref="Attrs.Starts"/> elements before and <see cref="Attrs.Ends"/> after each axis.</summary>
    Pad,
    /// <summary>Concatenation of the inputs along <see cref="Attrs.Axis"/>.</summary>
    Concat,
    /// <summary>Rows of the first input at the indices of the second along <see cref="Attrs.Axis"/>.</summary>
    Gather,
    /// <summary>The transpose of gather: updates added into zeros of <see cref="Attrs.Shape"/> at the indices.</summary>
    ScatterAdd,

    // Linear algebra: batched matrix product of operands of rank >= 2, batch axes broadcast
    /// <summary>Batched matrix product with broadcast batch axes.</summary>
    MatMul,

    // A user-defined operation (Rule.Define): a traced forward graph with a traced pullback (Attrs.Custom)
    /// <summary>A user-defined operation with its own pullback (<see cref="Attrs.Custom"/>).</summary>
    Custom,

    // The identity, opaque to the optimiser: values on either side are never merged by CSE or simplification.
    // Rematerialisation (Jit.Checkpoint) recomputes from behind one so the recomputation is not folded away.
    /// <summary>The identity, opaque to the optimiser.</summary>
    OptimizationBarrier,

    // Structured control flow (Attrs.Control holds the traced sub-graphs). A construct with several results is one
    // equation per result, each with the same inputs and definition and Attrs.Index naming its result; transforms,
    // the printer and the lowering treat such siblings as one unit (Siblings, ControlFlowRule).
    /// <summary>A loop over the leading axis of its inputs, carrying state (<see cref="ScanDef"/>).</summary>
    Scan,
    /// <summary>A loop while a condition holds (<see cref="WhileDef"/>).</summary>
    While,
    /// <summary>One of several branches chosen by an index (<see cref="SwitchDef"/>).</summary>
    Switch,

    // Dense linear algebra on the last two axes, batched over the leading ones (float only). Decompositions with
    // several results (slogdet, eigh, qr, svd) are one equation per result with Attrs.Index naming it, as for
    // control flow; backends compute the decomposition once for all its live results.
    /// <summary>
    /// cholesky(a): the lower Cholesky factor L of symmetric positive definite matrices [..., n, n], L L^T = a (NaNs
    /// when not positive definite).
    /// </summary>
    Cholesky,
    /// <summary>
    /// triangular_solve[lower, transpose_a](a, b): X with op(a) X = b for triangular a [..., n, n] and b [..., n, k].
    /// </summary>
    TriangularSolve,
    /// <summary>
    /// solve(a, b): X = a^-1 b for square a [..., n, n] and b [..., n, k] (LU with partial pivoting).
    /// </summary>
    Solve,
    /// <summary>slogdet(a): result 0 = the sign of det(a), result 1 = log|det(a)|, per matrix of [..., n, n].</summary>
    SlogDet,
    /// <summary>
    /// eigh(a): result 0 = ascending eigenvalues [..., n], result 1 = orthonormal eigenvectors [..., n, n] of a
    /// symmetric matrix.
    /// </summary>
    Eigh,
    /// <summary>
    /// qr(a): reduced QR of [..., m, n]: result 0 = Q [..., m, k], result 1 = R [..., k, n], k = min(m, n).
    /// </summary>
    Qr,
    /// <summary>svd(a): reduced SVD of [..., m, n]: result 0 = U, result 1 = S (descending), result 2 = Vh.</summary>
    Svd,

    // ---- more elementwise (ops-elem family): unary float functions, then binary ones with broadcasting ----
    /// <summary>Elementwise arcsine.</summary>
    Asin,
    /// <summary>Elementwise arccosine.</summary>
    Acos,
    /// <summary>Elementwise arctangent.</summary>
    Atan,
    /// <summary>Elementwise hyperbolic sine.</summary>
    Sinh,
    /// <summary>Elementwise hyperbolic cosine.</summary>
    Cosh,
    /// <summary>Elementwise inverse hyperbolic sine.</summary>
    Asinh,
    /// <summary>Elementwise inverse hyperbolic cosine.</summary>
    Acosh,
    /// <summary>Elementwise inverse hyperbolic tangent.</summary>
    Atanh,
    /// <summary>Elementwise error function.</summary>
    Erf,
    /// <summary>Elementwise complementary error function, 1 - erf(x), accurate where erf(x) is near 1.</summary>
    Erfc,
    /// <summary>Elementwise log of the absolute value of the gamma function.</summary>
    Lgamma,
    /// <summary>Elementwise round toward minus infinity (zero derivative).</summary>
    Floor,
    /// <summary>Elementwise round toward plus infinity (zero derivative).</summary>
    Ceil,
    /// <summary>Elementwise round to the nearest integer, halves to even (zero derivative).</summary>
    Round,
    /// <summary>Elementwise round toward zero (zero derivative).</summary>
    Trunc,
    /// <summary>Elementwise atan2(y, x): the angle of the point (x, y), in (-pi, pi].</summary>
    Atan2,
    /// <summary>Elementwise NumPy mod: a - floor(a / b) * b, with the sign of b (float and i32).</summary>
    Mod,
    /// <summary>Elementwise polygamma(n, x): the n-th derivative of the digamma function (n a non-negative integer value).</summary>
    Polygamma,
    // ---- Bitwise and logical family (jitergo) ----
    // Elementwise with broadcasting, no gradient. and/or/xor/not take i32 (bitwise) or bool (logical); the shifts
    // take i32 and follow XLA: a shift amount outside [0, 32) gives 0. Kinds: not is unary, the others binary.
    /// <summary>Elementwise bitwise and (logical and for bool).</summary>
    BitwiseAnd,
    /// <summary>Elementwise bitwise or (logical or for bool).</summary>
    BitwiseOr,
    /// <summary>Elementwise bitwise exclusive or (logical xor for bool).</summary>
    BitwiseXor,
    /// <summary>Elementwise bitwise complement (logical not for bool).</summary>
    BitwiseNot,
    /// <summary>Elementwise i32 left shift; amounts outside [0, 32) give 0.</summary>
    ShiftLeft,
    /// <summary>Elementwise i32 logical (zero-filling) right shift; amounts outside [0, 32) give 0.</summary>
    ShiftRightLogical,
    // ---- end bitwise and logical family ----
    // Convolution family (conv helper): PyTorch layouts x [N, C, spatial...], w [O, C/groups, kernel...], 1-3
    // spatial axes, Attrs.Strides/Padding/Dilation/Groups. conv_transpose and conv_weight_grad are the adjoints of
    // conv with respect to its input and its weight; with conv they form a set closed under differentiation.
    /// <summary>N-d convolution (cross-correlation) of x [N, C, S...] with w [O, C/groups, K...].</summary>
    Conv,
    /// <summary>The adjoint of conv in its input: y [N, O, P...] and w [O, C/groups, K...] to x-shaped <see cref="Attrs.Shape"/>.</summary>
    ConvTranspose,
    /// <summary>The adjoint of conv in its weight: x [N, C, S...] and y [N, O, P...] to w-shaped <see cref="Attrs.Shape"/>.</summary>
    ConvWeightGrad,
    // Max pooling (conv helper): window (Attrs.Shape), Strides and Padding over the trailing 1-3 axes of x; every
    // leading axis is a batch axis. Both read the window's first maximum of x (a NaN counts as the largest; padding
    // never wins) and are linear in their second operand, so each is the other's adjoint and the set is closed under
    // differentiation; max_pool(x) is max_pool_pick(x, x).
    /// <summary>max_pool_pick(x, t): for each pooling window, t at the position of x's first maximum in it.</summary>
    MaxPoolPick,
    /// <summary>max_pool_scatter(x, g): x-shaped; each window's g added at the position of x's first maximum in it.</summary>
    MaxPoolScatter,
    // Scans and sorting along one axis (ops-shape family). Both run as host kernels on whole buffers.
    /// <summary>Inclusive prefix sum along <see cref="Attrs.Axis"/> (from the end when <see cref="Attrs.Reverse"/>).</summary>
    CumSum,
    /// <summary>
    /// The i32 permutation that stably sorts each line along <see cref="Attrs.Axis"/> (descending when
    /// <see cref="Attrs.Reverse"/>; NaN after every number ascending, before every number descending).
    /// </summary>
    ArgSort,
}

/// <summary>Families of primitives that share shape rules, lowering and printing.</summary>
public enum OpKind
{
    /// <summary>Inputs, literals and constants.</summary>
    Leaf,
    /// <summary>One-operand elementwise functions.</summary>
    Unary,
    /// <summary>Two-operand elementwise arithmetic with broadcasting.</summary>
    Binary,
    /// <summary>Elementwise comparisons giving bool.</summary>
    Compare,
    /// <summary>The elementwise select.</summary>
    Select,
    /// <summary>Conversions and identities (cast, stop_gradient, optimization_barrier).</summary>
    Cast,
    /// <summary>Reductions over axes.</summary>
    Reduce,
    /// <summary>Shape and data movement (reshape, transpose, slice, gather...).</summary>
    Structural,
    /// <summary>The matrix product.</summary>
    MatMul,
    /// <summary>User-defined operations.</summary>
    Custom,
    /// <summary>Scan, while and switch.</summary>
    ControlFlow,
    /// <summary>
    /// Dense linear algebra on the last two axes (cholesky, triangular_solve, solve, slogdet, eigh, qr, svd).
    /// </summary>
    Linalg,
    /// <summary>Convolutions (conv, conv_transpose, conv_weight_grad).</summary>
    Conv,
}

/// <summary>Names and families of the primitives.</summary>
public static class OpInfo
{
    /// <summary>The jaxpr-style name used in printed graphs and error messages.</summary>
    public static string Name(this OpCode op) => op switch
    {
        OpCode.Input => "input",
        OpCode.Literal => "literal",
        OpCode.Constant => "constant",
        OpCode.Neg => "neg",
        OpCode.Abs => "abs",
        OpCode.Sign => "sign",
        OpCode.Exp => "exp",
        OpCode.Log => "log",
        OpCode.Log1p => "log1p",
        OpCode.Expm1 => "expm1",
        OpCode.Sqrt => "sqrt",
        OpCode.Rsqrt => "rsqrt",
        OpCode.Sin => "sin",
        OpCode.Cos => "cos",
        OpCode.Tan => "tan",
        OpCode.Tanh => "tanh",
        OpCode.Logistic => "logistic",
        OpCode.Add => "add",
        OpCode.Sub => "sub",
        OpCode.Mul => "mul",
        OpCode.Div => "div",
        OpCode.Pow => "pow",
        OpCode.Max => "max",
        OpCode.Min => "min",
        OpCode.Eq => "eq",
        OpCode.Ne => "ne",
        OpCode.Lt => "lt",
        OpCode.Le => "le",
        OpCode.Gt => "gt",
        OpCode.Ge => "ge",
        OpCode.Select => "select",
        OpCode.Cast => "convert_element_type",
        OpCode.StopGradient => "stop_gradient",
        OpCode.ReduceSum => "reduce_sum",
        OpCode.ReduceMax => "reduce_max",
        OpCode.ReduceMin => "reduce_min",
        OpCode.ReduceProd => "reduce_prod",
        OpCode.Reshape => "reshape",
        OpCode.Transpose => "transpose",
        OpCode.Broadcast => "broadcast_in_dim",
        OpCode.Slice => "slice",
        OpCode.Pad => "pad",
        OpCode.Concat => "concatenate",
        OpCode.Gather => "gather",
        OpCode.ScatterAdd => "scatter_add",
        OpCode.MatMul => "matmul",
        OpCode.Custom => "custom_vjp_call",
        OpCode.OptimizationBarrier => "optimization_barrier",
        OpCode.Scan => "scan",
        OpCode.While => "while",
        OpCode.Switch => "switch",
        OpCode.Cholesky => "cholesky",
        OpCode.TriangularSolve => "triangular_solve",
        OpCode.Solve => "solve",
        OpCode.SlogDet => "slogdet",
        OpCode.Eigh => "eigh",
        OpCode.Qr => "qr",
        OpCode.Svd => "svd",
        // more elementwise (ops-elem family)
        OpCode.Asin => "asin",
        OpCode.Acos => "acos",
        OpCode.Atan => "atan",
        OpCode.Sinh => "sinh",
        OpCode.Cosh => "cosh",
        OpCode.Asinh => "asinh",
        OpCode.Acosh => "acosh",
        OpCode.Atanh => "atanh",
        OpCode.Erf => "erf",
        OpCode.Erfc => "erfc",
        OpCode.Lgamma => "lgamma",
        OpCode.Floor => "floor",
        OpCode.Ceil => "ceil",
        OpCode.Round => "round",
        OpCode.Trunc => "trunc",
        OpCode.Atan2 => "atan2",
        OpCode.Mod => "mod",
        OpCode.Polygamma => "polygamma",
        // bitwise and logical family (jitergo)
        OpCode.BitwiseAnd => "and",
        OpCode.BitwiseOr => "or",
        OpCode.BitwiseXor => "xor",
        OpCode.BitwiseNot => "not",
        OpCode.ShiftLeft => "shift_left",
        OpCode.ShiftRightLogical => "shift_right_logical",
        // conv family
        OpCode.Conv => "conv",
        OpCode.ConvTranspose => "conv_transpose",
        OpCode.ConvWeightGrad => "conv_weight_grad",
        OpCode.MaxPoolPick => "max_pool_pick",
        OpCode.MaxPoolScatter => "max_pool_scatter",
        // ops-shape family
        OpCode.CumSum => "cumsum",
        OpCode.ArgSort => "argsort",
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    /// <summary>The family <paramref name="op"/> belongs to.</summary>
    public static OpKind Kind(this OpCode op) => op switch
    {
        OpCode.Input or OpCode.Literal or OpCode.Constant => OpKind.Leaf,
        // bitwise and logical family (jitergo): declared after the ranges below, so named one by one
        OpCode.BitwiseNot => OpKind.Unary,
        OpCode.BitwiseAnd or OpCode.BitwiseOr or OpCode.BitwiseXor or OpCode.ShiftLeft or OpCode.ShiftRightLogical => OpKind.Binary,
        >= OpCode.Neg and <= OpCode.Logistic => OpKind.Unary,
        >= OpCode.Add and <= OpCode.Min => OpKind.Binary,
        >= OpCode.Eq and <= OpCode.Ge => OpKind.Compare,
        OpCode.Select => OpKind.Select,
        OpCode.Cast or OpCode.StopGradient or OpCode.OptimizationBarrier => OpKind.Cast,
        >= OpCode.ReduceSum and <= OpCode.ReduceProd => OpKind.Reduce,
        OpCode.MatMul => OpKind.MatMul,
        OpCode.Custom => OpKind.Custom,
        OpCode.Scan or OpCode.While or OpCode.Switch => OpKind.ControlFlow,
        >= OpCode.Cholesky and <= OpCode.Svd => OpKind.Linalg,
        // more elementwise (ops-elem family)
        >= OpCode.Asin and <= OpCode.Trunc => OpKind.Unary,
        OpCode.Atan2 or OpCode.Mod or OpCode.Polygamma => OpKind.Binary,
        >= OpCode.Conv and <= OpCode.MaxPoolScatter => OpKind.Conv,   // conv family and max pooling: host kernels
        _ => OpKind.Structural,
    };

    /// <summary>Elementwise ops (with broadcasting) can be fused into one loop nest.</summary>
    public static bool IsElementwise(this OpCode op) =>
        op.Kind() is OpKind.Unary or OpKind.Binary or OpKind.Compare or OpKind.Select or OpKind.Cast;

    /// <summary>Every primitive except the leaves.</summary>
    public static IEnumerable<OpCode> Primitives()
    {
        foreach (OpCode op in Enum.GetValues<OpCode>())
        {
            if (op.Kind() != OpKind.Leaf) yield return op;
        }
    }
}
