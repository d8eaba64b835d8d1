using System.Buffers.Binary;
using System.Text;

namespace Tracer.Tests.Saving;

public sealed record SavedLayer(Tensor W, Tensor B);

public sealed record SavedNet(List<SavedLayer> Layers, Dictionary<string, Tensor> Tables, (Tensor Mask, Tensor Ids) Extra, double Rate, string Name);

/// <summary>Tree.Save / Tree.Load: safetensors round trips, naming, and files laid out by hand from the format's specification.</summary>
[TestClass]
public class SafetensorsTests
{
    public TestContext TestContext { get; set; } = null!;

    internal static string TempFile(TestContext context, string name)
    {
        string dir = Path.Combine(Path.GetTempPath(), "tracer-safetensors-tests", context.TestName ?? "test");
        Directory.CreateDirectory(dir);
        return Path.Combine(dir, name);
    }

    internal static SavedNet NewNet(int seed)
    {
        var rng = new Random(seed);
        return new SavedNet(
            [
                new SavedLayer(TestUtil.Random(rng, DType.Float32, -1, 1, 3, 4), TestUtil.Random(rng, DType.Float32, -1, 1, 4)),
                new SavedLayer(TestUtil.Random(rng, DType.Float64, -1, 1, 4, 2), TestUtil.Random(rng, DType.Float64, -1, 1, 2)),
            ],
            new Dictionary<string, Tensor> { ["zeta"] = TestUtil.Random(rng, DType.Float32, -5, 5, 2, 2, 2), ["alpha"] = Tensor.Scalar(rng.NextDouble()) },
            (Tensor.FromArray(new[] { true, false, rng.Next(2) == 1 }, 3), Tensor.FromArray(new[] { rng.Next(), -7, 0, int.MaxValue, int.MinValue, rng.Next() }, 2, 3)),
            0.5,
            "net");
    }

    [TestMethod]
    public void PathsNameMembersIndicesKeysAndTupleItems()
    {
        // Tuple element names are compile-time only, so tuple items are named Item1, Item2... as at run time.
        CollectionAssert.AreEqual(
            new[] { "Layers.0.W", "Layers.0.B", "Layers.1.W", "Layers.1.B", "Tables.alpha", "Tables.zeta", "Extra.Item1", "Extra.Item2" },
            Tree.Paths(NewNet(1)));
        CollectionAssert.AreEqual(new[] { "" }, Tree.Paths(Tensor.Scalar(1f)));
        CollectionAssert.AreEqual(new[] { "Item1", "Item2.Item1" }, Tree.Paths((Tensor.Scalar(1f), ValueTuple.Create(Tensor.Scalar(2f)))));
        CollectionAssert.AreEqual(new[] { "0", "1" }, Tree.Paths(new[] { Tensor.Scalar(1f), Tensor.Scalar(2f) }));
    }

