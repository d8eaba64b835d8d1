using System.Text;

namespace Tracer.Compiler.Lowering;

/// <summary>One step of a <see cref="KernelProgram"/>. Kernels run in order; each writes exactly one buffer.</summary>
public abstract class Kernel
{
    /// <summary>The buffer this kernel writes.</summary>
    public abstract int Output { get; }

    /// <summary>The buffers it reads.</summary>
    public abstract IEnumerable<int> Reads();

    /// <summary>Nodes of the source graph this kernel computes (for comments in printed code).</summary>
    public string Label { get; init; } = "";

    /// <summary>
    /// True when the kernel stores to every element of its output buffer (of <paramref name="length"/> elements)
    /// without reading it first, so the buffer's previous contents do not matter (a backend may skip zeroing it).
    /// </summary>
    public virtual bool OverwritesOutput(int length) => false;

    /// <summary>
    /// Whether the addresses offset + Σ index[d]·stride[d] over the given axes are exactly 0..length-1: the strides,
    /// ordered, are those of a contiguous row-major array of the extents (extent-1 axes do not matter).
    /// </summary>
    protected static bool CoversContiguously(int offset, ReadOnlySpan<int> extents, ReadOnlySpan<int> strides, int length)
    {
        if (offset != 0) return false;
        var axes = new List<(int Stride, int Extent)>();
        long size = 1;
        for (int d = 0; d < extents.Length; d++)
        {
            size *= extents[d];
            if (extents[d] != 1) axes.Add((strides[d], extents[d]));
        }
        if (size != length) return false;
        axes.Sort((x, y) => y.Stride.CompareTo(x.Stride));
        long expected = 1;
        for (int i = axes.Count - 1; i >= 0; i--)
        {
            if (axes[i].Stride != expected) return false;
            expected *= axes[i].Extent;
        }
        return true;
    }
}

/// <summary>How a loop kernel stores its value.</summary>
public enum WriteMode
{
    /// <summary>out[addr] = value.</summary>
    Store,

    /// <summary>
    /// out[addr] = combine(out[addr], value), combine being the kernel's reduction (add when it has none); addresses
    /// repeat (scatter_add, in-place reductions), so iterations must not race. The output is initialised beforehand.
    /// </summary>
    Accumulate,
}

/// <summary>
/// The workhorse: a loop nest over <see cref="Domain"/> that evaluates <see cref="Body"/> at each point and writes it
/// through <see cref="OutMap"/> (plus <see cref="OutDynamic"/> terms for scatters). Reductions come in two forms:
/// with <see cref="WriteMode.Store"/>, the last <see cref="ReducedAxes"/> axes are reduced into a register and one
/// value per kept point is stored (best when the reduced axes are innermost in memory); with
/// <see cref="WriteMode.Accumulate"/>, the loops keep memory order and every point combines into the output, which
/// a preceding kernel filled with the identity (best when a kept axis is innermost, e.g. column sums). In both the
/// out map has stride 0 on reduced axes. Domain axes are coalesced by <see cref="KernelNormalizer"/>, so the common
/// elementwise case is a single flat loop.
/// </summary>
public sealed class LoopKernel : Kernel
{
    /// <summary>
    /// A loop kernel exactly as given; code that builds kernels should use <see cref="KernelNormalizer.Create"/>, which
    /// puts reduced axes last and coalesces axes.
    /// </summary>
    /// <param name="output">The buffer written.</param>
    /// <param name="domain">Extent of each loop axis, outermost first; the last <paramref name="reducedAxes"/> are reduced.</param>
    /// <param name="outMap">The output address of each domain point (stride 0 on reduced axes).</param>
    /// <param name="outDynamic">Data-dependent output address terms (scatter_add); empty otherwise.</param>
    /// <param name="body">The value computed at each point.</param>
    /// <param name="mode">Store or accumulate into the output.</param>
    /// <param name="reduceOp">The reduction (reduce_sum, reduce_max, reduce_min, reduce_prod), or null for a map.</param>
    /// <param name="reducedAxes">How many trailing domain axes are reduced into a register.</param>
    public LoopKernel(int output, int[] domain, IndexMap outMap, DynamicIndex[] outDynamic, ScalarExpr body,
        WriteMode mode = WriteMode.Store, OpCode? reduceOp = null, int reducedAxes = 0)
    {
        OutputBuffer = output;
        Domain = domain;
        OutMap = outMap;
        OutDynamic = outDynamic;
        Body = body;
        Mode = mode;
        ReduceOp = reduceOp;
        ReducedAxes = reducedAxes;
    }

