using Tracer.Compiler;
using Tracer.Compiler.Lowering;
using Tracer.Rules;
using Tracer.Runtime.Cuda;

namespace Tracer.Tests;

/// <summary>
/// The backend half of the conformance harness for CUDA: the emulator (ILGPU's CPU accelerator) by default, a real GPU
/// when TRACER_TEST_DEVICE=cuda (scripts/gpu-check.sh sets it on the GPU machine).
/// </summary>
internal static partial class Harness
{
    /// <summary>The device under test.</summary>
    public static CudaBackend Device => TestDevice.Backend;

    /// <summary>
    /// Lowers <paramref name="g"/> as it is and compiles it for the device under test. On the emulator every generated
    /// kernel is also compiled to PTX for SM_90, so each conformance graph checks what a GPU would compile too.
    /// </summary>
    public static DeviceRun CompileFast(Graph g)
    {
        var exe = (CudaExecutable)Device.Compile(Pipeline.Lower(g, new PipelineOptions(Device)));
        if (Device.IsEmulator)
        {
            string ptx = exe.Ptx(ILGPU.Runtime.Cuda.CudaArchitecture.SM_90);
            int entries = ptx.Split('\n').Count(l => l.StartsWith(".visible .entry", StringComparison.Ordinal));
            int kernels = exe.Program.Kernels.Count(k => k is LoopKernel or MatMulKernel);
            Assert.AreEqual(kernels, entries, $"one PTX entry per generated kernel\n{exe.Program}");
        }
        return new(Device, exe);
    }

    /// <summary>Runs <paramref name="g"/> on the interpreter and on the device and compares.</summary>
    public static void Check(Graph g, Array[] inputs, string what, bool crossCheckSystem = false)
    {
        _ = crossCheckSystem;   // a CPU-compiler cross-check; nothing to cross-check on the device
        var expected = Interpreter.Run(RuleTable.Default, g, inputs);
        var exe = CompileFast(g);
        Compare(expected, exe.Run(inputs), what, exe);
    }

    private static partial string ProgramText(object exe) => exe is DeviceRun d ? d.Program.ToString() : exe.ToString() ?? "";
}

/// <summary>A compiled device program run on host arrays: uploads, runs, downloads, and releases its device buffers.</summary>
internal sealed class DeviceRun(CudaBackend backend, CudaExecutable exe)
{
    public KernelProgram Program => exe.Program;

    public CudaExecutable Executable => exe;

    public Array[] Run(Array[] inputs) => exe.RunOnHostArrays(inputs);

    public string Describe() => exe.Describe();

    public override string ToString() => backend.Name + "\n" + Program;
}

/// <summary>Which CUDA device the tests run on.</summary>
internal static class TestDevice
{
    /// <summary>True when TRACER_TEST_DEVICE=cuda asks for the real GPU.</summary>
    public static bool OnGpu => Environment.GetEnvironmentVariable("TRACER_TEST_DEVICE") == "cuda";

    public static CudaBackend Backend => OnGpu ? CudaRuntime.Backend(0) : CudaRuntime.EmulatorDevice;
}
