namespace Tracer.Compiler;

/// <summary>
/// The closed set of primitives. Everything users write lowers to these; composites (Softmax, Mean, Softplus...)
/// are built from them in the front end and need no rules of their own.
/// </summary>
public enum OpCode
{
    // Leaves
    Input,
    Literal,
    Constant,

    // Unary elementwise (float unless noted)
    Neg,
    Abs,
    Sign,
    Exp,
    Log,
    Log1p,
    Expm1,
    Sqrt,
    Rsqrt,
    Sin,
    Cos,
    Tan,
    Tanh,
    Logistic,

    // Binary elementwise with NumPy broadcasting; both operands have the same dtype
    Add,
    Sub,
    Mul,
    Div,
    Pow,
    Max,
    Min,

    // Comparisons with broadcasting -> bool
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,

    // select(c, a, b): a where c else b, broadcasting all three
    Select,
    Cast,
    StopGradient,

    // Reductions over Attrs.Axes (no kept dimensions)
    ReduceSum,
    ReduceMax,
    ReduceMin,
    ReduceProd,

    // Shape and data movement
    Reshape,
    Transpose,
    Broadcast,
    Slice,
    Pad,
    Concat,
    Gather,
    ScatterAdd,

    // Linear algebra: batched matrix product of operands of rank >= 2, batch axes broadcast
    MatMul,

    // A user-defined operation (Rule.Define): a traced forward graph with a traced pullback (Attrs.Custom)
    Custom,

    // The identity, opaque to the optimiser: values on either side are never merged by CSE or simplification.
    // Rematerialisation (Jit.Checkpoint) recomputes from behind one so the recomputation is not folded away.
    OptimizationBarrier,

    // Structured control flow (Attrs.Control holds the traced sub-graphs). A construct with several results is one
    // equation per result, each with the same inputs and definition and Attrs.Index naming its result; transforms,
    // the printer and the lowering treat such siblings as one unit (Siblings, ControlFlowRule).
    Scan,
    While,
    Switch,

    // Dense linear algebra on the last two axes, batched over the leading ones (float only). Decompositions with
    // several results (slogdet, eigh, qr, svd) are one equation per result with Attrs.Index naming it, as for
    // control flow; backends compute the decomposition once for all its live results.
    Cholesky,
    TriangularSolve,
    Solve,
    SlogDet,
    Eigh,
    Qr,
    Svd,
}

public enum OpKind
{
    Leaf,
    Unary,
    Binary,
    Compare,
    Select,
    Cast,
    Reduce,
    Structural,
    MatMul,
    Custom,
    ControlFlow,
    Linalg,
}

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
        _ => throw new ArgumentOutOfRangeException(nameof(op)),
    };

    public static OpKind Kind(this OpCode op) => op switch
    {
        OpCode.Input or OpCode.Literal or OpCode.Constant => OpKind.Leaf,
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
