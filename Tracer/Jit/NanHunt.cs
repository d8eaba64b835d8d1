using System.Diagnostics;
using Tracer.Compiler;

namespace Tracer;

/// <summary>
/// Jit.Config.DebugNans: finds the first primitive that produced a NaN. A compiled call whose outputs hold a NaN is
/// re-run equation by equation on the reference interpreter over its graph as traced (which carries the user's
/// source lines); an eager op is checked as it returns.
/// </summary>
internal static class NanHunt
{
    /// <summary>file:line of the innermost caller outside Tracer's own assemblies (the user's Ops call).</summary>
    public static string? UserSource()
    {
        var trace = new StackTrace(1, fNeedFileInfo: true);
        var ours = typeof(NanHunt).Assembly;
        var compiler = typeof(Graph).Assembly;
        for (int i = 0; i < trace.FrameCount; i++)
        {
            var frame = trace.GetFrame(i);
            var method = frame?.GetMethod();
            var assembly = method?.DeclaringType?.Assembly;
            if (assembly is null || assembly == ours || assembly == compiler) continue;
            if (assembly.GetName().Name is { } n && n.StartsWith("System.", StringComparison.Ordinal)) continue;
            string? file = frame!.GetFileName();
            return file is null ? $"{method!.DeclaringType!.Name}.{method.Name}" : $"{Path.GetFileName(file)}:{frame.GetFileLineNumber()}";
        }
        return null;
    }

    public static bool HasNan(Array a)
    {
        switch (a)
        {
            case float[] f:
                foreach (var v in f)
                {
                    if (float.IsNaN(v)) return true;
                }
                return false;
            case double[] d:
                foreach (var v in d)
                {
                    if (double.IsNaN(v)) return true;
                }
                return false;
            default:
                return false;
        }
    }

    /// <summary>After an eager op: throws when it turned NaN-free inputs into a NaN.</summary>
    public static void CheckEager(OpCode op, Attrs attrs, Tensor[] args, Tensor result)
    {
        if (!result.DType.IsFloat() || !HasNan(result.Data)) return;
        foreach (var a in args)
        {
            if (HasNan(a.Data)) return;   // propagated, not produced here
        }
        throw new NotFiniteNumberException(
            $"DebugNans: {op.Name()}{attrs.Format(op)} produced a NaN from inputs ({Types(args)}) at {UserSource() ?? "an unknown line"} (eager)", double.NaN);
    }

    /// <summary>After a compiled call of <paramref name="function"/>: throws naming the first NaN-producing equation.</summary>
    public static void CheckCall(string function, Graph traced, List<Tensor> inputs, Tensor[] outputs)
    {
        bool any = false;
        foreach (var o in outputs) any |= o.DType.IsFloat() && HasNan(o.Data);
        if (!any) return;
        var arrays = new Array[inputs.Count];
        for (int i = 0; i < arrays.Length; i++)
        {
            arrays[i] = inputs[i].Data;
            if (HasNan(arrays[i]))
                throw new NotFiniteNumberException($"DebugNans: {function} returned a NaN, and its input leaf {i} ({inputs[i].Type}) already holds one", double.NaN);
        }
        Interpreter.Evaluate(Dispatch.Rules, traced, arrays, (eq, args, value) =>
        {
            if (!eq.DType.IsFloat() || !HasNan(value)) return;
            foreach (var a in args)
            {
                if (HasNan(a)) return;
            }
            var types = new string[eq.Inputs.Count];
            for (int i = 0; i < types.Length; i++) types[i] = eq.Inputs[i].Type.ToString();
            throw new NotFiniteNumberException(
                $"DebugNans: {function} produced a NaN in {eq.Op.Name()}{eq.Attrs.Format(eq.Op)} on inputs ({string.Join(", ", types)}) " +
                $"at {eq.Source ?? "an unknown line (a value the transform created)"}", double.NaN);
        });
        throw new NotFiniteNumberException(
            $"DebugNans: {function} returned a NaN that the reference interpreter does not reproduce (a difference between the compiled code and the reference: please report it)", double.NaN);
    }

    private static string Types(Tensor[] args)
    {
        var types = new string[args.Length];
        for (int i = 0; i < types.Length; i++) types[i] = args[i].Type.ToString();
        return string.Join(", ", types);
    }
}
