using System.Diagnostics;
using Tracer.Nn;
using Tracer.Training;
using static Tracer.Ops;
using Net = Tracer.Nn.Chain<Tracer.Nn.Dense, Tracer.Nn.Dense>;

namespace Tracer.Benchmarks;

/// <summary>
/// Garbage-collector load of a long training loop as users write it: a compiled AdamW step of a 256-256-10 MLP on a
/// batch of 32 (the 256x256 weight and its two AdamW moments are 256 KB arrays, which .NET keeps on the
/// large-object heap that only a gen-2 collection frees), called <c>steps</c> times, once returning fresh parameters and state each step (the old ones become
/// garbage) and once donating them (<c>Jit.Compile(step, donate: [0, 1])</c>: the outputs reuse the inputs'
/// buffers); the fresh loop also runs with <c>RecycleUnreachableOutputs</c> off, the garbage collector's own
/// behaviour. Prints collections per generation, bytes allocated and wall time for each.
/// Run: <c>dotnet run -c Release -- --gc 100000</c>.
/// </summary>
internal static class TrainingLoopGc
{
    public static void Run(int steps)
    {
        Console.WriteLine($"{steps} AdamW steps of a 256-256-10 MLP (batch 32), {Jit.Config.CpuThreads} thread(s), server GC {System.Runtime.GCSettings.IsServerGC}");
        Console.WriteLine("| loop | gen-0 | gen-1 | gen-2 | allocated | GC pauses | time | final loss |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        Loop(steps, donate: false, "fresh outputs");
        var options = Jit.Config.Cpu;
        Jit.Config.Cpu = options with { RecycleUnreachableOutputs = false };
        Loop(steps, donate: false, "fresh outputs, recycling off");
        Jit.Config.Cpu = options;
        Loop(steps, donate: true, "donated");
    }

    private static void Loop(int steps, bool donate, string label)
    {
        var keys = Prng.Split(Prng.PRNGKey(7), 3);
        Net model = Chain.Of(Dense.Create(keys[0], 256, 256, Activation.Relu), Dense.Create(keys[1], 256, 10));
        var x = Prng.Normal(keys[2], 32, 256);
        var labels = new int[32];
        for (int i = 0; i < labels.Length; i++) labels[i] = i % 10;
        var y = Tensor.FromArray(labels, 32);
        var opt = new AdamW(learningRate: 1e-3, weightDecay: 1e-4);
        var valueAndGrad = Jit.ValueAndGrad((Net m, Tensor xb, Tensor yb) => Losses.CrossEntropy(m.Second.Apply(m.First.Apply(xb)), yb));
        Func<Net, OptimiserState<Net>, Tensor, Tensor, (Net, OptimiserState<Net>, Tensor)> body = (m, s, xb, yb) =>
        {
            var (loss, grads) = valueAndGrad(m, xb, yb);
            var (next, nextState) = opt.Update(m, grads, s);
            return (next, nextState, loss);
        };
        var step = donate ? Jit.Compile(body, donate: [0, 1]) : Jit.Compile(body);
        var state = opt.Init(model);
        Tensor loss = Tensor.Scalar(0f);
        (model, state, loss) = step(model, state, x, y);   // compile outside the counts
        GC.Collect();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var paused = GC.GetTotalPauseDuration();
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            loss.Dispose();   // the loss of the previous step is read by nobody
            (model, state, loss) = step(model, state, x, y);
        }
        clock.Stop();
        allocated = GC.GetTotalAllocatedBytes(precise: true) - allocated;
        paused = GC.GetTotalPauseDuration() - paused;
        Console.WriteLine($"| {label} | {GC.CollectionCount(0) - g0} | {GC.CollectionCount(1) - g1} | " +
            $"{GC.CollectionCount(2) - g2} | {allocated / 1e6:F0} MB | {paused.TotalSeconds:F1} s | {clock.Elapsed.TotalSeconds:F1} s | {loss.Item():G4} |");
    }
}
