namespace Tracer.Compiler.Lowering;

public sealed partial class Lowerer
{
    private ScalarExpr LowerEquation(Node eq)
    {
        var a = eq.Attrs;
        switch (eq.Op)
        {
            case OpCode.Literal:
                return new ConstExpr(a.Value, eq.DType);
            case OpCode.Constant:
            {
                int buffer = NewBuffer(BufferKind.Constant, eq.Type, data: a.Data);
                return Whole(buffer, eq.Type);
            }
            case OpCode.StopGradient or OpCode.OptimizationBarrier:
                // Identities for code generation (the barrier only constrains the graph optimiser, so a value
                // recomputed behind one fuses into its consumer as intended).
                return Value(eq.Inputs[0]);
            case OpCode.Cast:
                return new OpExpr(OpCode.Cast, eq.DType, Value(eq.Inputs[0]));
            case OpCode.Reshape:
                return Reshape(eq);
            case OpCode.Transpose:
                return Views.Apply(Value(eq.Inputs[0]), AxisMap.Transpose(a.Perm!));
            case OpCode.Broadcast:
                return BroadcastTo(eq.Inputs[0], eq.Shape);
            case OpCode.Slice:
                return Views.Apply(Value(eq.Inputs[0]), AxisMap.Slice(a.Starts!));
            case OpCode.Gather:
                return Gather(eq);
            case OpCode.ScatterAdd:
                return ScatterAdd(eq);
            case OpCode.Pad:
                return Pad(eq);
            case OpCode.Concat:
                return Concat(eq);
            case OpCode.MatMul:
                return MatMul(eq);
            case OpCode.Scan or OpCode.While or OpCode.Switch:
                return HostCall(eq);
            case OpCode.CumSum or OpCode.ArgSort:   // ops-shape family
                return SequenceCall(eq);
        }
        if (eq.Op.Kind() == OpKind.Reduce) return Reduce(eq);
        if (eq.Op.Kind() == OpKind.Linalg) return LinalgCall(eq);
        if (eq.Op.Kind() == OpKind.Conv) return LinalgCall(eq);   // conv family: a host kernel on whole buffers, as linalg
        if (!eq.Op.IsElementwise()) throw new NotSupportedException($"lowering: {eq.Op.Name()} is not supported");

        var args = new ScalarExpr[eq.Inputs.Count];
        for (int i = 0; i < args.Length; i++) args[i] = BroadcastTo(eq.Inputs[i], eq.Shape);
        if (eq.Op == OpCode.Mul)
        {
            // x·1 is exactly x in IEEE arithmetic (NaN, infinities and -0 included); a gradient seeds its backward
            // pass with a broadcast 1, which would otherwise cost a multiply per element.
            if (args[0] is ConstExpr { Value: 1 }) return args[1];
            if (args[1] is ConstExpr { Value: 1 }) return args[0];
        }
        return new OpExpr(eq.Op, eq.DType, args);
    }

    /// <summary>
    /// <paramref name="x"/>'s value seen over <paramref name="shape"/> (NumPy broadcasting). A non-trivial expression
    /// that the broadcast would replicate is materialised first, so it is computed once per element of x.
    /// </summary>
    private ScalarExpr BroadcastTo(Node x, Shape shape)
    {
        var value = Value(x);
        if (x.Shape == shape || value is ConstExpr) return value;
        if (!Views.IsTrivial(value) && shape.Size > x.Shape.Size)
            value = MaterialiseValue(x, "before broadcast");
        return Views.Apply(value, AxisMap.Broadcast(x.Shape, shape));
    }

    private ScalarExpr Reshape(Node eq)
    {
        var x = eq.Inputs[0];
        var value = Value(x);
        if (value is ConstExpr) return value;
        return Views.Reshape(value, x.Shape, eq.Shape)
            ?? Views.Reshape(MaterialiseValue(x, "before reshape"), x.Shape, eq.Shape)!;
    }

    private ScalarExpr Gather(Node eq)
    {
        Node x = eq.Inputs[0], indices = eq.Inputs[1];
        var value = Value(x);
        if (value is ConstExpr) return value;
        if (!Views.IsTrivial(value)) value = MaterialiseValue(x, "before gather");
        return Views.Apply(value, AxisMap.Gather(x.Shape, eq.Attrs.Axis, indices.Shape, Value(indices), eq.Attrs.BatchDims,
            IndexedAt(eq, x.Type, indices.Type)));
    }