    /// <summary>The buffer this kernel writes (the same as <see cref="Output"/>).</summary>
    public int OutputBuffer { get; }

    /// <inheritdoc/>
    public override int Output => OutputBuffer;

    /// <summary>Extent of each loop axis, outermost first.</summary>
    public int[] Domain { get; }

    /// <summary>Where each domain point writes: an affine map over the domain, stride 0 on reduced axes.</summary>
    public IndexMap OutMap { get; }

    /// <summary>Data-dependent terms added to the output address (scatter_add); empty for every other kernel.</summary>
    public DynamicIndex[] OutDynamic { get; }

    /// <summary>
    /// The value computed at each domain point (fused elementwise operations over loads); its dtype is the output's.
    /// </summary>
    public ScalarExpr Body { get; }

    /// <summary>
    /// Whether each point stores its value or combines it into the output (see <see cref="WriteMode"/>).
    /// </summary>
    public WriteMode Mode { get; }

    /// <summary>reduce_sum, reduce_max, reduce_min or reduce_prod; null for a map kernel.</summary>
    public OpCode? ReduceOp { get; }

    /// <summary>How many trailing domain axes are reduced.</summary>
    public int ReducedAxes { get; }

    /// <summary>
    /// How many leading domain axes are kept (not reduced): each point of them writes one output element.
    /// </summary>
    public int KeptAxes => Domain.Length - ReducedAxes;

    /// <summary>A reduction whose accumulator lives in a register across the trailing reduced axes.</summary>
    public bool IsRegisterReduction => ReduceOp is not null && Mode == WriteMode.Store;

    /// <summary>
    /// True when two iterations may write the same element (scatter_add, in-place reductions): a parallel backend must
    /// run such a kernel sequentially, partition it by output, or use atomics. Every other kernel writes each element
    /// from exactly one kept-axes point.
    /// </summary>
    public bool HasWriteConflicts => Mode == WriteMode.Accumulate;

    /// <summary>The dtype of the value written (the body's dtype).</summary>
    public DType DType => Body.DType;

    /// <summary>A storing kernel whose kept axes map one to one onto the whole buffer.</summary>
    public override bool OverwritesOutput(int length) =>
        Mode == WriteMode.Store && OutDynamic.Length == 0
        && CoversContiguously(OutMap.Offset, Domain.AsSpan(0, KeptAxes), OutMap.Strides.AsSpan(0, KeptAxes), length);

    /// <summary>
    /// Every buffer the body and the dynamic output terms load, plus the output itself when accumulating; sorted.
    /// </summary>
    public override IEnumerable<int> Reads()
    {
        var set = new SortedSet<int>();
        ScalarExprRewriter.VisitLoads(Body, l => set.Add(l.Buffer));
        foreach (var d in OutDynamic) ScalarExprRewriter.VisitLoads(d.Index, l => set.Add(l.Buffer));
        if (Mode == WriteMode.Accumulate) set.Add(OutputBuffer);
        return set;
    }

    /// <summary>The identity of the reduction (0, 1, -inf or +inf; int extremes for i32).</summary>
    public double ReduceIdentity() =>
        Identity(ReduceOp ?? throw new InvalidOperationException("not a reduction kernel"), DType);

    /// <summary>
    /// The identity of <paramref name="reduceOp"/> in <paramref name="dtype"/>: 0 for sum, 1 for product, -inf/+inf for
    /// max/min (int.MinValue/int.MaxValue for int32), the value an accumulating reduction's output is filled with first.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="reduceOp"/> is not a reduction.</exception>
    public static double Identity(OpCode reduceOp, DType dtype) => reduceOp switch
    {
        OpCode.ReduceSum => 0,
        OpCode.ReduceProd => 1,
        OpCode.ReduceMax => dtype == DType.Int32 ? int.MinValue : double.NegativeInfinity,
        OpCode.ReduceMin => dtype == DType.Int32 ? int.MaxValue : double.PositiveInfinity,
        _ => throw new ArgumentException($"{reduceOp.Name()} is not a reduction"),
    };

