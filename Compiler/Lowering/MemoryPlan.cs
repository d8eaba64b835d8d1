namespace Tracer.Compiler.Lowering;

/// <summary>
/// Temporaries share storage when their lifetimes do not overlap: each temporary is assigned a slot, and a slot is
/// handed to a later temporary of the same dtype once the last kernel touching its previous occupant has run
/// (a kernel never reads and writes the same slot through different buffers). A slot's length is the largest of
/// its occupants. Inputs, outputs and constants have no slot.
/// </summary>
public sealed class MemoryPlan
{
    private MemoryPlan(int[] slotOf, DType[] slotTypes, int[] slotLengths)
    {
        SlotOf = slotOf;
        SlotTypes = slotTypes;
        SlotLengths = slotLengths;
    }

    /// <summary>Per buffer, its slot, or -1 for inputs, outputs and constants.</summary>
    public IReadOnlyList<int> SlotOf { get; }

    /// <summary>The dtype of each slot (all its occupants share it).</summary>
    public IReadOnlyList<DType> SlotTypes { get; }

    /// <summary>The length of each slot in elements: the largest of its occupants.</summary>
    public IReadOnlyList<int> SlotLengths { get; }

    /// <summary>
    /// Plans the temporaries of <paramref name="program"/> from each buffer's first and last use in kernel order.
    /// Greedy, in kernel order: a starting temporary takes a free slot of its dtype (the smallest that fits, else the
    /// largest, which grows), and a new slot only when none is free.
    /// </summary>
    public static MemoryPlan Create(KernelProgram program)
    {
        int n = program.Buffers.Count;
        var first = new int[n];
        var last = new int[n];
        Array.Fill(first, -1);
        int at = 0;
        Action<LoadExpr> touchLoad = l => Touch(l.Buffer, at);
        for (int k = 0; k < program.Kernels.Count; k++)
        {
            var kernel = program.Kernels[k];
            Touch(kernel.Output, k);
            if (kernel is LoopKernel loop)
            {
                // Loads touched directly (a buffer twice is harmless): Reads() builds a sorted set per kernel.
                at = k;
                ScalarExprRewriter.VisitLoads(loop.Body, touchLoad);
                foreach (var d in loop.OutDynamic) ScalarExprRewriter.VisitLoads(d.Index, touchLoad);
            }
            else
            {
                foreach (int b in kernel.Reads()) Touch(b, k);
            }
        }

        void Touch(int b, int k)
        {
            if (first[b] < 0) first[b] = k;
            last[b] = k;
        }

        // Which temporaries start and end at each kernel.
        var starting = new List<int>?[program.Kernels.Count + 1];   // null: none (most kernels of a long chain)
        var ending = new List<int>?[program.Kernels.Count + 1];
        foreach (var b in program.Buffers)
        {
            if (b.Kind != BufferKind.Temporary || first[b.Id] < 0) continue;
            (starting[first[b.Id]] ??= []).Add(b.Id);
            (ending[last[b.Id]] ??= []).Add(b.Id);
        }

        var slotOf = new int[n];
        Array.Fill(slotOf, -1);
        var types = new List<DType>();
        var lengths = new List<int>();
        // Free slots per dtype, grouped by length, with the distinct lengths kept sorted: finding the best slot is a
        // binary search over the few distinct lengths a program has, so programs of many thousands of temporaries
        // plan in near-linear time (scanning a list of free slots made them quadratic).
        var free = new Dictionary<DType, FreeSlots>();
        for (int k = 0; k < program.Kernels.Count; k++)
        {
            foreach (int b in starting[k] ?? [])
            {
                var info = program.Buffers[b];
                int best;
                if (free.TryGetValue(info.DType, out var slots) && slots.TryTake(info.Length, out best))
                {
                    lengths[best] = Math.Max(lengths[best], info.Length);
                }
                else
                {
                    best = types.Count;
                    types.Add(info.DType);
                    lengths.Add(info.Length);
                }
                slotOf[b] = best;
            }
            // Slots are released only after kernel k ran, so no kernel reads and writes one slot.
            foreach (int b in ending[k] ?? [])
            {
                int s = slotOf[b];
                if (!free.TryGetValue(types[s], out var slots)) free[types[s]] = slots = new FreeSlots();
                slots.Add(lengths[s], s);
            }
        }
        return new MemoryPlan(slotOf, types.ToArray(), lengths.ToArray());
    }

    /// <summary>The free slots of one dtype by length.</summary>
    private sealed class FreeSlots
    {
        private readonly Dictionary<int, Stack<int>> byLength = [];
        private readonly List<int> lengths = [];   // sorted; only lengths with a free slot

        public void Add(int length, int slot)
        {
            if (!byLength.TryGetValue(length, out var stack)) byLength[length] = stack = new Stack<int>();
            if (stack.Count == 0)
            {
                int at = lengths.BinarySearch(length);
                lengths.Insert(~at, length);
            }
            stack.Push(slot);
        }

        /// <summary>The smallest free slot that fits <paramref name="need"/> elements, else the largest (which then grows).</summary>
        public bool TryTake(int need, out int slot)
        {
            slot = -1;
            if (lengths.Count == 0) return false;
            int at = lengths.BinarySearch(need);
            if (at < 0) at = ~at;
            if (at == lengths.Count) at = lengths.Count - 1;
            int length = lengths[at];
            var stack = byLength[length];
            slot = stack.Pop();
            if (stack.Count == 0) lengths.RemoveAt(at);
            return true;
        }
    }
}
