using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/sharp-bits.md, run as tests: each surprise, and the message it produces.</summary>
[TestClass]
[DoNotParallelize]
public class SharpBitsSnippets
{
    [TestMethod]
    public void SideEffectsRunOncePerTrace()
    {
        // begin-snippet: side-effects
        int calls = 0;
        var f = Jit.Compile((Tensor x) =>
        {
            calls++;                                  // C# code runs while tracing, not when the compiled code runs
            Console.WriteLine($"tracing with {x}");
            return x * 2.0;
        });
        f(Tensor.Ones(DType.Float32, 3));
        f(Tensor.Ones(DType.Float32, 3));             // cached: nothing printed, calls stays 1
        f(Tensor.Ones(DType.Float32, 4));             // a new shape traces again
        Console.WriteLine(calls);                     // prints 2
        // end-snippet
        Assert.AreEqual(2, calls);
    }

    [TestMethod]
    public void StaticAndTracedValues()
    {
        // begin-snippet: static-values
        var scale = Jit.Compile((Tensor x, int power) => Pow(x, power));   // int: part of the cache key
        var x = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
        Console.WriteLine(scale(x, 2));               // prints f32[3] [1, 4, 9]
        Console.WriteLine(scale(x, 3));               // prints f32[3] [1, 8, 27]
        // end-snippet
        CollectionAssert.AreEqual(new float[] { 1, 8, 27 }, scale(x, 3).ToFloatArray());
    }

    [TestMethod]
    public void EscapedTracer()
    {
        // begin-snippet: escaped-tracer
        Tensor? leaked = null;
        var f = Jit.Compile((Tensor x) =>
        {
            leaked = Sin(x);                          // a symbolic tensor stored outside the trace
            return leaked;
        });
        f(Tensor.Zeros(DType.Float32, 2));
        try
        {
            Console.WriteLine(leaked! + 1.0);         // used after its trace ended
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine(e.Message);             // prints tensor f32[2] <traced b> is a tracer from a finished trace...
        }
        // end-snippet
    }

    [TestMethod]
    public void DataDependentPythonStyleIf()
    {
        // begin-snippet: data-dependent-if
        Func<Tensor, Tensor> clip = x => Where(Greater(x, 1.0), 1.0, x);   // not: if (x.Item() > 1) ...
        Console.WriteLine(Jit.Compile(clip)(Tensor.FromArray(new float[] { 0.5f, 2 }, 2)));   // prints f32[2] [0.5, 1]
        try
        {
            Jit.Compile((Tensor x) => x.Item() > 1 ? x : -x)(Tensor.Scalar(2f));
        }
        catch (InvalidOperationException e)
        {
            Console.WriteLine(e.Message);             // prints cannot read its values of tensor f32[] <traced a>: it is symbolic...
        }
        // end-snippet
    }
}