    /// <summary>
    /// The kernel in one line: domain, reduction, output buffer and address map, write mode and body, e.g. <c>loop
    /// [64] : b2[0+(1)] = add(b0[0+(1)], b1[0+(1)])</c>.
    /// </summary>
    public override string ToString()
    {
        var sb = new StringBuilder();
        sb.Append("loop ").Append(Shape.Format(Domain));
        if (IsRegisterReduction) sb.Append(' ').Append(ReduceOp!.Value.Name()).Append(" over last ").Append(ReducedAxes);
        sb.Append(": b").Append(OutputBuffer).Append('[').Append(OutMap);
        foreach (var d in OutDynamic)
            sb.Append(" + ").Append(d.Stride).Append("*idx<").Append(d.Extent).Append(">(").Append(d.Index).Append(')');
        sb.Append(Mode == WriteMode.Store ? "] = " : ReduceOp is { } op ? $"] {op.Name()}= " : "] += ").Append(Body);
        return sb.ToString();
    }
}

/// <summary>A strided matrix operand or result: matrices at Offset + batch strides, elements at row/col strides.</summary>
public sealed record MatrixRef(int Buffer, int Offset, int[] BatchStrides, int RowStride, int ColStride)
{
    /// <summary>
    /// The operand as <c>b{buffer}[offset+batch(strides) row r col c]</c>, for printed kernel programs.
    /// </summary>
    public override string ToString() =>
        $"b{Buffer}[{Offset}+batch({string.Join(",", BatchStrides)}) row {RowStride} col {ColStride}]";
}

/// <summary>
/// Batched matrix product C[b] = A[b] @ B[b] over the (broadcast) batch shape; A is M x K, B is K x N. Operands are
/// strided views, so transposed or broadcast operands need no copy.
/// </summary>
public sealed class MatMulKernel(int[] batch, int m, int n, int k, MatrixRef a, MatrixRef b, MatrixRef c, DType dtype) : Kernel
{
    /// <summary>The broadcast batch shape the product runs over (empty for a single product).</summary>
    public int[] Batch { get; } = batch;

    /// <summary>Rows of A and C.</summary>
    public int M { get; } = m;

    /// <summary>Columns of B and C.</summary>
    public int N { get; } = n;

    /// <summary>The contracted dimension: columns of A and rows of B (C is all zeros when it is 0).</summary>
    public int K { get; } = k;

    /// <summary>
    /// The left operand, M x K per batch element, as a strided view (a transpose is just swapped strides).
    /// </summary>
    public MatrixRef A { get; } = a;

    /// <summary>The right operand, K x N per batch element, as a strided view.</summary>
    public MatrixRef B { get; } = b;

    /// <summary>The result, M x N per batch element; its buffer is the kernel's output.</summary>
    public MatrixRef C { get; } = c;

    /// <summary>The dtype of A, B and C (float32 or float64).</summary>
    public DType DType { get; } = dtype;

    /// <inheritdoc/>
    public override int Output => C.Buffer;

    /// <summary>Every product stores its whole C (zeros when K = 0), so a C view covering the buffer overwrites it.</summary>
    public override bool OverwritesOutput(int length) =>
        CoversContiguously(C.Offset, [.. Batch, M, N], [.. C.BatchStrides, C.RowStride, C.ColStride], length);

    /// <summary>The buffers of A and B (once when both view the same buffer).</summary>
    public override IEnumerable<int> Reads() => A.Buffer == B.Buffer ? [A.Buffer] : [A.Buffer, B.Buffer];

    /// <summary>The product in one line: batch, sizes and the three operand views.</summary>
    public override string ToString() =>
        $"matmul batch {Shape.Format(Batch)} m={M} n={N} k={K}: {C} = {A} @ {B}";

