using Tracer.Nn;
using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Training;

using Dense = Tracer.Nn.Dense;   // Tracer.Tests has a Dense of its own

/// <summary>The code of docs/training.md, optimisers.md, layers.md and the example pages, run as tests.</summary>
[TestClass]
public class TrainingDocsSnippets
{
    // begin-snippet: enzyme-kinetics-model
    /// <summary>Michaelis-Menten kinetics: reaction rate v = VMax * s / (Km + s) at substrate concentration s.</summary>
    public sealed record Enzyme(Tensor VMax, Tensor Km)
    {
        public Tensor Rate(Tensor s) => VMax * s / (Km + s);
    }
    // end-snippet

    [TestMethod]
    public void EnzymeKinetics()
    {
        // begin-snippet: enzyme-kinetics-fit
        // Initial rates (uM/min) measured at eight substrate concentrations (uM).
        var s = Tensor.FromArray(new double[] { 0.5, 1, 2, 4, 8, 16, 32, 64 }, 8);
        var v = Tensor.FromArray(new double[] { 0.92, 1.68, 2.86, 4.31, 5.85, 7.02, 7.84, 8.31 }, 8);

        var model = new Enzyme(VMax: Tensor.Scalar(5.0), Km: Tensor.Scalar(1.0));   // a rough guess
        var grad = Jit.Grad((Enzyme m, Tensor conc, Tensor rate) => Losses.MeanSquaredError(m.Rate(conc), rate));

        var opt = new Adam(learningRate: 0.05);
        var state = opt.Init(model);              // Adam's moments, shaped like the model, and the step count
        for (int i = 0; i < 3000; i++)
            (model, state) = opt.Update(model, grad(model, s, v), state);

        Console.WriteLine($"VMax {model.VMax.Item():F2} uM/min, Km {model.Km.Item():F2} uM");   // prints VMax 8.87 uM/min, Km 4.21 uM
        // end-snippet
        Assert.AreEqual(8.871, model.VMax.Item(), 0.01);   // scipy.optimize.curve_fit gives 8.8712, 4.2116
        Assert.AreEqual(4.212, model.Km.Item(), 0.02);
        Assert.AreEqual(3000.0, state.Step.Item());
    }

    [TestMethod]
    public void CompiledTrainingStep()
    {
        var s = Tensor.FromArray(new double[] { 0.5, 1, 2, 4, 8, 16, 32, 64 }, 8);
        var v = Tensor.FromArray(new double[] { 0.92, 1.68, 2.86, 4.31, 5.85, 7.02, 7.84, 8.31 }, 8);
        // begin-snippet: compiled-training-step
        var opt = new Adam(learningRate: 0.05);
        var valueAndGrad = Jit.ValueAndGrad((Enzyme m, Tensor conc, Tensor rate) => Losses.MeanSquaredError(m.Rate(conc), rate));
        // Loss, gradient and update in one graph; the state is a tree too, so it goes in and out like the model.
        var step = Jit.Compile((Enzyme m, OptimiserState<Enzyme> st, Tensor conc, Tensor rate) =>
        {
            var (loss, grads) = valueAndGrad(m, conc, rate);
            var (next, nextState) = opt.Update(m, grads, st);
            return (next, nextState, loss);
        });

        var model = new Enzyme(Tensor.Scalar(5.0), Tensor.Scalar(1.0));
        var state = opt.Init(model);
        Tensor mse = Tensor.Scalar(0.0);
        for (int i = 0; i < 3000; i++) (model, state, mse) = step(model, state, s, v);
        // end-snippet
        Assert.IsLessThan(0.01, mse.Item());
    }

    [TestMethod]
    public void Rosenbrock()
    {
        // begin-snippet: rosenbrock-chain
        // Rosenbrock's banana valley, f(x, y) = (1 - x)^2 + 100 (y - x^2)^2, minimum at (1, 1): steep walls, flat
        // floor. Clipping the gradient's norm tames the first steps on the walls; Adam then follows the floor.
        Func<Tensor[], Tensor> rosenbrock = p => Square(1.0 - p[0]) + 100.0 * Square(p[1] - Square(p[0]));
        var grad = Jit.Grad(rosenbrock);

        var opt = new OptimiserChain(new ClipNorm(maxNorm: 1.0), new Adam(learningRate: 0.02));
        Tensor[] p = [Tensor.Scalar(-1.5), Tensor.Scalar(2.0)];
        var state = opt.Init(p);
        for (int i = 0; i < 5000; i++) (p, state) = opt.Update(p, grad(p), state);
        Console.WriteLine($"x {p[0].Item():F3}, y {p[1].Item():F3}");   // prints x 0.999, y 1.000
        // end-snippet
        double[] r = [p[0].Item(), p[1].Item()];
        Assert.AreEqual(1.0, r[0], 0.01);
        Assert.AreEqual(1.0, r[1], 0.02);
    }

