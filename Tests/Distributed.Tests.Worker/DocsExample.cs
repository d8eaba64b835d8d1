using Tracer;
using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Distributed.Worker;

/// <summary>The training loop of docs/distributed.md, run by every rank of the test jobs.</summary>
internal static class DocsExample
{
    public static double Train(Communicator world, Linear initial, Tensor x, Tensor y)
    {
        // begin-snippet: data-parallel-loop
        // Every rank runs this same code (mpirun -np N dotnet Train.dll) over the same global batch x, y. Each rank
        // takes its share of the rows; the shares' gradients are averaged, so every rank applies the same update.
        var parallel = new DataParallel(world);
        var model = parallel.Synchronize(initial);        // rank 0's initial values on every rank
        var opt = new Adam(learningRate: 0.05);
        var state = opt.Init(model);
        var valueAndGrad = parallel.ValueAndGrad((Linear m, Tensor xb, Tensor yb) => Mean(Square(MatMul(xb, m.W) + m.B - yb)));
        var update = Jit.Compile((Linear m, OptimiserState<Linear> s, Linear g) => opt.Update(m, g, s));
        double loss = 0;
        for (int step = 0; step < 50; step++)
        {
            var (value, grads) = valueAndGrad(model, x, y);   // the global batch's loss and gradient, on every rank
            (model, state) = update(model, state, grads);
            loss = value.Item();
        }
        parallel.CheckReplicasAgree(model);               // bit-identical replicas, or a ReplicaMismatchException
        if (world.IsRoot) Console.WriteLine($"loss {loss:F4} after 50 steps on {world.Size} ranks");
        // end-snippet
        return loss;
    }
}