    /// <summary>
    /// The same product as a reduction loop over [batch..., m, n, k] summing a*b over k: a correct (unblocked)
    /// fallback any backend can run until it has a dedicated GEMM.
    /// </summary>
    public LoopKernel ToLoopKernel()
    {
        int nb = Batch.Length;
        var domain = new int[nb + 3];
        Batch.CopyTo(domain, 0);
        (domain[nb], domain[nb + 1], domain[nb + 2]) = (M, N, K);
        var reduced = new bool[nb + 3];
        reduced[nb + 2] = true;
        IndexMap Map(MatrixRef r, int sm, int sn, int sk)
        {
            var s = new int[nb + 3];
            r.BatchStrides.CopyTo(s, 0);
            (s[nb], s[nb + 1], s[nb + 2]) = (sm, sn, sk);
            return new IndexMap(r.Offset, s);
        }
        var a = new LoadExpr(A.Buffer, DType, Map(A, A.RowStride, 0, A.ColStride), []);
        var b = new LoadExpr(B.Buffer, DType, Map(B, 0, B.ColStride, B.RowStride), []);
        var body = new OpExpr(OpCode.Mul, DType, a, b);
        return KernelNormalizer.Create(C.Buffer, domain, reduced, Map(C, C.RowStride, C.ColStride, 0), [], body,
            reduceOp: OpCode.ReduceSum, label: Label);
    }
}

/// <summary>
/// A control-flow equation (scan, while, switch) run by the backend's host code: its sub-graphs are compiled once,
/// and the loop or branch choice runs on the host, calling them. Inputs are whole contiguous buffers.
/// </summary>
public sealed class HostKernel(Node equation, int[] inputs, int output, (int Index, int Buffer)[]? results = null) : Kernel
{
    /// <summary>
    /// The scan, while or switch equation this kernel runs; its sub-graphs are compiled separately
    /// (<see cref="LoweredProgram.Bodies"/>).
    /// </summary>
    public Node Equation { get; } = equation;

    /// <summary>
    /// On the first kernel of a construct: every live result (result index, buffer), all written by this kernel.
    /// Null on the others, whose result the first one already wrote (they only mark where it is defined).
    /// </summary>
    public (int Index, int Buffer)[]? Results { get; } = results;

    /// <summary>The buffers of the equation's inputs, in operand order, each whole and contiguous.</summary>
    public int[] Inputs { get; } = inputs;

    /// <inheritdoc/>
    public override int Output => output;

    /// <summary>The input buffers (<see cref="Inputs"/>).</summary>
    public override IEnumerable<int> Reads() => Inputs;

    /// <summary>The equation in jaxpr style over buffer names, e.g. <c>b5 = scan[...](b1, b2)</c>.</summary>
    public override string ToString() =>
        $"b{Output} = {Equation.Op.Name()}{Equation.Attrs.Format(Equation.Op)}({string.Join(", ", Array.ConvertAll(Inputs, i => "b" + i))})";
}

/// <summary>
/// A linear-algebra equation (cholesky, triangular_solve, solve, slogdet, eigh, qr, svd) run by the backend's host
/// code on whole contiguous buffers. A decomposition with several live results is lowered as consecutive kernels:
/// the first computes it once and writes every result in <see cref="Results"/>; the others only mark where their
/// result is defined (and read the same inputs, which keeps those alive until the last one).
/// </summary>
public sealed class HostOpKernel(Node equation, int[] inputs, int output, (int Index, int Buffer)[]? results) : Kernel
{
    /// <summary>The linear-algebra equation this kernel runs (its op, attributes and result index).</summary>
    public Node Equation { get; } = equation;

    /// <summary>On the first kernel of a decomposition: (result index, buffer) of every live result; null on the others.</summary>
    public (int Index, int Buffer)[]? Results { get; } = results;

    /// <summary>The buffers of the equation's operands, in order, each whole and contiguous.</summary>
    public int[] Inputs { get; } = inputs;

    /// <inheritdoc/>
    public override int Output => output;

    /// <summary>The operand buffers (<see cref="Inputs"/>).</summary>
    public override IEnumerable<int> Reads() => Inputs;

    /// <summary>
    /// The equation in jaxpr style over buffer names, plus the other results the first kernel of a decomposition
    /// writes.
    /// </summary>
    public override string ToString() =>
        $"b{Output} = {Equation.Op.Name()}{Equation.Attrs.Format(Equation.Op)}({string.Join(", ", Array.ConvertAll(Inputs, i => "b" + i))})"
        + (Results is { Length: > 1 } r ? $" also writing {string.Join(", ", Array.ConvertAll(r[1..], x => $"result {x.Index} to b{x.Buffer}"))}" : "");
}
