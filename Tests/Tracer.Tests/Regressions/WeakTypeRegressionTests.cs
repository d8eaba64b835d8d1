using static Tracer.Ops;

namespace Tracer.Tests;

/// <summary>
/// Regression tests for JAX's weak typing of C# numbers: <c>i / 2.0</c> on an i32 tensor used to stay i32 and
/// truncate, while <c>i * 2.5</c> gave f32 (the rule looked at the value, not at its C# type).
/// </summary>
[TestClass]
public class WeakTypeRegressionTests
{
    private static readonly Tensor I = Tensor.FromArray(new[] { 1, 2, 3 }, 3);
    private static readonly Tensor F = Tensor.FromArray(new float[] { 1, 2, 3 }, 3);
    private static readonly Tensor B = Tensor.FromArray(new[] { true, false, true }, 3);

    [TestMethod]
    public void AFloatNumberWithAnIntegerTensorGivesF32WhateverItsValue()
    {
        var half = I / 2.0;
        Assert.AreEqual(DType.Float32, half.DType);
        CollectionAssert.AreEqual(new float[] { 0.5f, 1, 1.5f }, half.ToFloatArray());
        Assert.AreEqual(DType.Float32, (I * 2.5).DType);
        Assert.AreEqual(DType.Float32, (2.0 - I).DType);
        Assert.AreEqual(DType.Float32, (I + 1f).DType);
        Assert.AreEqual(DType.Float32, Maximum(I, 0.0).DType);
        Assert.AreEqual(DType.Float32, (B * 1.0).DType);
        // Traced the same way as eager.
        var traced = Jit.Compile((Tensor x) => x / 2.0)(I);
        CollectionAssert.AreEqual(new float[] { 0.5f, 1, 1.5f }, traced.ToFloatArray());
    }

    [TestMethod]
    public void AnIntegerNumberKeepsTheTensorsDType()
    {
        var third = I / 2;
        Assert.AreEqual(DType.Int32, third.DType);
        CollectionAssert.AreEqual(new[] { 0, 1, 1 }, third.ToInt32Array());
        Assert.AreEqual(DType.Int32, (I * 3).DType);
        Assert.AreEqual(DType.Int32, Maximum(I, 2).DType);
        Assert.AreEqual(DType.Int32, Clamp(I, 0, 2).DType);
        Assert.AreEqual(DType.Int32, Where(Greater(I, 1), I, 0).DType);
        Assert.AreEqual(DType.Int32, (B + 1).DType);
        Assert.AreEqual(DType.Int32, Jit.Compile((Tensor x) => x * 2)(I).DType);
    }

    [TestMethod]
    public void FloatTensorsKeepTheirDTypeWithEitherKindOfNumber()
    {
        Assert.AreEqual(DType.Float32, (F * 2).DType);
        Assert.AreEqual(DType.Float32, (F * 2.0).DType);
        var d = Cast(F, DType.Float64);
        Assert.AreEqual(DType.Float64, (d / 3).DType);
        Assert.AreEqual(DType.Float64, Pow(d, 2).DType);
        Assert.AreEqual(DType.Bool, Greater(F, 1).DType);
        CollectionAssert.AreEqual(new[] { false, true, true }, Greater(I, 1.5).ToBoolArray());
    }
}
