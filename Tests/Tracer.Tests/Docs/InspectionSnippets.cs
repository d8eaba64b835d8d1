using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/inspection-and-debugging.md, run as tests.</summary>
[TestClass]
[DoNotParallelize]
public class InspectionSnippets
{
    // begin-snippet: nan-model
    // A heteroscedastic regression: the model predicts a mean and a variance for each sample, and the loss is the
    // Gaussian negative log-likelihood. The variance head is a plain linear layer, so it can go negative.
    public sealed record NoiseModel(Tensor WMean, Tensor WVar, Tensor BVar);

    static Tensor NegLogLikelihood(NoiseModel m, Tensor x, Tensor y)
    {
        var mean = MatMul(x, m.WMean);
        var variance = MatMul(x, m.WVar) + m.BVar;          // bug: nothing keeps this positive
        return Mean(Log(variance) + Square(y - mean) / variance);
    }
    // end-snippet

    private static (NoiseModel, Tensor, Tensor) Problem()
    {
        var x = Tensor.FromArray(new float[] { 1, 0.5f, -1, 2.5f, 0.3f, -0.7f, -2, 1 }, 4, 2);
        var y = Tensor.FromArray(new float[] { 1.5f, -0.5f, 0.2f, -3 }, 4, 1);
        var model = new NoiseModel(Tensor.FromArray(new float[] { 1, -0.5f }, 2, 1), Tensor.FromArray(new float[] { 0.4f, 0.1f }, 2, 1), Tensor.Scalar(0.2f));
        return (model, x, y);
    }

    [TestMethod]
    public void HuntTheNan()
    {
        var (model, x, y) = Problem();
        // begin-snippet: nan-hunt
        var step = Jit.ValueAndGrad<NoiseModel, Tensor, Tensor>(NegLogLikelihood);
        var (loss, _) = step(model, x, y);
        Console.WriteLine(loss);                    // prints f32[] NaN

        Jit.Config.DebugNans = true;                // records source lines while tracing; checks every result
        try
        {
            step(model, x, y);
        }
        catch (NotFiniteNumberException e)
        {
            Console.WriteLine(e.Message);   // prints DebugNans: ValueAndGrad(NegLogLikelihood) produced a NaN in log on inputs (f32[4,1]) at InspectionSnippets.cs:19
        }
        finally
        {
            Jit.Config.DebugNans = false;
        }
        // end-snippet
        Assert.AreEqual("f32[] NaN", loss.ToString());
        Jit.Config.DebugNans = true;
        try
        {
            var e = Assert.ThrowsExactly<NotFiniteNumberException>(() => step(model, x, y));
            StringAssert.Contains(e.Message, "log on inputs (f32[4,1])");
            StringAssert.Contains(e.Message, "InspectionSnippets.cs:19");
        }
        finally
        {
            Jit.Config.DebugNans = false;
        }
    }

    [TestMethod]
    public void LowerTheFixedModel()
    {
        var (model, x, y) = Problem();
        // begin-snippet: lower-fixed
        // The fix: a softplus keeps the variance positive. Then look at what the compiler makes of the gradient.
        Func<NoiseModel, Tensor, Tensor, Tensor> fixedLoss = (m, xs, ys) =>
        {
            var mean = MatMul(xs, m.WMean);
            var variance = Softplus(MatMul(xs, m.WVar) + m.BVar) + 1e-4;
            return Mean(Log(variance) + Square(ys - mean) / variance);
        };
        Lowered lowered = Jit.Lower(Jit.Grad(fixedLoss), model, x, y);
        Console.WriteLine(lowered.Optimised);       // the graph after simplification, CSE and DCE
        Console.WriteLine(lowered.Kernels);         // fused loops, GEMMs and buffers
        Console.WriteLine(lowered.Code);            // the generated C# of every kernel
        foreach (var stage in lowered.Times) Console.WriteLine(stage);   // trace 0.9 ms, transform 0.4 ms, ...
        // end-snippet
        StringAssert.Contains(lowered.Kernels, "matmul");
        Assert.IsFalse(float.IsNaN(Jit.Grad(fixedLoss)(model, x, y).WMean.ToFloatArray()[0]));
    }

    [TestMethod]
    public void WatchCompiles()
    {
        int savedCapacity = Jit.Cache.Capacity, savedThreads = Jit.Config.CpuThreads;
        var compiles = new List<CompileEvent>();
        // begin-snippet: watch-compiles
        void Explain(CacheMiss miss) => Console.WriteLine(miss.Explanation);   // why it traced again
        void Time(CompileEvent done)                                            // how long each stage took
        {
            Console.WriteLine(done);
            compiles.Add(done);
        }
        Jit.Cache.Miss += Explain;
        Jit.Cache.Compiled += Time;
        Jit.Cache.Capacity = 256;              // keep at most 256 compiled signatures (least recently used dropped)
        Jit.Config.CpuThreads = 1;             // one thread per kernel from now on (clears the cache)
        Jit.Config.DumpDirectory = Path.Combine(Path.GetTempPath(), "tracer-dump");   // or TRACER_DUMP=dir

        var norm = Jit.Compile((Tensor t) => Sqrt(Sum(Square(t))));
        norm(Tensor.Ones(DType.Float32, 3));   // prints Compile(WatchCompiles.lambda): first call with (f32[3])

        Jit.Cache.Miss -= Explain;
        Jit.Cache.Compiled -= Time;
        // end-snippet
        try
        {
            Assert.HasCount(1, compiles);
            Assert.IsNotEmpty(Directory.GetFiles(Jit.Config.DumpDirectory!));
        }
        finally
        {
            Directory.Delete(Jit.Config.DumpDirectory!, recursive: true);
            Jit.Config.DumpDirectory = null;
            Jit.Config.CpuThreads = savedThreads;
            Jit.Cache.Capacity = savedCapacity;
        }
    }
}
