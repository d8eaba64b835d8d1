using System.Text.Json;
using Tracer.Tests.Training;

namespace Tracer.Tests;

/// <summary>
/// Reading the PyTorch fixtures under Tests/Tracer.Tests/Fixtures (each written by a committed script in scripts/ from
/// Debian's PyTorch): the parsed file, and JSON arrays as the arrays tensors are built from.
/// </summary>
internal static class TorchFixture
{
    /// <summary>The fixture <paramref name="file"/> (a file name in Tests/Tracer.Tests/Fixtures), parsed.</summary>
    public static JsonDocument Load(string file) => JsonDocument.Parse(File.ReadAllText(
        Path.Combine(TrainingTestUtil.Root(), "Tests", "Tracer.Tests", "Fixtures", file)));

    public static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(x => x.GetDouble()).ToArray();

    public static int[] Ints(JsonElement e) => e.EnumerateArray().Select(x => x.GetInt32()).ToArray();
}