    [TestMethod]
    public void RoundTripKeepsEveryDTypeShapeAndValueOfANestedTree()
    {
        var net = NewNet(2);
        string file = TempFile(TestContext, "net.safetensors");
        Tree.Save(net, file);

        var loaded = Tree.Load(NewNet(3), file);
        var expected = Tree.Leaves(net);
        var actual = Tree.Leaves(loaded);
        Assert.HasCount(expected.Length, actual);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.AreEqual(expected[i].DType, actual[i].DType);
            Assert.AreEqual(expected[i].Shape, actual[i].Shape);
            switch (expected[i].DType)
            {
                case DType.Float32: CollectionAssert.AreEqual(expected[i].ToFloatArray(), actual[i].ToFloatArray()); break;
                case DType.Float64: CollectionAssert.AreEqual(expected[i].ToDoubleArray(), actual[i].ToDoubleArray()); break;
                case DType.Int32: CollectionAssert.AreEqual(expected[i].ToInt32Array(), actual[i].ToInt32Array()); break;
                default: CollectionAssert.AreEqual(expected[i].ToBoolArray(), actual[i].ToBoolArray()); break;
            }
        }
        // Static leaves come from the template, not the file.
        Assert.AreEqual("net", loaded.Name);
        Assert.AreEqual(0.5, loaded.Rate);
    }

    [TestMethod]
    public void SavedFileHasTheSpecifiedLayout()
    {
        var tree = new SavedLayer(Tensor.FromArray(new float[] { 1, -2 }, 2), Tensor.FromArray(new[] { 7 }, 1, 1));
        string file = TempFile(TestContext, "layer.safetensors");
        Tree.Save(tree, file, new Dictionary<string, string> { ["format"] = "pt" });

        var bytes = File.ReadAllBytes(file);
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)n);
        Assert.AreEqual(
            "{\"__metadata__\":{\"format\":\"pt\"},\"W\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}," +
            "\"B\":{\"dtype\":\"I32\",\"shape\":[1,1],\"data_offsets\":[8,12]}}",
            header.TrimEnd(' '));
        Assert.AreEqual(0UL, n % 8, "the header is padded so the data starts 8-byte aligned");
        CollectionAssert.AreEqual(
            new byte[] { 0x00, 0x00, 0x80, 0x3F, 0x00, 0x00, 0x00, 0xC0, 0x07, 0x00, 0x00, 0x00 },
            bytes[(8 + (int)n)..]);
    }

    /// <summary>
    /// A file laid out by hand from the specification, the way the reference Python writer lays it out: metadata
    /// first, entries sorted by name but data ordered differently, the header padded with spaces.
    /// </summary>
    [TestMethod]
    public void LoadsAFileWrittenByHandFromTheSpecification()
    {
        string header = "{\"__metadata__\":{\"format\":\"pt\"}," +
            "\"B\":{\"dtype\":\"F64\",\"shape\":[],\"data_offsets\":[0,8]}," +
            "\"W\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[8,16]}}";
        while (header.Length % 8 != 0) header += " ";
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(new byte[] { 0, 0, 0, 0, 0, 0, 0xF8, 0x3F });   // 1.5 as f64
        bytes.AddRange(new byte[] { 0, 0, 0x40, 0x40, 0, 0, 0x80, 0xBF }); // 3, -1 as f32
        string file = TempFile(TestContext, "by-hand.safetensors");
        File.WriteAllBytes(file, bytes.ToArray());

        var template = new SavedLayer(Tensor.Zeros(DType.Float32, 2, 1), Tensor.Zeros(DType.Float64));
        var loaded = Tree.Load(template, file);
        CollectionAssert.AreEqual(new float[] { 3, -1 }, loaded.W.ToFloatArray());
        Assert.AreEqual(1.5, loaded.B.Item());
    }

    [TestMethod]
    public void EmptyTensorsAndASingleTensorTreeRoundTrip()
    {
        string file = TempFile(TestContext, "single.safetensors");
        Tree.Save(Tensor.FromArray(new double[] { 2, 4 }, 2), file);
        CollectionAssert.AreEqual(new double[] { 2, 4 }, Tree.Load(Tensor.Zeros(DType.Float64, 2), file).ToDoubleArray());

        var empty = new List<Tensor> { Tensor.Zeros(DType.Float32, 0, 3), Tensor.Ones(DType.Int32, 2) };
        Tree.Save(empty, file);
        var back = Tree.Load(empty, file);
        Assert.AreEqual(new Shape(0, 3), back[0].Shape);
        CollectionAssert.AreEqual(new[] { 1, 1 }, back[1].ToInt32Array());
    }

    [TestMethod]
    public void SaveOverwritesAndLeavesNoTemporaryFiles()
    {
        string file = TempFile(TestContext, "overwrite.safetensors");
        Tree.Save(NewNet(4), file);
        Tree.Save(Tensor.Scalar(1f), file);
        Assert.AreEqual(1.0, Tree.Load(Tensor.Scalar(0f), file).Item());
        Assert.HasCount(1, Directory.GetFiles(Path.GetDirectoryName(file)!));
    }

    [TestMethod]
    public void SaveRejectsDuplicatePathsAndTheReservedName()
    {
        string file = TempFile(TestContext, "dup.safetensors");
        var clash = new Dictionary<string, Dictionary<string, Tensor>>
        {
            ["a"] = new() { ["b.c"] = Tensor.Scalar(1f) },
            ["a.b"] = new() { ["c"] = Tensor.Scalar(2f) },
        };
        var e = Assert.ThrowsExactly<ArgumentException>(() => Tree.Save(clash, file));
        StringAssert.Contains(e.Message, "'a.b.c'");
        e = Assert.ThrowsExactly<ArgumentException>(() => Tree.Save(new Dictionary<string, Tensor> { ["__metadata__"] = Tensor.Scalar(1f) }, file));
        StringAssert.Contains(e.Message, "reserves");
        Assert.IsFalse(File.Exists(file));
    }
}
