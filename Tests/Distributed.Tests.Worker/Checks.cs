using System.Globalization;
using DigitsClassifier;
using Tracer;
using static Tracer.Ops;

namespace Tracer.Distributed.Worker;

/// <summary>A linear model in float64, for the exactness check of averaged gradients.</summary>
public sealed record Linear(Tensor W, Tensor B);

/// <summary>The correctness checks every rank runs together; failures are counted over all ranks.</summary>
internal static class Checks
{
    private static Communicator world = null!;
    private static int failures;

    public static int Run(Communicator communicator, int digitsSteps)
    {
        world = communicator;
        world.CollectiveTimeout = TimeSpan.FromSeconds(120);   // a stuck check fails the test instead of hanging it
        var parallel = new DataParallel(world);
        Check("gradient-even", () => GradientMatchesSingleProcess(parallel, rows: 12 * world.Size));
        Check("gradient-uneven", () => GradientMatchesSingleProcess(parallel, rows: 12 * world.Size + 1));
        Check("sum-mean-mixed-dtypes", SumAndMeanOfMixedTree);
        Check("broadcast-any-dtype", BroadcastFromLastRank);
        Check("replicas-agree", () => ReplicaCheck(parallel));
        Check("structure-mismatch", StructureMismatchIsAnError);
        Check("bad-input-errors", () => BadInputIsAClearError(parallel));
        Check("docs-example", DocsExampleTrains);
        Check("digits-data-parallel", () => DigitsMatchSingleProcess(parallel, digitsSteps));

        var total = world.AllReduceSum(Tensor.FromArray(new double[] { failures }, 1)).ToDoubleArray()[0];
        if (world.IsRoot) Console.WriteLine(FormattableString.Invariant($"SUMMARY ranks={world.Size} failures={total}"));
        world.Dispose();
        return total == 0 ? 0 : 1;
    }

    /// <summary>Runs one check on every rank; rank 0 prints its verdict, every rank prints its own failure.</summary>
    private static void Check(string name, Func<string> check)
    {
        try
        {
            string detail = check();
            if (world.IsRoot) Console.WriteLine($"PASS {name} {detail}");
        }
        catch (Exception e)
        {
            failures++;
            Console.WriteLine($"FAIL {name} rank {world.Rank}: {e.GetType().Name}: {e.Message}");
        }
        Console.Out.Flush();
    }

    private static (Tensor X, Tensor Y, Linear P) LinearProblem(int rows)
    {
        // Deterministic data (the same on every rank): the ranks differ only in which rows they take.
        var x = new double[rows * 5];
        var y = new double[rows * 3];
        for (int i = 0; i < x.Length; i++) x[i] = Math.Sin(0.37 * i + 0.1);
        for (int i = 0; i < y.Length; i++) y[i] = Math.Cos(0.91 * i);
        var w = new double[15];
        for (int i = 0; i < w.Length; i++) w[i] = 0.1 * (i % 7) - 0.3;
        return (Tensor.FromArray(x, rows, 5), Tensor.FromArray(y, rows, 3),
                new Linear(Tensor.FromArray(w, 5, 3), Tensor.FromArray(new double[] { 0.5, -0.25, 0.125 }, 3)));
    }

    private static string GradientMatchesSingleProcess(DataParallel parallel, int rows)
    {
        var (x, y, p) = LinearProblem(rows);
        Func<Linear, Tensor, Tensor, Tensor> loss = (m, xb, yb) => Mean(Square(MatMul(xb, m.W) + m.B - yb));
        var (singleValue, single) = Jit.ValueAndGrad(loss)(p, x, y);
        var (value, grad) = parallel.ValueAndGrad(loss)(p, x, y);
        double diff = Math.Max(MaxAbsDiff(single, grad), Math.Abs(singleValue.Item() - value.Item()));
        double scale = MaxAbs(single);
        if (!(diff <= 1e-12 * Math.Max(1, scale)))
            throw new Exception($"averaged gradient differs from the single-process gradient by {diff:E3} (scale {scale:E3}, {rows} rows)");
        return Inv($"rows={rows} max_abs_diff={diff:E2}");
    }

