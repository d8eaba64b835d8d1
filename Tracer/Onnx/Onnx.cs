using Tracer.Compiler;
using static Tracer.OnnxFields;

namespace Tracer;

/// <summary>
/// Writes traced functions as ONNX models (opset 18), which ONNX Runtime and other ONNX tools run. The function is
/// traced at the example arguments' types (as <see cref="Jit.Trace{T, R}(Func{T, R}, T)"/> does; a delegate from
/// <see cref="Jit.Grad{T}(Func{T, Tensor})"/> exports its gradient), optimised, and each primitive written as its
/// ONNX operator. Shapes are fixed to the examples'. Tensors the function closes over (e.g. a trained model's
/// weights) become initializers inside the file; tensor arguments become the model's inputs.
/// </summary>
public static class Onnx
{
    /// <summary>The ONNX operator set the exported models use.</summary>
    public const int Opset = 18;

    /// <summary>The ONNX IR version written (the one that introduced opset 18).</summary>
    private const long IrVersion = 8;

    /// <summary>
    /// Exports <paramref name="f"/> traced at <paramref name="x"/>'s types to <paramref name="path"/>. Inputs are named
    /// <c>input</c> (a single tensor) or <c>input.{path}</c> after the tree paths of <see cref="Tree.Paths{T}"/>;
    /// outputs <c>output</c>, or <c>output0</c>, <c>output1</c>... when the result has several tensors.
    /// </summary>
    /// <exception cref="NotSupportedException">The function uses a primitive with no ONNX equivalent; the message names it.</exception>
    public static void Export<T, R>(Func<T, R> f, string path, T x) =>
        Write(Jit.Trace(f, x), path, [Names("input", x)]);

    /// <summary>Exports a function of two arguments; inputs are named <c>input0...</c> and <c>input1...</c>.</summary>
    public static void Export<T, A, R>(Func<T, A, R> f, string path, T x, A a) =>
        Write(Jit.Trace(f, x, a), path, [Names("input0", x), Names("input1", a)]);

    /// <summary>Exports a function of three arguments; inputs are named <c>input0...</c> to <c>input2...</c>.</summary>
    public static void Export<T, A, B, R>(Func<T, A, B, R> f, string path, T x, A a, B b) =>
        Write(Jit.Trace(f, x, a, b), path, [Names("input0", x), Names("input1", a), Names("input2", b)]);

    /// <summary>Exports a function of four arguments; inputs are named <c>input0...</c> to <c>input3...</c>.</summary>
    public static void Export<T, A, B, C, R>(Func<T, A, B, C, R> f, string path, T x, A a, B b, C c) =>
        Write(Jit.Trace(f, x, a, b, c), path, [Names("input0", x), Names("input1", a), Names("input2", b), Names("input3", c)]);

    private static string[] Names<T>(string prefix, T argument)
    {
        var paths = Tree.Paths(argument);
        for (int i = 0; i < paths.Length; i++) paths[i] = paths[i].Length == 0 ? prefix : prefix + "." + paths[i];
        return paths;
    }

    private static void Write(Graph traced, string path, string[][] argumentNames)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (traced.Captures.Count > 0)
            throw new InvalidOperationException("Onnx.Export: call it outside of traced functions (the function closes over values of an enclosing trace)");
        // Custom rules are expanded to their forward computation and stop_gradient dropped: the file is for inference.
        var graph = Optimizer.Run(traced, new OptimizeOptions(Final: true));

        var inputNames = new List<string>();
        foreach (var names in argumentNames) inputNames.AddRange(names);
        if (inputNames.Count != graph.Inputs.Count)
        {
            // Leaves traced as inputs that are not tensors (double and float leaves) have no tree path: number them all.
            inputNames.Clear();
            for (int i = 0; i < graph.Inputs.Count; i++) inputNames.Add($"input_{i}");
        }
        var outputNames = new string[graph.Outputs.Count];
        for (int i = 0; i < outputNames.Length; i++) outputNames[i] = outputNames.Length == 1 ? "output" : $"output{i}";

        var model = new ProtoMessage()
            .Int64(ModelIrVersion, IrVersion)
            .String(ModelProducerName, "Tracer")
            .String(ModelProducerVersion, typeof(Onnx).Assembly.GetName().Version?.ToString() ?? "0")
            .Message(ModelGraph, OnnxGraphWriter.Write(graph, "tracer_graph", inputNames, outputNames))
            .Message(ModelOpsetImport, new ProtoMessage().String(OpsetDomain, "").Int64(OpsetVersion, Opset));
        var bytes = model.ToArray();

        // Written beside the destination and moved into place: a failed export never leaves a partial file.
        string full = Path.GetFullPath(path);
        string temp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }
}
