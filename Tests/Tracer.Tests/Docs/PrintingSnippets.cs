using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/printing-graphs.md, run as tests.</summary>
[TestClass]
public class PrintingSnippets
{
    [TestMethod]
    public void PrintSoftmaxCrossEntropy()
    {
        // begin-snippet: print-cross-entropy
        // Cross-entropy of a 3-class classifier's logits against one-hot labels.
        Func<Tensor, Tensor, Tensor> crossEntropy = (logits, onehot) => -Sum(LogSoftmax(logits, 1) * onehot) / 4.0;
        var logits = Tensor.Zeros(DType.Float32, 4, 3);
        var labels = Tensor.Zeros(DType.Float32, 4, 3);

        Graph forward = Jit.Trace(crossEntropy, logits, labels);
        Console.WriteLine(forward);                       // the forward graph

        Graph backward = Jit.Trace(Jit.Grad(crossEntropy), logits, labels);
        Console.WriteLine(backward);                      // forward + backward: what Grad compiles

        File.WriteAllText("cross_entropy.dot", backward.ToDot());   // render with: dot -Tsvg cross_entropy.dot
        // end-snippet
        StringAssert.Contains(forward.ToString(), "reduce_max");
        StringAssert.Contains(backward.ToString(), "exp");
        File.Delete("cross_entropy.dot");
    }
}
