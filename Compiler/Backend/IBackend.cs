namespace Tracer.Compiler;

/// <summary>A code generator: turns an optimised graph into something that runs.</summary>
public interface IBackend
{
    /// <summary>Short name for messages: "cpu", "cuda", "interpreter".</summary>
    string Name { get; }

    /// <summary>
    /// Compiles <paramref name="graph"/> (no captures; inputs and outputs as in the graph). Called once per cache
    /// entry, so it may take milliseconds; the returned executable is called many times, from many threads at once.
    /// </summary>
    IExecutable Compile(Graph graph);
}

/// <summary>A compiled graph. Thread-safe: concurrent calls do not share mutable state.</summary>
public interface IExecutable
{
    /// <summary>
    /// Runs on host arrays (row-major, one per graph input, types as the graph says, already checked by the caller)
    /// and returns newly allocated output arrays, one per graph output.
    /// </summary>
    Array[] Run(Array[] inputs);

    /// <summary>
    /// As <see cref="Run(Array[])"/>, writing the new output arrays into <paramref name="outputs"/> (one slot per graph
    /// output) instead of a new table: the cached call path reuses its table.
    /// </summary>
    void Run(Array[] inputs, Span<Array> outputs) => Run(inputs).CopyTo(outputs);

    /// <summary>Human-readable generated code (kernels as C#-like text), for inspection and debugging.</summary>
    string Describe();
}
