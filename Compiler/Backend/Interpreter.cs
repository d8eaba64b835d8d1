namespace Tracer.Compiler;

/// <summary>
/// The reference interpreter: evaluates a graph equation by equation with each primitive's reference
/// implementation. Slow and obviously right; every backend is tested against it.
/// </summary>
public sealed class Interpreter(IRuleSet rules) : IBackend
{
    public string Name => "interpreter";

    public IExecutable Compile(Graph graph)
    {
        if (graph.CaptureArray.Length > 0)
            throw new InvalidOperationException("a graph with captured values cannot be compiled on its own; inline it first");
        return new Executable(rules, graph);
    }

    /// <summary>Evaluates <paramref name="graph"/> once.</summary>
    public static Array[] Run(IRuleSet rules, Graph graph, Array[] inputs) => new Executable(rules, graph).Run(inputs);

    private sealed class Executable(IRuleSet rules, Graph graph) : IExecutable
    {
        public Array[] Run(Array[] inputs)
        {
            int size = 0;
            foreach (var n in graph.InputArray) size = Math.Max(size, n.Id + 1);
            foreach (var n in graph.EquationArray) size = Math.Max(size, n.Id + 1);
            var values = new Array?[size];
            for (int i = 0; i < graph.InputArray.Length; i++) values[graph.InputArray[i].Id] = inputs[i];
            foreach (var eq in graph.EquationArray)
            {
                values[eq.Id] = eq.Op switch
                {
                    OpCode.Literal => Fill(eq.DType, eq.Attrs.Value),
                    OpCode.Constant => eq.Attrs.Data!,
                    _ => Apply(eq, values),
                };
            }
            var outputs = new Array[graph.OutputArray.Length];
            for (int i = 0; i < outputs.Length; i++)
            {
                var v = values[graph.OutputArray[i].Id]!;
                outputs[i] = (Array)v.Clone();
            }
            return outputs;
        }

        private Array Apply(Node eq, Array?[] values)
        {
            var types = new TensorType[eq.InputArray.Length];
            var args = new Array[eq.InputArray.Length];
            for (int i = 0; i < args.Length; i++)
            {
                types[i] = eq.InputArray[i].Type;
                args[i] = values[eq.InputArray[i].Id]!;
            }
            return rules.Get(eq.Op).Evaluate(eq.Attrs, eq.Type, types, args);
        }

        public string Describe() => "reference interpreter over:\n" + graph;
    }

    /// <summary>A one-element host array holding <paramref name="value"/>.</summary>
    public static Array Fill(DType dtype, double value) => dtype switch
    {
        DType.Float32 => new[] { (float)value },
        DType.Float64 => new[] { value },
        DType.Int32 => new[] { (int)value },
        _ => new[] { value != 0 },
    };
}
