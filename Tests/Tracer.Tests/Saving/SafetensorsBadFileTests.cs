using System.Text;

namespace Tracer.Tests.Saving;

/// <summary>Tree.Load on broken or mismatching files: a clear error naming the problem, and no tree returned.</summary>
[TestClass]
public class SafetensorsBadFileTests
{
    public TestContext TestContext { get; set; } = null!;

    private static readonly SavedLayer Template = new(Tensor.Zeros(DType.Float32, 2), Tensor.Zeros(DType.Int32, 1));

    /// <summary>A file whose header is <paramref name="header"/> (padded) followed by <paramref name="dataBytes"/> bytes 0..n-1.</summary>
    private string Write(string header, int dataBytes, ulong? declaredLength = null)
    {
        while (header.Length % 8 != 0) header += " ";
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes(declaredLength ?? (ulong)header.Length));
        bytes.AddRange(Encoding.UTF8.GetBytes(header));
        for (int i = 0; i < dataBytes; i++) bytes.Add((byte)(i % 2));
        string file = SafetensorsTests.TempFile(TestContext, "bad.safetensors");
        File.WriteAllBytes(file, bytes.ToArray());
        return file;
    }

    private static string Entry(string name, string dtype, string shape, long begin, long end) =>
        $"\"{name}\":{{\"dtype\":\"{dtype}\",\"shape\":[{shape}],\"data_offsets\":[{begin},{end}]}}";

    private static readonly string GoodHeader = "{" + Entry("W", "F32", "2", 0, 8) + "," + Entry("B", "I32", "1", 8, 12) + "}";

    private static void Fails<TException>(string file, string expected, SavedLayer? template = null) where TException : Exception
    {
        var e = Assert.ThrowsExactly<TException>(() => Tree.Load(template ?? Template, file));
        StringAssert.Contains(e.Message, expected);
        StringAssert.Contains(e.Message, "Tree.Load");
    }

    [TestMethod]
    public void TheGoodFileOfTheseTestsLoads()
    {
        var loaded = Tree.Load(Template, Write(GoodHeader, 12));
        Assert.AreEqual(new Shape(2), loaded.W.Shape);
    }

    [TestMethod]
    public void TruncatedFilesAreRejected()
    {
        string file = SafetensorsTests.TempFile(TestContext, "short.safetensors");
        File.WriteAllBytes(file, [1, 0, 0]);
        Fails<InvalidDataException>(file, "fewer than the 8-byte header length");
        Fails<InvalidDataException>(Write(GoodHeader, 10), "it is truncated");
    }

    [TestMethod]
    public void AHeaderLengthBeyondTheFileIsRejected() =>
        Fails<InvalidDataException>(Write(GoodHeader, 12, declaredLength: 1UL << 40), "reaches beyond the file");

    [TestMethod]
    public void AWrongHeaderIsRejected()
    {
        Fails<InvalidDataException>(Write("[1, 2, 3]", 0), "does not start with '{'");
        Fails<InvalidDataException>(Write("{\"W\": {\"dtype\": ", 0), "not valid JSON");
        Fails<InvalidDataException>(Write("{\"W\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8), "\"data_offsets\"");
        Fails<InvalidDataException>(Write("{" + Entry("W", "F16", "2", 0, 4) + "}", 4), "F16");
        Fails<InvalidDataException>(Write("{" + Entry("W", "F32", "-2", 0, 8) + "}", 8), "non-negative");
        Fails<InvalidDataException>(Write("{\"__metadata__\":{\"n\":3}," + GoodHeader[1..], 12), "__metadata__");
        Fails<InvalidDataException>(Write("{" + Entry("W", "F32", "2", 0, 8) + "," + Entry("W", "F32", "2", 8, 16) + "}", 16), "twice");
    }

    [TestMethod]
    public void OffsetsThatOverlapLeaveGapsOrMismatchTheShapeAreRejected()
    {
        Fails<InvalidDataException>(Write("{" + Entry("W", "F32", "2", 0, 8) + "," + Entry("B", "I32", "1", 4, 8) + "}", 8), "overlaps tensor 'W'");
        Fails<InvalidDataException>(Write("{" + Entry("W", "F32", "2", 4, 12) + "," + Entry("B", "I32", "1", 12, 16) + "}", 16), "unused bytes 0..4");
        Fails<InvalidDataException>(Write("{" + Entry("W", "F32", "2", 0, 12) + "," + Entry("B", "I32", "1", 12, 16) + "}", 16), "needs 8 bytes");
        Fails<InvalidDataException>(Write("{" + Entry("W", "F32", "2", 8, 0) + "}", 8), "end before they begin");
        Fails<InvalidDataException>(Write(GoodHeader, 20), "bytes after the last tensor");
    }

    [TestMethod]
    public void ShapeOrDTypeMismatchesWithTheTemplateAreRejected()
    {
        string file = Write(GoodHeader, 12);
        Fails<InvalidDataException>(file, "holds 'W' as f32[2] but the template's leaf is f32[3]",
            new SavedLayer(Tensor.Zeros(DType.Float32, 3), Tensor.Zeros(DType.Int32, 1)));
        Fails<InvalidDataException>(file, "holds 'B' as i32[1] but the template's leaf is f32[1]",
            new SavedLayer(Tensor.Zeros(DType.Float32, 2), Tensor.Zeros(DType.Float32, 1)));
    }

    [TestMethod]
    public void MissingAndExtraNamesAreListed()
    {
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            Tree.Load(Template, Write("{" + Entry("W", "F32", "2", 0, 8) + "," + Entry("Bias", "I32", "1", 8, 12) + "}", 12)));
        StringAssert.Contains(e.Message, "missing 'B'");
        StringAssert.Contains(e.Message, "not in the template 'Bias'");
        e = Assert.ThrowsExactly<InvalidDataException>(() => Tree.Load(Template, Write("{" + Entry("W", "F32", "2", 0, 8) + "}", 8)));
        StringAssert.Contains(e.Message, "missing 'B'");
    }

    [TestMethod]
    public void BooleansOtherThanZeroOrOneAreRejected()
    {
        string file = Write("{" + Entry("M", "BOOL", "3", 0, 3) + "}", 3);
        var bytes = File.ReadAllBytes(file);
        bytes[^1] = 2;
        File.WriteAllBytes(file, bytes);
        var e = Assert.ThrowsExactly<InvalidDataException>(() =>
            Tree.Load(new Dictionary<string, Tensor> { ["M"] = Tensor.Zeros(DType.Bool, 3) }, file));
        StringAssert.Contains(e.Message, "booleans are 0 or 1");
    }

    [TestMethod]
    public void AMissingFileNamesThePath()
    {
        string file = SafetensorsTests.TempFile(TestContext, "absent.safetensors");
        var e = Assert.ThrowsExactly<FileNotFoundException>(() => Tree.Load(Template, file));
        StringAssert.Contains(e.Message, "absent.safetensors");
    }
}