    private ScalarExpr Reduce(Node eq)
    {
        var x = eq.Inputs[0];
        int rank = x.Shape.Rank;
        var reduced = new bool[rank];
        foreach (int axis in eq.Attrs.Axes!) reduced[axis] = true;
        var outStrides = eq.Shape.Strides();
        var strides = new int[rank];
        for (int i = 0, k = 0; i < rank; i++) strides[i] = reduced[i] ? 0 : outStrides[k++];
        int target = Target(eq);
        if (!ReduceInPlace(x.Shape, reduced))
        {
            kernels.Add(KernelNormalizer.Create(target, x.Shape.ToArray(), reduced, new IndexMap(0, strides), [], Value(x),
                reduceOp: eq.Op, label: Describe(eq), interner: interner));
            return Whole(target, eq.Type);
        }

        // A kept axis is innermost in memory: loop in memory order and combine into the (pre-filled) output.
        // f32 sums and products accumulate in an f64 buffer, as the register form does, then round once.
        bool widen = eq.DType == DType.Float32 && eq.Op is OpCode.ReduceSum or OpCode.ReduceProd;
        var accType = widen ? new TensorType(eq.Shape, DType.Float64) : eq.Type;
        int acc = widen ? NewBuffer(BufferKind.Temporary, accType) : target;
        var body = widen ? new OpExpr(OpCode.Cast, DType.Float64, Value(x)) : Value(x);
        Fill(acc, accType, LoopKernel.Identity(eq.Op, eq.DType), Describe(eq) + " (identity)");
        kernels.Add(KernelNormalizer.Create(acc, x.Shape.ToArray(), null, new IndexMap(0, strides), [], body,
            WriteMode.Accumulate, eq.Op, Describe(eq), interner: interner));
        if (widen) Emit(target, eq.Shape, new OpExpr(OpCode.Cast, eq.DType, Whole(acc, accType)), Describe(eq) + " (round)");
        return Whole(target, eq.Type);
    }

    /// <summary>
    /// True when the innermost non-unit axis is kept and something is reduced: then the register form would walk
    /// memory with a stride in its inner loop, while the in-place form reads contiguously.
    /// </summary>
    private static bool ReduceInPlace(Shape shape, bool[] reduced)
    {
        bool reducesSomething = false;
        for (int i = 0; i < shape.Rank; i++) reducesSomething |= reduced[i] && shape[i] != 1;
        for (int i = shape.Rank - 1; i >= 0; i--)
        {
            if (shape[i] != 1) return reducesSomething && !reduced[i];
        }
        return false;
    }

    /// <summary>scatter_add: zero the target, then accumulate every update at its data-dependent position.</summary>
    private ScalarExpr ScatterAdd(Node eq)
    {
        Node updates = eq.Inputs[0], indices = eq.Inputs[1];
        int axis = eq.Attrs.Axis, bd = eq.Attrs.BatchDims, q = indices.Shape.Rank, kept = q - bd;
        int target = Target(eq);
        Fill(target, eq.Type, 0, Describe(eq) + " (zero)");
        var outStrides = eq.Shape.Strides();
        var strides = new int[updates.Shape.Rank];
        for (int d = 0; d < strides.Length; d++) strides[d] = d < axis ? outStrides[d] : d < axis + kept ? 0 : outStrides[d - kept + 1];
        var idxSource = new int[q];
        for (int k = 0; k < q; k++) idxSource[k] = k < bd ? k : axis + k - bd;
        var index = Views.Apply(Value(indices), new AxisMap(updates.Shape.Rank, idxSource, new int[q]));
        var dynamic = new DynamicIndex(outStrides[axis], eq.Shape[axis], index, IndexedAt(eq, eq.Type, indices.Type));
        kernels.Add(KernelNormalizer.Create(target, updates.Shape.ToArray(), null, new IndexMap(0, strides), [dynamic],
            Value(updates), WriteMode.Accumulate, label: Describe(eq), interner: interner));
        return Whole(target, eq.Type);
    }

    /// <summary>The message context of a gather/scatter index check, e.g. <c>gather on axis 1 of f32[2,3] with indices i32[2,1]</c>.</summary>
    private static string IndexedAt(Node eq, TensorType operand, TensorType indices) =>
        $"{eq.Op.Name()} on axis {eq.Attrs.Axis} of {operand} with indices {indices}" +
        (eq.Attrs.BatchDims == 0 ? "" : $" (batch_dims {eq.Attrs.BatchDims}: each batch element's indices index its own slice)");

    /// <summary>pad: zero the target, then write the operand into the interior sub-region.</summary>
    private ScalarExpr Pad(Node eq)
    {
        var x = eq.Inputs[0];
        int target = Target(eq);
        Fill(target, eq.Type, 0, Describe(eq) + " (zero)");
        var outStrides = eq.Shape.Strides();
        int offset = 0;
        for (int i = 0; i < outStrides.Length; i++) offset += eq.Attrs.Starts![i] * outStrides[i];
        kernels.Add(KernelNormalizer.Create(target, x.Shape.ToArray(), null, new IndexMap(offset, outStrides), [],
            Value(x), label: Describe(eq) + " (interior)", interner: interner));
        return Whole(target, eq.Type);
    }

    /// <summary>concatenate: one loop per operand, each writing its own sub-region of the target.</summary>
    private ScalarExpr Concat(Node eq)
    {
        int axis = eq.Attrs.Axis;
        int target = Target(eq);
        var outStrides = eq.Shape.Strides();
        int start = 0;
        for (int i = 0; i < eq.Inputs.Count; i++)
        {
            var x = eq.Inputs[i];
            kernels.Add(KernelNormalizer.Create(target, x.Shape.ToArray(), null, new IndexMap(start * outStrides[axis], outStrides),
                [], Value(x), label: $"{Describe(eq)} (part {i})", interner: interner));
            start += x.Shape[axis];
        }
        return Whole(target, eq.Type);
    }

