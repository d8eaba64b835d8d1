using System.Linq.Expressions;
using System.Reflection;
using Tracer.Runtime.Cpu;

namespace Tracer.Runtime.Cuda;

/// <summary>
/// Rewrites a kernel body emitted by the shared <see cref="ScalarCodegen"/> for the GPU: calls of the CPU's scalar
/// functions that ILGPU cannot compile for a GPU become calls of their <see cref="DeviceMath"/> forms (same
/// parameter types). The CPU backend keeps its own calls, so its results do not change.
/// </summary>
internal sealed class DeviceFunctions : ExpressionVisitor
{
    private static readonly DeviceFunctions Instance = new();

    /// <summary>The names of <see cref="SpecialMath"/> functions that have a GPU form in <see cref="DeviceMath"/>.</summary>
    private static readonly string[] Replaced = [nameof(SpecialMath.Erfc), nameof(SpecialMath.Polygamma)];

    /// <summary><paramref name="lambda"/> with every replaced call substituted.</summary>
    public static LambdaExpression Substitute(LambdaExpression lambda) => (LambdaExpression)Instance.Visit(lambda);

    /// <inheritdoc/>
    protected override Expression VisitMethodCall(MethodCallExpression node)
    {
        var call = (MethodCallExpression)base.VisitMethodCall(node);
        if (call.Method.DeclaringType != typeof(SpecialMath) || Array.IndexOf(Replaced, call.Method.Name) < 0) return call;
        var types = new Type[call.Arguments.Count];
        for (int i = 0; i < types.Length; i++) types[i] = call.Arguments[i].Type;
        var device = typeof(DeviceMath).GetMethod(call.Method.Name, BindingFlags.Public | BindingFlags.Static, types)
            ?? throw new InvalidOperationException($"cuda: DeviceMath has no {call.Method.Name} for {string.Join(", ", (object[])types)}");
        return Expression.Call(device, call.Arguments);
    }
}
