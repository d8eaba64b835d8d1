using System.Linq.Expressions;
using System.Reflection;
using System.Reflection.Emit;
using FastExpressionCompiler;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// Puts generated kernel bodies where ILGPU can read them: ILGPU compiles IL of ordinary static methods, not dynamic
/// methods or compiled lambdas, so each program gets a collectible dynamic assembly with one static class whose
/// methods' IL FastExpressionCompiler writes straight from the expression trees (no closure: constants are inlined).
/// </summary>
internal static class KernelAssembly
{
    private static long sequence;

    /// <summary>One static method per lambda, named k{index}, in a fresh collectible assembly.</summary>
    public static MethodInfo[] Define(IReadOnlyList<(int Index, LambdaExpression Lambda)> kernels)
    {
        long n = Interlocked.Increment(ref sequence);
        var assembly = AssemblyBuilder.DefineDynamicAssembly(new AssemblyName($"TracerCudaKernels{n}"), AssemblyBuilderAccess.RunAndCollect);
        var module = assembly.DefineDynamicModule("kernels");
        var type = module.DefineType($"Program{n}", TypeAttributes.Public | TypeAttributes.Abstract | TypeAttributes.Sealed);
        foreach (var (index, lambda) in kernels)
        {
            var types = new Type[lambda.Parameters.Count];
            for (int i = 0; i < types.Length; i++) types[i] = lambda.Parameters[i].Type;
            var method = type.DefineMethod("k" + index, MethodAttributes.Public | MethodAttributes.Static, typeof(void), types);
            for (int i = 0; i < types.Length; i++) method.DefineParameter(i + 1, ParameterAttributes.None, lambda.Parameters[i].Name);
            if (!lambda.CompileFastToIL(method.GetILGenerator()))
                throw new NotSupportedException($"cuda: kernel k{index} uses an expression FastExpressionCompiler cannot emit as IL:\n{lambda.ToCSharpString()}");
        }
        var created = type.CreateType();
        var methods = new MethodInfo[kernels.Count];
        for (int i = 0; i < methods.Length; i++) methods[i] = created.GetMethod("k" + kernels[i].Index)!;
        return methods;
    }
}
