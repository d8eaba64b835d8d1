using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Docs;

/// <summary>The code of docs/errors.md, run as tests.</summary>
[TestClass]
public class ErrorSnippets
{
    [TestMethod]
    public void CatchingBadInput()
    {
        // begin-snippet: errors-catching
        var x = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, 2, 3);
        var pick = Jit.Compile((Tensor t, Tensor i) => Take(t, i, 1));
        try
        {
            pick(x, Tensor.FromArray(new[] { 0, 3 }, 2));   // axis 1 has size 3
        }
        catch (ArgumentOutOfRangeException e)
        {
            Console.WriteLine(e.Message);   // gather on axis 1 of f32[2,3] with indices i32[2]: index 3 is out of range ...
        }
        var ok = pick(x, Tensor.FromArray(new[] { 2, 0 }, 2));   // the same delegate keeps working: [[3, 1], [6, 4]]
        // end-snippet
        CollectionAssert.AreEqual(new float[] { 3, 1, 6, 4 }, ok.ToFloatArray());
    }

    [TestMethod]
    public void OptimiserStateMismatch()
    {
        // begin-snippet: errors-optimiser
        var opt = new Adam();
        var state = opt.Init((W: Tensor.Zeros(DType.Float32, 3), B: Tensor.Zeros(DType.Float32, 4)));
        var model = (W: Tensor.Zeros(DType.Float32, 1), B: Tensor.Zeros(DType.Float32, 1));
        string message = "";
        try
        {
            opt.Update(model, model, state);
        }
        catch (ArgumentException e)
        {
            message = e.Message;   // Adam.Update: state slot 0 at leaf 'Item1' is f32[3] but the model's leaf is f32[1]; ...
        }
        // end-snippet
        StringAssert.Contains(message, "Adam.Update: state slot 0 at leaf 'Item1' is f32[3] but the model's leaf is f32[1]");
    }
}
