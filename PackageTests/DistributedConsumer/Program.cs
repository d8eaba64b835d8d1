using System.Globalization;
using Tracer;
using Tracer.Distributed;
using Tracer.Nn;
using Tracer.Training;
using Model = Tracer.Nn.Chain<Tracer.Nn.Dense, Tracer.Nn.Dense>;

// Every rank runs this program (mpirun -np N dotnet DistributedConsumer.dll digits.csv) and trains the digits
// classifier data-parallel: each rank computes the gradient of its share of every global batch, the shares are
// averaged, and every rank applies the same update. Rank 0 prints one line that DistributedPackageTests checks.
const int Pixels = 64, Classes = 10, Hidden = 32;

var world = Communicator.World;
var (x, y) = LoadDigits(args[0]);
var ((trainX, trainY), (testX, testY)) = Data.Split(Prng.PRNGKey(1), x, y, testFraction: 0.2);

var parallel = new DataParallel(world);
// Each rank draws different initial values on purpose: Synchronize must make the replicas equal (rank 0's values).
var keys = Prng.Split(Prng.PRNGKey(42 + world.Rank), 2);
var model = parallel.Synchronize(Chain.Of(Dense.Create(keys[0], Pixels, Hidden, Activation.Relu), Dense.Create(keys[1], Hidden, Classes)));
var opt = new Adam(learningRate: 1e-2);
var state = opt.Init(model);
var valueAndGrad = parallel.ValueAndGrad((Model m, Tensor xb, Tensor yb) => Losses.CrossEntropy(m.Apply(xb), yb));
// The same key on every rank, so every rank sees the same global batches (and shards its own rows of each).
var batches = Data.Minibatches(Prng.PRNGKey(2), trainX, trainY, 128).ToList();
double loss = 0;
for (int step = 0; step < 150; step++)
{
    var (xb, yb) = batches[step % batches.Count];
    var (value, grads) = valueAndGrad(model, xb, yb);
    (model, state) = opt.Update(model, grads, state);
    loss = value.Item();
}
parallel.CheckReplicasAgree(model);   // bit-identical replicas, or a ReplicaMismatchException on every rank

if (world.IsRoot)
{
    var logits = model.Apply(testX).ToFloatArray();
    var labels = testY.ToInt32Array();
    int correct = 0;
    for (int i = 0; i < labels.Length; i++)
    {
        int best = 0;
        for (int c = 1; c < Classes; c++) if (logits[i * Classes + c] > logits[i * Classes + best]) best = c;
        if (best == labels[i]) correct++;
    }
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"ranks {world.Size} loss {loss:F4} accuracy {(double)correct / labels.Length:F4} replicas agree"));
}
world.Dispose();

static (Tensor X, Tensor Y) LoadDigits(string path)
{
    var rows = new List<string>();
    var lines = File.ReadAllLines(path);
    for (int i = 1; i < lines.Length; i++) if (lines[i].Length > 0) rows.Add(lines[i]);
    var x = new float[rows.Count * Pixels];
    var y = new int[rows.Count];
    for (int i = 0; i < rows.Count; i++)
    {
        var cells = rows[i].Split(',');
        for (int j = 0; j < Pixels; j++) x[i * Pixels + j] = int.Parse(cells[j], CultureInfo.InvariantCulture) / 16f;
        y[i] = int.Parse(cells[Pixels], CultureInfo.InvariantCulture);
    }
    return (Tensor.FromArray(x, rows.Count, Pixels), Tensor.FromArray(y, rows.Count));
}
