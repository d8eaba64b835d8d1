using Tracer;
using Tracer.Distributed;
using Tracer.Nn;
using Tracer.Training;
using Model = Tracer.Nn.Chain<Tracer.Nn.Dense, Tracer.Nn.Chain<Tracer.Nn.Dropout, Tracer.Nn.Dense>>;

namespace DigitsClassifier;

/// <summary>
/// The digits model, its data split and its training loop, run in one process or data-parallel over MPI ranks.
/// Both modes draw the same minibatches and dropout masks from the same keys, so a data-parallel run takes the
/// same steps as a single-process run with the same global batch of 64.
/// </summary>
public sealed class DigitsTraining
{
    public const int Pixels = 64, Classes = 10, Hidden = 64, BatchSize = 64;

    private readonly PRNGKey[] keys;
    private readonly Func<Model, OptimiserState<Model>, (Tensor X, Tensor Y), Tensor, (Model, OptimiserState<Model>, Tensor)>? fusedStep;
    private readonly Func<Model, Tensor, Tensor, Tensor, (Tensor Value, Model Grad)>? parallelValueAndGrad;
    private readonly Func<Model, OptimiserState<Model>, Model, (Model, OptimiserState<Model>)>? update;
    private List<(Tensor X, Tensor Y)> batches = [];

    /// <summary>Loads the data and initialises the model; with <paramref name="parallel"/>, rank 0's model is broadcast.</summary>
    public DigitsTraining(string csvPath, DataParallel? parallel = null)
    {
        Parallel = parallel;
        var (x, y) = DigitsExample.Load(csvPath);
        keys = Prng.Split(Prng.PRNGKey(1998), 4);
        var ((trainX, trainY), (testX, testY)) = Data.Split(keys[0], x, y, testFraction: 0.2);
        (TrainX, TrainY, TestX, TestY) = (trainX, trainY, testX, testY);

        // begin-snippet: digits-model
        // 64 -> 64 (ReLU) -> dropout 0.2 -> 10 logits. The dropout layer has no parameters, only its static rate.
        Model = Chain.Of(Dense.Create(keys[1], Pixels, Hidden, Activation.Relu), new Dropout(0.2), Dense.Create(keys[2], Hidden, Classes));
        var opt = new AdamW(learningRate: 3e-3, weightDecay: 1e-3);

        Func<Model, Tensor, Tensor, Tensor, Tensor> loss = (m, xb, yb, mask) =>
            Losses.CrossEntropy(m.Second.Second.Apply(m.Second.First.Apply(m.First.Apply(xb), mask)), yb);
        if (parallel is null)
        {
            // One compiled training step: forward, backward and the optimiser update in a single graph. The dropout
            // mask comes in as data, drawn from an explicit key, so the step is traced once and never retraced. The
            // step consumes the old model, optimiser state and mask (donate): the next step's outputs reuse their memory.
            var valueAndGrad = Jit.ValueAndGrad(loss);
            fusedStep = Jit.Compile((Model m, OptimiserState<Model> s, (Tensor X, Tensor Y) batch, Tensor mask) =>
            {
                var (value, grads) = valueAndGrad(m, batch.X, batch.Y, mask);
                var (next, nextState) = opt.Update(m, grads, s);
                return (next, nextState, value);
            }, donate: [0, 1, 3]);
        }
        else
        {
            // Data-parallel: the gradient is compiled for this rank's shard, averaged over ranks between the two
            // compiled calls (MPI cannot run inside a graph), then every rank applies the same update.
            Model = parallel.Synchronize(Model);
            parallelValueAndGrad = parallel.ValueAndGrad(loss);
            update = Jit.Compile((Model m, OptimiserState<Model> s, Model g) => opt.Update(m, g, s), donate: [0, 1, 2]);
        }
        // end-snippet
        State = opt.Init(Model);
    }

    public DataParallel? Parallel { get; }
    public Tensor TrainX { get; }
    public Tensor TrainY { get; }
    public Tensor TestX { get; }
    public Tensor TestY { get; }
    public Model Model { get; private set; }
    public OptimiserState<Model> State { get; private set; }

    /// <summary>Full minibatches of <see cref="BatchSize"/> per epoch (the remainder is dropped).</summary>
    public int BatchesPerEpoch => TrainX.Shape[0] / BatchSize;

    /// <summary>Runs global step <paramref name="i"/> (steps must come in order) and returns the global batch's mean loss.</summary>
    public double Step(int i)
    {
        int epoch = i / BatchesPerEpoch;
        if (i % BatchesPerEpoch == 0) batches = Data.Minibatches(Prng.FoldIn(keys[3], (uint)epoch), TrainX, TrainY, BatchSize).ToList();
        var mask = Model.Second.First.Mask(Prng.FoldIn(Prng.FoldIn(keys[3], 1_000_000 + (uint)epoch), (uint)i), DType.Float32, BatchSize, Hidden);
        var batch = batches[i % BatchesPerEpoch];
        Tensor value;
        if (fusedStep is not null)
        {
            (Model, State, value) = fusedStep(Model, State, batch, mask);
        }
        else
        {
            (value, var grads) = parallelValueAndGrad!(Model, batch.X, batch.Y, mask);
            (Model, State) = update!(Model, State, grads);
        }
        return value.Item();
    }
}
