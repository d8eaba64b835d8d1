using System.Globalization;
using Tracer.Nn;
using Tracer.Runtime.Cuda;
using Tracer.Training;
using static Tracer.Ops;

namespace Tracer.Tests.Docs;

// The test project has types of these names of its own; the snippets mean the layers.
using Chain = Tracer.Nn.Chain;
using Dense = Tracer.Nn.Dense;

/// <summary>The code of docs/gpu.md, run as tests (on the emulator: CI has no GPU).</summary>
[TestClass]
public class GpuSnippets
{
    [TestMethod]
    public void DigitsClassifierMovesToTheDeviceAndBack()
    {
        // begin-snippet: gpu-digits
        // The digits classifier of the examples: 64 pixels -> 64 hidden (ReLU) -> 10 logits, AdamW, one compiled step.
        var device = CudaRuntime.DeviceCount > 0 ? CudaRuntime.Device() : CudaRuntime.Emulator;
        var keys = Prng.Split(Prng.PRNGKey(1998), 2);
        var model = Chain.Of(Dense.Create(keys[0], 64, 64, Activation.Relu), Dense.Create(keys[1], 64, 10));
        var opt = new AdamW(learningRate: 3e-3, weightDecay: 1e-3);
        var step = Jit.Compile((Chain<Dense, Dense> m, OptimiserState<Chain<Dense, Dense>> s, Tensor x, Tensor y) =>
        {
            var (loss, grads) = Jit.ValueAndGrad((Chain<Dense, Dense> p, Tensor a, Tensor b) => Losses.CrossEntropy(p.Apply(a), b))(m, x, y);
            var (next, nextState) = opt.Update(m, grads, s);
            return (next, nextState, loss);
        });

        // Flux's `gpu`: move the parameters, the optimiser state and the data once; every step then runs there.
        var (images, labels) = Digits.Load();            // f32[1797,64] pixels in [0, 1], i32[1797] labels
        var onDevice = Tree.To(model, device);
        var state = opt.Init(onDevice);                  // optimiser state is made on its parameters' device
        var (xs, ys) = (Slice(images, [0, 0], [128, 64]).To(device), Slice(labels, [0], [128]).To(device));
        Tensor first = null!, last = null!;
        for (int i = 0; i < 15; i++)
        {
            (onDevice, state, var loss) = step(onDevice, state, xs, ys);
            if (i == 0) first = loss;
            last = loss;
        }
        Console.WriteLine(last.Item() < first.Item());   // prints True
        Console.WriteLine(onDevice.First.Weight.Device == device);   // prints True

        // Flux's `cpu`: bring the trained model back, e.g. to save it or to serve it without a GPU.
        var trained = Tree.To(onDevice, Device.Cpu);
        Console.WriteLine(trained.Second.Bias.Device);   // prints cpu
        // end-snippet
        var (cpuModel, cpuState) = (model, opt.Init(model));
        var (cx, cy) = (Slice(images, [0, 0], [128, 64]), Slice(labels, [0], [128]));
        Tensor cpuLoss = null!;
        for (int i = 0; i < 15; i++) (cpuModel, cpuState, cpuLoss) = step(cpuModel, cpuState, cx, cy);
        Assert.AreEqual(cpuLoss.Item(), last.Item(), 1e-4, "the device trains as the CPU does");
    }

    [TestMethod]
    public void TheEmulatorChecksGpuCodePathsInCi()
    {
        // begin-snippet: gpu-emulator
        // In a test project: the same compiled gradient on the CPU and through the generated GPU kernels, run by
        // ILGPU's CPU accelerator. No GPU or CUDA driver needed, so it runs on a laptop and in CI.
        var grad = Jit.Grad((Tensor t) => Sum(Square(Sin(t)) * t));
        var x = Tensor.FromArray(new double[] { 0.1, 0.2, 0.3, 0.4 }, 4);
        var onCpu = grad(x).ToDoubleArray();
        var onGpuKernels = grad(x.To(CudaRuntime.Emulator)).ToDoubleArray();
        Console.WriteLine(onCpu.Zip(onGpuKernels).Max(p => Math.Abs(p.First - p.Second)) < 1e-12);   // prints True
        // end-snippet
    }

    [TestMethod]
    public void ReadingThePtx()
    {
        // begin-snippet: gpu-ptx
        var x = Tensor.FromArray(new float[] { 0.5f, -1, 2, 3, 1, 0 }, 2, 3).To(CudaRuntime.Emulator);
        var lowered = Jit.Lower((Tensor t) => Sum(Tanh(t) * t, 1), x);
        Console.WriteLine(lowered.Kernels);   // the kernel program: buffers and fused loops
        Console.WriteLine(lowered.Code);      // how each kernel is launched, its body as C#, then its PTX
        // end-snippet
        StringAssert.Contains(lowered.Code, ".visible .entry");
    }

    /// <summary>The digits data set of Examples/DigitsClassifier (what its DigitsExample.Load reads).</summary>
    private static class Digits
    {
        public static (Tensor X, Tensor Y) Load()
        {
            var lines = File.ReadAllLines(Path.Combine(DocsPaths.Root(), "Examples", "DigitsClassifier", "data", "digits.csv")).Skip(1).Where(l => l.Length > 0).ToArray();
            var x = new float[lines.Length * 64];
            var y = new int[lines.Length];
            for (int i = 0; i < lines.Length; i++)
            {
                var cells = lines[i].Split(',');
                for (int j = 0; j < 64; j++) x[i * 64 + j] = int.Parse(cells[j], CultureInfo.InvariantCulture) / 16f;
                y[i] = int.Parse(cells[64], CultureInfo.InvariantCulture);
            }
            return (Tensor.FromArray(x, lines.Length, 64), Tensor.FromArray(y, lines.Length));
        }
    }
}