    private ScalarExpr MatMul(Node eq)
    {
        int rank = eq.Shape.Rank;
        var batch = eq.Shape.Dims[..^2].ToArray();
        var a = Operand(eq.Inputs[0], batch);
        var b = Operand(eq.Inputs[1], batch);
        int target = Target(eq);
        var outStrides = eq.Shape.Strides();
        var c = new MatrixRef(target, 0, outStrides[..^2], outStrides[rank - 2], outStrides[rank - 1]);
        int k = eq.Inputs[0].Shape.Dims[^1];
        kernels.Add(new MatMulKernel(batch, eq.Shape[rank - 2], eq.Shape[rank - 1], k, a, b, c, eq.DType) { Label = Describe(eq) });
        return Whole(target, eq.Type);
    }

    /// <summary>
    /// A control-flow construct: its inputs as whole buffers. Every live result of the construct (one equation each,
    /// same definition and inputs) is lowered here, as consecutive kernels: the first runs the construct once and
    /// writes all results; the others only mark where their result is defined.
    /// </summary>
    private ScalarExpr HostCall(Node eq)
    {
        var inputs = new int[eq.Inputs.Count];
        for (int i = 0; i < inputs.Length; i++)
        {
            var x = eq.Inputs[i];
            var value = Value(x);
            if (!(value is LoadExpr load && load.IsStrided && load.Map.Offset == 0 && IsContiguous(load.Map.Strides, x.Shape)
                  && buffers[load.Buffer].Length == x.Shape.Size))
                value = MaterialiseValue(x, "control-flow operand");
            inputs[i] = ((LoadExpr)value).Buffer;
        }
        var group = siblings.TryGetValue(eq, out var g) ? g : [eq];
        var targets = new int[group.Count];
        for (int k = 0; k < group.Count; k++) targets[k] = Target(group[k]);
        var results = new (int Index, int Buffer)[group.Count];
        for (int k = 0; k < group.Count; k++) results[k] = (group[k].Attrs.Index, targets[k]);
        for (int k = 0; k < group.Count; k++)
        {
            kernels.Add(new HostKernel(group[k], inputs, targets[k], k == 0 ? results : null) { Label = Describe(group[k]) });
            if (k > 0) values[group[k].Id] = Settle(group[k], Whole(targets[k], group[k].Type));
        }
        return Whole(targets[0], eq.Type);
    }

    /// <summary>The live results of each control-flow construct, keyed by its first live result, in order.</summary>
    private Dictionary<Node, List<Node>> ControlFlowSiblings(bool[] live)
    {
        var byConstruct = new Dictionary<(ControlFlow, string), List<Node>>();
        var result = new Dictionary<Node, List<Node>>(ReferenceEqualityComparer.Instance);
        foreach (var eq in graph.Equations)
        {
            if (!live[eq.Id] || eq.Attrs.Control is not { } def) continue;
            var key = (def, string.Join(",", eq.Inputs.Select(x => x.Id)));
            if (!byConstruct.TryGetValue(key, out var list))
            {
                list = [];
                byConstruct[key] = list;
                result[eq] = list;
            }
            list.Add(eq);
        }
        return result;
    }

    private static bool IsContiguous(int[] strides, Shape shape)
    {
        var expected = shape.Strides();
        for (int i = 0; i < strides.Length; i++)
        {
            if (shape[i] != 1 && strides[i] != expected[i]) return false;
        }
        return strides.Length == shape.Rank;
    }

    /// <summary>A matmul operand as a strided view (materialised when it is not one); broadcast batch axes get stride 0.</summary>
    private MatrixRef Operand(Node x, int[] batch)
    {
        var value = Value(x);
        if (value is not LoadExpr { IsStrided: true })
            value = MaterialiseValue(x, "matmul operand");
        var load = (LoadExpr)value;
        int r = x.Shape.Rank, lead = batch.Length - (r - 2);
        var batchStrides = new int[batch.Length];
        for (int i = 0; i < batch.Length; i++)
        {
            int j = i - lead;
            batchStrides[i] = j < 0 || (x.Shape[j] == 1 && batch[i] != 1) ? 0 : load.Map.Strides[j];
        }
        return new MatrixRef(load.Buffer, load.Map.Offset, batchStrides, load.Map.Strides[r - 2], load.Map.Strides[r - 1]);
    }

    private void Fill(int buffer, TensorType type, double value, string label)
    {
        var shape = new Shape(type.Shape.Size);
        kernels.Add(KernelNormalizer.Create(buffer, shape.ToArray(), null, IndexMap.Contiguous(shape), [],
            new ConstExpr(value, type.DType), label: label, interner: interner));
    }
}