    private static string SumAndMeanOfMixedTree()
    {
        // Rank r contributes (r + 1) * base values: the sum is base * n(n+1)/2, exactly representable.
        int n = world.Size, r = world.Rank;
        var tree = (F: Tensor.FromArray(new float[] { 1, 2, 3, 4, 5 }, 5) * (r + 1), D: Tensor.FromArray(new double[] { 1, -2, 0.5, 8 }, 2, 2) * (r + 1), S: Tensor.Scalar(0.25 * (r + 1)));
        var sum = world.AllReduceSum(tree);
        var mean = world.AllReduceMean(tree);
        double factor = n * (n + 1) / 2.0;
        Expect(sum.F.ToFloatArray(), new[] { 1 * factor, 2 * factor, 3 * factor, 4 * factor, 5 * factor }, "sum f32");
        Expect(sum.D.ToDoubleArray(), new[] { 1 * factor, -2 * factor, 0.5 * factor, 8 * factor }, "sum f64");
        if (sum.S.Shape.Rank != 0 || sum.S.Item() != 0.25 * factor) throw new Exception($"sum of the scalar leaf is {sum.S}");
        if (sum.F.DType != DType.Float32 || sum.D.DType != DType.Float64) throw new Exception("all-reduce changed a dtype");
        // MPI moves host memory; a leaf on another device comes back on that device.
        var onDevice = world.AllReduceSum(Tensor.FromArray(new double[] { r + 1 }, 1).To(Device.Reference));
        if (!onDevice.Device.Equals(Device.Reference) || onDevice.ToDoubleArray()[0] != factor)
            throw new Exception($"a leaf on {Device.Reference} came back as {onDevice} on {onDevice.Device}");
        Expect(mean.D.ToDoubleArray(), new[] { 1 * factor / n, -2 * factor / n, 0.5 * factor / n, 8 * factor / n }, "mean f64");
        return Inv($"sum_factor={factor}");
    }

    private static string BroadcastFromLastRank()
    {
        int root = world.Size - 1;
        var mine = (Ids: Tensor.FromArray(new[] { world.Rank, 7 }, 2), Flag: Tensor.FromArray(new[] { world.Rank == root, true }, 2), W: Tensor.Full(DType.Float32, world.Rank, 2, 3));
        var got = world.Broadcast(mine, root);
        if (got.Ids.ToInt32Array()[0] != root || got.Flag.ToBoolArray()[0] != true || got.W.ToFloatArray()[5] != root)
            throw new Exception($"rank {world.Rank} received {got.Ids} {got.Flag} {got.W} from rank {root}");
        return Inv($"root={root}");
    }

    private static string ReplicaCheck(DataParallel parallel)
    {
        var (_, _, p) = LinearProblem(1);
        // Each rank starts from its own values; Synchronize makes them rank 0's.
        var own = new Linear(p.W + world.Rank, p.B);
        var synced = parallel.Synchronize(own);
        parallel.CheckReplicasAgree(synced);
        if (world.Size == 1) return "single rank";
        var drifted = world.Rank == 1 ? new Linear(synced.W + 1e-9, synced.B) : synced;
        try
        {
            parallel.CheckReplicasAgree(drifted);
        }
        catch (ReplicaMismatchException e) when (e.Message.Contains("rank(s) 1 ", StringComparison.Ordinal))
        {
            return "a drift of 1e-9 on rank 1 detected";
        }
        throw new Exception("CheckReplicasAgree accepted replicas that differ on rank 1");
    }

    private static string StructureMismatchIsAnError()
    {
        if (world.Size == 1) return "single rank";
        var tree = Tensor.Zeros(DType.Float64, world.Rank == 0 ? 3 : 4);
        try
        {
            world.AllReduceSum(tree);
        }
        catch (MpiException e) when (e.Message.Contains("different structure", StringComparison.Ordinal))
        {
            return "clear error on every rank";
        }
        throw new Exception("trees of different shapes were reduced without an error");
    }

    private static string BadInputIsAClearError(DataParallel parallel)
    {
        // Each error is raised before any message is sent, identically on every rank, so the job stays in step.
        Expect<ArgumentException>(() => parallel.ShardOf(world.Size - 1), "cannot be split over");
        Expect<ArgumentException>(() => world.AllReduceSum(Tensor.FromArray(new[] { 1, 2 }, 2)), "only f32 and f64 leaves can be reduced");
        Expect<InvalidOperationException>(() => Jit.Compile((Tensor t) => world.AllReduceSum(t))(Tensor.Scalar(1.0)), "cannot run inside a traced function");
        Expect<ArgumentOutOfRangeException>(() => world.Broadcast(Tensor.Scalar(1.0), root: world.Size), "root must be a rank");
        return "batch smaller than ranks, i32 reduce, traced call, bad root";
    }