    [TestMethod]
    public void WeekdayTraffic()
    {
        // begin-snippet: weekday-traffic-model
        // Hourly traffic counts depend on the weekday (a learned 4-number embedding) and the hour of the day
        // (sin/cos features); a LayerNorm and a small tanh network combine them.
        var keys = Prng.Split(Prng.PRNGKey(31), 3);
        var days = Embedding.Create(keys[0], vocabulary: 7, dimension: 4);
        var net = Chain.Of(LayerNorm.Create(6), Dense.Create(keys[1], 6, 16, Activation.Tanh), Dense.Create(keys[2], 16, 1));
        var model = (Days: days, Net: net);
        Console.WriteLine(Tree.Structure(model));   // the parameter tree: every tensor is trainable, nothing hidden

        Func<(Embedding Days, Chain<LayerNorm, Chain<Dense, Dense>> Net), Tensor, Tensor, Tensor> predict = (m, day, hour) =>
        {
            var angle = hour * (2 * Math.PI / 24);
            var features = Concat(1, m.Days.Apply(day), ExpandDims(Sin(angle), 1), ExpandDims(Cos(angle), 1));
            return Squeeze(m.Net.Apply(features), 1);
        };
        // end-snippet

        // Synthetic week: rush hours on weekdays, a late bump at weekends (counts in thousands).
        var dayList = new List<int>();
        var hourList = new List<float>();
        var countList = new List<float>();
        for (int d = 0; d < 7; d++)
        {
            for (int h = 0; h < 24; h++)
            {
                bool weekend = d >= 5;
                double c = weekend ? 0.6 + 0.5 * Math.Exp(-Math.Pow(h - 14, 2) / 18)
                    : 0.4 + Math.Exp(-Math.Pow(h - 8, 2) / 3) + Math.Exp(-Math.Pow(h - 17, 2) / 4);
                dayList.Add(d);
                hourList.Add(h);
                countList.Add((float)c);
            }
        }
        var dayT = Tensor.FromArray(dayList.ToArray(), dayList.Count);
        var hourT = Tensor.FromArray(hourList.ToArray(), hourList.Count);
        var countT = Tensor.FromArray(countList.ToArray(), countList.Count);

        // begin-snippet: weekday-traffic-train
        var valueAndGrad = Jit.ValueAndGrad((
            (Embedding Days, Chain<LayerNorm, Chain<Dense, Dense>> Net) m, Tensor day, Tensor hour, Tensor count) =>
            Losses.Huber(predict(m, day, hour), count, delta: 0.5));
        var opt = new AdamW(learningRate: 0.01, weightDecay: 1e-4);
        var state = opt.Init(model);
        double first = 0, last = 0;
        for (int epoch = 0; epoch < 1500; epoch++)
        {
            var (loss, grads) = valueAndGrad(model, dayT, hourT, countT);
            (model, state) = opt.Update(model, grads, state);
            if (epoch == 0) first = loss.Item();
            last = loss.Item();
        }
        Console.WriteLine($"Huber loss {first:F3} -> {last:F5}");
        // end-snippet
        Assert.IsLessThan(0.05 * first, last, $"{first} -> {last}");
    }

    [TestMethod]
    public void PseudoHuberRule()
    {
        // begin-snippet: pseudo-huber-rule
        const double delta = 0.5;
        // Pseudo-Huber: quadratic near zero, linear in the tails; the pullback reuses the forward's square root.
        Func<Tensor, Tensor> pseudoHuber = Rule.Define("doc_pseudo_huber", r =>
        {
            var root = Sqrt(1.0 + Square(r / delta));
            return (delta * delta * (root - 1.0), dy => dy * r / root);
        });
        var report = Rule.Check(pseudoHuber, Tensor.FromArray(new double[] { -3, -0.2, 0.05, 2 }, 4));
        Console.WriteLine(report.Passed);   // prints True
        // end-snippet
        Assert.IsTrue(report.Passed, string.Join("; ", report.Failures));
    }

    [TestMethod]
    public void PendulumThroughScan()
    {
        // begin-snippet: scan-sensitivity
        // How sensitive is the final angle of a pendulum (theta'' = -(g/L) sin theta) to its length?
        // The 500-step integrator is one Scan; its derivative is a backward scan, not 500 unrolled copies.
        Func<Tensor, Tensor> finalAngle = length =>
        {
            var steps = Tensor.Zeros(DType.Float64, 500);
            var ((theta, _), _) = Scan<(Tensor Theta, Tensor Omega), Tensor, Tensor>((s, _) =>
            {
                var omega = s.Omega - 0.01 * (9.81 / length) * Sin(s.Theta);
                return ((s.Theta + 0.01 * omega, omega), s.Theta);
            }, (Tensor.Scalar(0.3), Tensor.Scalar(0.0)), steps);
            return theta;
        };
        var dThetaDLength = Jit.Grad(finalAngle)(Tensor.Scalar(1.0));
        // end-snippet
        double h = 1e-5;
        double fd = (finalAngle(Tensor.Scalar(1.0 + h)).Item() - finalAngle(Tensor.Scalar(1.0 - h)).Item()) / (2 * h);
        Assert.AreEqual(fd, dThetaDLength.Item(), 1e-5 * Math.Max(1, Math.Abs(fd)));
    }

    [TestMethod]
    public void DigitsLoading()
    {
        // begin-snippet: dropout-mask-as-data
        // Dropout's randomness is explicit: draw the mask from a key outside the compiled step and pass it in.
        var dropout = new Dropout(0.2);
        var key = Prng.PRNGKey(1998);
        var epochKeys = Prng.Split(key, 3);                       // one key per epoch, never reused
        var mask = dropout.Mask(epochKeys[0], DType.Float32, 64, 32);
        Func<Tensor, Tensor, Tensor> hidden = (x, m) => dropout.Apply(Relu(x), m);
        var h = Jit.Compile(hidden)(Prng.Normal(epochKeys[1], 64, 32), mask);
        // end-snippet
        var hv = h.ToFloatArray();
        Assert.AreEqual(64 * 32, hv.Length);
        Assert.IsTrue(hv.All(v => v >= 0));
    }
}
