using static Tracer.Ops;

namespace Tracer.Tests.Runtime;

/// <summary>Jit.Lower, DebugNans, TRACER_DUMP, compile events and the options users can reach.</summary>
[TestClass]
[DoNotParallelize]
public class InspectionTests
{
    [TestMethod]
    public void LowerShowsEveryStageOfAGradient()
    {
        var df = Jit.Grad((Tensor x) => Sum(Tanh(x) * Sin(x)));
        var x = Tensor.Zeros(DType.Float32, 8);
        long misses = Jit.Cache.Misses;
        var l = Jit.Lower(df, x);
        Assert.AreEqual(misses, Jit.Cache.Misses, "lowering neither caches nor runs");
        StringAssert.Contains(l.Traced.ToString(), "tanh");
        StringAssert.Contains(l.Traced.ToString(), "cos", "the backward pass is part of the traced graph");
        StringAssert.Contains(l.Optimised.ToString(), "{ lambda a:f32[8] .");
        StringAssert.Contains(l.Kernels, "kernel program");
        StringAssert.Contains(l.Kernels, "loop");
        StringAssert.Contains(l.Code, "// k0");
        Assert.HasCount(5, l.Times);
        Assert.AreEqual(Device.Cpu, l.Device);
        var text = l.ToString();
        foreach (var header in new[] { "=== traced", "=== optimised", "=== kernels", "=== code", "=== times" })
            StringAssert.Contains(text, header);
    }

    [TestMethod]
    public void LowerShowsControlFlowBodiesAsNestedPrograms()
    {
        var f = (Tensor x) => ForLoop(4, (i, s) => Sin(s) * 2.0, x);
        var l = Jit.Lower(f, Tensor.Zeros(DType.Float64, 3));
        StringAssert.Contains(l.Kernels, "scan");
        StringAssert.Contains(l.Kernels, "body 0:");
        StringAssert.Contains(l.Kernels, "sin");
    }

    [TestMethod]
    public void LowerOnTheReferenceDeviceRunsGraphs()
    {
        var l = Jit.Lower((Tensor x) => Exp(x), Tensor.Zeros(DType.Float32, 2).To(Device.Reference));
        Assert.AreEqual(Device.Reference, l.Device);
        StringAssert.Contains(l.Code, "reference interpreter");
    }

    [TestMethod]
    public void DebugNansNamesThePrimitiveItsTypesAndTheSourceLine()
    {
        Jit.Config.DebugNans = true;
        try
        {
            Func<Tensor, Tensor> loss = w =>
            {
                var h = Tanh(w) - 0.5;
                var bad = Log(h);                       // the NaN: log of a negative number
                return Sum(bad * bad);
            };
            var w = Tensor.FromArray(new float[] { 2, -1, 0.1f }, 3);
            var compiled = Assert.ThrowsExactly<NotFiniteNumberException>(() => Jit.Compile(loss)(w));
            StringAssert.Contains(compiled.Message, "log");
            StringAssert.Contains(compiled.Message, "f32[3]");
            StringAssert.Contains(compiled.Message, "InspectionTests.cs:");
            var eager = Assert.ThrowsExactly<NotFiniteNumberException>(() => loss(w));
            StringAssert.Contains(eager.Message, "log");
            StringAssert.Contains(eager.Message, "InspectionTests.cs:");
            var grad = Assert.ThrowsExactly<NotFiniteNumberException>(() => Jit.Grad(loss)(w));
            StringAssert.Contains(grad.Message, "log");
        }
        finally
        {
            Jit.Config.DebugNans = false;
        }
        var fine = Jit.Compile((Tensor x) => Log(x))(Tensor.FromArray(new float[] { -1 }, 1));
        Assert.IsTrue(float.IsNaN(fine.ToFloatArray()[0]), "without the flag a NaN is just a value");
    }