    private static void Expect<TException>(Action call, string fragment) where TException : Exception
    {
        try
        {
            call();
        }
        catch (TException e) when (e.Message.Contains(fragment, StringComparison.Ordinal))
        {
            return;
        }
        throw new Exception($"expected {typeof(TException).Name} saying '{fragment}'");
    }

    private static string DocsExampleTrains()
    {
        var (x, y, p) = LinearProblem(10 * world.Size + 1);
        Func<Linear, Tensor, Tensor, Tensor> loss = (m, xb, yb) => Mean(Square(MatMul(xb, m.W) + m.B - yb));
        // The same 50 Adam steps in one process on the whole batch: the reference the ranks must reproduce.
        var opt = new Tracer.Training.Adam(learningRate: 0.05);
        var model = p;
        var state = opt.Init(model);
        var valueAndGrad = Jit.ValueAndGrad(loss);
        double first = loss(p, x, y).Item(), single = 0;
        for (int step = 0; step < 50; step++)
        {
            var (value, grads) = valueAndGrad(model, x, y);
            (model, state) = opt.Update(model, grads, state);
            single = value.Item();
        }
        double last = DocsExample.Train(world, new Linear(p.W + world.Rank, p.B), x, y);   // Synchronize must undo the + rank
        if (!(last < 0.9 * first) || !(Math.Abs(last - single) <= 1e-10))
            throw new Exception($"the docs' loop gave loss {last} (from {first}); one process gives {single}");
        return Inv($"loss {first:F4} -> {last:F4}, one process {single:F4}");
    }

    private static string DigitsMatchSingleProcess(DataParallel parallel, int steps)
    {
        string csv = DigitsExample.DataPath;
        var single = new DigitsTraining(csv);
        var distributed = new DigitsTraining(csv, parallel);
        double lossDiff = 0;
        for (int i = 0; i < steps; i++) lossDiff = Math.Max(lossDiff, Math.Abs(single.Step(i) - distributed.Step(i)));
        parallel.CheckReplicasAgree(distributed.Model);
        double diff = MaxAbsDiff(single.Model, distributed.Model), scale = MaxAbs(single.Model);
        // f32 parameters: the shard sums add in another order than the whole-batch sum, so agreement is to rounding,
        // not bitwise; 1e-5 relative after a few AdamW steps is ~100 ulps of the largest weight.
        if (!(diff <= 1e-5 * scale) || !(lossDiff <= 1e-5))
            throw new Exception($"after {steps} steps the parameters differ by {diff:E3} (scale {scale:E3}), losses by {lossDiff:E3}");
        return Inv($"steps={steps} max_abs_param_diff={diff:E2} max_loss_diff={lossDiff:E2}");
    }

    private static double MaxAbsDiff<T>(T a, T b)
    {
        var la = Tree.Leaves(a);
        var lb = Tree.Leaves(b);
        double max = 0;
        for (int i = 0; i < la.Length; i++)
        {
            var x = la[i].ToDoubleArray();
            var y = lb[i].ToDoubleArray();
            for (int j = 0; j < x.Length; j++) max = Math.Max(max, Math.Abs(x[j] - y[j]));
        }
        return max;
    }

    private static double MaxAbs<T>(T a)
    {
        double max = 0;
        foreach (var leaf in Tree.Leaves(a)) foreach (var v in leaf.ToDoubleArray()) max = Math.Max(max, Math.Abs(v));
        return max;
    }

    private static void Expect(float[] got, double[] want, string what)
    {
        for (int i = 0; i < want.Length; i++) if (got[i] != want[i]) throw new Exception($"{what}[{i}] = {got[i]}, expected {want[i]}");
    }

    private static void Expect(double[] got, double[] want, string what)
    {
        for (int i = 0; i < want.Length; i++) if (Math.Abs(got[i] - want[i]) > 1e-15 * Math.Abs(want[i])) throw new Exception($"{what}[{i}] = {got[i]}, expected {want[i]}");
    }

    private static string Inv(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
