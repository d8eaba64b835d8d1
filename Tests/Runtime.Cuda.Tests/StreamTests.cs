using Tracer.Compiler;
using Tracer.Runtime.Cuda;
using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// Each compiled program queues its work on a stream of its own (not ILGPU's default stream); the host waits only to
/// read results or when the device moves from one stream with queued work to another.
/// </summary>
[TestClass]
public class StreamTests
{
    [TestMethod]
    public void AProgramRunsOnItsOwnStreamAndWaitsOnlyWhenWorkChangesStreams()
    {
        using var backend = CudaRuntime.CreateEmulator(12);
        var start = new float[] { 0.5f, -1, 2, 0.25f, 3, -2, 1, 0 };
        var probe = Tensor.FromArray(start, 8).To(backend.Device);
        CudaExecutable Compile(Func<Tensor, Tensor> f) =>
            (CudaExecutable)backend.Compile(Pipeline.Lower(Jit.Lower(f, probe).Optimised, new PipelineOptions(backend)));
        var step = Compile(t => Tanh(t) * 0.5 + t);
        var other = Compile(t => t * 2.0);

        Storage[] Run(CudaExecutable exe, Storage input)
        {
            var outputs = new Storage[1];
            exe.Run([input], outputs);
            return outputs;
        }
        var state = Run(step, backend.FromHost(start))[0];
        Assert.AreNotSame(backend.Accelerator.DefaultStream, step.Stream, "not the default stream");
        Assert.AreNotSame(step.Stream, other.Stream, "a stream per program");
        long waits = backend.StreamSwitchWaits;
        for (int i = 0; i < 5; i++)
        {
            var next = Run(step, state)[0];
            backend.Release(state);
            state = next;
        }
        Assert.AreEqual(waits, backend.StreamSwitchWaits, "a program that consumes its own outputs never waits for the host");
        var doubled = Run(other, state)[0];
        Assert.AreEqual(waits + 1, backend.StreamSwitchWaits, "moving to another stream with work queued waits once");
        var values = (float[])backend.ToHost(doubled);
        Assert.AreEqual(waits + 1, backend.StreamSwitchWaits, "reading back waits for the stream itself, not a switch");
        _ = Run(other, doubled);
        Assert.AreEqual(waits + 1, backend.StreamSwitchWaits, "nothing queued after the read: no wait");

        var expected = start.Select(v =>
        {
            for (int i = 0; i < 6; i++) v = MathF.Tanh(v) * 0.5f + v;
            return v * 2;
        }).ToArray();
        TestUtil.AssertClose(expected.Select(v => (double)v).ToArray(), values.Select(v => (double)v).ToArray(), 1e-6, 1e-6, "six steps then doubled");
    }

    [TestMethod]
    public void ControlFlowBodiesOnTheirOwnStreamsHandTheirResultsBack()
    {
        // A while loop: the host drives it, each body a program with its own stream; the outer program resumes on its
        // own stream after every host step.
        using var backend = CudaRuntime.CreateEmulator(13);
        var x = Tensor.FromArray(new double[] { 0.1, 0.2, 0.3 }, 3);
        Func<Tensor, Tensor> f = t => Sin(WhileLoop(c => Less(Sum(c), 10.0), c => Tanh(c) * 1.5 + c + 0.1, Exp(t))) * 2.0;
        var onDevice = x.To(backend.Device);
        var compiled = Jit.Compile(f);
        var expected = Jit.Compile(f)(x).ToDoubleArray();
        TestUtil.AssertClose(expected, compiled(onDevice).ToDoubleArray(), 1e-12, 1e-12, "while loop");
        // A body uploads its carry on its own stream after the host has waited for the outer program's: switching
        // streams then finds nothing queued, so iterations add no waits of their own.
        long waits = backend.StreamSwitchWaits;
        TestUtil.AssertClose(expected, compiled(onDevice).ToDoubleArray(), 1e-12, 1e-12, "while loop again");
        Assert.IsLessThanOrEqualTo(waits + 1, backend.StreamSwitchWaits, "at most the one wait of entering the program");
    }
}