    [TestMethod]
    public void ANanOfTheBackwardPassIsReportedAtTheForwardOpsLine()
    {
        Jit.Config.DebugNans = true;
        try
        {
            // sqrt(0) is fine forwards; its derivative 1/(2 sqrt(0)) times a zero cotangent is 0·inf = NaN.
            var grad = Jit.Grad((Tensor x) => Sum(Sqrt(x) * 0.0));
            var e = Assert.ThrowsExactly<NotFiniteNumberException>(() => grad(Tensor.Zeros(DType.Float32, 2)));
            StringAssert.Contains(e.Message, "InspectionTests.cs:");
        }
        finally
        {
            Jit.Config.DebugNans = false;
        }
    }

    [TestMethod]
    public void DumpWritesEveryStageOfEveryCompile()
    {
        string dir = Path.Combine(Path.GetTempPath(), "tracer-dump-" + Guid.NewGuid().ToString("N"));
        Jit.Config.DumpDirectory = dir;
        try
        {
            Jit.Grad((Tensor x) => Sum(Exp(x)))(Tensor.Zeros(DType.Float32, 4));
        }
        finally
        {
            Jit.Config.DumpDirectory = null;
        }
        var files = Directory.GetFiles(dir).Select(Path.GetFileName).Order().ToArray();
        Assert.HasCount(5, files, string.Join(", ", files));
        foreach (var stage in new[] { "1-traced", "2-optimised", "3-kernels", "4-code", "times" })
            Assert.IsTrue(files.Any(f => f!.Contains(stage, StringComparison.Ordinal)), stage);
        StringAssert.Contains(File.ReadAllText(Directory.GetFiles(dir, "*1-traced.txt")[0]), "exp");
        Directory.Delete(dir, recursive: true);
    }

    [TestMethod]
    public void CompileEventsCarryTheTimeOfEachStage()
    {
        var seen = new List<CompileEvent>();
        void Handler(CompileEvent e) => seen.Add(e);
        Jit.Cache.Compiled += Handler;
        try
        {
            Jit.Compile((Tensor x) => x * x)(Tensor.Zeros(DType.Float64, 3));
        }
        finally
        {
            Jit.Cache.Compiled -= Handler;
        }
        Assert.HasCount(1, seen);
        CollectionAssert.AreEqual(new[] { "trace", "transform", "optimise", "lower", "codegen" }, seen[0].Times.Select(t => t.Stage).ToArray());
        Assert.IsGreaterThan(TimeSpan.Zero, seen[0].Total);
        StringAssert.Contains(seen[0].Signature, "f64[3]");
    }

    [TestMethod]
    public void ThreadCountIsAPublicOption()
    {
        int saved = Jit.Config.CpuThreads;
        try
        {
            var f = Jit.Compile((Tensor x) => Sum(Exp(x)));
            f(Tensor.Zeros(DType.Float32, 10));
            Jit.Config.CpuThreads = 1;
            Assert.AreEqual(1, Jit.Config.CpuThreads);
            Assert.AreEqual(0, Jit.Cache.Count, "new options compile anew");
            Assert.AreEqual(10.0, f(Tensor.Zeros(DType.Float32, 10)).Item(), 1e-6);
            Assert.Throws<ArgumentOutOfRangeException>(() => Jit.Config.CpuThreads = 0);
        }
        finally
        {
            Jit.Config.CpuThreads = saved;
        }
    }

    [TestMethod]
    public void EveryCpuOptionIsReachable()
    {
        var saved = Jit.Config.Cpu;
        try
        {
            var f = (Tensor x) => Exp(x);
            var x = Tensor.Zeros(DType.Float32, 16);
            Assert.DoesNotContain("(vectorised)", Jit.Lower(f, x).Code, "a small kernel stays scalar by default");
            Jit.Config.Cpu = saved with { MinVectors = 1 };
            StringAssert.Contains(Jit.Lower(f, x).Code, "(vectorised)");
            Assert.AreEqual(1, Jit.Config.Cpu.MinVectors);
        }
        finally
        {
            Jit.Config.Cpu = saved;
        }
    }
}
