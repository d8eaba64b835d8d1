// Logistic regression on a generated two-class data set, trained with Jit.ValueAndGrad.
// Run: dotnet run --project Examples/LogisticRegression
using Tracer;
using static Tracer.Ops;

const int Samples = 2000, Features = 2, Steps = 200;
const double LearningRate = 0.5;

// Two Gaussian clouds: class 1 centred at (1.5, 1), class 0 at (-1, -1.5).
var rng = new Random(42);
var xs = new float[Samples * Features];
var ys = new float[Samples];
for (int i = 0; i < Samples; i++)
{
    bool positive = i % 2 == 0;
    xs[2 * i] = (float)(Gaussian(rng) + (positive ? 1.5 : -1.0));
    xs[2 * i + 1] = (float)(Gaussian(rng) + (positive ? 1.0 : -1.5));
    ys[i] = positive ? 1 : 0;
}
var x = Tensor.FromArray(xs, Samples, Features);
var y = Tensor.FromArray(ys, Samples);

// begin-snippet: logistic-regression
// Parameters are an explicit tree: weights and bias.
Tensor[] parameters = [Tensor.Zeros(DType.Float32, Features), Tensor.Zeros(DType.Float32)];

// Binary cross-entropy with logits, written stably: softplus(z) - y*z.
Func<Tensor[], Tensor, Tensor, Tensor> loss = (p, data, labels) =>
{
    var logits = MatMul(data, p[0]) + p[1];
    return Mean(Softplus(logits) - labels * logits);
};

Console.WriteLine("The traced loss:");
Console.WriteLine(Jit.Trace(loss, parameters, x, y));
Console.WriteLine();

var valueAndGrad = Jit.ValueAndGrad(loss);
var watch = System.Diagnostics.Stopwatch.StartNew();
for (int step = 0; step <= Steps; step++)
{
    var (value, grads) = valueAndGrad(parameters, x, y);
    parameters = [parameters[0] - grads[0] * LearningRate, parameters[1] - grads[1] * LearningRate];
    if (step % 25 == 0) Console.WriteLine($"step {step,4}  loss {value.Item():F4}");
}
// end-snippet
watch.Stop();

var predicted = Greater(MatMul(x, parameters[0]) + parameters[1], 0.0);
double accuracy = Mean(Cast(Equal(Cast(predicted, DType.Float32), y), DType.Float32)).Item();
Console.WriteLine();
Console.WriteLine($"weights {parameters[0]}, bias {parameters[1]}");
Console.WriteLine($"training accuracy {accuracy:P1} after {Steps} steps in {watch.ElapsedMilliseconds} ms " +
                  $"(cache: {Jit.Cache.Misses} compile, {Jit.Cache.Hits} hits)");

static double Gaussian(Random rng) =>
    Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
